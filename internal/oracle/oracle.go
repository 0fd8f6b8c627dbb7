// Package oracle runs .tflite models in the real TFLite runtime, the
// reference every numeric test compares against. The runtime is a
// WebAssembly build run by Node through tools/oracle/run.mjs: LiteRT.js
// (@litertjs/core 2.5.3, the default, XNNPACK CPU path) or tfjs-tflite
// (@tensorflow/tfjs-tflite 0.0.1-alpha.10). Set it up with `npm ci` in
// tools/oracle.
//
// Both exchange tensors of any fixed-size element type (FLOAT32, FLOAT16,
// INT8, UINT8, INT16, INT32, INT64, BOOL, ...): the runner drives
// LiteRT.js through its Wasm bindings, because LiteRT.js's Tensor class
// only takes float32, int32 and uint8. tfjs-tflite lacks custom ops such
// as the selfie models' Convolution2DTransposeBias.
//
// Run starts one Node process per call; RunBatch runs many jobs in one
// process, which is what a test with many cases should use.
package oracle

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/tensorio"
	"github.com/fp16tool/fp16tool/internal/testenv"
)

// Runtimes the oracle offers.
const (
	// LiteRT is LiteRT.js, the default.
	LiteRT = "litert"
	// TFJS is tfjs-tflite.
	TFJS = "tfjs"
)

// Timeout bounds one Node process (all the jobs of a batch).
var Timeout = 10 * time.Minute

// Options choose the runtime and how to run.
type Options struct {
	// Runtime is LiteRT ("litert", the default when empty) or TFJS
	// ("tfjs").
	Runtime string
	// Threads is the number of CPU threads (0 means 1). With LiteRT more
	// than one uses its pthreads build (relaxed SIMD, worker threads);
	// TFJS runs single-threaded only.
	Threads int
	// Warmup runs are not timed (0 means none).
	Warmup int
	// Runs is the number of timed runs (0 means 1). The outputs are those
	// of the last run.
	Runs int
}

// TensorInfo describes a model input or output as the runtime reports it.
type TensorInfo struct {
	Name  string
	Type  graph.DType
	Shape []int
}

// Result is what one job gives.
type Result struct {
	// Outputs are the model's outputs, in the model's output order.
	Outputs []tensorio.Tensor
	// Inputs and OutputInfo describe the model's tensors.
	Inputs, OutputInfo []TensorInfo
	// InitMs is the time to load and compile the model, in milliseconds.
	InitMs float64
	// LatenciesMs has one entry per timed run, in milliseconds.
	LatenciesMs []float64
	// Build names the WebAssembly build that ran (e.g.
	// "litert_wasm_compat_internal.js").
	Build string
	// XNNPACK reports whether the runtime's XNNPACK delegate was on.
	XNNPACK bool
}

// Job is one model run for RunBatch. A job with no Inputs only describes
// the model (Result.Inputs and Result.OutputInfo; no Outputs).
type Job struct {
	Model   string
	Inputs  []tensorio.Tensor
	Options Options
}

// Dir returns the folder of the Node runner, tools/oracle.
func Dir() string { return filepath.Join(testenv.Root(), "tools", "oracle") }

// Available reports why the oracle cannot run, or nil when it can: Node
// must be on PATH and tools/oracle/node_modules installed.
func Available() error {
	node, err := exec.LookPath("node")
	if err != nil {
		return errors.New("oracle: node is not on PATH: install Node.js 20 or newer, then run `npm ci` in tools/oracle")
	}
	for _, pkg := range []string{"@litertjs/core", "@tensorflow/tfjs-tflite"} {
		p := filepath.Join(Dir(), "node_modules", filepath.FromSlash(pkg), "package.json")
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("oracle: %s is not installed in %s: run `npm ci` in tools/oracle", pkg, filepath.Join(Dir(), "node_modules"))
		}
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return fmt.Errorf("oracle: %s --version: %v", node, err)
	}
	v := strings.TrimPrefix(strings.TrimSpace(string(out)), "v")
	major, _ := strconv.Atoi(strings.SplitN(v, ".", 2)[0])
	if major < 20 {
		return fmt.Errorf("oracle: node %s is too old, want 20 or newer", v)
	}
	return nil
}

