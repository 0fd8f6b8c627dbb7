package cpu

// tconv2x2 is the transposed convolution of MediaPipe's 2x upsampling
// heads (selfie segmentation): 2x2 taps, stride 2, no padding, one output
// channel, so each output pixel takes one tap of one input pixel. It
// computes the same float32 bits as transposeFast (a GEMM whose every
// column is a fused multiply-add chain over the input channels in order,
// starting from +0 and clamped to ±Inf as convTile4Asm does, then bias +
// column), four input pixels × four taps in the sixteen lanes of one
// AVX-512 register, and writes the two output rows directly.
type tconv2x2 struct {
	g    *convGeom
	wp   []float32 // [inC][4 pixels][4 taps]: w[tap, i] repeated per pixel
	bias float32
}

// newTconv2x2 returns the kernel for g, filter w [1, 2, 2, inC] and bias
// (nil: 0), or nil when g is not that geometry (or the input width is not
// a multiple of 4) or the machine lacks AVX-512.
func newTconv2x2(g *convGeom, w, bias []float32) *tconv2x2 {
	if !useTconv2x2Asm || g.outC != 1 || g.kH != 2 || g.kW != 2 || g.strideH != 2 || g.strideW != 2 ||
		g.padH != 0 || g.padW != 0 || g.outH != 2*g.inH || g.outW != 2*g.inW || g.inW%4 != 0 || g.inC == 0 {
		return nil
	}
	t := &tconv2x2{g: g, wp: make([]float32, g.inC*16)}
	for i := range g.inC {
		for p := range 4 {
			for tap := range 4 {
				t.wp[i*16+p*4+tap] = w[tap*g.inC+i]
			}
		}
	}
	if len(bias) > 0 {
		t.bias = bias[0]
	}
	return t
}

// rows computes the output rows of input rows [lo, hi) of batch×inH.
func (t *tconv2x2) rows(in, out []float32, lo, hi int) {
	g := t.g
	rowIn, rowOut := g.inW*g.inC, g.outW
	for r := lo; r < hi; r++ {
		src := in[r*rowIn:][:rowIn]
		dst := out[2*r*rowOut:][:2*rowOut]
		tconv2x2Asm(g.inW/4, g.inC, &src[0], &t.wp[0], t.bias, &dst[0], rowOut*4)
		if g.lo > -3e38 || g.hi < 3e38 {
			clampSlice(dst, g.lo, g.hi)
		}
	}
}
