package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	_ "github.com/fp16tool/fp16tool/cpu" // registers the "cpu" backend
	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/gpu" // registers the "vulkan" backend
)

// backendFlags are the --backend and --gpu-precision flags of run and
// bench.
type backendFlags struct {
	name      string
	precision string
}

func (b *backendFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&b.name, "backend", "cpu", "backend to run on: auto (Vulkan on a GPU, else the CPU), "+strings.Join(engine.Names(), ", "))
	f.StringVar(&b.precision, "gpu-precision", "", "Vulkan `precision`: fp16 (float16 storage and arithmetic), fp32acc (float16 storage, float32 arithmetic) or fp32; with float16 storage the few ops next to small outputs run in float32 (the precision plan); default: what 'fp16tool devices' recommends for the device")
}

// choose returns the backend the flags name. "auto" is the Vulkan backend
// when the best Vulkan device is a GPU, else the CPU backend: lavapipe
// (a CPU driver) runs slower than the CPU backend, so auto picks it only
// when told (--backend=vulkan). auto says on stderr when it falls back.
// An explicitly named backend that cannot run here is a one-line error.
func (b *backendFlags) choose(stderr io.Writer) (engine.Backend, error) {
	if b.precision != "" {
		if _, err := gpu.ParsePrecision(b.precision); err != nil {
			return nil, fmt.Errorf("--gpu-precision: %w", err)
		}
	}
	if b.name == "auto" {
		if err := gpu.Available(); err != nil {
			fmt.Fprintf(stderr, "fp16tool: --backend=auto: %v; running on the CPU backend\n", err)
			return engine.Get("cpu")
		}
		info, err := gpu.SharedDevice()
		if err != nil {
			fmt.Fprintf(stderr, "fp16tool: --backend=auto: %v; running on the CPU backend\n", err)
			return engine.Get("cpu")
		}
		if info.Type == "cpu" {
			fmt.Fprintf(stderr, "fp16tool: --backend=auto: the only Vulkan device is a CPU driver (%s); running on the CPU backend (--backend=vulkan to use it)\n", info.Name)
			return engine.Get("cpu")
		}
		return engine.Get("vulkan")
	}
	be, err := engine.Get(b.name)
	if err != nil {
		return nil, fmt.Errorf("--backend: %w", err)
	}
	if a, ok := be.(engine.Availability); ok {
		if err := a.Available(); err != nil {
			return nil, fmt.Errorf("--backend=%s: %w", b.name, err)
		}
	}
	return be, nil
}
