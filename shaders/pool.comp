#version 450
// MAX_POOL_2D (OP 0) and AVERAGE_POOL_2D (OP 1) over NHWC data with a
// fused activation. The average counts only the window's elements inside
// the input, as TFLite does; an empty window gives 0. One output element
// per invocation (the flat index spans x and y); sums in float32.
#include "common.h"

layout(constant_id = 4) const int OP = 0;

layout(std430, binding = 0) readonly buffer In { sfloat src[]; };
layout(std430, binding = 1) writeonly buffer Out { sfloat dst[]; };
layout(push_constant) uniform Params {
	uint H, W, C, OH, OW, OC, KH, KW, SH, SW, DH, DW;
	int PT, PL;
	uint M; // batch * OH * OW
} p;

void main() {
	uint i = gl_GlobalInvocationID.y * (gl_NumWorkGroups.x * gl_WorkGroupSize.x) + gl_GlobalInvocationID.x;
	if (i >= p.M * p.C) return;
	uint c = i % p.C;
	uint m = i / p.C;
	uint ox = m % p.OW;
	uint t = m / p.OW;
	uint oy = t % p.OH;
	uint b = t / p.OH;
	int iy0 = int(oy * p.SH) - p.PT;
	int ix0 = int(ox * p.SW) - p.PL;
	uint ky0 = uint(max(0, -iy0)), ky1 = uint(clamp(int(p.H) - iy0, 0, int(p.KH)));
	uint kx0 = uint(max(0, -ix0)), kx1 = uint(clamp(int(p.W) - ix0, 0, int(p.KW)));
	float acc = OP == 0 ? -3.402823466e38 : 0.0;
	uint base = b * p.H * p.W * p.C + c;
	for (uint ky = ky0; ky < ky1; ky++) {
		uint row = base + (uint(iy0 + int(ky)) * p.W) * p.C;
		for (uint kx = kx0; kx < kx1; kx++) {
			float v = float(src[row + uint(ix0 + int(kx)) * p.C]);
			acc = OP == 0 ? max(acc, v) : acc + v;
		}
	}
	uint count = ky1 > ky0 && kx1 > kx0 ? (ky1 - ky0) * (kx1 - kx0) : 0u;
	if (count == 0u) acc = 0.0;
	else if (OP == 1) acc /= float(count);
	dst[i] = sfloat(activate(afloat(acc)));
}
