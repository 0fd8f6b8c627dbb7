package gpu

import (
	"fmt"
	"time"

	"github.com/fp16tool/fp16tool/graph"
)

// TileTiming is the measured time of an n³ GEMM with one tile.
type TileTiming struct {
	Tile    Tile
	Time    time.Duration // best of the runs
	GFLOPS  float64       // at the best time
	Elapsed time.Duration // wall time of all the runs
}

// CandidateTiles are the tiles TuneTile tries by default.
var CandidateTiles = []Tile{{4, 4}, {4, 8}, {8, 4}, {8, 8}, {2, 8}, {8, 2}}

// TuneTile times an n×n×n GEMM (vec4 variant; n a multiple of 4) in
// precision p with each candidate tile (CandidateTiles when nil), runs
// times each, and returns the fastest tile with all the timings. It uses
// GPU timestamps where the queue has them, the wall clock otherwise.
func TuneTile(d *Device, p Precision, n, runs int, candidates []Tile) (Tile, []TileTiming, error) {
	if n < 4 || n%4 != 0 || runs < 1 {
		return Tile{}, nil, fmt.Errorf("gpu: tune: size %d must be a positive multiple of 4 and runs %d positive", n, runs)
	}
	if candidates == nil {
		candidates = CandidateTiles
	}
	var bufs [4]*Buffer
	for i, cnt := range []int{n * n, n * n, n, n * n} {
		b, err := d.NewBuffer(cnt * p.ElemSize())
		if err != nil {
			return Tile{}, nil, err
		}
		defer b.Close()
		vals := make([]float32, cnt)
		for j := range vals {
			vals[j] = float32((j*7+i)%13-6) / 8
		}
		if err := b.Write(0, p.Encode(nil, vals)); err != nil {
			return Tile{}, nil, err
		}
		bufs[i] = b
	}
	var out []TileTiming
	best := -1
	for _, t := range candidates {
		tt, err := timeGemm(d, p, t, n, runs, bufs)
		if err != nil {
			return Tile{}, out, fmt.Errorf("gpu: tune tile %dx%d: %w", t.M, t.N, err)
		}
		out = append(out, tt)
		if best < 0 || tt.Time < out[best].Time {
			best = len(out) - 1
		}
	}
	return out[best].Tile, out, nil
}

func timeGemm(d *Device, p Precision, t Tile, n, runs int, bufs [4]*Buffer) (TileTiming, error) {
	k, err := NewKernels(d, p, t)
	if err != nil {
		return TileTiming{}, err
	}
	defer k.Close()
	s := d.NewSequence()
	defer s.Close()
	if err := k.Gemm(s, n, n, n, graph.ActNone, bufs[0], bufs[1], bufs[2], bufs[3]); err != nil {
		return TileTiming{}, err
	}
	if err := s.Run(); err != nil { // records and compiles
		return TileTiming{}, err
	}
	start := time.Now()
	var bestT time.Duration
	for i := range runs {
		t0 := time.Now()
		if err := s.Run(); err != nil {
			return TileTiming{}, err
		}
		dt := time.Since(t0)
		if tm := s.Timings(); tm != nil {
			dt = tm[0]
		}
		if i == 0 || dt < bestT {
			bestT = dt
		}
	}
	return TileTiming{Tile: t, Time: bestT, GFLOPS: 2 * float64(n) * float64(n) * float64(n) / bestT.Seconds() / 1e9,
		Elapsed: time.Since(start)}, nil
}
