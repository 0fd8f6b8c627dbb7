#version 450
// MEAN and SUM: dst[o] = scale * sum of src over the reduced coordinates,
// summed in float32 in every precision. The caller folds the input shape
// into up to 4 kept axes (k0..k3 with input strides ks0..ks3; the output
// is their row-major walk) and up to 4 reduced axes (r0..r3, strides
// rs0..rs3); scale is 1/count for MEAN and 1 for SUM. One output element
// per invocation; the flat index spans x and y.
#include "common.h"

layout(std430, binding = 0) readonly buffer In { sfloat src[]; };
layout(std430, binding = 1) writeonly buffer Out { sfloat dst[]; };
layout(push_constant) uniform Params {
	uint n, count;            // output elements, reduced elements per output
	float scale;
	uint k1, k2, k3;          // kept axis sizes 1..3 (0 is implied by n)
	uint ks0, ks1, ks2, ks3;  // input strides of the kept axes
	uint r1, r2, r3;          // reduced axis sizes 1..3
	uint rs0, rs1, rs2, rs3;  // input strides of the reduced axes
} p;

void main() {
	uint i = gl_GlobalInvocationID.y * (gl_NumWorkGroups.x * gl_WorkGroupSize.x) + gl_GlobalInvocationID.x;
	if (i >= p.n) return;
	uint t = i;
	uint base = (t % p.k3) * p.ks3;
	t /= p.k3;
	base += (t % p.k2) * p.ks2;
	t /= p.k2;
	base += (t % p.k1) * p.ks1 + (t / p.k1) * p.ks0;
	float acc = 0.0;
	for (uint r = 0; r < p.count; r++) {
		uint u = r;
		uint off = (u % p.r3) * p.rs3;
		u /= p.r3;
		off += (u % p.r2) * p.rs2;
		u /= p.r2;
		off += (u % p.r1) * p.rs1 + (u / p.r1) * p.rs0;
		acc += float(src[base + off]);
	}
	dst[i] = sfloat(acc * p.scale);
}
