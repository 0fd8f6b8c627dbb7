package gpu

import (
	"runtime/debug"
	"testing"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/shaders"
)

var sink []byte

// TestGCStress makes pipelines, buffers and sequences while another
// goroutine churns the heap with the collector at GOGC=1: without
// withoutGC and the C pipeline shim, vulkan-go's finalizers freed the C
// copies of nested structures during vkUpdateDescriptorSets and
// vkCreateComputePipelines (SIGSEGV within a few runs).
func TestGCStress(t *testing.T) {
	d := openTest(t, Options{Index: -1, ForceStaging: true})
	defer debug.SetGCPercent(debug.SetGCPercent(1))
	stop := make(chan bool)
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				sink = make([]byte, 1<<16)
			}
		}
	}()
	defer close(stop)
	code, err := shaders.SPIRV("gemm_fp32")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		p, err := d.NewPipeline(PipelineSpec{Name: "gemm_fp32", SPIRV: code, Buffers: 4,
			Spec: []uint32{8, 8, 1, 0, uint32(1 + i%4), uint32(1 + i/4%4)}, PushSize: 12})
		if err != nil {
			t.Fatal(err)
		}
		p.Close()
	}
	k, err := NewKernels(d, FP32, Tile{})
	if err != nil {
		t.Fatal(err)
	}
	defer k.Close()
	for range 30 {
		var bufs []*Buffer
		for range 3 {
			b, err := d.NewBuffer(256)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Write(0, make([]byte, 256)); err != nil {
				t.Fatal(err)
			}
			bufs = append(bufs, b)
		}
		s := d.NewSequence()
		for range 20 {
			if err := k.Binary(s, Add, graph.ActNone, []int{64}, []int{64}, bufs[0], bufs[1], bufs[2]); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Run(); err != nil {
			t.Fatal(err)
		}
		s.Close()
		for _, b := range bufs {
			b.Close()
		}
	}
}
