package gpu

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
)

// TestPipeline chains cast in, ADD, cast out and copies in one sequence
// run several times, on views of one arena buffer, with direct mapping and
// with staging, and checks the values and the timings.
func TestPipeline(t *testing.T) {
	for _, staging := range []bool{false, true} {
		d := openTest(t, Options{Index: -1, ForceStaging: staging})
		for _, p := range Precisions {
			if !d.Info().Supports(p) {
				continue
			}
			k, err := NewKernels(d, p, Tile{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { k.Close() })
			const n = 1000
			align := max(int(d.Info().Limits.MinStorageBufferOffsetAlign), 4)
			slot := CeilDiv(4*n, align) * align
			arena, err := d.NewBuffer(6 * slot)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { arena.Close() })
			views := make([]*Buffer, 6) // in32 a, in32 b, a, b, sum, out32
			for i := range views {
				if views[i], err = arena.View(i*slot, 4*n); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := arena.View(1, 4); err == nil && align > 1 {
				t.Error("misaligned view accepted")
			}
			copyDst, err := d.NewBuffer(4 * n)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { copyDst.Close() })
			s := d.NewSequence()
			t.Cleanup(func() { s.Close() })
			for _, err := range []error{
				k.CastIn(s, n, views[0], views[2]),
				k.CastIn(s, n, views[1], views[3]),
				k.Binary(s, Add, graph.ActNone, []int{n}, []int{n}, views[2], views[3], views[4]),
				k.CastOut(s, n, views[4], views[5]),
				s.Copy(views[5], copyDst, 4*n),
			} {
				if err != nil {
					t.Fatal(err)
				}
			}
			r := rand.New(rand.NewPCG(5, uint64(p)))
			for run := range 3 {
				a, b := randVals(r, n, -100, 100), randVals(r, n, -100, 100)
				a[0], b[0] = 1e6, -50 // a[0] clamped to 65504 in float16 storage
				if err := views[0].Write(0, FP32.Encode(nil, a)); err != nil {
					t.Fatal(err)
				}
				if err := views[1].Write(0, FP32.Encode(nil, b)); err != nil {
					t.Fatal(err)
				}
				if err := s.Run(); err != nil {
					t.Fatal(err)
				}
				got := download(t, copyDst, FP32, n)
				qa, qb := quantize(p, a), quantize(p, b)
				if p != FP32 && qa[0] != 65504 {
					t.Fatalf("%v: 1e6 stored as %g", p, qa[0])
				}
				for i := range got {
					want := quantize(p, []float32{qa[i] + qb[i]})[0]
					if p == FP16 {
						want = quantize(p, []float32{float32(float64(qa[i]) + float64(qb[i]))})[0]
					}
					tol := 1e-6*math.Abs(float64(want)) + 1e-6
					if p != FP32 {
						// lavapipe rounds to nearest like Encode; other
						// drivers may truncate: allow an ulp per rounding.
						tol += 0x1p-10 * (math.Abs(float64(qa[i])) + math.Abs(float64(qb[i])) + math.Abs(float64(want)))
					}
					if math.Abs(float64(got[i]-want)) > tol {
						t.Fatalf("staging=%v %v run %d: element %d = %g, want %g", staging, p, run, i, got[i], want)
					}
				}
			}
			if tm := s.Timings(); tm != nil {
				if len(tm) != s.Len() {
					t.Errorf("%d timings for %d commands", len(tm), s.Len())
				}
				for i, v := range tm {
					if v < 0 || v > 10e9 {
						t.Errorf("command %d took %v", i, v)
					}
				}
			} else if d.Info().Limits.TimestampPeriod != 0 {
				t.Error("no timings though the queue has timestamps")
			}
		}
	}
}

