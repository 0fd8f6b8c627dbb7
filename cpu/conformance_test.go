package cpu

import (
	"testing"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/engine/conformance"
)

// TestConformance runs the shared per-op suite against the oracle's
// goldens, with the reference kernels and with the default ones.
func TestConformance(t *testing.T) {
	t.Run("reference", func(t *testing.T) {
		conformance.Check(t, Backend{}, engine.Options{Threads: 1, Reference: true}, 1e-5)
	})
	t.Run("default", func(t *testing.T) {
		conformance.Check(t, Backend{}, engine.Options{Threads: 2}, 1e-5)
	})
}

// TestCasesRun compiles and runs every conformance case, goldens or not,
// and checks that outputs are finite.
func TestCasesRun(t *testing.T) {
	for _, c := range conformance.Cases() {
		m, err := c.Model()
		if err != nil {
			t.Errorf("%s: %v", c.Name, err)
			continue
		}
		p, err := Compile(m, engine.Options{Name: c.Name})
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		for i, in := range c.Inputs(m) {
			copy(p.Input(i), in.Data)
		}
		if err := p.Run(); err != nil {
			t.Errorf("%v", err)
		}
	}
}
