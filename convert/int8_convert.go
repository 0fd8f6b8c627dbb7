package convert

import (
	"fmt"
	"regexp"

	"github.com/fp16tool/fp16tool/fp16"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/tflite"
)

// IOType is the type of a full-integer model's inputs and outputs
// (--io): "" (the target's default), "float32", "int8" or "uint8".
type IOType string

// I/O types.
const (
	IODefault IOType = ""
	IOFloat32 IOType = "float32"
	IOInt8    IOType = "int8"
	IOUint8   IOType = "uint8"
)

// ParseIO returns the IOType named s.
func ParseIO(s string) (IOType, error) {
	switch IOType(s) {
	case IODefault, IOFloat32, IOInt8, IOUint8:
		return IOType(s), nil
	case "float":
		return IOFloat32, nil
	}
	return "", fmt.Errorf("%w: --io %q: want float32, int8 or uint8", ErrUsage, s)
}

func (t IOType) dtype() graph.DType {
	switch t {
	case IOInt8:
		return graph.Int8
	case IOUint8:
		return graph.Uint8
	}
	return graph.Float32
}

// IntegerOnlyTarget reports whether t is integer-only hardware (npu,
// edgetpu, dsp, mcu).
func IntegerOnlyTarget(t Target) bool {
	switch t {
	case TargetNPU, TargetEdgeTPU, TargetDSP, TargetMCU:
		return true
	}
	return false
}

// Int8Report is the int8 part of a Report.
type Int8Report struct {
	// IO is the type of the model's inputs and outputs (full integer).
	IO string `json:"io,omitempty"`
	// MinElements is the dynamic-range threshold used.
	MinElements int `json:"min_elements,omitempty"`
	// Tensors are the quantized (and kept) tensors with their parameters.
	Tensors []Int8Tensor `json:"tensors"`
	// FloatOps are the ops kept in float, each with why.
	FloatOps []string `json:"float_ops"`
	// FloatTails are the output-tail ops run in float by choice
	// (--float-tails), each with why.
	FloatTails []string `json:"float_tails,omitempty"`
	// QuantizeAdded and DequantizeAdded count the ops inserted.
	QuantizeAdded   int `json:"quantize_added"`
	DequantizeAdded int `json:"dequantize_added"`
	// Layers is the per-layer error report (full integer with
	// calibration data), worst first.
	Layers []LayerError `json:"layers,omitempty"`
	// Prepare says what the float-graph passes run before calibration
	// changed (full integer; see PrepareFullInteger).
	Prepare *PrepareResult `json:"prepare,omitempty"`
	// WeightRounding is how the int8 weights were rounded ("gptq" or
	// "nearest"); GPTQOps counts the ops whose weights GPTQ rounded.
	WeightRounding WeightRounding `json:"weight_rounding"`
	GPTQOps        int            `json:"gptq_ops"`
}

