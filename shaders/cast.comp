#version 450
// Converts between float32 tensors (model inputs and outputs, as the host
// sees them) and the storage precision of the other kernels.
// Variant in (-DCAST_IN):   dst[i] = sfloat(src[i]), src float32, clamped
//                           to the float16 range when storage is float16.
// Variant out (-DCAST_OUT): dst[i] = float(src[i]), dst float32.
// One element per invocation; the flat index spans x and y.
#include "common.h"

#ifdef CAST_IN
layout(std430, binding = 0) readonly buffer Src { float src[]; };
layout(std430, binding = 1) writeonly buffer Dst { sfloat dst[]; };
#else
layout(std430, binding = 0) readonly buffer Src { sfloat src[]; };
layout(std430, binding = 1) writeonly buffer Dst { float dst[]; };
#endif
layout(push_constant) uniform Params { uint n; } p;

void main() {
	uint i = gl_GlobalInvocationID.y * (gl_NumWorkGroups.x * gl_WorkGroupSize.x) + gl_GlobalInvocationID.x;
	if (i >= p.n) return;
#ifdef CAST_IN
#if defined(PREC_FP16) || defined(PREC_FP32ACC)
	dst[i] = sfloat(clamp(src[i], -65504.0, 65504.0));
#else
	dst[i] = src[i];
#endif
#else
	dst[i] = float(src[i]);
#endif
}
