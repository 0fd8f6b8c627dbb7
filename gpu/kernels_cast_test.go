package gpu

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// TestCast converts float32 values to each precision's storage and back
// (the vec4 variants when n % 4 == 0, the scalar ones otherwise) with the
// default elements per invocation and with 1 and 7 (on CPU drivers).
func TestCast(t *testing.T) {
	d := openTest(t, DefaultOptions())
	old := CPUElems
	defer func() { CPUElems = old }()
	for _, e := range []int{old, 1, 7} {
		CPUElems = e
		for _, p := range Precisions {
			for _, n := range []int{1, 3, 4, 999, 1000, 4099} {
				t.Run(fmt.Sprintf("E%d/%v/%d", e, p, n), func(t *testing.T) {
					k := kernelsFor(t, d, p, Tile{})
					r := rand.New(rand.NewPCG(uint64(n), 9))
					v := randVals(r, n, -1000, 1000)
					v[0] = -1e6 // clamped to -65504 in float16 storage
					src, out := upload(t, d, FP32, v), upload(t, d, FP32, make([]float32, n))
					mid := upload(t, d, p, make([]float32, n))
					run(t, d, func(s *Sequence) error {
						if err := k.CastIn(s, n, src, mid); err != nil {
							return err
						}
						return k.CastOut(s, n, mid, out)
					})
					got, want := download(t, out, FP32, n), quantize(p, v)
					for i := range want {
						// lavapipe rounds to nearest as quantize does; other
						// drivers may truncate: allow a float16 ulp there.
						tol := 0.0
						if p != FP32 {
							tol = 0x1p-10 * math.Abs(float64(want[i]))
						}
						if math.Abs(float64(got[i]-want[i])) > tol {
							t.Fatalf("element %d of %d: %g became %g, want %g", i, n, v[i], got[i], want[i])
						}
					}
				})
			}
		}
	}
}
