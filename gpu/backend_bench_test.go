package gpu

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/cpu"
	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/testenv"
	"github.com/fp16tool/fp16tool/tflite"
)

// BenchmarkFixtures times one inference of every fixture on the CPU
// backend and on the Vulkan backend in the precisions of
// -fixture-precisions (fp32acc by default), reporting the commands per Run
// and the time per command on Vulkan:
//
//	go test ./gpu -run '^$' -bench Fixtures -benchtime 5x -fixture-precisions fp16,fp32acc,fp32
func BenchmarkFixtures(b *testing.B) {
	info := needVulkan(b)
	applyPlanFlags(b)
	for _, path := range testenv.Models(b) {
		name := strings.TrimSuffix(filepath.Base(path), ".tflite")
		b.Run(name+"/cpu", func(b *testing.B) {
			benchProgram(b, cpu.Backend{}, path, engine.Options{Name: name})
		})
		for _, s := range strings.Split(*fixturePrecisions, ",") {
			p, err := ParsePrecision(strings.TrimSpace(s))
			if err != nil {
				b.Fatal(err)
			}
			if !info.Supports(p) {
				continue
			}
			b.Run(name+"/vulkan-"+p.String(), func(b *testing.B) {
				benchProgram(b, Backend{}, path, engine.Options{Name: name, Precision: p.String()})
			})
		}
	}
}

func benchProgram(b *testing.B, be engine.Backend, path string, opt engine.Options) {
	b.ReportAllocs()
	m, err := tflite.LoadFile(path)
	if err != nil {
		b.Fatal(err)
	}
	p := compileOrSkip(b, be, m, opt)
	defer p.Close()
	fill(p)
	if err := p.Run(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if err := p.Run(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer() // ReportMetric allocates
	ms := float64(b.Elapsed().Microseconds()) / 1e3 / float64(b.N)
	b.ReportMetric(ms, "ms/run")
	if gp, ok := p.(*Program); ok {
		b.ReportMetric(float64(gp.Dispatches()), "dispatches")
		b.ReportMetric(ms*1e3/float64(gp.Dispatches()), "µs/dispatch")
	}
}

// chainModel is n ADDs of a [1,1,1,4] tensor to a constant, one after the
// other: almost no arithmetic, so its time per op is the backend's
// dispatch overhead (barrier, timestamp and Go side included).
func chainModel(n int) *graph.Model {
	sg := &graph.Subgraph{Tensors: []*graph.Tensor{
		{Name: "in", Type: graph.Float32, Shape: []int32{1, 1, 1, 4}},
		{Name: "c", Type: graph.Float32, Shape: []int32{4}, Data: FP32.Encode(nil, []float32{1, 2, 3, 4})},
	}, Inputs: []int{0}}
	prev := 0
	for i := range n {
		sg.Tensors = append(sg.Tensors, &graph.Tensor{Name: "t" + string(rune('a'+i%26)), Type: graph.Float32, Shape: []int32{1, 1, 1, 4}})
		out := len(sg.Tensors) - 1
		sg.Ops = append(sg.Ops, &graph.Op{Code: graph.OpAdd, Inputs: []int{prev, 1}, Outputs: []int{out}})
		prev = out
	}
	sg.Outputs = []int{prev}
	return &graph.Model{Version: 3, Subgraphs: []*graph.Subgraph{sg}}
}

// BenchmarkBackendDispatchOverhead is the Vulkan backend's time per op on
// a chain of 200 tiny ADDs (Program.Run, all precisions' default).
func BenchmarkBackendDispatchOverhead(b *testing.B) {
	needVulkan(b)
	const n = 200
	p, err := Compile(chainModel(n), engine.Options{Name: "chain"})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	fill(p)
	b.ResetTimer()
	for range b.N {
		if err := p.Run(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*p.Dispatches()), "µs/dispatch")
}
