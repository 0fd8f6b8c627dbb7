// Package convert is the shared converter behind `fp16tool convert`: it
// turns a target (gpu, cpu, npu, ...) into a precision, builds a plan
// (which tensor gets which precision, and why), runs the passes (package
// fp16 today; int8 later), verifies the result and returns a Report.
package convert

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/fp16tool/fp16tool/fp16"
	"github.com/fp16tool/fp16tool/graph"
)

// Target is a deployment target named by --target.
type Target string

// Targets.
const (
	TargetGPU     Target = "gpu"
	TargetCPU     Target = "cpu"
	TargetNPU     Target = "npu"
	TargetEdgeTPU Target = "edgetpu"
	TargetDSP     Target = "dsp"
	TargetMCU     Target = "mcu"
	TargetAuto    Target = "auto"
)

// Targets lists every target in the order help texts show them.
var Targets = []Target{TargetGPU, TargetCPU, TargetNPU, TargetEdgeTPU, TargetDSP, TargetMCU, TargetAuto}

// Precision is what the converter stores weights (and activations) as,
// named by --precision.
type Precision string

// Precisions.
const (
	// FP16 stores float32 constants as FLOAT16 behind DEQUANTIZE ops.
	FP16 Precision = "fp16"
	// Int8 is full-integer int8 (float I/O; integer-only I/O on
	// integer-only targets).
	Int8 Precision = "int8"
	// Int8Dynamic is int8 dynamic range: int8 weights, float activations.
	Int8Dynamic Precision = "int8-dynamic"
	// FP32 expands FLOAT16 and weight-only int8 constants back to float32.
	FP32 Precision = "fp32"
)

// Precisions lists every precision.
var Precisions = []Precision{FP16, Int8, Int8Dynamic, FP32}

// Errors the converter wraps, for errors.Is.
var (
	// ErrUsage marks a bad option value (unknown target, precision, op
	// name, malformed regexp).
	ErrUsage = errors.New("invalid option")
	// ErrNotSupported marks a precision this build cannot produce yet.
	ErrNotSupported = errors.New("not supported yet")
	// ErrVerify marks a converted model that failed verification (a bug).
	ErrVerify = errors.New("converted model fails verification")
)

// ParseTarget returns the Target named s.
func ParseTarget(s string) (Target, error) {
	for _, t := range Targets {
		if string(t) == s {
			return t, nil
		}
	}
	return "", fmt.Errorf("%w: unknown target %q (want one of %s)", ErrUsage, s, joinTargets())
}

// ParsePrecision returns the Precision named s.
func ParsePrecision(s string) (Precision, error) {
	for _, p := range Precisions {
		if string(p) == s {
			return p, nil
		}
	}
	names := make([]string, len(Precisions))
	for i, p := range Precisions {
		names[i] = string(p)
	}
	return "", fmt.Errorf("%w: unknown precision %q (want one of %s)", ErrUsage, s, strings.Join(names, ", "))
}

func joinTargets() string {
	names := make([]string, len(Targets))
	for i, t := range Targets {
		names[i] = string(t)
	}
	return strings.Join(names, ", ")
}

// ParseOps turns op names (as in --exclude-ops: builtin schema names such
// as CONV_2D, case-insensitive) into codes; an unknown name is an error
// naming it.
func ParseOps(names []string) ([]graph.OpCode, error) {
	var out []graph.OpCode
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" {
			continue
		}
		c, ok := graph.OpCodeByName(strings.ToUpper(n))
		if !ok {
			return nil, fmt.Errorf("%w: --exclude-ops: unknown op %q (use builtin names such as CONV_2D, FULLY_CONNECTED)", ErrUsage, n)
		}
		out = append(out, c)
	}
	return out, nil
}

// Device is what a probed compute device reports, for TargetAuto.
type Device struct {
	// Name is the device's name.
	Name string `json:"name"`
	// Backend is "gpu" or "cpu".
	Backend string `json:"backend"`
	// Float16 reports fp16 arithmetic with 16-bit storage.
	Float16 bool `json:"float16"`
	// Int8Dot reports int8 dot-product support.
	Int8Dot bool `json:"int8_dot"`
}

