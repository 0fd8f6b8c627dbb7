package conformance

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/x448/float16"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/tensorio"
)

// builder assembles a single-subgraph model in Go. Output shapes are left
// unset and filled by graph.InferShapes.
type builder struct {
	name string
	sg   *graph.Subgraph
	ins  []inputSpec
}

// inputSpec says how to fill a model input: uniform in [lo, hi], or with
// pixels set, like a photo's normalized pixels: (p - lo) / hi for p
// uniform in 0..255.
type inputSpec struct {
	lo, hi float32
	pixels bool
}

func newBuilder(name string) *builder {
	return &builder{name: name, sg: &graph.Subgraph{Name: "main"}}
}

func i32s(shape []int) []int32 {
	out := make([]int32, len(shape))
	for i, d := range shape {
		out[i] = int32(d)
	}
	return out
}

func (b *builder) tensor(t *graph.Tensor) int {
	b.sg.Tensors = append(b.sg.Tensors, t)
	return len(b.sg.Tensors) - 1
}

// input adds a FLOAT32 model input filled uniformly in [-2, 2].
func (b *builder) input(shape ...int) int { return b.inputRange(-2, 2, shape...) }

// inputRange adds a FLOAT32 model input filled uniformly in [lo, hi].
func (b *builder) inputRange(lo, hi float32, shape ...int) int {
	i := b.tensor(&graph.Tensor{Name: "input" + itoa(len(b.ins)), Type: graph.Float32, Shape: i32s(shape)})
	b.sg.Inputs = append(b.sg.Inputs, i)
	b.ins = append(b.ins, inputSpec{lo: lo, hi: hi})
	return i
}

// weights adds a FLOAT32 constant of random values in [-1, 1].
func (b *builder) weights(shape ...int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	r := b.rng("w" + itoa(len(b.sg.Tensors)))
	v := make([]float32, n)
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
	return b.constF(shape, v)
}

// constF adds a FLOAT32 constant.
func (b *builder) constF(shape []int, v []float32) int {
	data := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(x))
	}
	return b.tensor(&graph.Tensor{Name: "const" + itoa(len(b.sg.Tensors)), Type: graph.Float32, Shape: i32s(shape), Data: data})
}

// constF16 adds a FLOAT16 constant of random values in [-1, 1].
func (b *builder) constF16(shape ...int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	r := b.rng("h" + itoa(len(b.sg.Tensors)))
	data := make([]byte, 2*n)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint16(data[2*i:], float16.Fromfloat32(r.Float32()*2-1).Bits())
	}
	return b.tensor(&graph.Tensor{Name: "const" + itoa(len(b.sg.Tensors)), Type: graph.Float16, Shape: i32s(shape), Data: data})
}

// constI adds an INT32 constant.
func (b *builder) constI(shape []int, v ...int) int {
	data := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(data[4*i:], uint32(int32(x)))
	}
	return b.tensor(&graph.Tensor{Name: "const" + itoa(len(b.sg.Tensors)), Type: graph.Int32, Shape: i32s(shape), Data: data})
}

// vec adds a 1-D INT32 constant.
func (b *builder) vec(v ...int) int { return b.constI([]int{len(v)}, v...) }

// out adds a FLOAT32 tensor whose shape InferShapes fills.
func (b *builder) out() int {
	return b.tensor(&graph.Tensor{Name: "t" + itoa(len(b.sg.Tensors)), Type: graph.Float32})
}

// op adds an op with one new FLOAT32 output and returns the output.
func (b *builder) op(code graph.OpCode, options any, inputs ...int) int {
	o := b.out()
	b.sg.Ops = append(b.sg.Ops, &graph.Op{Code: code, Version: 1, Inputs: inputs, Outputs: []int{o}, Options: options})
	return o
}

// opN adds an op with n new FLOAT32 outputs.
func (b *builder) opN(code graph.OpCode, options any, n int, inputs ...int) []int {
	var outs []int
	for i := 0; i < n; i++ {
		outs = append(outs, b.out())
	}
	b.sg.Ops = append(b.sg.Ops, &graph.Op{Code: code, Version: 1, Inputs: inputs, Outputs: outs, Options: options})
	return outs
}

// custom adds a custom op with one new FLOAT32 output.
func (b *builder) custom(name string, options []byte, inputs ...int) int {
	o := b.out()
	b.sg.Ops = append(b.sg.Ops, &graph.Op{Code: graph.OpCustom, Custom: name, Version: 1, Inputs: inputs, Outputs: []int{o}, CustomOptions: options})
	return o
}

// finish marks the model outputs and returns the case.
func (b *builder) finish(outputs ...int) Case {
	b.sg.Outputs = outputs
	for i, o := range outputs {
		b.sg.Tensors[o].Name = "output" + itoa(i)
	}
	return Case{Name: b.name, build: b.model, specs: b.ins}
}

func (b *builder) model() (*graph.Model, error) {
	m := &graph.Model{Version: 3, Description: "fp16tool conformance case " + b.name, Subgraphs: []*graph.Subgraph{b.sg}}
	if err := graph.InferShapes(b.sg); err != nil {
		return nil, err
	}
	return m, nil
}

// rng returns a generator seeded by the case name and a salt, so that
// every case's data is fixed.
func (b *builder) rng(salt string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(b.name + "/" + salt))
	s := h.Sum64()
	return rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15))
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var buf [20]byte
	n := len(buf)
	for i > 0 {
		n--
		buf[n] = byte('0' + i%10)
		i /= 10
	}
	return string(buf[n:])
}

// makeInputs returns the case's deterministic inputs for model m.
func makeInputs(name string, m *graph.Model, specs []inputSpec) []tensorio.Tensor {
	sg := m.Main()
	b := &builder{name: name}
	var out []tensorio.Tensor
	for k, ti := range sg.Inputs {
		t := sg.Tensors[ti]
		n := graph.NumElements(t.Shape)
		shape := make([]int, len(t.Shape))
		for i, d := range t.Shape {
			shape[i] = int(d)
		}
		if t.Type == graph.Int8 || t.Type == graph.Uint8 {
			out = append(out, tensorio.Tensor{Name: t.Name, Type: t.Type, Shape: shape, Data: fillInt8(b, "input"+itoa(k), n)})
			continue
		}
		r := b.rng("input" + itoa(k))
		sp := specs[k]
		data := make([]byte, 4*n)
		for i := 0; i < n; i++ {
			v := sp.lo + r.Float32()*(sp.hi-sp.lo)
			if sp.pixels {
				v = (float32(r.IntN(256)) - sp.lo) / sp.hi
			}
			binary.LittleEndian.PutUint32(data[4*i:], math.Float32bits(v))
		}
		out = append(out, tensorio.Tensor{Name: t.Name, Type: graph.Float32, Shape: shape, Data: data})
	}
	return out
}
