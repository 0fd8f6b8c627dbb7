//go:build !(cgo && linux)

package gpu

import (
	"runtime"
	"time"
)

// The Vulkan runtime needs cgo (the loader is opened with dlopen and
// vulkan-go is a cgo binding) and is wired for Linux; elsewhere every
// entry point returns ErrNoVulkan.

func stubErr() error {
	return noVulkan("fp16tool was built without cgo or for %s/%s; rebuild with CGO_ENABLED=1 on Linux for the Vulkan backend", runtime.GOOS, runtime.GOARCH)
}

// Devices returns an error wrapping ErrNoVulkan in this build.
func Devices() ([]DeviceInfo, error) { return nil, stubErr() }

// Device is an open Vulkan device; this build cannot open one.
type Device struct{}

// Open returns an error wrapping ErrNoVulkan in this build.
func Open(Options) (*Device, error) { return nil, stubErr() }

// Info returns the zero DeviceInfo in this build.
func (d *Device) Info() DeviceInfo { return DeviceInfo{} }

// Close does nothing in this build.
func (d *Device) Close() error { return nil }

// NewBuffer returns an error wrapping ErrNoVulkan in this build.
func (d *Device) NewBuffer(int) (*Buffer, error) { return nil, stubErr() }

// NewPipeline returns an error wrapping ErrNoVulkan in this build.
func (d *Device) NewPipeline(PipelineSpec) (*Pipeline, error) { return nil, stubErr() }

// NewSequence returns an empty sequence that cannot run in this build.
func (d *Device) NewSequence() *Sequence { return &Sequence{} }

// Buffer is a device buffer; this build cannot make one.
type Buffer struct{}

// Size returns 0 in this build.
func (b *Buffer) Size() int { return 0 }

// NewHostBuffer returns an error wrapping ErrNoVulkan in this build.
func (d *Device) NewHostBuffer(int) (*Buffer, error) { return nil, stubErr() }

// Bytes returns nil in this build.
func (b *Buffer) Bytes() []byte { return nil }

// Mapped returns false in this build.
func (b *Buffer) Mapped() bool { return false }

// Write returns an error wrapping ErrNoVulkan in this build.
func (b *Buffer) Write(int, []byte) error { return stubErr() }

// Read returns an error wrapping ErrNoVulkan in this build.
func (b *Buffer) Read(int, []byte) error { return stubErr() }

// View returns an error wrapping ErrNoVulkan in this build.
func (b *Buffer) View(int, int) (*Buffer, error) { return nil, stubErr() }

// Offset returns 0 in this build.
func (b *Buffer) Offset() int { return 0 }

// Close does nothing in this build.
func (b *Buffer) Close() error { return nil }

// Pipeline is a compute pipeline; this build cannot make one.
type Pipeline struct{}

// Spec returns the zero PipelineSpec in this build.
func (p *Pipeline) Spec() PipelineSpec { return PipelineSpec{} }

// Close does nothing in this build.
func (p *Pipeline) Close() error { return nil }

// Sequence is a recorded list of dispatches; this build cannot run one.
type Sequence struct{}

// Dispatch returns an error wrapping ErrNoVulkan in this build.
func (s *Sequence) Dispatch(*Pipeline, []*Buffer, []byte, int, int, int) error { return stubErr() }

// Copy returns an error wrapping ErrNoVulkan in this build.
func (s *Sequence) Copy(*Buffer, *Buffer, int) error { return stubErr() }

// Len returns 0 in this build.
func (s *Sequence) Len() int { return 0 }

// Run returns an error wrapping ErrNoVulkan in this build.
func (s *Sequence) Run() error { return stubErr() }

// Timings returns nil in this build.
func (s *Sequence) Timings() []time.Duration { return nil }

// Close does nothing in this build.
func (s *Sequence) Close() error { return nil }
