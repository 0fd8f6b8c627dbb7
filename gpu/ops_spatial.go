package gpu

import (
	"encoding/binary"

	"github.com/fp16tool/fp16tool/graph"
)

// Pools, reductions, resizes and transposed convolutions
// (kernels_activation.go, kernels_copy.go).

func init() {
	gpuOps[graph.OpMaxPool2D] = preparePool(MaxPool)
	gpuOps[graph.OpAveragePool2D] = preparePool(AvgPool)
	gpuOps[graph.OpMean] = prepareReduce(true)
	gpuOps[graph.OpSum] = prepareReduce(false)
	gpuOps[graph.OpResizeBilinear] = prepareResize(true)
	gpuOps[graph.OpResizeNearestNeighbor] = prepareResize(false)
	gpuOps[graph.OpTransposeConv] = prepareTransposeConv
	gpuCustoms["Convolution2DTransposeBias"] = prepareConvTransposeBias
}

// preparePool returns the prepare function of MAX_POOL_2D or
// AVERAGE_POOL_2D.
func preparePool(op PoolOp) opPrepare {
	return func(x *opCtx) error {
		if err := x.arity(1, 1, 1); err != nil {
			return err
		}
		o, err := opts[graph.Pool2DOptions](x)
		if err != nil {
			return err
		}
		in, out := x.in[0], x.out[0]
		if int(o.FilterH) < 1 || int(o.FilterW) < 1 {
			return x.errorf("filter %dx%d must be positive", o.FilterH, o.FilterW)
		}
		c, err := convParams(x, in, out, int(o.FilterH), int(o.FilterW), int(o.StrideH), int(o.StrideW), 1, 1, o.Padding, o.Activation)
		if err != nil {
			return err
		}
		return record1(x, in, out, func(i, o *Buffer) error { return x.k.Pool2D(x.seq, op, c, i, o) })
	}
}

// prepareReduce returns the prepare function of MEAN or SUM over the axes
// of a constant input.
func prepareReduce(mean bool) opPrepare {
	return func(x *opCtx) error {
		if err := x.arity(2, 2, 1); err != nil {
			return err
		}
		in, out := x.in[0], x.out[0]
		axes, err := x.ints(x.in[1])
		if err != nil {
			return err
		}
		r := len(in.shape)
		kept := in.n
		seen := make([]bool, r)
		for _, a := range axes {
			if a < -r || a >= r {
				return x.errorf("axis %d is out of range for %v", a, in)
			}
			if a < 0 {
				a += r
			}
			if !seen[a] && in.shape[a] > 0 {
				kept /= in.shape[a]
			}
			seen[a] = true
		}
		if out.n != kept {
			return x.errorf("output %v: the op computes %d elements", out, kept)
		}
		return record1(x, in, out, func(i, o *Buffer) error { return x.k.Reduce(x.seq, mean, in.shape, axes, i, o) })
	}
}

// prepareResize returns the prepare function of RESIZE_BILINEAR or
// RESIZE_NEAREST_NEIGHBOR (size: a constant INT32 [2]).
func prepareResize(bilinear bool) opPrepare {
	return func(x *opCtx) error {
		if err := x.arity(2, 2, 1); err != nil {
			return err
		}
		r := ResizeParams{Bilinear: bilinear}
		if bilinear {
			o, err := opts[graph.ResizeBilinearOptions](x)
			if err != nil {
				return err
			}
			r.AlignCorners, r.HalfPixelCenters = o.AlignCorners, o.HalfPixelCenters
		} else {
			o, err := opts[graph.ResizeNearestNeighborOptions](x)
			if err != nil {
				return err
			}
			r.AlignCorners, r.HalfPixelCenters = o.AlignCorners, o.HalfPixelCenters
		}
		in, out := x.in[0], x.out[0]
		size, err := x.ints(x.in[1])
		if err != nil {
			return err
		}
		if len(in.shape) != 4 || len(size) != 2 {
			return x.errorf("input %v must have rank 4 and size %v two values", in, size)
		}
		r.Batch, r.InH, r.InW, r.C = in.shape[0], in.shape[1], in.shape[2], in.shape[3]
		r.OutH, r.OutW = size[0], size[1]
		if err := checkOut(x, out, []int{r.Batch, r.OutH, r.OutW, r.C}); err != nil {
			return err
		}
		return record1(x, in, out, func(i, o *Buffer) error { return x.k.Resize(x.seq, r, i, o) })
	}
}

