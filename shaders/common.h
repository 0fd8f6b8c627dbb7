// Precision-neutral types shared by every shader. Each .comp is compiled
// once per precision (see gen.go):
//   -DPREC_FP16    float16 storage, float16 arithmetic
//   -DPREC_FP32ACC float16 storage, float32 arithmetic
//   (neither)      float32 storage, float32 arithmetic
// sfloat/sfloat4 are the stored types, afloat/afloat4 the arithmetic ones;
// dot-product accumulators are accfloat/accfloat4, float32 in every
// precision: float16 products summed in float16 lost 5-15 dB of SNR on
// the fixtures (hand_landmark_full fell to 29 dB; 42 dB with float32 sums).
//
// Specialization constants 0..2 are the work-group size and 3 the fused
// activation (TFLite's ActivationFunctionType: 0 none, 1 RELU,
// 2 RELU_N1_TO_1, 3 RELU6, 4 TANH); shaders number theirs from 4.
#extension GL_EXT_control_flow_attributes : enable
#if defined(PREC_FP16)
#extension GL_EXT_shader_explicit_arithmetic_types_float16 : require
#extension GL_EXT_shader_16bit_storage : require
#define sfloat float16_t
#define sfloat4 f16vec4
#define afloat float16_t
#define afloat4 f16vec4
#elif defined(PREC_FP32ACC)
#extension GL_EXT_shader_16bit_storage : require
#define sfloat float16_t
#define sfloat4 f16vec4
#define afloat float
#define afloat4 vec4
#else
#define sfloat float
#define sfloat4 vec4
#define afloat float
#define afloat4 vec4
#endif

#define accfloat float
#define accfloat4 vec4

layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(constant_id = 3) const int ACT = 0;

afloat activate(afloat x) {
	if (ACT == 1) return max(x, afloat(0));
	if (ACT == 2) return clamp(x, afloat(-1), afloat(1));
	if (ACT == 3) return clamp(x, afloat(0), afloat(6));
	if (ACT == 4) return afloat(tanh(float(x)));
	return x;
}

afloat4 activate4(afloat4 x) {
	if (ACT == 1) return max(x, afloat4(0));
	if (ACT == 2) return clamp(x, afloat4(-1), afloat4(1));
	if (ACT == 3) return clamp(x, afloat4(0), afloat4(6));
	if (ACT == 4) return afloat4(tanh(vec4(x)));
	return x;
}