// Require fails the test under CI=true, and skips it otherwise, when the
// oracle is not available.
func Require(t testing.TB) {
	t.Helper()
	if err := Available(); err != nil {
		testenv.Missing(t, "the oracle (Node with LiteRT.js and tfjs-tflite)", err.Error())
	}
}

// Run runs model on inputs (in the model's input order) and returns its
// outputs and timings.
func Run(model string, inputs []tensorio.Tensor, opt Options) (*Result, error) {
	res, err := RunBatch([]Job{{Model: model, Inputs: inputs, Options: opt}})
	if err != nil {
		return nil, err
	}
	return res[0], nil
}

// Describe returns the model's input and output tensors as the runtime
// sees them.
func Describe(model string, opt Options) (*Result, error) {
	return Run(model, nil, opt)
}

// RunBatch runs all jobs in one Node process, in order. It returns one
// Result per job; when some jobs fail, their Results are nil and the error
// joins one error per failed job, each naming the job's model.
func RunBatch(jobs []Job) ([]*Result, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "fp16tool-oracle-")
	if err != nil {
		return nil, fmt.Errorf("oracle: %w", err)
	}
	defer os.RemoveAll(dir)

	type jobSpec struct {
		Model   string   `json:"model"`
		Inputs  []string `json:"inputs,omitempty"`
		Out     string   `json:"out"`
		Runtime string   `json:"runtime"`
		Threads int      `json:"threads"`
		Warmup  int      `json:"warmup"`
		Runs    int      `json:"runs"`
	}
	specs := make([]jobSpec, len(jobs))
	for i, j := range jobs {
		o := j.Options
		if o.Runtime == "" {
			o.Runtime = LiteRT
		}
		if o.Runtime != LiteRT && o.Runtime != TFJS {
			return nil, fmt.Errorf("oracle: job %d (%s): runtime %q, want %q or %q", i, j.Model, o.Runtime, LiteRT, TFJS)
		}
		if o.Threads <= 0 {
			o.Threads = 1
		}
		if o.Runs <= 0 {
			o.Runs = 1
		}
		if o.Warmup < 0 {
			o.Warmup = 0
		}
		abs, err := filepath.Abs(j.Model)
		if err != nil {
			return nil, fmt.Errorf("oracle: %w", err)
		}
		if _, err := os.Stat(abs); err != nil {
			return nil, fmt.Errorf("oracle: job %d: %w", i, err)
		}
		s := jobSpec{Model: abs, Out: filepath.Join(dir, strconv.Itoa(i)), Runtime: o.Runtime, Threads: o.Threads, Warmup: o.Warmup, Runs: o.Runs}
		if err := os.Mkdir(s.Out, 0o755); err != nil {
			return nil, fmt.Errorf("oracle: %w", err)
		}
		for k, in := range j.Inputs {
			p := filepath.Join(s.Out, fmt.Sprintf("input_%d.npy", k))
			if err := tensorio.WriteNpy(p, in); err != nil {
				return nil, fmt.Errorf("oracle: job %d (%s): input %d: %w", i, j.Model, k, err)
			}
			s.Inputs = append(s.Inputs, p)
		}
		specs[i] = s
	}
	spec, err := json.Marshal(map[string]any{"jobs": specs})
	if err != nil {
		return nil, fmt.Errorf("oracle: %w", err)
	}
	jobsFile := filepath.Join(dir, "jobs.json")
	if err := os.WriteFile(jobsFile, spec, 0o644); err != nil {
		return nil, fmt.Errorf("oracle: %w", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join(Dir(), "run.mjs"), "--jobs", jobsFile)
	cmd.Dir = Dir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	if ctx.Err() != nil {
		return nil, fmt.Errorf("oracle: node run.mjs (%d jobs) did not finish within %v", len(jobs), Timeout)
	}

	results := make([]*Result, len(jobs))
	var errs []error
	for i := range specs {
		r, err := readResult(specs[i].Out)
		if err != nil {
			// The runner names input files; they are temporary here.
			msg := err.Error()
			for _, p := range specs[i].Inputs {
				msg = strings.ReplaceAll(msg, p+": ", "")
			}
			errs = append(errs, fmt.Errorf("oracle: %s (%s): %s", jobs[i].Model, specs[i].Runtime, msg))
			continue
		}
		results[i] = r
	}
	if len(errs) == 0 && runErr != nil {
		errs = append(errs, fmt.Errorf("oracle: node run.mjs: %v", runErr))
	}
	if len(errs) > 0 {
		if runErr != nil && len(errs) == len(jobs) {
			// Nothing ran: Node's own message says why.
			errs = append(errs, fmt.Errorf("oracle: node stderr: %s", lastLines(stderr.String(), 8)))
		}
		return results, errors.Join(errs...)
	}
	return results, nil
}

