#version 450
// DEPTHWISE_CONV_2D, NHWC, depth multiplier MULT: output channel oc reads
// input channel oc / MULT; w is [1][KH][KW][OC]:
//   out[b][oy][ox][oc] = act(bias[oc] +
//     sum_{ky,kx} in[b][oy*SH-PT+ky*DH][ox*SW-PL+kx*DW][oc/MULT] * w[ky][kx][oc])
// Each invocation computes TM consecutive output pixels of one row for one
// channel slot (a channel, or 4 consecutive channels in the vec4 variant),
// reusing each weight TM times. Invocations are numbered flat over
// (row, pixel block, slot), slot fastest, so that neighbours read
// neighbouring channels and no invocation of a work group idles at any
// channel count; the dispatch spreads the groups over x and y.
// With KWC > 0 (then KW == KWC, SW == SWC and DW == 1) the kernel width
// and stride are constants: each kernel row's inputs for the TM pixels,
// (TM-1)*SW+KW of them, are loaded once into registers (10 instead of 24
// loads for 8 pixels of a 3x3 stride 1 kernel).
// Variant vec4 (-DVEC4): for MULT == 1 and C % 4 == 0.
#include "common.h"

layout(constant_id = 4) const int TM = 4;
layout(constant_id = 5) const int KWC = 0;
layout(constant_id = 6) const int SWC = 1;
const int SEG = KWC > 0 ? (TM - 1) * SWC + KWC : 1;

#ifdef VEC4
#define vtype afloat4
#define acctype accfloat4
#define V 4u
layout(std430, binding = 0) readonly buffer In { sfloat4 src[]; };
layout(std430, binding = 1) readonly buffer W { sfloat4 w[]; };
layout(std430, binding = 2) readonly buffer Bias { sfloat4 bias[]; };
layout(std430, binding = 3) writeonly buffer Out { sfloat4 dst[]; };
#else
#define vtype afloat
#define acctype accfloat
#define V 1u
layout(std430, binding = 0) readonly buffer In { sfloat src[]; };
layout(std430, binding = 1) readonly buffer W { sfloat w[]; };
layout(std430, binding = 2) readonly buffer Bias { sfloat bias[]; };
layout(std430, binding = 3) writeonly buffer Out { sfloat dst[]; };
#endif
layout(push_constant) uniform Params {
	uint H, W, C, OH, OW, OC, KH, KW, SH, SW, DH, DW;
	int PT, PL;
	uint M; // batch * OH * OW
	uint MULT;
} p;

void main() {
	// Channels (and all indices below) count in units of V channels.
	uint C = p.C / V;
	uint OC = p.OC / V;
	uint blocks = (p.OW + uint(TM) - 1) / uint(TM);
	uint rows = p.M / p.OW;
	uint idx = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	if (idx >= rows * blocks * OC) return;
	uint n = idx % OC;
	uint t = idx / OC;
	uint ox0 = t % blocks * uint(TM);
	uint row = t / blocks; // b * OH + oy
	int iy0 = int(row % p.OH * p.SH) - p.PT;
	int ix0 = int(ox0 * p.SW) - p.PL;
	uint base = row / p.OH * p.H * p.W * C + n / p.MULT; // MULT is 1 in the vec4 variant
	acctype acc[TM];
	[[unroll]] for (int i = 0; i < TM; i++) acc[i] = acctype(0);
	for (uint ky = 0; ky < p.KH; ky++) {
		int iy = iy0 + int(ky * p.DH);
		if (iy < 0 || iy >= int(p.H)) continue;
		uint rb = base + uint(iy) * p.W * C;
		if (KWC > 0) {
			vtype seg[SEG];
			[[unroll]] for (int j = 0; j < SEG; j++) {
				int x = ix0 + j;
				vtype v = vtype(src[rb + uint(clamp(x, 0, int(p.W) - 1)) * C]);
				seg[j] = x >= 0 && x < int(p.W) ? v : vtype(0);
			}
			uint wo = ky * uint(KWC) * OC + n;
			[[unroll]] for (int kx = 0; kx < KWC; kx++) {
				vtype wv = vtype(w[wo + uint(kx) * OC]);
				[[unroll]] for (int i = 0; i < TM; i++) acc[i] += acctype(seg[i * SWC + kx] * wv);
			}
			continue;
		}
		for (uint kx = 0; kx < p.KW; kx++) {
			vtype wv = vtype(w[(ky * p.KW + kx) * OC + n]);
			int ix = ix0 + int(kx * p.DW);
			[[unroll]] for (int i = 0; i < TM; i++) {
				int x = ix + i * int(p.SW);
				if (x >= 0 && x < int(p.W)) acc[i] += acctype(vtype(src[rb + uint(x) * C]) * wv);
			}
		}
	}
	acctype b = acctype(bias[n]);
	uint o = (row * p.OW + ox0) * OC + n;
	[[unroll]] for (int i = 0; i < TM; i++) {
		if (ox0 + uint(i) >= p.OW) break;
#ifdef VEC4
		vtype v = vtype(acc[i] + b);
		dst[o + uint(i) * OC] = sfloat4(vtype(activate(v.x), activate(v.y), activate(v.z), activate(v.w)));
#else
		dst[o + uint(i) * OC] = sfloat(activate(afloat(acc[i] + b)));
#endif
	}
}