// convertInt8 runs the int8 pass precision p asks for on m and fills r.
// Float16 and weight-only int8 constants are expanded to float32 first, so
// that a float16 model converts as its float32 original would.
func convertInt8(m *graph.Model, p Precision, target Target, opt Options, r *Report) error {
	if _, err := fp16.Expand(m); err != nil {
		return err
	}
	iopt := Int8Options{MinElements: opt.MinElements, ExcludeOps: opt.ExcludeOps, IntegerOnly: opt.IntegerOnly, IntTails: opt.IntTails}
	if iopt.MinElements <= 0 {
		iopt.MinElements = DefaultMinElements
	}
	if opt.ExcludeTensors != "" {
		re, err := regexp.Compile(opt.ExcludeTensors)
		if err != nil {
			return fmt.Errorf("%w: --exclude-tensors: %v", ErrUsage, err)
		}
		iopt.ExcludeTensors = re
	}
	io := opt.IO
	if IntegerOnlyTarget(target) {
		iopt.IntegerOnly = true
		if io == IODefault {
			io = IOInt8
		}
	}
	if iopt.IntegerOnly && io.dtype() == graph.Float32 && p == Int8 {
		return fmt.Errorf("%w: --io=%s: integer-only conversion needs int8 or uint8 I/O", ErrUsage, io)
	}
	iopt.IO = io.dtype()
	var res *Int8Result
	var err error
	rep := &Int8Report{WeightRounding: RoundNearest}
	rounding, err := ParseWeightRounding(string(opt.WeightRounding))
	if err != nil {
		return err
	}
	if rounding == RoundAuto {
		rounding = RoundNearest
		if p == Int8Dynamic {
			rounding = RoundGPTQ
		}
	}
	// hessians gathers GPTQ's statistics from the calibration data on the
	// float model as the int8 pass will see it (minEl: the smallest
	// weight it quantizes).
	hessians := func(minEl int) error {
		if rounding != RoundGPTQ || opt.LayerData == nil {
			return nil
		}
		src, err := opt.LayerData(m)
		if err != nil {
			return err
		}
		defer src.Close()
		hopt := HessianOptions{MinElements: minEl, Runner: RunnerOptions{Name: r.Input}, Strict: opt.Strict,
			Warn: func(s string) { r.Warnings = append(r.Warnings, s) }, Progress: opt.Progress}
		if iopt.Hessians, err = WeightHessians(m, src, hopt); err != nil {
			return err
		}
		rep.WeightRounding = RoundGPTQ
		return nil
	}
	if p == Int8Dynamic {
		if err := hessians(iopt.MinElements); err != nil {
			return err
		}
		res, err = DynamicRange(m, iopt)
		rep.MinElements = iopt.MinElements
	} else {
		if opt.Calibrate == nil {
			return fmt.Errorf("%w: full-integer int8 needs calibration data (--calib FILE|FOLDER); without it use --precision=int8-dynamic", ErrUsage)
		}
		prep := DefaultPrepare
		prep.Equalize = !opt.NoEqualize
		pr, perr := PrepareFullInteger(m, prep)
		if perr != nil {
			return perr
		}
		rep.Prepare = &pr
		ranges, cerr := opt.Calibrate(m)
		if cerr != nil {
			return cerr
		}
		if err := hessians(1); err != nil {
			return err
		}
		var float []byte
		if opt.LayerData != nil {
			if float, err = tflite.Save(m); err != nil {
				return err
			}
		}
		res, err = FullInteger(m, ranges, iopt)
		rep.IO = iopt.IO.String()
		if err == nil && opt.LayerData != nil {
			rep.Layers, err = layerReport(float, m, res, opt.LayerData)
		}
	}
	if err != nil {
		return err
	}
	rep.Tensors, rep.FloatOps, rep.FloatTails = res.Tensors, res.FloatOps, res.FloatTails
	if rep.FloatOps == nil {
		rep.FloatOps = []string{}
	}
	rep.QuantizeAdded, rep.DequantizeAdded = res.QuantizeAdded, res.DequantizeAdded
	rep.GPTQOps = res.GPTQ
	r.Int8 = rep
	r.TensorsConverted, r.TensorsKept = res.Quantized, res.Kept
	r.DequantizeAdded = res.DequantizeAdded
	r.Warnings = append(r.Warnings, res.Warnings...)
	return nil
}

// Ranges turns Calibrate's ranges into the full-integer pass's input.
func Ranges(rs map[int]TensorRange) map[int]ActivationRange {
	out := make(map[int]ActivationRange, len(rs))
	for i, r := range rs {
		out[i] = ActivationRange{Min: r.Min, Max: r.Max}
	}
	return out
}

// layerReport runs LayerErrors of the int8 model q against the float model
// saved as float, on the data open gives.
func layerReport(float []byte, q *graph.Model, res *Int8Result, open func(*graph.Model) (CalibSource, error)) ([]LayerError, error) {
	f, err := tflite.Load("float model", float)
	if err != nil {
		return nil, err
	}
	src, err := open(f)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	return LayerErrors(f, q, res, src, 0)
}
