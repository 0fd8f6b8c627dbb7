#version 450
// Elementwise activations: dst[i] = f(src[i]), computed in float32 in every
// precision (they are memory bound; float16 exp/tanh would cost accuracy).
// OP: 0 RELU, 1 RELU6, 2 RELU_N1_TO_1, 3 LEAKY_RELU (x > 0 ? x : a*x with
// a = p.param), 4 LOGISTIC, 5 TANH, 6 HARD_SWISH (x*relu6(x+3)/6),
// 7 PRELU (x >= 0 ? x : alpha[ia]*x, alpha broadcast over the 4-D output
// through the strides as0..as3, 0 on broadcast axes). Other ops bind src
// as alpha and ignore it. One element per invocation; the flat index
// spans x and y.
#include "common.h"

layout(constant_id = 4) const int OP = 0;

layout(std430, binding = 0) readonly buffer In { sfloat src[]; };
layout(std430, binding = 1) readonly buffer Alpha { sfloat alpha[]; };
layout(std430, binding = 2) writeonly buffer Out { sfloat dst[]; };
layout(push_constant) uniform Params {
	uint n, d1, d2, d3;       // element count, output dims 1..3 (PRELU)
	uint as0, as1, as2, as3;  // alpha's strides per output axis (PRELU)
	float param;              // LEAKY_RELU's alpha
} p;

void main() {
	uint i = gl_GlobalInvocationID.y * (gl_NumWorkGroups.x * gl_WorkGroupSize.x) + gl_GlobalInvocationID.x;
	if (i >= p.n) return;
	float x = float(src[i]);
	float r;
	if (OP == 0) r = max(x, 0.0);
	else if (OP == 1) r = clamp(x, 0.0, 6.0);
	else if (OP == 2) r = clamp(x, -1.0, 1.0);
	else if (OP == 3) r = x > 0.0 ? x : x * p.param;
	else if (OP == 4) r = 1.0 / (1.0 + exp(-x));
	else if (OP == 5) r = tanh(clamp(x, -10.0, 10.0));
	else if (OP == 6) r = x * clamp(x + 3.0, 0.0, 6.0) / 6.0;
	else {
		uint i3 = i % p.d3;
		uint t = i / p.d3;
		uint i2 = t % p.d2;
		t /= p.d2;
		uint i1 = t % p.d1;
		uint i0 = t / p.d1;
		float a = float(alpha[i0 * p.as0 + i1 * p.as1 + i2 * p.as2 + i3 * p.as3]);
		r = x >= 0.0 ? x : x * a;
	}
	dst[i] = sfloat(r);
}
