package main

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/gpu"
	"github.com/fp16tool/fp16tool/internal/tensorio"
	"github.com/fp16tool/fp16tool/internal/testenv"
)

func TestBackendFlagErrors(t *testing.T) {
	f := withModel(t, tinyModel())
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--backend=nosuch", f}, `--backend: unknown backend "nosuch"`},
		{[]string{"run", "--backend=cpu", "--gpu-precision=fp8", "-o", t.TempDir(), f}, `--gpu-precision: unknown GPU precision "fp8"`},
	} {
		code, out, errs := run(t, tc.args...)
		wantOneLineError(t, code, out, errs, tc.want)
	}
	if gpu.Available() != nil {
		code, out, errs := run(t, "bench", "--backend=vulkan", f)
		wantOneLineError(t, code, out, errs, "--backend=vulkan: no Vulkan")
	}
}

// TestBackendAuto checks auto picks the Vulkan backend only on a GPU, and
// says so on stderr when it falls back to the CPU.
func TestBackendAuto(t *testing.T) {
	var stderr bytes.Buffer
	b, err := (&backendFlags{name: "auto"}).choose(&stderr)
	if err != nil {
		t.Fatal(err)
	}
	info, derr := gpu.SharedDevice()
	want := "vulkan"
	if derr != nil || info.Type == "cpu" {
		want = "cpu"
		if !strings.Contains(stderr.String(), "running on the CPU backend") {
			t.Errorf("auto fell back to the CPU silently (stderr %q)", stderr.String())
		}
	}
	if b.Name() != want {
		t.Errorf("auto chose %s, want %s (device %+v, %v)", b.Name(), want, info.Name, derr)
	}
}

// TestRunVulkanMatchesCPU runs the tiny model on both backends through the
// CLI and compares the outputs, and benches it with --profile on Vulkan.
func TestRunVulkanMatchesCPU(t *testing.T) {
	if err := gpu.Available(); err != nil {
		testenv.Missing(t, "a Vulkan device ("+err.Error()+")", gpu.InstallHint)
	}
	m := tinyModel()
	w := engine.Float32s(m.Main().Tensors[1].Data)
	for i := range w {
		w[i] = float32(i%5) - 1.75
	}
	f := withModel(t, m)
	outs := map[string][]float32{}
	for _, be := range []string{"cpu", "vulkan"} {
		dir := t.TempDir()
		code, out, errs := run(t, "run", "--backend="+be, "--gpu-precision=fp32", "-o", dir, f)
		if code != 0 {
			t.Fatalf("run --backend=%s: status %d, %s", be, code, errs)
		}
		if !strings.Contains(out, "output_0.npy") {
			t.Errorf("run --backend=%s printed %q", be, out)
		}
		got, err := tensorio.ReadNpy(filepath.Join(dir, "output_0.npy"))
		if err != nil {
			t.Fatal(err)
		}
		outs[be] = append([]float32(nil), engine.Float32s(got.Data)...)
	}
	for i, v := range outs["cpu"] {
		if d := math.Abs(float64(outs["vulkan"][i] - v)); d > 1e-5*max(1, math.Abs(float64(v))) || v == 0 {
			t.Errorf("output[%d]: vulkan %v, cpu %v (want equal within 1e-5, non-zero)", i, outs["vulkan"][i], v)
		}
	}
	code, out, errs := run(t, "bench", "--backend=vulkan", "--profile", "--runs=3", f)
	if code != 0 || !strings.Contains(out, "Vulkan") || !strings.Contains(out, "FULLY_CONNECTED") || !strings.Contains(out, "CAST_IN") {
		t.Errorf("bench --backend=vulkan --profile: status %d, stderr %q, output:\n%s", code, errs, out)
	}
}
