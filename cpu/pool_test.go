package cpu

import (
	"bytes"
	"math/rand/v2"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/internal/testenv"
	"github.com/fp16tool/fp16tool/tflite"
)

// TestPoolCoversEachItemOnce hands the pool many jobs of random sizes and
// grains, some right after another (workers spinning) and some after a
// pause (workers parked), and checks that every item ran exactly once and
// that run returned only after all of them. Run it with -race.
func TestPoolCoversEachItemOnce(t *testing.T) {
	for _, n := range []int{1, 2, 3, 5} {
		p := newPool(n)
		r := rand.New(rand.NewPCG(uint64(n), 7))
		counts := make([]int32, 4096)
		for job := 0; job < 400; job++ {
			total := r.IntN(len(counts) + 1)
			grain := r.IntN(64)
			clear(counts)
			p.run(total, grain, func(lo, hi int) {
				if lo < 0 || hi > total || lo > hi || (lo == hi && total > 0) {
					t.Errorf("n=%d: bad range [%d,%d) of %d", n, lo, hi, total)
					return
				}
				for i := lo; i < hi; i++ {
					atomic.AddInt32(&counts[i], 1)
				}
			})
			for i := 0; i < total; i++ {
				if c := atomic.LoadInt32(&counts[i]); c != 1 {
					t.Fatalf("n=%d job %d: item %d of %d ran %d times", n, job, i, total, c)
				}
			}
			if job%50 == 49 {
				time.Sleep(spinFor + time.Millisecond) // let the workers park
			}
		}
		p.close()
		p.close()
		// A closed pool still runs jobs, on the caller's goroutine.
		ran := 0
		p.run(100, 1, func(lo, hi int) { ran += hi - lo })
		if ran != 100 {
			t.Errorf("n=%d: closed pool ran %d of 100 items", n, ran)
		}
	}
}

// TestPoolSplitsWork checks that a job big enough for every goroutine is
// split into partsPerThread parts per goroutine, and that all goroutines
// work on it at the same time.
func TestPoolSplitsWork(t *testing.T) {
	p := newPool(3)
	defer p.close()
	var parts, inside, most atomic.Int32
	p.run(300, 1, func(lo, hi int) {
		parts.Add(1)
		k := inside.Add(1)
		for {
			m := most.Load()
			if k <= m || most.CompareAndSwap(m, k) {
				break
			}
		}
		deadline := time.Now().Add(time.Second)
		for most.Load() < 3 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		inside.Add(-1)
	})
	if parts.Load() != 3*partsPerThread || most.Load() != 3 {
		t.Errorf("3 goroutines: %d parts, at most %d at once; want %d and 3", parts.Load(), most.Load(), 3*partsPerThread)
	}
}

// BenchmarkPoolRun measures handing one small job to the pool and waiting
// for it (the per-op cost of threading), with 2 goroutines.
func BenchmarkPoolRun(b *testing.B) {
	p := newPool(2)
	defer p.close()
	var sink [2][16]int64
	b.ReportAllocs()
	for b.Loop() {
		p.run(2, 1, func(lo, hi int) { sink[lo][0]++ })
	}
}

// busy spins for d without yielding (a stand-in for kernel work).
func busy(d time.Duration) {
	for t0 := time.Now(); time.Since(t0) < d; {
	}
}

// BenchmarkPoolRunWithGaps is BenchmarkPoolRun with 20µs of work per
// part and 30µs of caller-only work between jobs, as between the parallel
// ops of a model: ideal is 50µs per op; the rest is the cost of waking
// the workers.
func BenchmarkPoolRunWithGaps(b *testing.B) {
	p := newPool(2)
	defer p.close()
	work := func(lo, hi int) { busy(20 * time.Microsecond) }
	for b.Loop() {
		busy(30 * time.Microsecond)
		p.run(2, 1, work)
	}
}

// TestThreadsBitIdentical runs every fixture on 1, 2 and 3 goroutines
// and checks that the outputs are the same bytes: the pool only splits
// the work, never the arithmetic of one output element.
func TestThreadsBitIdentical(t *testing.T) {
	for _, name := range testenv.Fixtures {
		t.Run(name, func(t *testing.T) {
			var want [][]byte
			for _, threads := range []int{1, 2, 3} {
				m, err := tflite.LoadFile(testenv.Model(t, name))
				if err != nil {
					t.Fatal(err)
				}
				p, err := Compile(m, engine.Options{Name: name, Threads: threads})
				if err != nil {
					t.Fatal(err)
				}
				for i := range p.Inputs() {
					in := engine.Float32s(p.Input(i))
					for k := range in {
						in[k] = float32(k%251) / 251
					}
				}
				for run := 0; run < 2; run++ {
					if err := p.Run(); err != nil {
						t.Fatal(err)
					}
				}
				for i := range p.Outputs() {
					got := p.Output(i)
					if threads == 1 {
						want = append(want, bytes.Clone(got))
					} else if !bytes.Equal(got, want[i]) {
						t.Errorf("%d threads: output %d differs from 1 thread's", threads, i)
					}
				}
				p.Close()
			}
		})
	}
}
