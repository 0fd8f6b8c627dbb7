package graph

import "testing"

// cpuOps are the ops the CPU-backend issue lists; each must be registered
// with shape inference.
var cpuOps = []string{
	"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV", "ADD", "SUB", "MUL", "DIV",
	"MAXIMUM", "MINIMUM", "MAX_POOL_2D", "AVERAGE_POOL_2D", "MEAN", "SUM", "RESHAPE", "SQUEEZE",
	"EXPAND_DIMS", "CONCATENATION", "SPLIT", "PAD", "PADV2", "RELU", "RELU6", "RELU_N1_TO_1",
	"LEAKY_RELU", "PRELU", "LOGISTIC", "TANH", "HARD_SWISH", "SOFTMAX", "RESIZE_BILINEAR",
	"RESIZE_NEAREST_NEIGHBOR", "DEPTH_TO_SPACE", "SPACE_TO_DEPTH", "TRANSPOSE", "STRIDED_SLICE",
	"SLICE", "GATHER", "DEQUANTIZE", "QUANTIZE", "DENSIFY",
	"CAST", "EXP", "LOG", "SQRT", "RSQRT", "SQUARE", "ABS", "NEG", "FLOOR", "SQUARED_DIFFERENCE",
	"REDUCE_MAX", "REDUCE_MIN", "REDUCE_PROD", "BATCH_MATMUL", "L2_NORMALIZATION",
}

func TestRegistryCoversOps(t *testing.T) {
	for _, name := range cpuOps {
		code, ok := OpCodeByName(name)
		if !ok {
			t.Errorf("%s: not an op code", name)
			continue
		}
		info, ok := LookupOp(&Op{Code: code})
		if !ok || info.Shape == nil {
			t.Errorf("%s: not registered with shape inference", name)
			continue
		}
		if info.Name() != name {
			t.Errorf("%s: registry entry is named %s", name, info.Name())
		}
	}
	info, ok := LookupOp(&Op{Code: OpCustom, Custom: CustomTransposeConvBias})
	if !ok || info.Shape == nil || info.Name() != CustomTransposeConvBias {
		t.Errorf("%s: not registered", CustomTransposeConvBias)
	}
	if _, ok := LookupOp(&Op{Code: OpCustom, Custom: "NoSuchOp"}); ok {
		t.Error("unknown custom op found")
	}
	if _, ok := LookupOp(&Op{Code: OpLstm}); ok {
		t.Error("LSTM is registered but has no shape inference here")
	}
	ops := RegisteredOps()
	for i := 1; i < len(ops); i++ {
		if ops[i-1].Code > ops[i].Code {
			t.Fatalf("RegisteredOps not sorted at %d", i)
		}
	}
}

func TestRegistryWeightsAndBias(t *testing.T) {
	for _, tc := range []struct {
		code       OpCode
		custom     string
		weights    []int
		bias, axis int
	}{
		{OpConv2D, "", []int{1}, 2, 0},
		{OpDepthwiseConv2D, "", []int{1}, 2, 3},
		{OpFullyConnected, "", []int{1}, 2, 0},
		{OpTransposeConv, "", []int{1}, 3, 0},
		{OpCustom, CustomTransposeConvBias, []int{1}, 2, 0},
		{OpPrelu, "", []int{1}, -1, -1},
		{OpAdd, "", nil, -1, -1},
	} {
		info, ok := LookupOp(&Op{Code: tc.code, Custom: tc.custom})
		if !ok {
			t.Fatalf("%v %s not registered", tc.code, tc.custom)
		}
		if len(info.Weights) != len(tc.weights) || (len(tc.weights) > 0 && info.Weights[0] != tc.weights[0]) ||
			info.Bias != tc.bias || info.WeightAxis != tc.axis {
			t.Errorf("%s: weights %v bias %d axis %d, want %v %d %d", info.Name(), info.Weights, info.Bias, info.WeightAxis, tc.weights, tc.bias, tc.axis)
		}
		for _, w := range tc.weights {
			if !info.IsWeight(w) {
				t.Errorf("%s: IsWeight(%d) = false", info.Name(), w)
			}
		}
	}
}

func TestMACs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		code   OpCode
		custom string
		opts   any
		copts  []byte
		ins    []tin
		out    []int32
		want   int64
	}{
		// MobileNet v1 first layer: 112*112*32 outputs × 3*3*3.
		{"conv", OpConv2D, "", Conv2DOptions{StrideH: 2, StrideW: 2}, nil,
			[]tin{act(1, 224, 224, 3), weights(32, 3, 3, 3), weights(32)}, []int32{1, 112, 112, 32}, 112 * 112 * 32 * 27},
		{"conv grouped", OpConv2D, "", Conv2DOptions{StrideH: 1, StrideW: 1}, nil,
			[]tin{act(1, 8, 8, 16), weights(32, 3, 3, 4)}, []int32{1, 8, 8, 32}, 8 * 8 * 32 * 9 * 4},
		{"depthwise", OpDepthwiseConv2D, "", DepthwiseConv2DOptions{StrideH: 1, StrideW: 1}, nil,
			[]tin{act(1, 112, 112, 32), weights(1, 3, 3, 32)}, []int32{1, 112, 112, 32}, 112 * 112 * 32 * 9},
		{"fc", OpFullyConnected, "", nil, nil,
			[]tin{act(1, 1024), weights(1001, 1024)}, []int32{1, 1001}, 1024 * 1001},
		{"transpose conv", OpTransposeConv, "", TransposeConvOptions{StrideH: 2, StrideW: 2}, nil,
			[]tin{ci(1, 8, 8, 4), weights(4, 3, 3, 2), act(1, 4, 4, 2)}, []int32{1, 8, 8, 4}, 4 * 4 * 2 * 3 * 3 * 4},
		{"transpose conv bias", OpCustom, CustomTransposeConvBias, nil, Int32Data(1, 2, 2),
			[]tin{act(1, 32, 42, 128), weights(32, 4, 4, 128), weights(32)}, []int32{1, 64, 84, 32}, 32 * 42 * 128 * 4 * 4 * 32},
		{"batch matmul", OpBatchMatmul, "", nil, nil,
			[]tin{act(2, 3, 4), act(4, 5)}, []int32{2, 3, 5}, 2 * 3 * 5 * 4},
		{"add counts 0", OpAdd, "", nil, nil, []tin{act(1, 4), act(1, 4)}, []int32{1, 4}, 0},
	} {
		s, op := singleOp(tc.code, tc.custom, tc.opts, tc.copts, tc.ins, 1)
		s.Tensors[op.Outputs[0]].Shape = tc.out
		if got := OpMACs(s, op); got != tc.want {
			t.Errorf("%s: MACs %d, want %d", tc.name, got, tc.want)
		}
	}
}
