package cpu

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/engine/conformance"
)

// TestConformanceInt8 runs the int8 conformance cases (single ops on INT8
// tensors with LiteRT.js goldens): the default kernels must have at least
// 99.9% of each output's elements equal to the oracle's and none more than
// one quantization step apart. The reference kernels compute TFLite's
// reference integer arithmetic where LiteRT.js runs XNNPACK's (ADD, SUB, MUL,
// LEAKY_RELU, int8 QUANTIZE, RESIZE_BILINEAR, TRANSPOSE_CONV): they must
// stay within two steps (RESIZE_BILINEAR's 10-bit coordinates differ from
// XNNPACK's by up to two). With FP16TOOL_INT8_REPORT=FILE it writes the
// per-case table there.
func TestConformanceInt8(t *testing.T) {
	var report strings.Builder
	for _, mode := range []struct {
		name     string
		opt      engine.Options
		minEqual float64
		maxSteps int
	}{
		{"reference", engine.Options{Threads: 1, Reference: true}, 0, 2},
		{"fast", engine.Options{Threads: 2}, conformance.MinEqual, conformance.MaxSteps},
	} {
		t.Run(mode.name, func(t *testing.T) {
			res := conformance.CheckInt8(t, Backend{}, mode.opt, mode.minEqual, mode.maxSteps)
			for _, r := range res {
				fmt.Fprintf(&report, "%-9s %-44s %-24s out%d %6d elements  equal %.4f  max step %d\n",
					mode.name, r.Case, r.Op, r.Output, r.Elements, float64(r.Equal)/float64(max(r.Elements, 1)), r.MaxStep)
			}
		})
	}
	if f := os.Getenv("FP16TOOL_INT8_REPORT"); f != "" {
		if err := os.WriteFile(f, []byte(report.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
