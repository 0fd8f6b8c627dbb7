// Package cpu is the CPU backend: it compiles a graph.Model once
// (execution order, shapes, constant folding, tensor lifetimes, one arena
// whose memory is reused by lifetime) and then runs it many times without
// allocating.
//
// Every op has one file here: its prepare function validates the op and
// precomputes everything (padding, strides, broadcast maps), and returns
// the eval closure, which only computes. The reference kernels are plain
// loops and are the specification: TFLite's semantics, checked against
// the real runtime by the shared conformance suite (engine/conformance).
//
// Constant subgraphs are folded at compile time by running their kernels
// once: DEQUANTIZE of FLOAT16/INT8 weights and DENSIFY of sparse weights
// cost nothing per inference.
package cpu

import (
	"fmt"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
)

// Backend is the CPU backend; its registry name is "cpu".
type Backend struct{}

func init() { engine.Register(Backend{}) }

// Name returns "cpu".
func (Backend) Name() string { return "cpu" }

// Compile compiles m's main subgraph. It fails naming the op, its index and
// the model when an op is not supported or its tensors are inconsistent.
func (Backend) Compile(m *graph.Model, opt engine.Options) (engine.Program, error) {
	p, err := compile(m, opt)
	if err != nil {
		return nil, err
	}
	return p, nil
}

// Compile is Backend{}.Compile returning the concrete *Program.
func Compile(m *graph.Model, opt engine.Options) (*Program, error) {
	return compile(m, opt)
}

// UnsupportedOpError is returned by Compile for an op the CPU backend has no
// kernel for.
type UnsupportedOpError struct {
	// Model names the model (engine.Options.Name, or "model").
	Model string
	// Index is the op's index in the main subgraph.
	Index int
	// Op is the op's display name (builtin name or custom code).
	Op string
}

// Error returns "cpu: MODEL: op INDEX: OP is not supported by the CPU backend".
func (e *UnsupportedOpError) Error() string {
	return fmt.Sprintf("cpu: %s: op %d: %s is not supported by the CPU backend", e.Model, e.Index, e.Op)
}

// KernelISA returns the instruction set of the optimized kernels in use
// ("avx2+fma" or "go").
func (Backend) KernelISA() string { return KernelISA() }
