// Package shaders holds fp16tool's GLSL compute shaders and their SPIR-V,
// compiled per precision and committed, so users need no shader compiler.
//
// Each <op>.comp is written once with precision-neutral types (common.h)
// and compiled by `go generate ./shaders` (glslc) into
// <op>[_variant]_<precision>.spv for the precisions fp16 (float16 storage
// and arithmetic), fp32acc (float16 storage, float32 arithmetic) and fp32.
// TestCommittedSPIRV regenerates them and fails when they differ.
package shaders

//go:generate go run gen.go

import (
	"embed"
	"fmt"
	"sort"
	"strings"
)

//go:embed *.spv
var spv embed.FS

// SPIRV returns the SPIR-V of the named shader, e.g. "gemm_fp16" or
// "gemm_vec4_fp32acc".
func SPIRV(name string) ([]byte, error) {
	b, err := spv.ReadFile(name + ".spv")
	if err != nil {
		return nil, fmt.Errorf("shaders: no shader %q (have %s)", name, strings.Join(Names(), ", "))
	}
	return b, nil
}

// Name builds a shader name from its op, variant ("" for none) and
// precision ("fp16", "fp32acc" or "fp32").
func Name(op, variant, precision string) string {
	if variant != "" {
		return op + "_" + variant + "_" + precision
	}
	return op + "_" + precision
}

// Names lists the embedded shaders, sorted.
func Names() []string {
	ents, _ := spv.ReadDir(".")
	var out []string
	for _, e := range ents {
		out = append(out, strings.TrimSuffix(e.Name(), ".spv"))
	}
	sort.Strings(out)
	return out
}
