// Package int8 is the arithmetic of int8 quantization, kept apart from the
// per-op rules (those are graph.QuantInfo entries in the op registry) and
// from the passes that rewrite models (package convert):
//
//   - choosing quantization parameters: asymmetric per-tensor parameters
//     for activations from a calibrated range ([Asymmetric]), symmetric
//     per-channel weights in [-127, 127] ([QuantizeWeights]), int32 biases
//     with scale input scale × weight scale ([QuantizeBias]);
//   - TFLite's fixed-point requantization: the 32-bit multiplier and shift
//     of a real scale factor ([QuantizeMultiplier]) and the multiplication
//     with TFLite's rounding ([MultiplyByQuantizedMultiplier]);
//   - calibration observers that turn a stream of float activations into a
//     range (minmax, percentile, entropy, mse);
//   - GPTQ weight rounding ([QuantizeWeightsGPTQ]): the same scales as
//     [QuantizeWeights], int8 values chosen from the second moments of the
//     layer's inputs ([Hessian]) so that its output moves least.
//
// The formulas follow TFLite's quantization_util and the post-training
// quantizer's quantization_utils (float32 where TFLite computes in float32),
// so that the bytes written are the ones the TFLite converter writes.
package int8