// Options are the converter's options, one per command-line flag.
type Options struct {
	// Target picks the precision when Precision is empty (default gpu).
	Target Target
	// Precision overrides what the target recommends.
	Precision Precision
	// ExcludeOps keeps the weights of these ops in float32.
	ExcludeOps []graph.OpCode
	// ExcludeTensors keeps constants whose name matches this regexp in
	// float32 ("" for none).
	ExcludeTensors string
	// Strict turns range problems (values beyond ±65504, NaN, Inf) into
	// errors.
	Strict bool
	// Calibration reports that a representative dataset is given (the
	// cpu target then picks full-integer int8 instead of dynamic range).
	Calibration bool
	// Devices are the probed devices TargetAuto chooses from; nil means
	// none was found.
	Devices []Device
	// Calibrate returns the calibrated ranges of the float activations of
	// the float32 model it is given (by main-subgraph tensor index), for
	// full-integer int8; Convert calls it once, after expanding float16
	// weights. Full integer without it is an ErrUsage error.
	Calibrate func(m *graph.Model) (map[int]ActivationRange, error)
	// LayerData, when set, opens the calibration data again: for GPTQ
	// weight rounding (WeightRounding) and for the per-layer report of a
	// full-integer conversion (Int8Report.Layers); nil skips both.
	LayerData func(m *graph.Model) (CalibSource, error)
	// MinElements, IO and IntegerOnly are the int8 options (see
	// Int8Options); integer-only targets imply IntegerOnly and, when IO is
	// unset, INT8 I/O.
	MinElements int
	IO          IOType
	IntegerOnly bool
	// NoEqualize skips cross-layer equalization before full-integer
	// calibration (--equalize=false; see Equalize).
	NoEqualize bool
	// IntTails keeps output-tail concatenations in int8 (--float-tails=false;
	// see Int8Options.IntTails).
	IntTails bool
	// Progress, when it is a terminal, shows progress bars of the passes
	// over calibration data that Convert runs itself (GPTQ's statistics).
	Progress io.Writer
	// WeightRounding is how int8 weights are rounded: RoundGPTQ uses
	// LayerData's calibration data when there is some; RoundNearest rounds
	// as TFLite does; RoundAuto ("", the default) is GPTQ for dynamic range
	// and nearest for full integer.
	WeightRounding WeightRounding
}

// Choose returns the precision the options ask for and why: Precision if
// set, else the target's profile (see DESIGN.md).
func Choose(opt Options) (Precision, string, error) {
	t := opt.Target
	if t == "" {
		t = TargetGPU
	}
	if _, err := ParseTarget(string(t)); err != nil {
		return "", "", err
	}
	if opt.Precision != "" {
		if _, err := ParsePrecision(string(opt.Precision)); err != nil {
			return "", "", err
		}
		return opt.Precision, fmt.Sprintf("--precision=%s overrides what target %s recommends", opt.Precision, t), nil
	}
	switch t {
	case TargetGPU:
		return FP16, "target gpu: GPU delegates compute in float16 natively; float16 weights are 2x smaller and near-lossless", nil
	case TargetCPU:
		if opt.Calibration {
			return Int8, "target cpu with calibration data: full-integer int8 with float I/O", nil
		}
		return Int8Dynamic, "target cpu without calibration data: int8 dynamic range (int8 weights, float activations)", nil
	case TargetNPU, TargetEdgeTPU, TargetDSP, TargetMCU:
		return Int8, fmt.Sprintf("target %s: integer-only hardware needs integer-only int8 with int8/uint8 I/O", t), nil
	}
	// auto
	for _, d := range opt.Devices {
		if d.Backend == "gpu" && d.Float16 {
			return FP16, fmt.Sprintf("target auto: GPU %q reports float16 arithmetic and 16-bit storage, so float16", d.Name), nil
		}
	}
	why := "target auto: no GPU backend with float16 was found"
	if len(opt.Devices) > 0 {
		var names []string
		for _, d := range opt.Devices {
			names = append(names, fmt.Sprintf("%q (%s, float16 %v)", d.Name, d.Backend, d.Float16))
		}
		why = fmt.Sprintf("target auto: no GPU backend with float16 among the probed devices %s", strings.Join(names, ", "))
	}
	if opt.Calibration {
		return Int8, why + ", so the cpu profile: full-integer int8", nil
	}
	return Int8Dynamic, why + ", so the cpu profile: int8 dynamic range", nil
}

