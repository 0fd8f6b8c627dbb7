package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
)

// TestInt8PadNHWC checks qpadNHWC (the int8 PAD kernel) against the
// index mapping written out here: every output byte is the input byte it
// comes from or the fill byte, for random paddings on H, W and C (alone
// and together) and batches; paddings of N are refused.
func TestInt8PadNHWC(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for trial := range 200 {
		n, h, w, c := 1+r.IntN(2), 1+r.IntN(5), 1+r.IntN(6), 1+r.IntN(40)
		p := make([]int, 8)
		for i := 2; i < 8; i++ {
			if r.IntN(2) == 0 {
				p[i] = r.IntN(4)
			}
		}
		if trial%4 == 0 { // channels only
			p[2], p[3], p[4], p[5] = 0, 0, 0, 0
		}
		oh, ow, oc := h+p[2]+p[3], w+p[4]+p[5], c+p[6]+p[7]
		in := &tensor{dtype: graph.Int8, shape: []int{n, h, w, c}, n: n * h * w * c, b: make([]byte, n*h*w*c)}
		for i := range in.b {
			in.b[i] = byte(r.Uint32())
		}
		out := &tensor{dtype: graph.Int8, shape: []int{n, oh, ow, oc}, n: n * oh * ow * oc, b: make([]byte, n*oh*ow*oc)}
		for i := range out.b {
			out.b[i] = byte(r.Uint32()) // stale data the kernel must overwrite
		}
		v := byte(r.Uint32())
		k := qpadNHWC(in, out, p, v)
		if k == nil {
			t.Fatalf("trial %d: no kernel for %v padded %v", trial, in.shape, p)
		}
		if err := k(); err != nil {
			t.Fatal(err)
		}
		for i, got := range out.b {
			ch, x, y, b := i%oc, i/oc%ow, i/(oc*ow)%oh, i/(oc*ow*oh)
			ih, iw, ic := y-p[2], x-p[4], ch-p[6]
			want := v
			if ih >= 0 && ih < h && iw >= 0 && iw < w && ic >= 0 && ic < c {
				want = in.b[((b*h+ih)*w+iw)*c+ic]
			}
			if got != want {
				t.Fatalf("trial %d: %v padded %v: out[%d,%d,%d,%d] = %d, want %d", trial, in.shape, p, b, y, x, ch, got, want)
			}
		}
	}
	in := &tensor{dtype: graph.Int8, shape: []int{1, 2, 2, 2}, n: 8, b: make([]byte, 8)}
	out := &tensor{dtype: graph.Int8, shape: []int{2, 2, 2, 2}, n: 16, b: make([]byte, 16)}
	if qpadNHWC(in, out, []int{1, 0, 0, 0, 0, 0, 0, 0}, 0) != nil {
		t.Error("a padding of N was taken")
	}
}
