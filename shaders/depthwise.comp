#version 450
// DEPTHWISE_CONV_2D, NHWC, depth multiplier MULT: output channel oc reads
// input channel oc / MULT; w is [1][KH][KW][OC]:
//   out[b][oy][ox][oc] = act(bias[oc] +
//     sum_{ky,kx} in[b][oy*SH-PT+ky*DH][ox*SW-PL+kx*DW][oc/MULT] * w[ky][kx][oc])
// Each invocation computes TM output pixels by TN consecutive channels;
// x indexes channel tiles, y pixel tiles.
// Variant vec4 (-DVEC4): for MULT == 1 and C % 4 == 0, each of the TN
// channel slots is a group of 4 consecutive channels.
#include "common.h"

layout(constant_id = 4) const int TM = 4;
layout(constant_id = 5) const int TN = 4;

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
	uint n0 = gl_GlobalInvocationID.x * uint(TN);
	uint m0 = gl_GlobalInvocationID.y * uint(TM);
	if (n0 >= OC || m0 >= p.M) return;
	int iy0[TM];
	int ix0[TM];
	uint ib[TM];
	[[unroll]] for (int i = 0; i < TM; i++) {
		uint m = min(m0 + uint(i), p.M - 1);
		uint ox = m % p.OW;
		uint t = m / p.OW;
		iy0[i] = int(t % p.OH * p.SH) - p.PT;
		ix0[i] = int(ox * p.SW) - p.PL;
		ib[i] = t / p.OH * p.H * p.W * C;
	}
	uint oc[TN];
	uint ic[TN];
	[[unroll]] for (int j = 0; j < TN; j++) {
		oc[j] = min(n0 + uint(j), OC - 1);
		ic[j] = oc[j] / p.MULT; // MULT is 1 in the vec4 variant
	}
	acctype acc[TM * TN];
	[[unroll]] for (int i = 0; i < TM * TN; i++) acc[i] = acctype(0);
	for (uint ky = 0; ky < p.KH; ky++) {
		for (uint kx = 0; kx < p.KW; kx++) {
			vtype wv[TN];
			uint wo = (ky * p.KW + kx) * OC;
			[[unroll]] for (int j = 0; j < TN; j++) wv[j] = vtype(w[wo + oc[j]]);
			[[unroll]] for (int i = 0; i < TM; i++) {
				int iy = iy0[i] + int(ky * p.DH);
				int ix = ix0[i] + int(kx * p.DW);
				if (iy < 0 || iy >= int(p.H) || ix < 0 || ix >= int(p.W)) continue;
				uint off = ib[i] + (uint(iy) * p.W + uint(ix)) * C;
				[[unroll]] for (int j = 0; j < TN; j++) acc[i * TN + j] += acctype(vtype(src[off + ic[j]]) * wv[j]);
			}
		}
	}
	[[unroll]] for (int i = 0; i < TM; i++) {
		uint m = m0 + uint(i);
		if (m >= p.M) break;
		[[unroll]] for (int j = 0; j < TN; j++) {
			uint n = n0 + uint(j);
#ifdef VEC4
			if (n < OC) {
				vtype v = vtype(acc[i * TN + j] + acctype(bias[n]));
				dst[m * OC + n] = sfloat4(vtype(activate(v.x), activate(v.y), activate(v.z), activate(v.w)));
			}
#else
			if (n < OC) dst[m * OC + n] = sfloat(activate(afloat(acc[i * TN + j] + accfloat(bias[n]))));
#endif
		}
	}
}
