package tflite

import (
	"reflect"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/tflite/internal/schema"
)

// Slots of ResizeBilinearOptions' deprecated fields, which flatc generates
// no accessors for.
const (
	resizeNewHeightSlot = 0
	resizeNewWidthSlot  = 1
)

func nilIfEmpty(v []int32) []int32 {
	if len(v) == 0 {
		return nil
	}
	return v
}

// optionsFromFile returns the builtin options value for an op: a typed
// graph struct where graph has one, else the object-API value.
func optionsFromFile(t schema.BuiltinOptions, tab flatbuffers.Table) any {
	if t == schema.BuiltinOptionsResizeBilinearOptions {
		var r schema.ResizeBilinearOptions
		r.Init(tab.Bytes, tab.Pos)
		raw := r.Table()
		return &graph.ResizeBilinearOptions{
			AlignCorners:     r.AlignCorners(),
			HalfPixelCenters: r.HalfPixelCenters(),
			NewHeight:        raw.GetInt32Slot(flatbuffers.VOffsetT(4+2*resizeNewHeightSlot), 0),
			NewWidth:         raw.GetInt32Slot(flatbuffers.VOffsetT(4+2*resizeNewWidthSlot), 0),
		}
	}
	u := t.UnPack(tab)
	if u == nil {
		return nil
	}
	switch o := u.Value.(type) {
	case *schema.Conv2DOptionsT:
		return &graph.Conv2DOptions{Padding: graph.Padding(o.Padding), StrideW: o.StrideW, StrideH: o.StrideH,
			Activation: graph.Activation(o.FusedActivationFunction), DilationW: o.DilationWFactor, DilationH: o.DilationHFactor,
			QuantizedBiasType: graph.DType(o.QuantizedBiasType)}
	case *schema.DepthwiseConv2DOptionsT:
		return &graph.DepthwiseConv2DOptions{Padding: graph.Padding(o.Padding), StrideW: o.StrideW, StrideH: o.StrideH,
			DepthMultiplier: o.DepthMultiplier, Activation: graph.Activation(o.FusedActivationFunction),
			DilationW: o.DilationWFactor, DilationH: o.DilationHFactor}
	case *schema.TransposeConvOptionsT:
		return &graph.TransposeConvOptions{Padding: graph.Padding(o.Padding), StrideW: o.StrideW, StrideH: o.StrideH,
			Activation: graph.Activation(o.FusedActivationFunction), QuantizedBiasType: graph.DType(o.QuantizedBiasType)}
	case *schema.Pool2DOptionsT:
		return &graph.Pool2DOptions{Padding: graph.Padding(o.Padding), StrideW: o.StrideW, StrideH: o.StrideH,
			FilterW: o.FilterWidth, FilterH: o.FilterHeight, Activation: graph.Activation(o.FusedActivationFunction)}
	case *schema.FullyConnectedOptionsT:
		return &graph.FullyConnectedOptions{Activation: graph.Activation(o.FusedActivationFunction),
			WeightsFormat: int8(o.WeightsFormat), KeepNumDims: o.KeepNumDims,
			AsymmetricQuantizeInputs: o.AsymmetricQuantizeInputs, QuantizedBiasType: graph.DType(o.QuantizedBiasType)}
	case *schema.AddOptionsT:
		return &graph.AddOptions{Activation: graph.Activation(o.FusedActivationFunction), PotScaleInt16: o.PotScaleInt16}
	case *schema.SubOptionsT:
		return &graph.SubOptions{Activation: graph.Activation(o.FusedActivationFunction), PotScaleInt16: o.PotScaleInt16}
	case *schema.MulOptionsT:
		return &graph.MulOptions{Activation: graph.Activation(o.FusedActivationFunction)}
	case *schema.DivOptionsT:
		return &graph.DivOptions{Activation: graph.Activation(o.FusedActivationFunction)}
	case *schema.ConcatenationOptionsT:
		return &graph.ConcatenationOptions{Axis: o.Axis, Activation: graph.Activation(o.FusedActivationFunction)}
	case *schema.ReshapeOptionsT:
		return &graph.ReshapeOptions{NewShape: nilIfEmpty(o.NewShape)}
	case *schema.SoftmaxOptionsT:
		return &graph.SoftmaxOptions{Beta: o.Beta}
	case *schema.ReducerOptionsT:
		return &graph.ReducerOptions{KeepDims: o.KeepDims}
	case *schema.SqueezeOptionsT:
		return &graph.SqueezeOptions{SqueezeDims: nilIfEmpty(o.SqueezeDims)}
	case *schema.SplitOptionsT:
		return &graph.SplitOptions{NumSplits: o.NumSplits}
	case *schema.ResizeNearestNeighborOptionsT:
		return &graph.ResizeNearestNeighborOptions{AlignCorners: o.AlignCorners, HalfPixelCenters: o.HalfPixelCenters}
	case *schema.LeakyReluOptionsT:
		return &graph.LeakyReluOptions{Alpha: o.Alpha}
	case *schema.DepthToSpaceOptionsT:
		return &graph.DepthToSpaceOptions{BlockSize: o.BlockSize}
	case *schema.SpaceToDepthOptionsT:
		return &graph.SpaceToDepthOptions{BlockSize: o.BlockSize}
	case *schema.StridedSliceOptionsT:
		return &graph.StridedSliceOptions{BeginMask: o.BeginMask, EndMask: o.EndMask, EllipsisMask: o.EllipsisMask,
			NewAxisMask: o.NewAxisMask, ShrinkAxisMask: o.ShrinkAxisMask, Offset: o.Offset}
	case *schema.GatherOptionsT:
		return &graph.GatherOptions{Axis: o.Axis, BatchDims: o.BatchDims}
	}
	return u.Value
}

