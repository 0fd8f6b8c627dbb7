package graph

// FuseActivations returns the ops a backend compiles in place of sg.Ops: a RELU,
// RELU6 or RELU_N1_TO_1 whose input comes from a CONV_2D,
// DEPTHWISE_CONV_2D, FULLY_CONNECTED, ADD, SUB or MUL without a fused
// activation, and is read by nothing else, becomes that op's fused
// activation (a copy of the op writes the activation's output) and the
// activation op is dropped (nil). The numbers are the same: the clamp is
// the same function, applied in the producer's output loop. sg is not
// changed. The CPU and Vulkan backends share it.
func FuseActivations(sg *Subgraph) []*Op {
	ops := append([]*Op(nil), sg.Ops...)
	prod := sg.Producers()
	cons := sg.Consumers()
	isOutput := make(map[int]bool)
	for _, o := range sg.Outputs {
		isOutput[o] = true
	}
	for i, op := range sg.Ops {
		var act Activation
		switch op.Code {
		case OpRelu:
			act = ActRelu
		case OpRelu6:
			act = ActRelu6
		case OpReluN1To1:
			act = ActReluN1To1
		default:
			continue
		}
		if len(op.Inputs) != 1 || len(op.Outputs) != 1 {
			continue
		}
		t := op.Inputs[0]
		if t < 0 || t >= len(sg.Tensors) || isOutput[t] || len(cons[t]) != 1 || prod[t] < 0 {
			continue
		}
		if sg.Tensors[t].Type != Float32 || sg.Tensors[op.Outputs[0]].Type != Float32 {
			continue
		}
		p := prod[t]
		src := ops[p]
		if src == nil || len(src.Outputs) != 1 || src.Outputs[0] != t {
			continue
		}
		o, ok := withActivation(src, act)
		if !ok {
			continue
		}
		fused := *src
		fused.Options = o
		fused.Outputs = []int{op.Outputs[0]}
		ops[p] = &fused
		ops[i] = nil
	}
	return ops
}

// withActivation returns op's options with the fused activation set, if
// the op has a fused activation and it is NONE.
func withActivation(op *Op, a Activation) (any, bool) {
	switch op.Code {
	case OpConv2D:
		return setAct(op.Options, a, func(o *Conv2DOptions) *Activation { return &o.Activation })
	case OpDepthwiseConv2D:
		return setAct(op.Options, a, func(o *DepthwiseConv2DOptions) *Activation { return &o.Activation })
	case OpFullyConnected:
		return setAct(op.Options, a, func(o *FullyConnectedOptions) *Activation { return &o.Activation })
	case OpAdd:
		return setAct(op.Options, a, func(o *AddOptions) *Activation { return &o.Activation })
	case OpSub:
		return setAct(op.Options, a, func(o *SubOptions) *Activation { return &o.Activation })
	case OpMul:
		return setAct(op.Options, a, func(o *MulOptions) *Activation { return &o.Activation })
	}
	return nil, false
}

// setAct copies options of type T (held as T, *T or nil) and sets their
// activation to a when it is NONE.
func setAct[T any](opt any, a Activation, field func(*T) *Activation) (any, bool) {
	var o T
	switch v := opt.(type) {
	case nil:
	case T:
		o = v
	case *T:
		if v != nil {
			o = *v
		}
	default:
		return nil, false
	}
	if *field(&o) != ActNone {
		return nil, false
	}
	*field(&o) = a
	return o, true
}
