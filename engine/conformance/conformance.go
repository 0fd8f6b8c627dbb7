// Package conformance is the per-op conformance suite that every backend
// runs: a table of single-op models built in Go (odd shapes, every option,
// every fused activation), deterministic inputs, and the expected outputs
// of the real TFLite runtime committed as goldens under testdata/golden
// (one .npy per case output). The goldens are regenerated from the oracle
// by this package's own test, which fails when they drift:
//
//	go test ./engine/conformance -run TestGoldens            # check
//	go test ./engine/conformance -run TestGoldens -update    # rewrite
//
// A backend's test calls Check:
//
//	func TestConformance(t *testing.T) { conformance.Check(t, cpu.Backend{}, engine.Options{Threads: 1}, 1e-5) }
//
// The int8 cases (Int8Cases: single ops on INT8 tensors) are a table of
// their own, compared in quantization steps by CheckInt8; their goldens are
// rewritten alone with
//
//	go test ./engine/conformance -run TestGoldensInt8 -update
package conformance

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/tensorio"
	"github.com/fp16tool/fp16tool/internal/testenv"
)

// Case is one conformance model.
type Case struct {
	// Name is the case's name, also the goldens' file name prefix.
	Name  string
	build func() (*graph.Model, error)
	specs []inputSpec
}

// Model builds the case's model (a fresh copy on each call) with every
// tensor's shape set.
func (c Case) Model() (*graph.Model, error) {
	m, err := c.build()
	if err != nil {
		return nil, fmt.Errorf("conformance case %s: %w", c.Name, err)
	}
	return m, nil
}

// Inputs returns the case's deterministic inputs for m (its Model).
func (c Case) Inputs(m *graph.Model) []tensorio.Tensor { return makeInputs(c.Name, m, c.specs) }

// Ops returns the names of the ops the case's model contains.
func (c Case) Ops() []string {
	m, err := c.build()
	if err != nil {
		return nil
	}
	var out []string
	for _, op := range m.Main().Ops {
		out = append(out, op.Name())
	}
	return out
}

// Cases returns the whole table, in a fixed order.
func Cases() []Case { return allCases() }

// GoldenDir is where the goldens live.
func GoldenDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata", "golden")
}

// GoldenPath returns the path of output k's golden for case name.
func GoldenPath(name string, k int) string {
	return filepath.Join(GoldenDir(), fmt.Sprintf("%s.%d.npy", name, k))
}

// Compare returns the largest absolute difference between got and want
// (FLOAT32 bytes of the same length) and the largest |want|.
func Compare(got, want []byte) (maxDiff, maxAbs float64, err error) {
	if len(got) != len(want) {
		return 0, 0, fmt.Errorf("%d bytes, want %d", len(got), len(want))
	}
	g, w := engine.Float32s(alignedCopy(got)), engine.Float32s(alignedCopy(want))
	for i := range w {
		d := math.Abs(float64(g[i]) - float64(w[i]))
		if math.IsNaN(d) {
			d = math.Inf(1)
		}
		maxDiff = max(maxDiff, d)
		maxAbs = max(maxAbs, math.Abs(float64(w[i])))
	}
	return maxDiff, maxAbs, nil
}

func alignedCopy(b []byte) []byte {
	f := make([]float32, (len(b)+3)/4)
	out := engine.Bytes(f)[:len(b)]
	copy(out, b)
	return out
}

// Check compiles and runs every case on backend b and compares each output
// with its golden: the largest absolute difference must be at most
// rtol × max(1, max|golden|). Cases whose goldens are missing fail under
// CI=true and are skipped otherwise. A case whose Compile error has an
// UnsupportedOp() string method is skipped, naming the op.
func Check(t *testing.T, b engine.Backend, opt engine.Options, rtol float64) {
	for _, c := range Cases() {
		t.Run(c.Name, func(t *testing.T) {
			m, err := c.Model()
			if err != nil {
				t.Fatal(err)
			}
			sg := m.Main()
			wants := make([]tensorio.Tensor, len(sg.Outputs))
			for k := range sg.Outputs {
				w, err := tensorio.ReadNpy(GoldenPath(c.Name, k))
				if err != nil {
					missingGolden(t, c.Name, err)
					return
				}
				wants[k] = w
			}
			o := opt
			o.Name = c.Name
			p, err := b.Compile(m, o)
			if err != nil {
				var u unsupported
				if errors.As(err, &u) {
					t.Skipf("SKIP: no %s kernel for %s: %v", b.Name(), u.UnsupportedOp(), err)
				}
				t.Fatal(err)
			}
			defer p.Close()
			for i, in := range c.Inputs(m) {
				copy(p.Input(i), in.Data)
			}
			if err := p.Run(); err != nil {
				t.Fatal(err)
			}
			for k, w := range wants {
				info := p.Outputs()[k]
				if !sameInts(info.Shape, w.Shape) {
					t.Errorf("output %d has shape %v, golden %v", k, info.Shape, w.Shape)
					continue
				}
				d, a, err := Compare(p.Output(k), w.Data)
				if err != nil {
					t.Errorf("output %d: %v", k, err)
					continue
				}
				if d > rtol*max(1, a) {
					t.Errorf("output %d: max abs diff %.3g > %.3g (max|golden| %.3g)", k, d, rtol*max(1, a), a)
				}
			}
		})
	}
}

// unsupported is implemented by the compile errors of a backend that is
// still growing its op coverage (the Vulkan backend's UnsupportedOpError):
// Check skips such a case, naming the op, instead of failing it. Backends
// whose errors lack the method (the CPU backend) fail as before.
type unsupported interface {
	error
	UnsupportedOp() string
}

func missingGolden(t *testing.T, name string, err error) {
	t.Helper()
	if inCI() {
		t.Fatalf("golden of %s is missing (CI=true): %v; run go test ./engine/conformance -run TestGoldens -update", name, err)
	}
	t.Skipf("golden of %s is missing: %v", name, err)
}

func sameInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func inCI() bool { return testenv.InCI() }
