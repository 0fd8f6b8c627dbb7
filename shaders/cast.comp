#version 450
// Converts between float32 tensors (model inputs and outputs, as the host
// sees them) and the storage precision of the other kernels.
// Variant in (-DCAST_IN):   dst[i] = sfloat(src[i]), src float32, clamped
//                           to the float16 range when storage is float16.
// Variant out (-DCAST_OUT): dst[i] = float(src[i]), dst float32.
// E consecutive elements per invocation; the flat index spans x and y.
// Variants in_vec4 and out_vec4 (also -DVEC4): the elements are vec4s (n
// counted in vec4s).
#include "common.h"

layout(constant_id = 4) const int E = 1; // elements per invocation

#ifdef VEC4
#define ftype vec4
#define stype sfloat4
#else
#define ftype float
#define stype sfloat
#endif

#ifdef CAST_IN
layout(std430, binding = 0) readonly buffer Src { ftype src[]; };
layout(std430, binding = 1) writeonly buffer Dst { stype dst[]; };
#else
layout(std430, binding = 0) readonly buffer Src { stype src[]; };
layout(std430, binding = 1) writeonly buffer Dst { ftype dst[]; };
#endif
layout(push_constant) uniform Params { uint n; } p;

void main() {
	uint i = (gl_GlobalInvocationID.y * (gl_NumWorkGroups.x * gl_WorkGroupSize.x) + gl_GlobalInvocationID.x) * uint(E);
	uint end = min(i + uint(E), p.n);
	for (; i < end; i++) {
#ifdef CAST_IN
#if defined(PREC_FP16) || defined(PREC_FP32ACC)
		dst[i] = stype(clamp(src[i], ftype(-65504.0), ftype(65504.0)));
#else
		dst[i] = src[i];
#endif
#else
		dst[i] = ftype(src[i]);
#endif
	}
}
