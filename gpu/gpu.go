// Package gpu is the Vulkan compute runtime of fp16tool: a small vocabulary
// in the style of Kompute.
//
//   - [Device]: a Vulkan instance, one physical device with its probed
//     capabilities ([DeviceInfo]), a logical device and a compute queue.
//   - [Buffer]: a storage buffer in device memory, mapped directly where the
//     memory is host-visible (lavapipe, integrated and mobile GPUs) and
//     filled through a staging buffer where it is not (discrete GPUs).
//   - [Pipeline]: a compute shader (SPIR-V) with its storage-buffer
//     bindings, specialization constants and push constants.
//   - [Sequence]: a command buffer recorded once and submitted many times,
//     with timestamp queries giving the GPU time of each dispatch.
//
// The Vulkan loader (libvulkan.so.1) is opened at run time, so binaries
// run on machines without Vulkan: [Open] and [Devices] then return an
// error wrapping [ErrNoVulkan] that says why. Built without cgo, the
// package compiles to stubs that always return ErrNoVulkan.
package gpu

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNoVulkan is wrapped by the errors returned when no Vulkan loader or
// no usable Vulkan device is present, or when the binary was built without
// cgo. The wrapping error says which.
var ErrNoVulkan = errors.New("no Vulkan")

// InstallHint names the Debian packages that provide a Vulkan loader and
// a CPU Vulkan driver (lavapipe), for error and skip messages.
const InstallHint = "install a Vulkan driver and loader (Debian/Ubuntu: apt-get install mesa-vulkan-drivers libvulkan1; glslc to regenerate shaders)"

// LoaderEnv names the environment variable that, when set, gives the path
// of the Vulkan loader library to open instead of libvulkan.so.1.
const LoaderEnv = "FP16TOOL_VULKAN_LOADER"

func noVulkan(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrNoVulkan, fmt.Sprintf(format, args...))
}

// Precision is how a kernel stores its tensors and does its arithmetic.
type Precision int

// Precisions, from the fastest to the most exact.
const (
	// FP16 stores tensors as float16 and computes in float16, except that
	// the dot-product kernels (GEMM, convolutions) sum their float16
	// products in float32; needs shaderFloat16 and
	// storageBuffer16BitAccess.
	FP16 Precision = iota
	// FP32Acc stores tensors as float16 and computes in float32; needs
	// storageBuffer16BitAccess.
	FP32Acc
	// FP32 stores tensors as float32 and computes in float32; runs
	// everywhere.
	FP32
)

// Precisions lists every precision, in the order of the constants.
var Precisions = []Precision{FP16, FP32Acc, FP32}

// String returns the name used in shader file names and on the command
// line: "fp16", "fp32acc" or "fp32".
func (p Precision) String() string {
	switch p {
	case FP16:
		return "fp16"
	case FP32Acc:
		return "fp32acc"
	case FP32:
		return "fp32"
	}
	return fmt.Sprintf("Precision(%d)", int(p))
}

// ElemSize is the size in bytes of one stored tensor element.
func (p Precision) ElemSize() int {
	if p == FP32 {
		return 4
	}
	return 2
}

// ParsePrecision parses the names String returns.
func ParsePrecision(s string) (Precision, error) {
	for _, p := range Precisions {
		if strings.EqualFold(s, p.String()) {
			return p, nil
		}
	}
	return 0, fmt.Errorf("unknown GPU precision %q (want fp16, fp32acc or fp32)", s)
}

// Heap is one memory heap of a device.
type Heap struct {
	Size        uint64 `json:"size"`
	DeviceLocal bool   `json:"device_local"`
	// HostVisible reports whether a host-visible memory type lives in
	// this heap (buffers there are mapped directly, with no staging).
	HostVisible bool `json:"host_visible"`
}

// Limits are the device limits that matter to compute kernels.
type Limits struct {
	MaxComputeWorkGroupCount       [3]uint32 `json:"max_compute_work_group_count"`
	MaxComputeWorkGroupSize        [3]uint32 `json:"max_compute_work_group_size"`
	MaxComputeWorkGroupInvocations uint32    `json:"max_compute_work_group_invocations"`
	MaxComputeSharedMemorySize     uint32    `json:"max_compute_shared_memory_size"`
	MaxStorageBufferRange          uint32    `json:"max_storage_buffer_range"`
	MaxPushConstantsSize           uint32    `json:"max_push_constants_size"`
	MaxBoundDescriptorSets         uint32    `json:"max_bound_descriptor_sets"`
	MinStorageBufferOffsetAlign    uint64    `json:"min_storage_buffer_offset_alignment"`
	// TimestampPeriod is the number of nanoseconds per timestamp tick;
	// 0 when the compute queue has no timestamps.
	TimestampPeriod float32 `json:"timestamp_period_ns"`
}