// Report is what a conversion did; `convert --report` writes it as JSON.
type Report struct {
	// Input and Output are the file paths, when converting files.
	Input  string `json:"input,omitempty"`
	Output string `json:"output,omitempty"`
	// Target and Precision are what was asked and chosen; Reason says why
	// this precision.
	Target    Target    `json:"target"`
	Precision Precision `json:"precision"`
	Reason    string    `json:"reason"`
	// SizeBefore and SizeAfter are the file sizes in bytes (0 when
	// converting in memory), Ratio their quotient.
	SizeBefore int64   `json:"size_before"`
	SizeAfter  int64   `json:"size_after"`
	Ratio      float64 `json:"ratio"`
	// ConstBytesBefore and ConstBytesAfter sum the constant data sizes.
	ConstBytesBefore int64 `json:"const_bytes_before"`
	ConstBytesAfter  int64 `json:"const_bytes_after"`
	// TensorsConverted and TensorsKept count the planned float32
	// constants by outcome.
	TensorsConverted int `json:"tensors_converted"`
	TensorsKept      int `json:"tensors_kept"`
	// DequantizeAdded counts DEQUANTIZE ops added (fp16).
	DequantizeAdded int `json:"dequantize_added"`
	// Folded lists the DEQUANTIZE ops folded away (fp32).
	Folded []fp16.Folded `json:"folded,omitempty"`
	// RemovedTensors counts tensors removed as unused (fp32).
	RemovedTensors int `json:"removed_tensors,omitempty"`
	// Tensors is the plan and its outcome, per float32 constant (fp16).
	Tensors []fp16.TensorResult `json:"tensors,omitempty"`
	// Int8 is what the int8 passes did: the quantized tensors with their
	// parameters, the ops kept float, the ops added (int8, int8-dynamic).
	Int8 *Int8Report `json:"int8,omitempty"`
	// Warnings are one-line warnings, each naming its tensor.
	Warnings []string `json:"warnings"`
	// Seconds is the time of the conversion passes and verification.
	Seconds float64 `json:"seconds"`
}

