package cpu

import (
	"math/rand/v2"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
)

// TestInt8BinaryBroadcast checks lut16Kernel on broadcast shapes (the
// periodic path for an input broadcast along leading axes, longer and
// shorter than its 4 KiB buffer, as either operand, and the strided walk
// otherwise) against t[a, b] at indices broadcast here.
func TestInt8BinaryBroadcast(t *testing.T) {
	r := rand.New(rand.NewPCG(13, 14))
	var tab lut16
	for i := range tab {
		tab[i] = byte(r.Uint32())
	}
	for _, c := range []struct{ a, b []int }{
		{[]int{2, 3, 4, 5}, []int{5}},
		{[]int{2, 3, 4, 5}, []int{1, 1, 4, 5}},
		{[]int{1, 64, 64, 16}, []int{1, 1, 1, 16}},
		{[]int{1, 1, 1, 24}, []int{1, 40, 30, 24}},
		{[]int{1, 3000}, []int{1, 3000}},
		{[]int{1, 7, 7, 5000}, []int{5000}},
		{[]int{2, 3, 4, 5}, []int{2, 1, 1, 5}},
		{[]int{2, 1, 4, 1}, []int{1, 3, 1, 5}},
	} {
		shape, _ := broadcastShape(c.a, c.b)
		mk := func(s []int) *tensor {
			n := 1
			for _, d := range s {
				n *= d
			}
			v := &tensor{dtype: graph.Int8, shape: s, n: n, b: make([]byte, n)}
			for i := range v.b {
				v.b[i] = byte(r.Uint32())
			}
			return v
		}
		a, b, out := mk(c.a), mk(c.b), mk(shape)
		calls := 0
		row := func(x, y, o []byte) {
			calls++
			for k := range o {
				o[k] = tab[int(x[k])<<8|int(y[k])]
			}
		}
		for _, k := range []kernel{lut16Kernel(a, b, out, shape, &tab, nil), lut16Kernel(a, b, out, shape, &tab, row)} {
			clear(out.b)
			if err := k(); err != nil {
				t.Fatal(err)
			}
			idx := func(s []int, i int) int { // flat index in s of output index i
				lead, off, stride := len(shape)-len(s), 0, 1
				for ax := len(shape) - 1; ax >= 0; ax-- {
					d := i % shape[ax]
					i /= shape[ax]
					if ax >= lead && s[ax-lead] != 1 {
						off += d * stride
					}
					if ax >= lead {
						stride *= s[ax-lead]
					}
				}
				return off
			}
			for i, got := range out.b {
				if want := tab[int(a.b[idx(c.a, i)])<<8|int(b.b[idx(c.b, i)])]; got != want {
					t.Fatalf("%v and %v: out[%d] = %d, want %d", c.a, c.b, i, got, want)
				}
			}
		}
		t.Logf("%v and %v: %d row calls", c.a, c.b, calls)
	}
}
