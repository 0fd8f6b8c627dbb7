#version 450
// Elementwise binary op with broadcasting over 4-D (NHWC) shapes and a
// fused activation: out[i] = act(a[ia] OP b[ib]), where ia and ib come from
// the output coordinates and per-input strides (0 on broadcast axes).
// OP: 0 ADD, 1 SUB, 2 MUL, 3 DIV, 4 MAXIMUM, 5 MINIMUM,
// 6 SQUARED_DIFFERENCE. One element per invocation; the flat index spans
// x and y so that large tensors fit the work-group count limits.
#include "common.h"

layout(constant_id = 4) const int OP = 0;

layout(std430, binding = 0) readonly buffer A { sfloat a[]; };
layout(std430, binding = 1) readonly buffer B { sfloat b[]; };
layout(std430, binding = 2) writeonly buffer Out { sfloat dst[]; };
layout(push_constant) uniform Params {
	uint n, d1, d2, d3;          // element count, output dims 1..3
	uint as0, as1, as2, as3;     // a's strides per output axis
	uint bs0, bs1, bs2, bs3;     // b's strides per output axis
} p;

void main() {
	uint i = gl_GlobalInvocationID.y * (gl_NumWorkGroups.x * gl_WorkGroupSize.x) + gl_GlobalInvocationID.x;
	if (i >= p.n) return;
	uint i3 = i % p.d3;
	uint t = i / p.d3;
	uint i2 = t % p.d2;
	t /= p.d2;
	uint i1 = t % p.d1;
	uint i0 = t / p.d1;
	afloat x = afloat(a[i0 * p.as0 + i1 * p.as1 + i2 * p.as2 + i3 * p.as3]);
	afloat y = afloat(b[i0 * p.bs0 + i1 * p.bs1 + i2 * p.bs2 + i3 * p.bs3]);
	afloat r;
	if (OP == 0) r = x + y;
	else if (OP == 1) r = x - y;
	else if (OP == 2) r = x * y;
	else if (OP == 3) r = x / y;
	else if (OP == 4) r = max(x, y);
	else if (OP == 5) r = min(x, y);
	else { afloat d = x - y; r = d * d; }
	dst[i] = sfloat(activate(r));
}
