#version 450
// CONV_2D, NHWC, as an implicit GEMM: out[b][oy][ox][oc] =
//   act(bias[oc] + sum_{ky,kx,c} in[b][oy*SH-PT+ky*DH][ox*SW-PL+kx*DW][c] * w[oc][ky][kx][c])
// with zero padding. Register tiled without shared memory: each
// invocation computes TM output pixels (of the flattened b*OH*OW) by TN
// output channels, with one float32 accumulator per output. Invocations
// are numbered flat over (pixel tile, channel tile), channel tile fastest,
// so no invocation of a work group idles whatever OC is; the dispatch
// spreads the groups over x and y.
// Variant vec4 (-DVEC4): loads 4 consecutive channels at once and adds
// their 4 products into the one accumulator; needs C % 4 == 0.
#include "common.h"

layout(constant_id = 4) const int TM = 4;
layout(constant_id = 5) const int TN = 4;

#ifdef VEC4
#define vtype afloat4
#if defined(PREC_FP16)
// float16 products, summed in float32 like the scalar variant.
#define MAC(x, y) dot(vec4(x * y), vec4(1))
#else
#define MAC(x, y) dot(x, y)
#endif
#define CS (p.C / 4)
layout(std430, binding = 0) readonly buffer In { sfloat4 src[]; };
layout(std430, binding = 1) readonly buffer W { sfloat4 w[]; };
#else
#define vtype afloat
#define MAC(x, y) accfloat(x * y)
#define CS p.C
layout(std430, binding = 0) readonly buffer In { sfloat src[]; };
layout(std430, binding = 1) readonly buffer W { sfloat w[]; };
#endif
layout(std430, binding = 2) readonly buffer Bias { sfloat bias[]; };
layout(std430, binding = 3) writeonly buffer Out { sfloat dst[]; };
layout(push_constant) uniform Params {
	uint H, W, C, OH, OW, OC, KH, KW, SH, SW, DH, DW;
	int PT, PL;
	uint M; // batch * OH * OW
} p;

void main() {
	uint nt = (p.OC + uint(TN) - 1) / uint(TN);
	uint idx = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	uint n0 = idx % nt * uint(TN);
	uint m0 = idx / nt * uint(TM);
	if (m0 >= p.M) return;
	int iy0[TM];
	int ix0[TM];
	uint ib[TM];
	[[unroll]] for (int i = 0; i < TM; i++) {
		uint m = min(m0 + uint(i), p.M - 1);
		uint ox = m % p.OW;
		uint t = m / p.OW;
		iy0[i] = int(t % p.OH * p.SH) - p.PT;
		ix0[i] = int(ox * p.SW) - p.PL;
		ib[i] = t / p.OH * p.H * p.W * CS;
	}
	uint wr[TN];
	[[unroll]] for (int j = 0; j < TN; j++) wr[j] = min(n0 + uint(j), p.OC - 1) * p.KH * p.KW * CS;
	accfloat acc[TM * TN];
	[[unroll]] for (int i = 0; i < TM * TN; i++) acc[i] = accfloat(0);
	for (uint ky = 0; ky < p.KH; ky++) {
		for (uint kx = 0; kx < p.KW; kx++) {
			int off[TM];
			[[unroll]] for (int i = 0; i < TM; i++) {
				int iy = iy0[i] + int(ky * p.DH);
				int ix = ix0[i] + int(kx * p.DW);
				bool inside = iy >= 0 && iy < int(p.H) && ix >= 0 && ix < int(p.W);
				off[i] = inside ? int(ib[i] + (uint(iy) * p.W + uint(ix)) * CS) : -1;
			}
			uint wo = (ky * p.KW + kx) * CS;
			for (uint c = 0; c < CS; c++) {
				vtype av[TM];
				vtype wv[TN];
				[[unroll]] for (int i = 0; i < TM; i++) av[i] = off[i] >= 0 ? vtype(src[uint(off[i]) + c]) : vtype(0);
				[[unroll]] for (int j = 0; j < TN; j++) wv[j] = vtype(w[wr[j] + wo + c]);
				[[unroll]] for (int i = 0; i < TM; i++)
					[[unroll]] for (int j = 0; j < TN; j++) acc[i * TN + j] += MAC(av[i], wv[j]);
			}
		}
	}
	[[unroll]] for (int i = 0; i < TM; i++) {
		uint m = m0 + uint(i);
		if (m >= p.M) break;
		[[unroll]] for (int j = 0; j < TN; j++) {
			uint n = n0 + uint(j);
			accfloat sum = acc[i * TN + j];
			if (n < p.OC) dst[m * p.OC + n] = sfloat(activate(afloat(sum + accfloat(bias[n]))));
		}
	}
}
