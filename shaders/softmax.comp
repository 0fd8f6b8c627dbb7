#version 450
// SOFTMAX over the last axis: dst = exp((x - max) * beta) / sum, computed
// in float32 in every precision. One row per invocation; the flat row
// index spans x and y.
#include "common.h"

layout(std430, binding = 0) readonly buffer In { sfloat src[]; };
layout(std430, binding = 1) writeonly buffer Out { sfloat dst[]; };
layout(push_constant) uniform Params {
	uint rows, depth;
	float beta;
} p;

void main() {
	uint r = gl_GlobalInvocationID.y * (gl_NumWorkGroups.x * gl_WorkGroupSize.x) + gl_GlobalInvocationID.x;
	if (r >= p.rows) return;
	uint base = r * p.depth;
	float m = float(src[base]);
	for (uint j = 1; j < p.depth; j++) m = max(m, float(src[base + j]));
	float sum = 0.0;
	for (uint j = 0; j < p.depth; j++) sum += exp((float(src[base + j]) - m) * p.beta);
	float inv = 1.0 / sum;
	for (uint j = 0; j < p.depth; j++) dst[base + j] = sfloat(exp((float(src[base + j]) - m) * p.beta) * inv);
}
