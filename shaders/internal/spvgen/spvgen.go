// Package spvgen compiles the GLSL compute shaders of package shaders into
// SPIR-V, once per precision and variant, with glslc. It is used by the
// go generate step (shaders/gen.go) and by the test that checks the
// committed SPIR-V is up to date.
package spvgen

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Shader is one compiled variant of a source <Op>.comp.
type Shader struct {
	Op      string   // source file name without .comp
	Variant string   // "" or a variant name, added to the output name
	Defines []string // extra -D defines of the variant
}

// Shaders lists every shader variant; each is compiled in every precision.
var Shaders = []Shader{
	{Op: "gemm"},
	{Op: "gemm", Variant: "vec4", Defines: []string{"VEC4"}},
	{Op: "conv2d"},
	{Op: "conv2d", Variant: "vec4", Defines: []string{"VEC4"}},
	{Op: "depthwise"},
	{Op: "depthwise", Variant: "vec4", Defines: []string{"VEC4"}},
	{Op: "binary"},
	{Op: "binary", Variant: "vec4", Defines: []string{"VEC4"}},
	{Op: "cast", Variant: "in", Defines: []string{"CAST_IN"}},
	{Op: "cast", Variant: "out", Defines: []string{"CAST_OUT"}},
	{Op: "cast", Variant: "in_vec4", Defines: []string{"CAST_IN", "VEC4"}},
	{Op: "cast", Variant: "out_vec4", Defines: []string{"CAST_OUT", "VEC4"}},
	{Op: "unary"},
	{Op: "unary", Variant: "vec4", Defines: []string{"VEC4"}},
	{Op: "pool"},
	{Op: "reduce"},
	{Op: "softmax"},
	{Op: "resize"},
	{Op: "resize", Variant: "vec4", Defines: []string{"VEC4"}},
	{Op: "copy"},
	{Op: "copy", Variant: "vec4", Defines: []string{"VEC4"}},
	{Op: "gather"},
	{Op: "transpose_conv"},
	{Op: "transpose_conv", Variant: "vec4", Defines: []string{"VEC4"}},
}

// Precisions maps each precision name to its define ("" for fp32).
var Precisions = []struct{ Name, Define string }{
	{"fp16", "PREC_FP16"},
	{"fp32acc", "PREC_FP32ACC"},
	{"fp32", ""},
}

// Name is the output file name of s in precision prec, without ".spv":
// <op>[_variant]_<precision>.
func Name(s Shader, prec string) string {
	if s.Variant != "" {
		return s.Op + "_" + s.Variant + "_" + prec
	}
	return s.Op + "_" + prec
}

// Generate compiles every shader in srcDir into outDir/<name>.spv with the
// glslc binary given, and returns the files written.
func Generate(glslc, srcDir, outDir string) ([]string, error) {
	var out []string
	for _, s := range Shaders {
		for _, p := range Precisions {
			name := Name(s, p.Name) + ".spv"
			args := []string{"-fshader-stage=compute", "--target-env=vulkan1.0", "-I", srcDir}
			if p.Define != "" {
				args = append(args, "-D"+p.Define)
			}
			for _, d := range s.Defines {
				args = append(args, "-D"+d)
			}
			dst := filepath.Join(outDir, name)
			args = append(args, "-o", dst, filepath.Join(srcDir, s.Op+".comp"))
			cmd := exec.Command(glslc, args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				return out, fmt.Errorf("glslc %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
			}
			out = append(out, dst)
		}
	}
	return out, nil
}

// Version returns the first line of `glslc --version`.
func Version(glslc string) (string, error) {
	b, err := exec.Command(glslc, "--version").Output()
	if err != nil {
		return "", fmt.Errorf("%s --version: %v", glslc, err)
	}
	line, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(line), nil
}

// WriteVersion records the glslc version in dir/glslc.version.
func WriteVersion(glslc, dir string) error {
	v, err := Version(glslc)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "glslc.version"), []byte(v+"\n"), 0o644)
}
