package gpu

import (
	"flag"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/cpu"
	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/testenv"
	"github.com/fp16tool/fp16tool/tflite"
)

var layersOf = flag.String("layers", "", "TestLayers: the fixture whose every op output to compare (e.g. hand_landmark_full)")

// TestLayers finds where precision is lost: it makes every FLOAT32
// run-time tensor of fixture -layers a model output, runs the model on
// the CPU backend and on Vulkan in each precision of -fixture-precisions,
// and logs each op's output SNR (vs the CPU float32) and its drop from the
// op's worst input. Only with -layers:
//
//	go test ./gpu -run TestLayers -v -layers hand_landmark_full -fixture-precisions fp16,fp32acc
func TestLayers(t *testing.T) {
	if *layersOf == "" {
		t.Skip("diagnostic: give -layers FIXTURE")
	}
	info := needVulkan(t)
	applyPlanFlags(t)
	path := testenv.Model(t, *layersOf)
	load := func() *graph.Model {
		m, err := tflite.LoadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sg := m.Main()
		var outs []int
		for _, op := range sg.Ops {
			for _, o := range op.Outputs {
				if sg.Tensors[o].Type == graph.Float32 && op.Code != graph.OpDequantize && op.Code != graph.OpDensify {
					outs = append(outs, o)
				}
			}
		}
		sg.Outputs = outs
		return m
	}
	m := load()
	ins := fixtureInputs(t, *layersOf, m)
	want := runWith(t, cpu.Backend{}, m, engine.Options{Name: *layersOf, Reference: true}, ins)
	sg := m.Main()
	pos := map[int]int{}
	for k, ti := range sg.Outputs {
		pos[ti] = k
	}
	for _, s := range strings.Split(*fixturePrecisions, ",") {
		p, err := ParsePrecision(s)
		if err != nil || !info.Supports(p) {
			continue
		}
		// The plan of the model as it is (with every tensor an output, the
		// rule would run every op in float32).
		if *fp32Ops == "" {
			orig, err := tflite.LoadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			prog, err := Compile(orig, engine.Options{Name: *layersOf, Precision: p.String()})
			if err != nil {
				t.Fatal(err)
			}
			planned := prog.fp32Index
			prog.Close()
			fp32Override = func(i int) bool { return slices.Contains(planned, i) }
			t.Logf("%v: ops %v in float32", p, planned)
		}
		got := runWith(t, Backend{}, load(), engine.Options{Name: *layersOf, Precision: p.String()}, ins)
		if *fp32Ops == "" {
			fp32Override = nil
		}
		var b strings.Builder
		for i, op := range sg.Ops {
			if len(op.Outputs) == 0 {
				continue
			}
			k, ok := pos[op.Outputs[0]]
			if !ok {
				continue
			}
			snr := SNR(got[k], want[k])
			worstIn := 999.0
			for _, ti := range op.Inputs {
				if j, ok := pos[ti]; ok {
					worstIn = min(worstIn, SNR(got[j], want[j]))
				}
			}
			mark := ""
			if worstIn < 999 && worstIn-snr > 6 {
				mark = "  <-- loses " + fmt.Sprintf("%.1f dB", worstIn-snr)
			}
			fmt.Fprintf(&b, "%v op %3d %-22s %v: SNR %6.1f dB%s\n", p, i, op.Name(), sg.Tensors[op.Outputs[0]].Shape, snr, mark)
		}
		t.Log("\n" + b.String())
	}
}

var (
	fp32Ops       = flag.String("fp32-ops", "", "measurements: op index ranges (e.g. 184-230,321) that run in float32 with float16 storage, replacing the precision plan's rule")
	accOps        = flag.String("fp32acc-ops", "", "measurements: op index ranges of an fp16 program that use the fp32acc kernels (float32 arithmetic, same storage)")
	fp32DepthFlag = flag.Int("fp32-depth", -2, "measurements: run the ops at most this many ops from a graph output in float32 with float16 storage (-1: none; default: the backend's rule)")
	fp32MaxFlag   = flag.Int("fp32-max", 0, "measurements: the largest op output (elements) the rule runs in float32 (default: the backend's)")
)

// opRanges parses "a-b,c,..." into a set of op indices.
func opRanges(s string) map[int]bool {
	set := map[int]bool{}
	for _, r := range strings.Split(s, ",") {
		var a, b int
		if n, _ := fmt.Sscanf(r, "%d-%d", &a, &b); n == 2 {
			for i := a; i <= b; i++ {
				set[i] = true
			}
		} else if n, _ := fmt.Sscanf(r, "%d", &a); n == 1 {
			set[a] = true
		}
	}
	return set
}

// applyPlanFlags sets the precision plan's rule and overrides from
// -fp32-depth, -fp32-max, -fp32-ops and -fp32acc-ops for the test
// (restored after it).
func applyPlanFlags(t testing.TB) {
	if n := *fp32MaxFlag; n > 0 {
		old := fp32MaxElems
		fp32MaxElems = n
		t.Cleanup(func() { fp32MaxElems = old })
	}
	if d := *fp32DepthFlag; d >= -1 {
		old := fp32Depth
		fp32Depth = d
		t.Cleanup(func() { fp32Depth = old })
	}
	if *fp32Ops != "" {
		set := opRanges(*fp32Ops)
		fp32Override = func(i int) bool { return set[i] }
		t.Cleanup(func() { fp32Override = nil })
	}
	if *accOps != "" {
		set := opRanges(*accOps)
		accOverride = func(i int) bool { return set[i] }
		t.Cleanup(func() { accOverride = nil })
	}
}
