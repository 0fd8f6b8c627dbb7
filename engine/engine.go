// Package engine is the small interface that every execution backend
// implements (the CPU backend in package cpu, the Vulkan backend in package
// gpu), and a registry of the backends linked into the binary, so that the
// CLI's --backend flag and the converter's "auto" target can ask which ones
// are present.
//
// A Backend compiles a graph.Model once into a Program; the Program runs it
// many times. Inputs and outputs are plain byte buffers owned by the
// Program (little endian, row major, in the tensor's element type): write
// the inputs, call Run, read the outputs. Run does not allocate.
package engine

import (
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"unsafe"

	"github.com/fp16tool/fp16tool/graph"
)

// Options configure the compilation of a model.
type Options struct {
	// Threads is the number of goroutines a Program may use to run one
	// inference; 0 means runtime.NumCPU().
	Threads int
	// Reference selects the reference kernels (plain loops, the
	// specification) instead of the optimized ones, where a backend has
	// both.
	Reference bool
	// Profile makes the Program time every op (see Profiler).
	Profile bool
	// Name names the model in error messages (for example its file name).
	Name string
	// Precision is the GPU backend's storage and arithmetic precision:
	// "fp16" (float16 storage and arithmetic), "fp32acc" (float16
	// storage, float32 arithmetic), "fp32", or "" for the device's
	// recommendation (what `fp16tool devices` prints). The CPU backend
	// ignores it.
	Precision string
}

// NumThreads returns o.Threads, or runtime.NumCPU() when it is 0 or less.
func (o Options) NumThreads() int {
	if o.Threads > 0 {
		return o.Threads
	}
	return runtime.NumCPU()
}

// ModelName returns o.Name, or "model" when it is empty.
func (o Options) ModelName() string {
	if o.Name != "" {
		return o.Name
	}
	return "model"
}

// TensorInfo describes one input or output of a Program.
type TensorInfo struct {
	// Name is the tensor's name in the model.
	Name string
	// Index is the tensor's index in the main subgraph.
	Index int
	// Type is the element type.
	Type graph.DType
	// Shape is the static shape.
	Shape []int
}

// NumElements returns the product of the shape's dimensions.
func (t TensorInfo) NumElements() int {
	n := 1
	for _, d := range t.Shape {
		n *= d
	}
	return n
}

// ByteSize returns the size of the tensor's buffer in bytes.
func (t TensorInfo) ByteSize() int {
	n, _ := t.Type.ByteSize(t.NumElements())
	return n
}

// Backend compiles models for one kind of device.
type Backend interface {
	// Name is the backend's registry name ("cpu", "vulkan").
	Name() string
	// Compile prepares m for execution. The Program does not keep m's
	// constant buffers beyond what it needs, and m must not change while
	// Compile runs. Errors name the model (Options.Name), the op's index
	// and type when an op is the cause.
	Compile(m *graph.Model, opt Options) (Program, error)
}

// Availability is implemented by backends that may be linked in but not
// usable on this machine (for example without a Vulkan driver).
type Availability interface {
	// Available returns nil when the backend can compile and run models
	// here, or an error saying why not.
	Available() error
}

// Program is a compiled model. A Program is not safe for concurrent use:
// one Run at a time.
type Program interface {
	// Inputs and Outputs describe the model's inputs and outputs, in the
	// order of the main subgraph's Inputs and Outputs.
	Inputs() []TensorInfo
	Outputs() []TensorInfo
	// Input returns the buffer of input i, to be filled before Run. It
	// keeps its contents across runs.
	Input(i int) []byte
	// Output returns the buffer of output i, valid after Run until the
	// next Run or Close.
	Output(i int) []byte
	// Run runs one inference. It does not allocate.
	Run() error
	// Close releases the Program's memory and device resources.
	Close() error
}

// OpProfile is the time one op took in the last Run of a Program compiled
// with Options.Profile.
type OpProfile struct {
	// Index is the op's index in the main subgraph; Op its display name.
	Index int
	Op    string
	// Nanos is the op's wall time in the last Run.
	Nanos int64
}

// Profiler is implemented by Programs that can time their ops.
type Profiler interface {
	// Profile returns the per-op times of the last Run, in execution
	// order (empty unless compiled with Options.Profile).
	Profile() []OpProfile
}

// ErrUnknownBackend is returned by Get for a name no backend registered.
var ErrUnknownBackend = errors.New("unknown backend")

var (
	mu       sync.RWMutex
	backends = map[string]Backend{}
)

// Register makes b available under b.Name(). Backends call it from an init
// function; registering a name twice panics (a programming error).
func Register(b Backend) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := backends[b.Name()]; dup {
		panic("engine: backend " + b.Name() + " registered twice")
	}
	backends[b.Name()] = b
}

// Get returns the backend registered as name, or an error wrapping
// ErrUnknownBackend that lists the registered names.
func Get(name string) (Backend, error) {
	mu.RLock()
	b, ok := backends[name]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("%w %q (have %v)", ErrUnknownBackend, name, Names())
	}
	return b, nil
}

// Names returns the names of all registered backends, sorted.
func Names() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(backends))
	for n := range backends {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Available returns the names of the registered backends that can run
// here (those without an Availability check, or whose check passes),
// sorted.
func Available() []string {
	var out []string
	for _, n := range Names() {
		b, _ := Get(n)
		if a, ok := b.(Availability); ok && a.Available() != nil {
			continue
		}
		out = append(out, n)
	}
	return out
}

// Float32s views b as float32 values (b's length must be a multiple of 4
// and its start 4-byte aligned, as every Program buffer is). It does not
// copy: writes through either view are seen by the other.
func Float32s(b []byte) []float32 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

// Int32s views b as int32 values, like Float32s.
func Int32s(b []byte) []int32 {
	if len(b) == 0 {
		return nil
	}
	return unsafe.Slice((*int32)(unsafe.Pointer(&b[0])), len(b)/4)
}

// Bytes views a float32 slice as its bytes, without copying.
func Bytes(f []float32) []byte {
	if len(f) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&f[0])), len(f)*4)
}
