#version 450
// A strided copy over up to 5 axes, the index map behind TRANSPOSE, SLICE,
// STRIDED_SLICE, CONCATENATION, SPLIT, PAD, PADV2, DEPTH_TO_SPACE and
// SPACE_TO_DEPTH. For each coordinate (i0..i4) of the walked shape
// (d0..d4, d0 implied by n):
//   dst[ob + sum i_k*os_k] = inside ? act(src[ib + sum i_k*is_k]) : pad
// where inside means lo_k <= i_k < hi_k on every axis (checked only when
// PAD is true; input strides may be negative and ib then points before
// the first read). Each invocation copies E consecutive elements of the
// walk (dividing only for the first); the flat index spans x and y.
// Variant vec4 (-DVEC4): the elements are vec4s, for maps whose innermost
// axis is contiguous in both buffers, unpadded and a multiple of 4 long
// (the caller divides that axis, every stride and both bases by 4).
#include "common.h"

#ifdef VEC4
#define stype sfloat4
#define ACTIVATE(x) activate4(afloat4(x))
#else
#define stype sfloat
#define ACTIVATE(x) activate(afloat(x))
#endif

layout(constant_id = 4) const bool PAD = false;
layout(constant_id = 5) const int E = 1; // elements per invocation

layout(std430, binding = 0) readonly buffer In { stype src[]; };
layout(std430, binding = 1) writeonly buffer Out { stype dst[]; };
layout(push_constant) uniform Params {
	uint n;
	int ib;
	uint ob;
	float pad;
	uint d1, d2, d3, d4;
	int is0, is1, is2, is3, is4;
	uint os0, os1, os2, os3, os4;
	uint lo0, lo1, lo2, lo3, lo4;
	uint hi0, hi1, hi2, hi3, hi4;
} p;

void main() {
	uint i = (gl_GlobalInvocationID.y * (gl_NumWorkGroups.x * gl_WorkGroupSize.x) + gl_GlobalInvocationID.x) * uint(E);
	if (i >= p.n) return;
	uint i4 = i % p.d4;
	uint t = i / p.d4;
	uint i3 = t % p.d3;
	t /= p.d3;
	uint i2 = t % p.d2;
	t /= p.d2;
	uint i1 = t % p.d1;
	uint i0 = t / p.d1;
	uint end = min(i + uint(E), p.n);
	for (; i < end; i++) {
		uint o = p.ob + i0 * p.os0 + i1 * p.os1 + i2 * p.os2 + i3 * p.os3 + i4 * p.os4;
		if (PAD && (i0 < p.lo0 || i0 >= p.hi0 || i1 < p.lo1 || i1 >= p.hi1 || i2 < p.lo2 || i2 >= p.hi2 ||
		            i3 < p.lo3 || i3 >= p.hi3 || i4 < p.lo4 || i4 >= p.hi4)) {
			dst[o] = stype(afloat4(p.pad));
		} else {
			int s = p.ib + int(i0) * p.is0 + int(i1) * p.is1 + int(i2) * p.is2 + int(i3) * p.is3 + int(i4) * p.is4;
			if (ACT == 0) dst[o] = src[uint(s)];
			else dst[o] = stype(ACTIVATE(src[uint(s)]));
		}
		// Step to the next coordinate without dividing.
		if (++i4 == p.d4) {
			i4 = 0;
			if (++i3 == p.d3) {
				i3 = 0;
				if (++i2 == p.d2) {
					i2 = 0;
					if (++i1 == p.d1) {
						i1 = 0;
						i0++;
					}
				}
			}
		}
	}
}
