package gpu

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// openTest opens the default device, failing under CI=true and skipping
// locally when there is none.
func openTest(t testing.TB, opts Options) *Device {
	t.Helper()
	d, err := Open(opts)
	if errors.Is(err, ErrNoVulkan) {
		missing(t, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := d.Close(); err != nil {
			t.Error(err)
		}
	})
	return d
}

func TestDevices(t *testing.T) {
	ds, err := Devices()
	if errors.Is(err, ErrNoVulkan) {
		missing(t, err)
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		t.Logf("%d: %s (%s) Vulkan %s, %s; fp16=%v sb16=%v int8=%v dot=%v subgroup=%d heaps=%+v -> %v",
			d.Index, d.Name, d.Type, d.APIVersion, d.Driver, d.ShaderFloat16, d.StorageBuffer16BitAccess,
			d.ShaderInt8, d.IntegerDotProduct, d.SubgroupSize, d.Heaps, d.RecommendedPrecision())
		if d.Name == "" || d.APIVersion == "" || len(d.Heaps) == 0 {
			t.Errorf("device %d: incomplete info %+v", d.Index, d)
		}
		if d.Limits.MaxComputeWorkGroupInvocations < 128 || d.Limits.MaxPushConstantsSize < 128 {
			t.Errorf("device %d: limits below the Vulkan minimums: %+v", d.Index, d.Limits)
		}
	}
}

func TestRecommendedPrecision(t *testing.T) {
	for _, c := range []struct {
		f16, sb16 bool
		want      Precision
	}{{true, true, FP16}, {false, true, FP32Acc}, {true, false, FP32}, {false, false, FP32}} {
		d := DeviceInfo{ShaderFloat16: c.f16, StorageBuffer16BitAccess: c.sb16}
		if got := d.RecommendedPrecision(); got != c.want {
			t.Errorf("shaderFloat16=%v 16-bit storage=%v: got %v, want %v", c.f16, c.sb16, got, c.want)
		}
	}
	for _, p := range Precisions {
		q, err := ParsePrecision(p.String())
		if err != nil || q != p {
			t.Errorf("ParsePrecision(%q) = %v, %v", p, q, err)
		}
	}
	if _, err := ParsePrecision("bf16"); err == nil {
		t.Error("ParsePrecision(bf16) succeeded")
	}
}

func TestBufferRoundTrip(t *testing.T) {
	for _, staging := range []bool{false, true} {
		d := openTest(t, Options{Index: -1, ForceStaging: staging})
		b, err := d.NewBuffer(1001)
		if err != nil {
			t.Fatal(err)
		}
		src := make([]byte, 1001)
		for i := range src {
			src[i] = byte(i*7 + 3)
		}
		if err := b.Write(0, src); err != nil {
			t.Fatal(err)
		}
		if err := b.Write(10, []byte{1, 2, 3}); err != nil {
			t.Fatal(err)
		}
		copy(src[10:], []byte{1, 2, 3})
		got := make([]byte, 1001)
		if err := b.Read(0, got); err != nil {
			t.Fatal(err)
		}
		if string(got) != string(src) {
			t.Errorf("staging=%v: read back differs from what was written", staging)
		}
		if b.Mapped() == staging {
			t.Errorf("staging=%v: Mapped()=%v", staging, b.Mapped())
		}
		if err := b.Write(1000, []byte{1, 2}); err == nil {
			t.Error("write past the end succeeded")
		}
		b.Close()
	}
}

// TestNoLoader runs the test binary again with FP16TOOL_VULKAN_LOADER
// naming a missing library: Open and Devices must return ErrNoVulkan
// with the reason, not panic.
func TestNoLoader(t *testing.T) {
	if os.Getenv("FP16TOOL_TEST_NOLOADER") == "1" {
		_, err := Open(DefaultOptions())
		if !errors.Is(err, ErrNoVulkan) || !strings.Contains(err.Error(), "/nonexistent/libvulkan.so.1") && !strings.Contains(err.Error(), "without cgo") {
			t.Fatalf("Open without a loader: %v", err)
		}
		if _, err := Devices(); !errors.Is(err, ErrNoVulkan) {
			t.Fatalf("Devices without a loader: %v", err)
		}
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoLoader$", "-test.v")
	cmd.Env = append(os.Environ(), "FP16TOOL_TEST_NOLOADER=1", LoaderEnv+"=/nonexistent/libvulkan.so.1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestNoLoader") {
		t.Fatalf("%v\n%s", err, out)
	}
}
