package cpu

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/oracle"
	"github.com/fp16tool/fp16tool/internal/testenv"
	"github.com/fp16tool/fp16tool/tflite"
)

// TestCompareOracle is the speed comparison behind bench/compare.sh: for
// each model (FP16TOOL_COMPARE_MODELS, space separated paths; default the
// ten fixtures) it runs LiteRT.js and the CPU backend on the same photo
// input with the same thread count (FP16TOOL_COMPARE_THREADS, default 1),
// alternating FP16TOOL_COMPARE_ROUNDS rounds (default 3) of
// FP16TOOL_COMPARE_RUNS timed runs (default 20, after 2 warm-ups) of each,
// and prints both medians and minimums, their ratios and the GFLOP/s each
// reaches at its median (2 x the model's MACs). It only runs with
// FP16TOOL_COMPARE=1.
func TestCompareOracle(t *testing.T) {
	if os.Getenv("FP16TOOL_COMPARE") != "1" {
		t.Skip("set FP16TOOL_COMPARE=1 (or run bench/compare.sh)")
	}
	oracle.Require(t)
	threads := envInt("FP16TOOL_COMPARE_THREADS", 1)
	runs := envInt("FP16TOOL_COMPARE_RUNS", 20)
	rounds := envInt("FP16TOOL_COMPARE_ROUNDS", 3)
	var paths []string
	if s := os.Getenv("FP16TOOL_COMPARE_MODELS"); s != "" {
		paths = strings.Fields(s)
	} else {
		paths = testenv.Models(t)
	}
	type row struct {
		name               string
		ours, theirs       float64
		oursMin, theirMin  float64
		gflops, theirFlops float64
	}
	var rows []row
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".tflite")
		m, err := tflite.LoadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		ins := fixtureInputs(t, name, m)
		prog, err := Compile(m, engine.Options{Threads: threads, Name: name})
		if err != nil {
			t.Fatal(err)
		}
		for k, in := range ins {
			copy(prog.Input(k), in.Data)
		}
		// Alternate the two runtimes over a few rounds, so that a burst
		// of load on the machine hits both.
		var mine, theirs []float64
		for round := 0; round < rounds; round++ {
			res, err := oracle.Run(p, ins, oracle.Options{Threads: threads, Warmup: 2, Runs: runs})
			if err != nil {
				t.Fatal(err)
			}
			theirs = append(theirs, res.LatenciesMs...)
			for i := -2; i < runs; i++ {
				t0 := time.Now()
				if err := prog.Run(); err != nil {
					t.Fatal(err)
				}
				if i >= 0 {
					mine = append(mine, float64(time.Since(t0).Nanoseconds())/1e6)
				}
			}
		}
		prog.Close()
		ours := median(mine)
		var macs int64
		for _, op := range m.Main().Ops {
			macs += graph.OpMACs(m.Main(), op)
		}
		rows = append(rows, row{name: name, ours: ours, theirs: median(theirs), oursMin: slices.Min(mine), theirMin: slices.Min(theirs),
			gflops: 2 * float64(macs) / (ours * 1e6), theirFlops: 2 * float64(macs) / (median(theirs) * 1e6)})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%d thread(s), %d rounds of %d runs each, kernels %s\n", threads, rounds, runs, KernelISA())
	fmt.Fprintf(&b, "| model | fp16tool median ms | LiteRT.js median ms | ratio | fp16tool min ms | LiteRT.js min ms | ratio of mins | fp16tool GFLOP/s | LiteRT.js GFLOP/s |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f | %.1f |\n", r.name, r.ours, r.theirs, r.ours/r.theirs, r.oursMin, r.theirMin, r.oursMin/r.theirMin, r.gflops, r.theirFlops)
	}
	t.Log(b.String())
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
