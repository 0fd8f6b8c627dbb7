package gpu

import (
	"flag"
	"fmt"
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
		got := runWith(t, Backend{}, load(), engine.Options{Name: *layersOf, Precision: p.String()}, ins)
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
