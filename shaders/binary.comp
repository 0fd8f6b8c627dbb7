#version 450
// Elementwise binary op with a fused activation: out[i] = act(a[ia] OP b[ib]).
// OP: 0 ADD, 1 SUB, 2 MUL, 3 DIV, 4 MAXIMUM, 5 MINIMUM,
// 6 SQUARED_DIFFERENCE. MODE picks the index map:
//   0 general broadcasting over 4-D (NHWC) shapes: ia and ib come from the
//     output coordinates and per-input strides (0 on broadcast axes), one
//     element per invocation (scalar variant only);
//   1 same shape: ia = ib = i;
//   2 b repeats along a (an inner block such as a [C] or [1,1,1,C] vector):
//     ia = i, ib = i % d3;
//   3 b is a scalar: ia = i, ib = 0.
// SWAP exchanges the operands (the caller binds the broadcast one as b).
// Modes 1-3 take E consecutive elements per invocation and divide at most
// once (lavapipe scalarizes integer division). Variant vec4 (-DVEC4): the
// elements are vec4s (n, d3 counted in vec4s), for modes 1-3. The flat
// index spans x and y so that large tensors fit the work-group count
// limits.
#include "common.h"

layout(constant_id = 4) const int OP = 0;
layout(constant_id = 5) const int MODE = 0;
layout(constant_id = 6) const bool SWAP = false;
layout(constant_id = 7) const int E = 1; // elements per invocation (modes 1-3)

#ifdef VEC4
#define stype sfloat4
#define atype afloat4
#define ftype vec4
#else
#define stype sfloat
#define atype afloat
#define ftype float
#endif

layout(std430, binding = 0) readonly buffer A { stype a[]; };
layout(std430, binding = 1) readonly buffer B { stype b[]; };
layout(std430, binding = 1) readonly buffer BS { sfloat bs[]; }; // b as scalars (MODE 3)
layout(std430, binding = 2) writeonly buffer Out { stype dst[]; };
layout(push_constant) uniform Params {
	uint n, d1, d2, d3;          // element count, output dims 1..3
	uint as0, as1, as2, as3;     // a's strides per output axis (MODE 0)
	uint bs0, bs1, bs2, bs3;     // b's strides per output axis (MODE 0)
} p;

atype apply(atype x, atype y) {
	if (SWAP) {
		atype t = x;
		x = y;
		y = t;
	}
	atype r;
	if (OP == 0) r = x + y;
	else if (OP == 1) r = x - y;
	else if (OP == 2) r = x * y;
	else if (OP == 3) r = x / y;
	else if (OP == 4) r = max(x, y);
	else if (OP == 5) r = min(x, y);
	else { atype d = x - y; r = d * d; }
	if (ACT == 1) return max(r, atype(0));
	if (ACT == 2) return clamp(r, atype(-1), atype(1));
	if (ACT == 3) return clamp(r, atype(0), atype(6));
	if (ACT == 4) return atype(tanh(ftype(r)));
	return r;
}

void main() {
	uint g = gl_GlobalInvocationID.y * (gl_NumWorkGroups.x * gl_WorkGroupSize.x) + gl_GlobalInvocationID.x;
#ifndef VEC4
	if (MODE == 0) {
		if (g >= p.n) return;
		uint i3 = g % p.d3;
		uint t = g / p.d3;
		uint i2 = t % p.d2;
		t /= p.d2;
		uint i1 = t % p.d1;
		uint i0 = t / p.d1;
		atype x = atype(a[i0 * p.as0 + i1 * p.as1 + i2 * p.as2 + i3 * p.as3]);
		atype y = atype(b[i0 * p.bs0 + i1 * p.bs1 + i2 * p.bs2 + i3 * p.bs3]);
		dst[g] = stype(apply(x, y));
		return;
	}
#endif
	uint i = g * uint(E);
	if (i >= p.n) return;
	uint end = min(i + uint(E), p.n);
	if (MODE == 2) {
		uint c = i % p.d3;
		for (; i < end; i++) {
			dst[i] = stype(apply(atype(a[i]), atype(b[c])));
			if (++c == p.d3) c = 0;
		}
	} else if (MODE == 3) {
		atype y = atype(afloat(bs[0]));
		for (; i < end; i++) dst[i] = stype(apply(atype(a[i]), y));
	} else {
		for (; i < end; i++) dst[i] = stype(apply(atype(a[i]), atype(b[i])));
	}
}