// recordTransposeConv records a transposed convolution of in by filter w
// ([OutC,KH,KW,InC]) with the bias of input biasIn (zeros when absent)
// into out.
func recordTransposeConv(x *opCtx, in, w, out *tensor, biasIn, strideH, strideW, padTop, padLeft int, act graph.Activation) error {
	c := Conv2DParams{Batch: in.shape[0], InH: in.shape[1], InW: in.shape[2], InC: in.shape[3],
		OutH: out.shape[1], OutW: out.shape[2], OutC: out.shape[3], KH: w.shape[1], KW: w.shape[2],
		StrideH: strideH, StrideW: strideW, DilationH: 1, DilationW: 1, PadTop: padTop, PadLeft: padLeft, Act: act}
	bufs, err := buffers(x, in, w, out)
	if err != nil {
		return err
	}
	bias, err := biasBuffer(x, biasIn, c.OutC)
	if err != nil {
		return err
	}
	return kernelErr(x, x.k.TransposeConv2D(x.seq, c, bufs[0], bufs[1], bias, bufs[2]))
}

// checkTransposeShapes checks the ranks and channels of a transposed
// convolution's input, weights [O,KH,KW,I] and output.
func checkTransposeShapes(x *opCtx, in, w, out *tensor, strideH, strideW int) error {
	if len(in.shape) != 4 || len(w.shape) != 4 || len(out.shape) != 4 {
		return x.errorf("input %v, weights %v and output %v must have rank 4", in, w, out)
	}
	if w.shape[0] != out.shape[3] || w.shape[3] != in.shape[3] || out.shape[0] != in.shape[0] {
		return x.errorf("weights %v do not map input %v to output %v", w, in, out)
	}
	if strideH < 1 || strideW < 1 {
		return x.errorf("strides %dx%d must be positive", strideH, strideW)
	}
	return nil
}

// TRANSPOSE_CONV: inputs output_shape, weights [O,KH,KW,I], input
// [N,H,W,I], optional bias [O]. The padding is the one a CONV_2D from the
// output back to the input would use.
func prepareTransposeConv(x *opCtx) error {
	if err := x.arity(3, 4, 1); err != nil {
		return err
	}
	o, err := opts[graph.TransposeConvOptions](x)
	if err != nil {
		return err
	}
	w, in, out := x.in[1], x.in[2], x.out[0]
	sh, sw := int(o.StrideH), int(o.StrideW)
	if err := checkTransposeShapes(x, in, w, out, sh, sw); err != nil {
		return err
	}
	if x.in[0].konst() {
		s, err := x.ints(x.in[0])
		if err != nil {
			return err
		}
		if err := checkOut(x, out, s); err != nil {
			return err
		}
	}
	_, pt := ConvOutput(out.shape[1], w.shape[1], sh, 1, o.Padding)
	_, pl := ConvOutput(out.shape[2], w.shape[2], sw, 1, o.Padding)
	return recordTransposeConv(x, in, w, out, 3, sh, sw, pt, pl, o.Activation)
}

// Convolution2DTransposeBias (MediaPipe): inputs input [N,H,W,I], weights
// [O,KH,KW,I], bias [O]; custom options TfLiteTransposeConvParams (int32
// padding 1=SAME 2=VALID, stride_w, stride_h).
func prepareConvTransposeBias(x *opCtx) error {
	if err := x.arity(3, 3, 1); err != nil {
		return err
	}
	co := x.op.CustomOptions
	if len(co) < 12 {
		return x.errorf("custom options have %d bytes, want 12 (padding, stride_w, stride_h)", len(co))
	}
	padding := int32(binary.LittleEndian.Uint32(co[0:]))
	sw := int(int32(binary.LittleEndian.Uint32(co[4:])))
	sh := int(int32(binary.LittleEndian.Uint32(co[8:])))
	if padding != 1 && padding != 2 {
		return x.errorf("custom options padding %d is neither 1 (SAME) nor 2 (VALID)", padding)
	}
	in, w, out := x.in[0], x.in[1], x.out[0]
	if err := checkTransposeShapes(x, in, w, out, sh, sw); err != nil {
		return err
	}
	kh, kw := w.shape[1], w.shape[2]
	totH, totW := 0, 0
	if padding == 1 {
		totH = max(0, kh-(in.shape[1]-1)%sh-1)
		totW = max(0, kw-(in.shape[2]-1)%sw-1)
	}
	want := []int{in.shape[0], sh*(in.shape[1]-1) + kh - totH, sw*(in.shape[2]-1) + kw - totW, w.shape[0]}
	if err := checkOut(x, out, want); err != nil {
		return err
	}
	return recordTransposeConv(x, in, w, out, 2, sh, sw, totH/2, totW/2, graph.ActNone)
}
