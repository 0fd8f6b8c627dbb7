#version 450
// GATHER: dst[b][k][j][e] = src[b][k][idx[b*per + j]][e] over
// [batch][outer][per][inner] (batch = params' batch_dims axes, outer the
// axes before the gather axis, per the indices per batch, inner the axes
// after it). Indices are int32; one outside [0, axis) gives 0 (a GPU
// cannot fail the run; the CPU backend reports it). One element per
// invocation; the flat index spans x and y.
#include "common.h"

layout(std430, binding = 0) readonly buffer In { sfloat src[]; };
layout(std430, binding = 1) readonly buffer Idx { int idx[]; };
layout(std430, binding = 2) writeonly buffer Out { sfloat dst[]; };
layout(push_constant) uniform Params {
	uint n, outer, per, inner, axis;
} p;

void main() {
	uint i = gl_GlobalInvocationID.y * (gl_NumWorkGroups.x * gl_WorkGroupSize.x) + gl_GlobalInvocationID.x;
	if (i >= p.n) return;
	uint e = i % p.inner;
	uint t = i / p.inner;
	uint j = t % p.per;
	t /= p.per;
	uint k = t % p.outer;
	uint b = t / p.outer;
	int v = idx[b * p.per + j];
	if (v < 0 || v >= int(p.axis)) {
		dst[i] = sfloat(0.0);
		return;
	}
	dst[i] = src[((b * p.outer + k) * p.axis + uint(v)) * p.inner + e];
}