func TestErrors(t *testing.T) {
	d := openTest(t, DefaultOptions())
	k, err := NewKernels(d, FP32, Tile{})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	small, _ := d.NewBuffer(8)
	defer small.Close()
	big, _ := d.NewBuffer(1 << 16)
	defer big.Close()
	s := d.NewSequence()
	defer s.Close()
	c := Conv2DParams{Batch: 1, InH: 8, InW: 8, InC: 4, OutH: 8, OutW: 8, OutC: 4, KH: 3, KW: 3,
		StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1, PadTop: 1, PadLeft: 1}
	for name, err := range map[string]error{
		"small input":    k.Conv2D(s, c, small, big, big, big),
		"bad activation": k.Gemm(s, 2, 2, 2, graph.ActSignBit, big, big, big, big),
		"zero size":      k.Gemm(s, 0, 2, 2, graph.ActNone, big, big, big, big),
		"no broadcast":   k.Binary(s, Add, graph.ActNone, []int{2, 3}, []int{4, 3}, big, big, big),
		"5-D":            k.Binary(s, Add, graph.ActNone, []int{1, 1, 1, 1, 2}, []int{2}, big, big, big),
		"multiplier":     k.DepthwiseConv2D(s, Conv2DParams{Batch: 1, InH: 4, InW: 4, InC: 3, OutH: 4, OutW: 4, OutC: 4, KH: 1, KW: 1, StrideH: 1, StrideW: 1, DilationH: 1, DilationW: 1}, big, big, big, big),
		"copy size":      s.Copy(small, big, 9),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
	if s.Len() != 0 {
		t.Errorf("failed calls recorded %d commands", s.Len())
	}
	if err := s.Run(); err == nil {
		t.Error("running an empty sequence succeeded")
	}
	if err := d.Close(); err == nil {
		t.Error("closing a device with open buffers succeeded")
	}
}

// TestRunAllocs checks that running a recorded sequence allocates no Go
// memory (the "no allocation per inference").
func TestRunAllocs(t *testing.T) {
	d := openTest(t, DefaultOptions())
	k, err := NewKernels(d, FP32, Tile{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { k.Close() })
	a := upload(t, d, FP32, make([]float32, 64))
	s := d.NewSequence()
	t.Cleanup(func() { s.Close() })
	if err := k.Binary(s, Add, graph.ActNone, []int{64}, []int{64}, a, a, a); err != nil {
		t.Fatal(err)
	}
	if err := s.Run(); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(20, func() { s.Run() }); n != 0 {
		t.Errorf("Sequence.Run allocates %v times", n)
	}
}

// TestHostBuffers moves data host buffer -> device buffer -> host buffer
// with copies in a sequence, writing and reading through Bytes.
func TestHostBuffers(t *testing.T) {
	for _, staging := range []bool{false, true} {
		d := openTest(t, Options{Index: -1, ForceStaging: staging})
		var bufs [3]*Buffer
		for i := range bufs {
			var err error
			if i == 1 {
				bufs[i], err = d.NewBuffer(999)
			} else {
				bufs[i], err = d.NewHostBuffer(999)
			}
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { bufs[i].Close() })
		}
		if bufs[0].Bytes() == nil || bufs[2].Bytes() == nil || len(bufs[0].Bytes()) != 999 {
			t.Fatal("host buffers not mapped")
		}
		if staging && bufs[1].Bytes() != nil {
			t.Error("device buffer mapped under ForceStaging")
		}
		s := d.NewSequence()
		t.Cleanup(func() { s.Close() })
		if err := s.Copy(bufs[0], bufs[1], 999); err != nil {
			t.Fatal(err)
		}
		if err := s.Copy(bufs[1], bufs[2], 999); err != nil {
			t.Fatal(err)
		}
		for run := range 2 {
			in := bufs[0].Bytes()
			for i := range in {
				in[i] = byte(i*31 + run)
			}
			if err := s.Run(); err != nil {
				t.Fatal(err)
			}
			if string(bufs[2].Bytes()) != string(in) {
				t.Fatalf("staging=%v run %d: bytes differ after the copies", staging, run)
			}
		}
	}
}