// typedToFile returns the object-API value and union type for a typed
// graph options struct (pointer or value), and false for anything else.
func typedToFile(v any) (any, bool) {
	switch o := deref(v).(type) {
	case graph.Conv2DOptions:
		return &schema.Conv2DOptionsT{Padding: schema.Padding(o.Padding), StrideW: o.StrideW, StrideH: o.StrideH,
			FusedActivationFunction: schema.ActivationFunctionType(o.Activation), DilationWFactor: o.DilationW,
			DilationHFactor: o.DilationH, QuantizedBiasType: schema.TensorType(o.QuantizedBiasType)}, true
	case graph.DepthwiseConv2DOptions:
		return &schema.DepthwiseConv2DOptionsT{Padding: schema.Padding(o.Padding), StrideW: o.StrideW, StrideH: o.StrideH,
			DepthMultiplier: o.DepthMultiplier, FusedActivationFunction: schema.ActivationFunctionType(o.Activation),
			DilationWFactor: o.DilationW, DilationHFactor: o.DilationH}, true
	case graph.TransposeConvOptions:
		return &schema.TransposeConvOptionsT{Padding: schema.Padding(o.Padding), StrideW: o.StrideW, StrideH: o.StrideH,
			FusedActivationFunction: schema.ActivationFunctionType(o.Activation), QuantizedBiasType: schema.TensorType(o.QuantizedBiasType)}, true
	case graph.Pool2DOptions:
		return &schema.Pool2DOptionsT{Padding: schema.Padding(o.Padding), StrideW: o.StrideW, StrideH: o.StrideH,
			FilterWidth: o.FilterW, FilterHeight: o.FilterH, FusedActivationFunction: schema.ActivationFunctionType(o.Activation)}, true
	case graph.FullyConnectedOptions:
		return &schema.FullyConnectedOptionsT{FusedActivationFunction: schema.ActivationFunctionType(o.Activation),
			WeightsFormat: schema.FullyConnectedOptionsWeightsFormat(o.WeightsFormat), KeepNumDims: o.KeepNumDims,
			AsymmetricQuantizeInputs: o.AsymmetricQuantizeInputs, QuantizedBiasType: schema.TensorType(o.QuantizedBiasType)}, true
	case graph.AddOptions:
		return &schema.AddOptionsT{FusedActivationFunction: schema.ActivationFunctionType(o.Activation), PotScaleInt16: o.PotScaleInt16}, true
	case graph.SubOptions:
		return &schema.SubOptionsT{FusedActivationFunction: schema.ActivationFunctionType(o.Activation), PotScaleInt16: o.PotScaleInt16}, true
	case graph.MulOptions:
		return &schema.MulOptionsT{FusedActivationFunction: schema.ActivationFunctionType(o.Activation)}, true
	case graph.DivOptions:
		return &schema.DivOptionsT{FusedActivationFunction: schema.ActivationFunctionType(o.Activation)}, true
	case graph.ConcatenationOptions:
		return &schema.ConcatenationOptionsT{Axis: o.Axis, FusedActivationFunction: schema.ActivationFunctionType(o.Activation)}, true
	case graph.ReshapeOptions:
		return &schema.ReshapeOptionsT{NewShape: nilIfEmpty(o.NewShape)}, true
	case graph.SoftmaxOptions:
		return &schema.SoftmaxOptionsT{Beta: o.Beta}, true
	case graph.ReducerOptions:
		return &schema.ReducerOptionsT{KeepDims: o.KeepDims}, true
	case graph.SqueezeOptions:
		return &schema.SqueezeOptionsT{SqueezeDims: nilIfEmpty(o.SqueezeDims)}, true
	case graph.SplitOptions:
		return &schema.SplitOptionsT{NumSplits: o.NumSplits}, true
	case graph.ResizeBilinearOptions:
		return &o, true // written by hand (deprecated fields)
	case graph.ResizeNearestNeighborOptions:
		return &schema.ResizeNearestNeighborOptionsT{AlignCorners: o.AlignCorners, HalfPixelCenters: o.HalfPixelCenters}, true
	case graph.LeakyReluOptions:
		return &schema.LeakyReluOptionsT{Alpha: o.Alpha}, true
	case graph.DepthToSpaceOptions:
		return &schema.DepthToSpaceOptionsT{BlockSize: o.BlockSize}, true
	case graph.SpaceToDepthOptions:
		return &schema.SpaceToDepthOptionsT{BlockSize: o.BlockSize}, true
	case graph.StridedSliceOptions:
		return &schema.StridedSliceOptionsT{BeginMask: o.BeginMask, EndMask: o.EndMask, EllipsisMask: o.EllipsisMask,
			NewAxisMask: o.NewAxisMask, ShrinkAxisMask: o.ShrinkAxisMask, Offset: o.Offset}, true
	case graph.GatherOptions:
		return &schema.GatherOptionsT{Axis: o.Axis, BatchDims: o.BatchDims}, true
	}
	return nil, false
}

