package cpu

import (
	"math/rand/v2"
	"testing"
)

// TestInt8SumCols checks sumCols (the assembly where the machine has it)
// against the column sums written out here, adding to what acc holds, for
// channel counts multiple of 8 and not, and long runs of -128 and 127.
func TestInt8SumCols(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for trial := range 200 {
		rows, c := 1+r.IntN(300), []int{1, 7, 8, 16, 24, 32, 40, 96, 128, 672}[r.IntN(10)]
		in := make([]int8, rows*c)
		for i := range in {
			switch trial % 3 {
			case 0:
				in[i] = int8(r.Uint32())
			case 1:
				in[i] = -128
			default:
				in[i] = 127
			}
		}
		acc, want := make([]int32, c), make([]int32, c)
		for k := range acc {
			acc[k] = r.Int32N(1000) - 500
			want[k] = acc[k]
			for row := range rows {
				want[k] += int32(in[row*c+k])
			}
		}
		sumCols(rows, c, in, acc)
		for k := range acc {
			if acc[k] != want[k] {
				t.Fatalf("trial %d rows=%d c=%d: acc[%d] = %d, want %d", trial, rows, c, k, acc[k], want[k])
			}
		}
	}
}