// Convert converts m in place as opt asks and returns the report. On
// error m may be partly converted and should be dropped. Errors wrap
// ErrUsage, ErrNotSupported, fp16.ErrRange or ErrVerify.
func Convert(m *graph.Model, opt Options) (*Report, error) {
	start := time.Now()
	p, why, err := Choose(opt)
	if err != nil {
		return nil, err
	}
	target := opt.Target
	if target == "" {
		target = TargetGPU
	}
	r := &Report{Target: target, Precision: p, Reason: why, Warnings: []string{}}
	r.ConstBytesBefore = constBytes(m)
	// Ops that read FLOAT16 in the input (true float16 compute) are not
	// the converter's doing; verification lets them be.
	already := float16ReadingOps(m)
	switch p {
	case Int8, Int8Dynamic:
		if err := convertInt8(m, p, target, opt, r); err != nil {
			return nil, err
		}
	case FP32:
		res, err := fp16.Expand(m)
		if err != nil {
			return nil, err
		}
		r.Folded = res.Folded
		r.RemovedTensors = res.RemovedTensors
	case FP16:
		var re *regexp.Regexp
		if opt.ExcludeTensors != "" {
			re, err = regexp.Compile(opt.ExcludeTensors)
			if err != nil {
				return nil, fmt.Errorf("%w: --exclude-tensors: %v", ErrUsage, err)
			}
		}
		fo := fp16.Options{ExcludeOps: opt.ExcludeOps, ExcludeTensors: re, Strict: opt.Strict}
		res, err := fp16.Quantize(m, fo)
		if err != nil {
			return nil, err
		}
		r.Tensors = res.Tensors
		r.TensorsConverted = res.Converted
		r.TensorsKept = len(res.Tensors) - res.Converted
		r.DequantizeAdded = res.Dequantize
		r.Warnings = append(r.Warnings, res.Warnings...)
	}
	if err := verify(m, already); err != nil {
		return nil, err
	}
	r.ConstBytesAfter = constBytes(m)
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

// constBytes sums the data sizes of the constants of m, counting a buffer
// shared by several tensors once.
func constBytes(m *graph.Model) int64 {
	seen := make(map[*byte]bool)
	var n int64
	for _, sg := range m.Subgraphs {
		for _, t := range sg.Tensors {
			if len(t.Data) == 0 {
				continue
			}
			if p := &t.Data[0]; !seen[p] {
				seen[p] = true
				n += int64(len(t.Data))
			}
		}
	}
	return n
}

// float16Readers are the ops that may read a FLOAT16 tensor in a model
// whose compute is float32.
var float16Readers = map[graph.OpCode]bool{
	graph.OpDequantize: true,
	graph.OpDensify:    true,
	graph.OpCast:       true,
}

// Verify checks a converted model: every op index is in range, every
// op's arity matches the registry, FLOAT16 tensors are read only by
// DEQUANTIZE, DENSIFY or CAST, and DEQUANTIZE outputs are float32. The
// error wraps ErrVerify and names the op and tensor. (Package tflite's
// Save and Load check the rest of the format.)
func Verify(m *graph.Model) error { return verify(m, nil) }

// float16ReadingOps returns the ops of m that read a FLOAT16 tensor and
// are not DEQUANTIZE, DENSIFY or CAST.
func float16ReadingOps(m *graph.Model) map[*graph.Op]bool {
	out := make(map[*graph.Op]bool)
	for _, sg := range m.Subgraphs {
		for _, op := range sg.Ops {
			if float16Readers[op.Code] {
				continue
			}
			for _, i := range op.Inputs {
				if t := sg.Tensor(i); t != nil && t.Type == graph.Float16 {
					out[op] = true
				}
			}
		}
	}
	return out
}

// verify is Verify, letting the ops in allowed read FLOAT16.
func verify(m *graph.Model, allowed map[*graph.Op]bool) error {
	for si, sg := range m.Subgraphs {
		for k, op := range sg.Ops {
			where := fmt.Sprintf("subgraph %d op %d (%s)", si, k, op.Name())
			for _, lists := range [][]int{op.Inputs, op.Outputs} {
				for _, i := range lists {
					if i < -1 || i >= len(sg.Tensors) {
						return fmt.Errorf("%w: %s: tensor index %d out of range", ErrVerify, where, i)
					}
				}
			}
			if info, ok := graph.LookupOp(op); ok {
				if err := info.CheckArity(op); err != nil {
					return fmt.Errorf("%w: %s: %v", ErrVerify, where, err)
				}
			}
			if !float16Readers[op.Code] && !allowed[op] {
				for _, i := range op.Inputs {
					if t := sg.Tensor(i); t != nil && t.Type == graph.Float16 {
						return fmt.Errorf("%w: %s reads FLOAT16 tensor %d %q", ErrVerify, where, i, t.Name)
					}
				}
			}
			if op.Code == graph.OpDequantize {
				for _, o := range op.Outputs {
					if t := sg.Tensor(o); t != nil && t.Type != graph.Float32 {
						return fmt.Errorf("%w: %s writes %s tensor %q, want FLOAT32", ErrVerify, where, t.Type, t.Name)
					}
				}
			}
		}
	}
	return nil
}
