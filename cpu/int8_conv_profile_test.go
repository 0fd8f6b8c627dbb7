package cpu

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/tflite"
)

// TestInt8ConvProfile times, single-threaded, each CONV_2D,
// DEPTHWISE_CONV_2D and FULLY_CONNECTED op of NAME_f32.tflite and
// NAME_int8.tflite in FP16TOOL_INT8_SPEED_DIR side by side (the ops pair
// up in order), for the fixtures listed in FP16TOOL_INT8_PROFILE
// (comma-separated; NAME_dyn.tflite instead of NAME_int8.tflite with
// FP16TOOL_INT8_PROFILE_DYN set), and prints the layers by int8 CPU time with their
// shapes and int8/float32 ratios: where the int8 convolutions lose time.
// Only with both variables set.
func TestInt8ConvProfile(t *testing.T) {
	dir, names := os.Getenv("FP16TOOL_INT8_SPEED_DIR"), os.Getenv("FP16TOOL_INT8_PROFILE")
	if dir == "" || names == "" {
		t.Skip("set FP16TOOL_INT8_SPEED_DIR and FP16TOOL_INT8_PROFILE")
	}
	runs := envInt("FP16TOOL_COMPARE_RUNS", 20)
	cmpKind := "int8"
	if os.Getenv("FP16TOOL_INT8_PROFILE_DYN") != "" {
		cmpKind = "dyn"
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	for _, name := range strings.Split(names, ",") {
		type layer struct {
			desc   string
			f, i   float64
			fi, ii int
		}
		var per [2][]layer
		for k, kind := range []string{"f32", cmpKind} {
			m, err := tflite.LoadFile(filepath.Join(dir, name+"_"+kind+".tflite"))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Compile(m, engine.Options{Threads: 1, Name: name})
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close()
			for i, in := range fixtureInputs(t, name, m) {
				copy(p.Input(i), in.Data)
			}
			times := make([][]float64, len(p.steps))
			for r := -2; r < runs; r++ {
				for s, st := range p.steps {
					c0 := threadCPU()
					if err := st.run(); err != nil {
						t.Fatal(err)
					}
					if r >= 0 {
						times[s] = append(times[s], float64(threadCPU()-c0)/1e3)
					}
				}
			}
			sg := m.Main()
			for s, st := range p.steps {
				switch st.name {
				case "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED":
				default:
					continue
				}
				op := sg.Ops[st.index]
				sh := func(i int) []int32 { return sg.Tensors[i].Shape }
				d := fmt.Sprintf("%s in %v w %v out %v", st.name, sh(op.Inputs[0]), sh(op.Inputs[1]), sh(op.Outputs[0]))
				if o, ok := op.Options.(*graph.Conv2DOptions); ok {
					d += fmt.Sprintf(" s%d", o.StrideW)
				}
				if o, ok := op.Options.(*graph.DepthwiseConv2DOptions); ok {
					d += fmt.Sprintf(" s%d", o.StrideW)
				}
				per[k] = append(per[k], layer{desc: d, f: median(times[s]), fi: st.index})
			}
		}
		if len(per[0]) != len(per[1]) {
			t.Fatalf("%s: %d float32 conv ops, %d %s", name, len(per[0]), len(per[1]), cmpKind)
		}
		ls := per[1]
		var sf, si float64
		for j := range ls {
			ls[j].i, ls[j].ii, ls[j].f, ls[j].fi = ls[j].f, ls[j].fi, per[0][j].f, per[0][j].fi
			sf += ls[j].f
			si += ls[j].i
		}
		sort.Slice(ls, func(a, b int) bool { return ls[a].i-ls[a].f/4 > ls[b].i-ls[b].f/4 })
		var b strings.Builder
		fmt.Fprintf(&b, "\n%s: conv+dw+fc f32 %.0f us, %s %.0f us, %s/f32 %.2f (layers by %s - f32/4)\n", name, sf, cmpKind, si, cmpKind, si/sf, cmpKind)
		for _, l := range ls[:min(len(ls), 25)] {
			fmt.Fprintf(&b, "%4d %6.1f %6.1f %.2f  %s\n", l.ii, l.f, l.i, l.i/l.f, l.desc)
		}
		t.Log(b.String())
	}
}
