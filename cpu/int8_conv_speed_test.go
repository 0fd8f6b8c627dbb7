package cpu

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/internal/testenv"
	"github.com/fp16tool/fp16tool/tflite"
)

// TestInt8Speed compares single-thread latencies of each fixture as
// float32, full-integer int8 and int8 dynamic range, converted beforehand
// into FP16TOOL_INT8_SPEED_DIR as NAME_f32.tflite, NAME_int8.tflite and
// NAME_dyn.tflite (fp16tool convert --precision fp32 | int8 --calib
// testdata/photos --resize | int8-dynamic). It alternates
// FP16TOOL_COMPARE_ROUNDS rounds (default 3) of FP16TOOL_COMPARE_RUNS runs
// (default 20, after 2 warm-ups) of each and prints the median wall time
// and the median CPU time of the running thread (robust to other
// processes on a shared machine), with the int8/float32 ratios, and the
// CPU-time ratios of the CONV_2D + DEPTHWISE_CONV_2D + FULLY_CONNECTED ops
// and of all other ops (from a few runs timed op by op). Only with
// FP16TOOL_INT8_SPEED_DIR set.
func TestInt8Speed(t *testing.T) {
	dir := os.Getenv("FP16TOOL_INT8_SPEED_DIR")
	if dir == "" {
		t.Skip("set FP16TOOL_INT8_SPEED_DIR to a folder of converted fixtures")
	}
	runs := envInt("FP16TOOL_COMPARE_RUNS", 20)
	rounds := envInt("FP16TOOL_COMPARE_ROUNDS", 3)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	var b strings.Builder
	fmt.Fprintf(&b, "\n1 thread, %d rounds of %d runs, int8 kernels %s, float kernels %s\n", rounds, runs, i8ISAName(i8ISA), KernelISA())
	fmt.Fprintf(&b, "| model | f32 ms (cpu) | int8 ms (cpu) | int8/f32 | dyn ms (cpu) | dyn/f32 | int8/f32 conv+dw+fc (cpu) | int8/f32 other ops (cpu) |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, name := range testenv.Fixtures {
		kinds := []string{"f32", "int8", "dyn"}
		progs := make([]*Program, len(kinds))
		var failed error
		for k, kind := range kinds {
			path := filepath.Join(dir, name+"_"+kind+".tflite")
			m, err := tflite.LoadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			p, err := Compile(m, engine.Options{Threads: 1, Name: name + "_" + kind})
			if err != nil {
				failed = err
				break
			}
			defer p.Close()
			for i, in := range fixtureInputs(t, name, m) {
				copy(p.Input(i), in.Data)
			}
			progs[k] = p
		}
		if failed != nil {
			t.Errorf("%s: %v", name, failed)
			fmt.Fprintf(&b, "| %s | %v |||||||\n", name, failed)
			continue
		}
		wall := make([][]float64, len(kinds))
		cpu := make([][]float64, len(kinds))
		for round := 0; round < rounds; round++ {
			for k, p := range progs {
				for i := -2; i < runs; i++ {
					t0, c0 := time.Now(), threadCPU()
					if err := p.Run(); err != nil {
						t.Fatal(err)
					}
					if i >= 0 {
						wall[k] = append(wall[k], float64(time.Since(t0).Nanoseconds())/1e6)
						cpu[k] = append(cpu[k], float64(threadCPU()-c0)/1e6)
					}
				}
			}
		}
		// The share of CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED in
		// each program's CPU time, over a few runs timed op by op.
		convShare := make([]float64, len(kinds))
		for k, p := range progs {
			var convT, all time.Duration
			for r := 0; r < 3; r++ {
				for _, st := range p.steps {
					c0 := threadCPU()
					if err := st.run(); err != nil {
						t.Fatal(err)
					}
					d := threadCPU() - c0
					all += d
					switch st.name {
					case "CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED":
						convT += d
					}
				}
			}
			convShare[k] = float64(convT) / float64(max(all, 1))
		}
		w := func(k int) float64 { return median(wall[k]) }
		c := func(k int) float64 { return median(cpu[k]) }
		fmt.Fprintf(&b, "| %s | %.2f (%.2f) | %.2f (%.2f) | %.2f (%.2f) | %.2f (%.2f) | %.2f (%.2f) | %.2f | %.2f |\n", name,
			w(0), c(0), w(1), c(1), w(1)/w(0), c(1)/c(0), w(2), c(2), w(2)/w(0), c(2)/c(0),
			c(1)*convShare[1]/(c(0)*convShare[0]), c(1)*(1-convShare[1])/(c(0)*(1-convShare[0])))
	}
	t.Log(b.String())
}
