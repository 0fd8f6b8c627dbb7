package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
)

func init() { register(newBenchCmd) }

// benchResult is what bench reports (also its --json form).
type benchResult struct {
	Model      string        `json:"model"`
	Backend    string        `json:"backend"`
	Threads    int           `json:"threads"`
	Kernels    string        `json:"kernels,omitempty"`
	InitMs     float64       `json:"init_ms"`
	FirstRunMs float64       `json:"first_run_ms"`
	Runs       int           `json:"runs"`
	MinMs      float64       `json:"min_ms"`
	MedianMs   float64       `json:"median_ms"`
	P90Ms      float64       `json:"p90_ms"`
	MaxMs      float64       `json:"max_ms"`
	MACs       int64         `json:"macs"`
	GFLOPS     float64       `json:"gflops_at_median"`
	PeakRSSMiB float64       `json:"peak_rss_mib"`
	Ops        []opTime      `json:"ops,omitempty"`
	OpTypes    []opTypeTotal `json:"op_types,omitempty"`
}

type opTime struct {
	Index int     `json:"index"`
	Op    string  `json:"op"`
	Ms    float64 `json:"ms"`
}

type opTypeTotal struct {
	Op      string  `json:"op"`
	Count   int     `json:"count"`
	Ms      float64 `json:"ms"`
	Percent float64 `json:"percent"`
}

