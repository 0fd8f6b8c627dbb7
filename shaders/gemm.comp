#version 450
// GEMM with bias and fused activation, also the 1x1 CONV_2D and
// FULLY_CONNECTED kernel: c[m][n] = act(sum_k a[m][k] * w[n][k] + bias[n]),
// a row-major [M][K], w row-major [N][K] (TFLite's filter layout).
// Register tiled without shared memory: each invocation computes TM rows
// by TN columns, with one float32 accumulator per output. Invocations are
// numbered flat over (row tile, column tile), column tile fastest, so no
// invocation of a work group idles whatever N is; the dispatch spreads the
// groups over x and y.
// Variant vec4 (-DVEC4): loads 4 consecutive k at once and adds their 4
// products into the one accumulator; needs K % 4 == 0.
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
layout(std430, binding = 0) readonly buffer A { sfloat4 a[]; };
layout(std430, binding = 1) readonly buffer W { sfloat4 w[]; };
#else
#define vtype afloat
#define MAC(x, y) accfloat(x * y)
layout(std430, binding = 0) readonly buffer A { sfloat a[]; };
layout(std430, binding = 1) readonly buffer W { sfloat w[]; };
#endif
layout(std430, binding = 2) readonly buffer Bias { sfloat bias[]; };
layout(std430, binding = 3) writeonly buffer C { sfloat c[]; };
layout(push_constant) uniform Params { uint M, N, K; } p;

void main() {
	uint nt = (p.N + uint(TN) - 1) / uint(TN);
	uint idx = gl_GlobalInvocationID.x + gl_GlobalInvocationID.y * gl_NumWorkGroups.x * gl_WorkGroupSize.x;
	uint n0 = idx % nt * uint(TN);
	uint m0 = idx / nt * uint(TM);
	if (m0 >= p.M) return;
#ifdef VEC4
	uint ks = p.K / 4;
#else
	uint ks = p.K;
#endif
	uint ar[TM];
	uint wr[TN];
	[[unroll]] for (int i = 0; i < TM; i++) ar[i] = min(m0 + uint(i), p.M - 1) * ks;
	[[unroll]] for (int j = 0; j < TN; j++) wr[j] = min(n0 + uint(j), p.N - 1) * ks;
	accfloat acc[TM * TN];
	[[unroll]] for (int i = 0; i < TM * TN; i++) acc[i] = accfloat(0);
	for (uint k = 0; k < ks; k++) {
		vtype av[TM];
		vtype wv[TN];
		[[unroll]] for (int i = 0; i < TM; i++) av[i] = vtype(a[ar[i] + k]);
		[[unroll]] for (int j = 0; j < TN; j++) wv[j] = vtype(w[wr[j] + k]);
		[[unroll]] for (int i = 0; i < TM; i++)
			[[unroll]] for (int j = 0; j < TN; j++) acc[i * TN + j] += MAC(av[i], wv[j]);
	}
	[[unroll]] for (int i = 0; i < TM; i++) {
		uint m = m0 + uint(i);
		if (m >= p.M) break;
		[[unroll]] for (int j = 0; j < TN; j++) {
			uint n = n0 + uint(j);
			accfloat s = acc[i * TN + j];
			if (n < p.N) c[m * p.N + n] = sfloat(activate(afloat(s + accfloat(bias[n]))));
		}
	}
}