// readResult reads one job's result.json and output files.
func readResult(dir string) (*Result, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "result.json"))
	if err != nil {
		return nil, errors.New("the runner wrote no result")
	}
	type tensorJSON struct {
		Name  string `json:"name"`
		DType string `json:"dtype"`
		Shape []int  `json:"shape"`
		File  string `json:"file"`
	}
	var rj struct {
		Error       string       `json:"error"`
		Build       string       `json:"build"`
		XNNPACK     bool         `json:"xnnpack"`
		Inputs      []tensorJSON `json:"inputs"`
		Outputs     []tensorJSON `json:"outputs"`
		InitMs      float64      `json:"initMs"`
		LatenciesMs []float64    `json:"latenciesMs"`
	}
	if err := json.Unmarshal(raw, &rj); err != nil {
		return nil, fmt.Errorf("result.json: %v", err)
	}
	if rj.Error != "" {
		return nil, errors.New(rj.Error)
	}
	info := func(ts []tensorJSON) ([]TensorInfo, error) {
		var out []TensorInfo
		for _, t := range ts {
			dt, ok := dtypeOf(t.DType)
			if !ok {
				return nil, fmt.Errorf("tensor %q has dtype %q, unknown here", t.Name, t.DType)
			}
			out = append(out, TensorInfo{Name: t.Name, Type: dt, Shape: t.Shape})
		}
		return out, nil
	}
	r := &Result{InitMs: rj.InitMs, LatenciesMs: rj.LatenciesMs, Build: rj.Build, XNNPACK: rj.XNNPACK}
	if r.Inputs, err = info(rj.Inputs); err != nil {
		return nil, err
	}
	if r.OutputInfo, err = info(rj.Outputs); err != nil {
		return nil, err
	}
	for k, o := range rj.Outputs {
		if o.File == "" {
			continue
		}
		t, err := tensorio.ReadNpy(filepath.Join(dir, o.File))
		if err != nil {
			return nil, err
		}
		want := r.OutputInfo[k]
		if t.Type != want.Type || t.NumElements() != (&tensorio.Tensor{Shape: want.Shape}).NumElements() {
			return nil, fmt.Errorf("output %d (%s): file holds %v%v, runtime reported %v%v", k, o.Name, t.Type, t.Shape, want.Type, want.Shape)
		}
		t.Name = o.Name
		r.Outputs = append(r.Outputs, t)
	}
	return r, nil
}

var dtypes = map[string]graph.DType{
	"float32": graph.Float32, "float16": graph.Float16, "float64": graph.Float64,
	"int8": graph.Int8, "uint8": graph.Uint8, "bool": graph.Bool,
	"int16": graph.Int16, "uint16": graph.Uint16, "int32": graph.Int32, "uint32": graph.Uint32,
	"int64": graph.Int64,
}

func dtypeOf(s string) (graph.DType, bool) {
	d, ok := dtypes[s]
	return d, ok
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
