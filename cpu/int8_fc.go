package cpu

// prepareFullyConnectedInt8 is FULLY_CONNECTED on INT8 tensors (TFLite's
// reference_integer_ops::FullyConnected, per tensor or per output
// channel): a 1x1 convolution over the input's rows.
func prepareFullyConnectedInt8(x *opCtx) (kernel, error) {
	g, a, _, err := fcGeometry(x)
	if err != nil {
		return nil, err
	}
	r, err := x.int8Requant(a, g.out, 0)
	if err != nil {
		return nil, err
	}
	return x.c.convInt8Kernel(g.rowsAsBatch(), r, a), nil
}

// asConv returns the fully connected layer g as a 1x1 convolution over
// g.batch pixels (weights [O, I] are filters [O, 1, 1, I]).
func (g *fcGeom) asConv() *convGeom {
	return &convGeom{batch: 1, inH: 1, inW: g.batch, inC: g.in, outH: 1, outW: g.batch, outC: g.out,
		kH: 1, kW: 1, kC: g.in, strideH: 1, strideW: 1, dilH: 1, dilW: 1, groups: 1, filtersPerGroup: g.out, lo: g.lo, hi: g.hi}
}

// rowsAsBatch returns the fully connected layer g as a 1x1 convolution
// over g.batch images of one pixel, so that each row is a batch (the
// hybrid kernels quantize each batch with its own parameters).
func (g *fcGeom) rowsAsBatch() *convGeom {
	c := g.asConv()
	c.batch, c.inW, c.outW = g.batch, 1, 1
	return c
}
