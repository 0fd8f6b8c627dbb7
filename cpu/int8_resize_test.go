package cpu

import (
	"math/rand/v2"
	"testing"
)

// TestInt8ResizePassesExact checks the two passes of the int8 bilinear
// resize (the AVX2 assembly where the machine has it) against XNNPACK's
// formulas written out here, on random rows, columns and weights,
// including the extreme inputs and weights 0 and 2048.
func TestInt8ResizePassesExact(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, c := range []int{1, 3, 8, 16, 24, 48, 128} {
		for _, iw := range []int{1, 2, 7, 33} {
			src := make([]int8, iw*c)
			for i := range src {
				src[i] = int8(r.Uint32())
				if r.IntN(8) == 0 {
					src[i] = []int8{-128, 127}[r.IntN(2)]
				}
			}
			ow := 1 + r.IntN(3*iw)
			cols := make([]lerp32, ow)
			for i := range cols {
				lo := r.IntN(iw)
				cols[i] = lerp32{lo: int32(lo * c), hi: int32(min(lo+1, iw-1) * c), frac: []int32{0, 2048, r.Int32N(2049)}[r.IntN(3)]}
			}
			top := make([]int32, ow*c)
			resizeH(src, c, cols, top)
			for i, xx := range cols {
				for j := range c {
					l, rr := int32(src[int(xx.lo)+j]), int32(src[int(xx.hi)+j])
					if want := l<<11 + (rr-l)*xx.frac; top[i*c+j] != want {
						t.Fatalf("resizeH c=%d iw=%d: column %d channel %d = %d, want %d", c, iw, i, j, top[i*c+j], want)
					}
				}
			}
			bot := make([]int32, len(top))
			for i := range bot {
				l, rr := int32(int8(r.Uint32())), int32(int8(r.Uint32()))
				bot[i] = l<<11 + (rr-l)*r.Int32N(2049)
			}
			for _, fy := range []int32{0, 2048, r.Int32N(2049), r.Int32N(2049)} {
				out := make([]int8, len(top))
				resizeV(top, bot, fy, out)
				for j := range out {
					want := int8((top[j]<<11 + (bot[j]-top[j])*fy + 1<<21) >> 22)
					if out[j] != want {
						t.Fatalf("resizeV n=%d fy=%d: out[%d] = %d from %d, %d; want %d", len(out), fy, j, out[j], top[j], bot[j], want)
					}
				}
			}
		}
	}
}