// DeviceInfo is what a physical device reports about itself.
type DeviceInfo struct {
	Index      int    `json:"index"`
	Name       string `json:"name"`
	Type       string `json:"type"` // "discrete", "integrated", "virtual", "cpu" or "other"
	VendorID   uint32 `json:"vendor_id"`
	DeviceID   uint32 `json:"device_id"`
	APIVersion string `json:"api_version"`
	// Driver is the driver name (VkPhysicalDeviceDriverProperties), or
	// the raw driver version where the device does not report one.
	Driver     string `json:"driver"`
	DriverInfo string `json:"driver_info,omitempty"`

	ShaderFloat16             bool `json:"shader_float16"`
	ShaderInt8                bool `json:"shader_int8"`
	ShaderInt16               bool `json:"shader_int16"`
	StorageBuffer16BitAccess  bool `json:"storage_buffer_16bit_access"`
	StorageBuffer8BitAccess   bool `json:"storage_buffer_8bit_access"`
	IntegerDotProduct         bool `json:"integer_dot_product"`
	IntegerDotProduct4x8Accel bool `json:"integer_dot_product_4x8_accelerated"`

	SubgroupSize       uint32 `json:"subgroup_size"`
	SubgroupArithmetic bool   `json:"subgroup_arithmetic"`
	// MinSubgroupSize and MaxSubgroupSize are 0 where subgroup size
	// control is not reported.
	MinSubgroupSize uint32 `json:"min_subgroup_size,omitempty"`
	MaxSubgroupSize uint32 `json:"max_subgroup_size,omitempty"`

	Heaps  []Heap `json:"heaps"`
	Limits Limits `json:"limits"`
}

// Supports reports whether the device can run kernels in precision p.
func (d DeviceInfo) Supports(p Precision) bool {
	switch p {
	case FP16:
		return d.ShaderFloat16 && d.StorageBuffer16BitAccess
	case FP32Acc:
		return d.StorageBuffer16BitAccess
	}
	return true
}

// RecommendedPrecision is the precision the converter recommends for the
// device: fp16 with shaderFloat16 and 16-bit storage, fp16 storage with
// fp32 arithmetic with 16-bit storage only, fp32 otherwise.
func (d DeviceInfo) RecommendedPrecision() Precision {
	switch {
	case d.Supports(FP16):
		return FP16
	case d.Supports(FP32Acc):
		return FP32Acc
	}
	return FP32
}

// UnifiedMemory reports whether some device-local memory is also
// host-visible, so buffers need no staging copies.
func (d DeviceInfo) UnifiedMemory() bool {
	for _, h := range d.Heaps {
		if h.DeviceLocal && h.HostVisible {
			return true
		}
	}
	return false
}

// Options choose and configure the device Open opens.
type Options struct {
	// Index selects a device by its DeviceInfo.Index; -1 (or an Options
	// zero value passed through DefaultOptions) picks the best one:
	// discrete, then integrated, then virtual, then CPU.
	Index int
	// ForceStaging makes every Buffer device-local-only and filled through
	// staging copies even where memory is host-visible (for tests of the
	// discrete-GPU path on unified-memory devices).
	ForceStaging bool
}

// DefaultOptions picks the best device.
func DefaultOptions() Options { return Options{Index: -1} }

// Available reports whether a Vulkan device can be used: nil, or an error
// wrapping ErrNoVulkan that says why not.
func Available() error {
	_, err := Devices()
	return err
}

// CeilDiv returns ceil(a/b) for positive b.
func CeilDiv(a, b int) int { return (a + b - 1) / b }

// PipelineSpec describes a compute pipeline.
type PipelineSpec struct {
	// Name names the pipeline in errors and timings (e.g. "gemm_fp16").
	Name string
	// SPIRV is the shader binary (entry point "main").
	SPIRV []byte
	// Buffers is the number of storage buffers, at bindings 0..Buffers-1
	// of descriptor set 0.
	Buffers int
	// Spec holds the 32-bit specialization constants, constant_id i
	// taking Spec[i] (ints, uints, bools as 0/1, floats by their bits).
	Spec []uint32
	// PushSize is the size in bytes of the push-constant block (a
	// multiple of 4, at most Limits.MaxPushConstantsSize).
	PushSize int
}
