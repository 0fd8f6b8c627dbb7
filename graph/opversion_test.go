package graph

import "testing"

// TestOpVersion checks OpVersion against the cases of TFLite's
// op_version.cc that the converters here write.
func TestOpVersion(t *testing.T) {
	perCh := &Quantization{Scale: []float32{1, 2}, ZeroPoint: []int64{0, 0}}
	perT := &Quantization{Scale: []float32{1}, ZeroPoint: []int64{0}}
	tests := []struct {
		name       string
		code       OpCode
		in         []DType
		wq         *Quantization
		out        DType
		opts       any
		want       int32
		threeInput bool
	}{
		{"conv float", OpConv2D, []DType{Float32, Float32}, nil, Float32, &Conv2DOptions{}, 1, true},
		{"conv int8", OpConv2D, []DType{Int8, Int8}, perCh, Int8, &Conv2DOptions{}, 3, true},
		{"conv hybrid per channel", OpConv2D, []DType{Float32, Int8}, perCh, Float32, &Conv2DOptions{}, 5, true},
		{"conv hybrid per tensor", OpConv2D, []DType{Float32, Int8}, perT, Float32, &Conv2DOptions{}, 2, true},
		{"dw int8", OpDepthwiseConv2D, []DType{Int8, Int8}, perCh, Int8, &DepthwiseConv2DOptions{}, 3, true},
		{"dw hybrid per channel", OpDepthwiseConv2D, []DType{Float32, Int8}, perCh, Float32, &DepthwiseConv2DOptions{}, 6, true},
		{"dw dilated float", OpDepthwiseConv2D, []DType{Float32, Float32}, nil, Float32, &DepthwiseConv2DOptions{DilationW: 2}, 2, true},
		{"fc int8", OpFullyConnected, []DType{Int8, Int8}, perCh, Int8, &FullyConnectedOptions{}, 4, true},
		{"fc hybrid asymmetric", OpFullyConnected, []DType{Float32, Int8}, perT, Float32, &FullyConnectedOptions{AsymmetricQuantizeInputs: true}, 9, true},
		{"fc hybrid", OpFullyConnected, []DType{Float32, Int8}, perT, Float32, &FullyConnectedOptions{}, 3, true},
		{"fc keep dims", OpFullyConnected, []DType{Int8, Int8}, perCh, Int8, &FullyConnectedOptions{KeepNumDims: true}, 5, true},
		{"fc no bias", OpFullyConnected, []DType{Int8, Int8}, perCh, Int8, &FullyConnectedOptions{}, 6, false},
		{"dequantize int8", OpDequantize, []DType{Int8}, nil, Float32, nil, 2, false},
		{"dequantize float16", OpDequantize, []DType{Float16}, nil, Float32, nil, 3, false},
		{"quantize", OpQuantize, []DType{Float32}, nil, Int8, nil, 1, false},
		{"quantize int16", OpQuantize, []DType{Float32}, nil, Int16, nil, 2, false},
		{"add int8", OpAdd, []DType{Int8, Int8}, nil, Int8, &AddOptions{}, 2, false},
		{"logistic int8", OpLogistic, []DType{Int8}, nil, Int8, nil, 2, false},
		{"resize half pixel", OpResizeBilinear, []DType{Int8, Int32}, nil, Int8, &ResizeBilinearOptions{HalfPixelCenters: true}, 3, false},
		{"resize int8", OpResizeBilinear, []DType{Int8, Int32}, nil, Int8, &ResizeBilinearOptions{}, 2, false},
		{"hard swish int8", OpHardSwish, []DType{Int8}, nil, Int8, nil, 1, false},
	}
	for _, tc := range tests {
		s := &Subgraph{}
		op := &Op{Code: tc.code, Options: tc.opts}
		for k, d := range tc.in {
			tt := &Tensor{Type: d, Shape: []int32{1, 2, 2, 2}}
			if k == 1 {
				tt.Quant = tc.wq
			}
			s.Tensors = append(s.Tensors, tt)
			op.Inputs = append(op.Inputs, k)
		}
		if tc.threeInput {
			s.Tensors = append(s.Tensors, &Tensor{Type: Float32, Shape: []int32{2}})
			op.Inputs = append(op.Inputs, len(s.Tensors)-1)
		}
		s.Tensors = append(s.Tensors, &Tensor{Type: tc.out})
		op.Outputs = []int{len(s.Tensors) - 1}
		if got := OpVersion(s, op); got != tc.want {
			t.Errorf("%s: version %d, want %d", tc.name, got, tc.want)
		}
	}
}
