#version 450
// Elementwise activations: dst[i] = f(src[i]), computed in float32 in every
// precision (they are memory bound; float16 exp/tanh would cost accuracy).
// OP: 0 RELU, 1 RELU6, 2 RELU_N1_TO_1, 3 LEAKY_RELU (x > 0 ? x : a*x with
// a = p.param), 4 LOGISTIC, 5 TANH, 6 HARD_SWISH (x*relu6(x+3)/6),
// 7 PRELU (x >= 0 ? x : alpha[ia]*x, alpha broadcast over the 4-D output
// through the strides as0..as3, 0 on broadcast axes). Other ops bind src
// as alpha and ignore it. The ops but PRELU take E consecutive elements
// per invocation; the flat index spans x and y. Variant vec4 (-DVEC4):
// the elements are vec4s (n counted in vec4s), for the ops but PRELU.
#include "common.h"

layout(constant_id = 4) const int OP = 0;
layout(constant_id = 5) const int E = 1; // elements per invocation (not PRELU)

#ifdef VEC4
#define stype sfloat4
#define ftype vec4
#else
#define stype sfloat
#define ftype float
#endif

layout(std430, binding = 0) readonly buffer In { stype src[]; };
layout(std430, binding = 1) readonly buffer Alpha { sfloat alpha[]; };
layout(std430, binding = 2) writeonly buffer Out { stype dst[]; };
layout(push_constant) uniform Params {
	uint n, d1, d2, d3;       // element count, output dims 1..3 (PRELU)
	uint as0, as1, as2, as3;  // alpha's strides per output axis (PRELU)
	float param;              // LEAKY_RELU's alpha
} p;

ftype apply(ftype x) {
	if (OP == 0) return max(x, ftype(0));
	if (OP == 1) return clamp(x, ftype(0), ftype(6));
	if (OP == 2) return clamp(x, ftype(-1), ftype(1));
	if (OP == 3) return max(x, ftype(0)) + p.param * min(x, ftype(0));
	if (OP == 4) return 1.0 / (1.0 + exp(-x));
	if (OP == 5) return tanh(clamp(x, ftype(-10), ftype(10)));
	return x * clamp(x + 3.0, ftype(0), ftype(6)) / 6.0;
}

void main() {
	uint g = gl_GlobalInvocationID.y * (gl_NumWorkGroups.x * gl_WorkGroupSize.x) + gl_GlobalInvocationID.x;
#ifndef VEC4
	if (OP == 7) {
		if (g >= p.n) return;
		uint i3 = g % p.d3;
		uint t = g / p.d3;
		uint i2 = t % p.d2;
		t /= p.d2;
		uint i1 = t % p.d1;
		uint i0 = t / p.d1;
		float x = float(src[g]);
		float a = float(alpha[i0 * p.as0 + i1 * p.as1 + i2 * p.as2 + i3 * p.as3]);
		dst[g] = sfloat(x >= 0.0 ? x : x * a);
		return;
	}
#endif
	uint i = g * uint(E);
	uint end = min(i + uint(E), p.n);
	for (; i < end; i++) dst[i] = stype(apply(ftype(src[i])));
}