func newBenchCmd() *cobra.Command {
	var o struct {
		backend   backendFlags
		threads   int
		warmup    int
		runs      int
		asJSON    bool
		profile   bool
		reference bool
	}
	cmd := &cobra.Command{
		Use:   "bench MODEL",
		Short: "Measure a model's latency on a backend",
		Long: `bench compiles MODEL on a backend, fills its inputs with deterministic values,
and reports the init time (load and compile), the first run, and the min,
median, p90 and max latency of --runs timed runs after --warmup untimed ones,
with the GFLOP/s at the median (2 x the model's multiply-accumulates) and the
process's peak resident memory.

--profile also times every op (median over the runs) and prints them per op
and per op type, like TFLite's benchmark_model.`,
		Example: `  fp16tool bench pose_landmark_full.tflite --threads 1 --runs 50
  fp16tool bench model.tflite --profile
  fp16tool bench model.tflite --json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.runs < 1 || o.warmup < 0 {
				return fmt.Errorf("--runs must be at least 1 and --warmup at least 0")
			}
			b, err := o.backend.choose(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			t0 := time.Now()
			m, err := loadModel(args[0])
			if err != nil {
				if !strings.Contains(err.Error(), args[0]) {
					err = fmt.Errorf("%s: %w", args[0], err)
				}
				return err
			}
			opt := engine.Options{Threads: o.threads, Reference: o.reference, Profile: o.profile, Name: args[0], Precision: o.backend.precision}
			p, err := b.Compile(m, opt)
			if err != nil {
				return err
			}
			defer p.Close()
			r := benchResult{Model: args[0], Backend: b.Name(), Threads: opt.NumThreads(), InitMs: ms(time.Since(t0)), Runs: o.runs}
			if k, ok := b.(interface{ KernelISA() string }); ok {
				r.Kernels = k.KernelISA()
			}
			if o.reference {
				r.Kernels = "reference"
			}
			if d, ok := p.(interface{ Describe() string }); ok {
				r.Kernels = d.Describe()
			}
			fillDeterministic(p)
			t1 := time.Now()
			if err := p.Run(); err != nil {
				return err
			}
			r.FirstRunMs = ms(time.Since(t1))
			for i := 0; i < o.warmup; i++ {
				if err := p.Run(); err != nil {
					return err
				}
			}
			lat := make([]float64, o.runs)
			var per [][]int64
			for i := range lat {
				t := time.Now()
				if err := p.Run(); err != nil {
					return err
				}
				lat[i] = ms(time.Since(t))
				if pr, ok := p.(engine.Profiler); ok && o.profile {
					row := make([]int64, 0, len(pr.Profile()))
					for _, op := range pr.Profile() {
						row = append(row, op.Nanos)
					}
					per = append(per, row)
				}
			}
			sorted := slices.Clone(lat)
			sort.Float64s(sorted)
			r.MinMs, r.MaxMs = sorted[0], sorted[len(sorted)-1]
			r.MedianMs = quantile(sorted, 0.5)
			r.P90Ms = quantile(sorted, 0.9)
			for _, op := range m.Main().Ops {
				r.MACs += graph.OpMACs(m.Main(), op)
			}
			if r.MedianMs > 0 {
				r.GFLOPS = 2 * float64(r.MACs) / (r.MedianMs * 1e6)
			}
			r.PeakRSSMiB = peakRSSMiB()
			if pr, ok := p.(engine.Profiler); ok && o.profile && len(per) > 0 {
				r.Ops, r.OpTypes = profileTables(pr.Profile(), per)
			}
			if o.asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(r)
			}
			return writeBench(cmd.OutOrStdout(), &r)
		},
	}
	f := cmd.Flags()
	o.backend.register(cmd)
	f.IntVar(&o.threads, "threads", 0, "threads (0: all cores, "+fmt.Sprint(runtime.NumCPU())+" here)")
	f.IntVar(&o.warmup, "warmup", 1, "untimed runs after the first")
	f.IntVar(&o.runs, "runs", 50, "timed runs")
	f.BoolVar(&o.asJSON, "json", false, "print the result as JSON")
	f.BoolVar(&o.profile, "profile", false, "time every op and print per op and per op type")
	f.BoolVar(&o.reference, "reference", false, "use the reference kernels (plain loops) where the backend has both")
	return cmd
}

func ms(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e6 }

// quantile returns the q-quantile of sorted values (nearest rank).
func quantile(sorted []float64, q float64) float64 {
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}

// profileTables turns the per-run op times into per-op medians and
// per-type totals.
func profileTables(ops []engine.OpProfile, per [][]int64) ([]opTime, []opTypeTotal) {
	var out []opTime
	totals := map[string]*opTypeTotal{}
	var sum float64
	for k, op := range ops {
		v := make([]float64, len(per))
		for i := range per {
			v[i] = float64(per[i][k]) / 1e6
		}
		sort.Float64s(v)
		t := quantile(v, 0.5)
		out = append(out, opTime{Index: op.Index, Op: op.Op, Ms: t})
		tt := totals[op.Op]
		if tt == nil {
			tt = &opTypeTotal{Op: op.Op}
			totals[op.Op] = tt
		}
		tt.Count++
		tt.Ms += t
		sum += t
	}
	var types []opTypeTotal
	for _, t := range totals {
		if sum > 0 {
			t.Percent = 100 * t.Ms / sum
		}
		types = append(types, *t)
	}
	sort.Slice(types, func(i, j int) bool { return types[i].Ms > types[j].Ms })
	return out, types
}

func writeBench(w io.Writer, r *benchResult) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "model\t%s\n", r.Model)
	fmt.Fprintf(tw, "backend\t%s (%d threads, kernels %s)\n", r.Backend, r.Threads, r.Kernels)
	fmt.Fprintf(tw, "init\t%.2f ms\n", r.InitMs)
	fmt.Fprintf(tw, "first run\t%.2f ms\n", r.FirstRunMs)
	fmt.Fprintf(tw, "latency (%d runs)\tmin %.3f  median %.3f  p90 %.3f  max %.3f ms\n", r.Runs, r.MinMs, r.MedianMs, r.P90Ms, r.MaxMs)
	fmt.Fprintf(tw, "compute\t%.1f MMACs, %.2f GFLOP/s at the median\n", float64(r.MACs)/1e6, r.GFLOPS)
	fmt.Fprintf(tw, "peak memory\t%.1f MiB (resident)\n", r.PeakRSSMiB)
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Ops) == 0 {
		return nil
	}
	fmt.Fprintln(w, "\nper op type (median ms per run):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "op\tcount\tms\t%\t")
	for _, t := range r.OpTypes {
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.1f\t\n", t.Op, t.Count, t.Ms, t.Percent)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nper op (median ms per run, execution order):")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "index\top\tms\t")
	for _, t := range r.Ops {
		fmt.Fprintf(tw, "%d\t%s\t%.3f\t\n", t.Index, t.Op, t.Ms)
	}
	return tw.Flush()
}

// fillDeterministic fills a program's inputs with fixed pseudo-random
// values: floats uniform in [-1, 1], integers in [0, 10).
func fillDeterministic(p engine.Program) {
	r := rand.New(rand.NewPCG(16, 16))
	for i, info := range p.Inputs() {
		buf := p.Input(i)
		switch info.Type {
		case graph.Float32:
			for k, f := 0, engine.Float32s(buf); k < len(f); k++ {
				f[k] = r.Float32()*2 - 1
			}
		case graph.Int32:
			for k, v := 0, engine.Int32s(buf); k < len(v); k++ {
				v[k] = int32(r.IntN(10))
			}
		default:
			for k := range buf {
				buf[k] = byte(r.IntN(10))
			}
		}
	}
}
