#version 450
// RESIZE_BILINEAR (OP 0) and RESIZE_NEAREST_NEIGHBOR (OP 1) of NHWC data
// with TFLite's align_corners (ALIGN) and half_pixel_centers (HALF) rules;
// the caller passes the scales (in-1)/(out-1) with align_corners and
// out > 1, in/out otherwise. Interpolates in float32. Each invocation
// writes E consecutive output elements per invocation (dividing only for the
// first); the flat index spans x and y. Variant vec4 (-DVEC4): the
// elements are vec4s of 4 channels (C and n counted in vec4s).
#include "common.h"

layout(constant_id = 4) const int OP = 0;
layout(constant_id = 5) const bool ALIGN = false;
layout(constant_id = 6) const bool HALF = false;
layout(constant_id = 7) const int E = 1; // elements per invocation

#ifdef VEC4
#define stype sfloat4
#define ftype vec4
#else
#define stype sfloat
#define ftype float
#endif

layout(std430, binding = 0) readonly buffer In { stype src[]; };
layout(std430, binding = 1) writeonly buffer Out { stype dst[]; };
layout(push_constant) uniform Params {
	uint n, H, W, C, OH, OW;
	float sy, sx;
} p;

// axis returns the two source indices of output coordinate o and the
// weight of the upper one (bilinear), or the nearest index in lo.
void axis(uint o, uint size, float scale, out uint lo, out uint hi, out float frac) {
	if (OP == 0) {
		precise float v = HALF ? (float(o) + 0.5) * scale - 0.5 : float(o) * scale;
		float f = floor(v);
		lo = uint(max(f, 0.0));
		hi = uint(min(ceil(v), float(size - 1)));
		frac = v - float(lo);
		return;
	}
	precise float v = (float(o) + (HALF ? 0.5 : 0.0)) * scale;
	int k = ALIGN ? int(floor(v + 0.5)) : int(floor(v));
	k = min(k, int(size) - 1);
	if (HALF) k = max(k, 0);
	lo = uint(k);
	hi = lo;
	frac = 0.0;
}

void main() {
	uint i = (gl_GlobalInvocationID.y * (gl_NumWorkGroups.x * gl_WorkGroupSize.x) + gl_GlobalInvocationID.x) * uint(E);
	if (i >= p.n) return;
	uint end = min(i + uint(E), p.n);
	uint c = i % p.C;
	uint t = i / p.C;
	uint ox = t % p.OW;
	t /= p.OW;
	uint oy = t % p.OH;
	uint b = t / p.OH;
	for (;;) {
		uint y0, y1, x0, x1;
		float fy, fx;
		axis(oy, p.H, p.sy, y0, y1, fy);
		axis(ox, p.W, p.sx, x0, x1, fx);
		uint base = b * p.H * p.W * p.C + c;
		if (OP == 1) {
			dst[i] = src[base + (y0 * p.W + x0) * p.C];
		} else {
			ftype v00 = ftype(src[base + (y0 * p.W + x0) * p.C]);
			ftype v01 = ftype(src[base + (y0 * p.W + x1) * p.C]);
			ftype v10 = ftype(src[base + (y1 * p.W + x0) * p.C]);
			ftype v11 = ftype(src[base + (y1 * p.W + x1) * p.C]);
			ftype r = v00 * ((1.0 - fy) * (1.0 - fx)) + v10 * (fy * (1.0 - fx)) + v01 * ((1.0 - fy) * fx) + v11 * (fy * fx);
			dst[i] = stype(r);
		}
		if (++i >= end) break;
		// Step to the next element without dividing.
		if (++c == p.C) {
			c = 0;
			if (++ox == p.OW) {
				ox = 0;
				if (++oy == p.OH) {
					oy = 0;
					b++;
				}
			}
		}
	}
}