// deref turns a pointer to a typed options struct into its value.
func deref(v any) any {
	switch o := v.(type) {
	case *graph.Conv2DOptions:
		return *o
	case *graph.DepthwiseConv2DOptions:
		return *o
	case *graph.TransposeConvOptions:
		return *o
	case *graph.Pool2DOptions:
		return *o
	case *graph.FullyConnectedOptions:
		return *o
	case *graph.AddOptions:
		return *o
	case *graph.SubOptions:
		return *o
	case *graph.MulOptions:
		return *o
	case *graph.DivOptions:
		return *o
	case *graph.ConcatenationOptions:
		return *o
	case *graph.ReshapeOptions:
		return *o
	case *graph.SoftmaxOptions:
		return *o
	case *graph.ReducerOptions:
		return *o
	case *graph.SqueezeOptions:
		return *o
	case *graph.SplitOptions:
		return *o
	case *graph.ResizeBilinearOptions:
		return *o
	case *graph.ResizeNearestNeighborOptions:
		return *o
	case *graph.LeakyReluOptions:
		return *o
	case *graph.DepthToSpaceOptions:
		return *o
	case *graph.SpaceToDepthOptions:
		return *o
	case *graph.StridedSliceOptions:
		return *o
	case *graph.GatherOptions:
		return *o
	}
	return v
}

// knownOptions reports whether Save can write v as builtin options.
func knownOptions(v any) bool {
	if isNilPointer(v) {
		return false
	}
	if _, ok := typedToFile(v); ok {
		return true
	}
	_, ok := builtinOptionsTypeOf(v)
	return ok
}

// packOptions writes builtin options v and returns its union type and
// offset.
func packOptions(b *flatbuffers.Builder, v any) (schema.BuiltinOptions, flatbuffers.UOffsetT) {
	if fv, ok := typedToFile(v); ok {
		if r, ok := fv.(*graph.ResizeBilinearOptions); ok {
			b.StartObject(4)
			b.PrependInt32Slot(resizeNewHeightSlot, r.NewHeight, 0)
			b.PrependInt32Slot(resizeNewWidthSlot, r.NewWidth, 0)
			schema.ResizeBilinearOptionsAddAlignCorners(b, r.AlignCorners)
			schema.ResizeBilinearOptionsAddHalfPixelCenters(b, r.HalfPixelCenters)
			return schema.BuiltinOptionsResizeBilinearOptions, b.EndObject()
		}
		v = fv
	}
	t, _ := builtinOptionsTypeOf(v)
	return t, (&schema.BuiltinOptionsT{Type: t, Value: v}).Pack(b)
}

func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// OptionsName returns the schema name of an op's options value as Load
// returns it or Save takes it (e.g. "Conv2DOptions" for a
// *graph.Conv2DOptions, "PadOptions" for the opaque value of a PAD op's
// options, "StableHLOCompositeOptions" for an Options2 value), and "" for
// nil or a value of no options type.
func OptionsName(v any) string {
	if v == nil || isNilPointer(v) {
		return ""
	}
	if fv, ok := typedToFile(v); ok {
		if _, ok := fv.(*graph.ResizeBilinearOptions); ok {
			return "ResizeBilinearOptions"
		}
		v = fv
	}
	if t, ok := builtinOptionsTypeOf(v); ok {
		return t.String()
	}
	if t, ok := builtinOptions2TypeOf(v); ok {
		return t.String()
	}
	return ""
}
