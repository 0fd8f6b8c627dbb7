package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/gpu"
)

func fakeDevices(t *testing.T, infos []gpu.DeviceInfo, err error) {
	t.Helper()
	old := listDevices
	listDevices = func() ([]gpu.DeviceInfo, error) { return infos, err }
	t.Cleanup(func() { listDevices = old })
}

func TestDevicesReport(t *testing.T) {
	heaps := []gpu.Heap{{Size: 8 << 30, DeviceLocal: true}, {Size: 16 << 30, HostVisible: true}}
	fakeDevices(t, []gpu.DeviceInfo{
		{Index: 0, Name: "Big GPU", Type: "discrete", APIVersion: "1.3.280", Driver: "vendor", ShaderFloat16: true,
			StorageBuffer16BitAccess: true, ShaderInt8: true, IntegerDotProduct: true, SubgroupSize: 32, Heaps: heaps},
		{Index: 1, Name: "Old GPU", Type: "integrated", APIVersion: "1.1.0", StorageBuffer16BitAccess: true, SubgroupSize: 16},
		{Index: 2, Name: "Tiny GPU", Type: "integrated", APIVersion: "1.0.0"},
	}, nil)
	code, out, errs := run(t, "devices")
	if code != 0 || errs != "" {
		t.Fatalf("status %d, stderr %q", code, errs)
	}
	for _, want := range []string{
		"Vulkan device 0: Big GPU", "recommended          fp16: ", "memory heaps         0: 8 GiB device-local; 1: 16 GiB host-visible",
		"Vulkan device 1: Old GPU", "recommended          fp32acc: ", "Vulkan device 2: Tiny GPU", "recommended          fp32: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	code, out, _ = run(t, "devices", "--json")
	var rep struct {
		Devices []struct {
			Name                 string `json:"name"`
			ShaderFloat16        bool   `json:"shader_float16"`
			RecommendedPrecision string `json:"recommended_precision"`
		} `json:"devices"`
	}
	if err := json.Unmarshal([]byte(out), &rep); code != 0 || err != nil {
		t.Fatalf("--json: status %d, %v:\n%s", code, err, out)
	}
	got := fmt.Sprint(rep.Devices)
	if want := "[{Big GPU true fp16} {Old GPU false fp32acc} {Tiny GPU false fp32}]"; got != want {
		t.Errorf("--json devices = %s, want %s", got, want)
	}
}

func TestDevicesNoVulkan(t *testing.T) {
	fakeDevices(t, nil, fmt.Errorf("%w: cannot load the Vulkan loader: libvulkan.so.1: cannot open shared object file", gpu.ErrNoVulkan))
	code, out, errs := run(t, "devices")
	if code != 0 || errs != "" || out != "No Vulkan device: cannot load the Vulkan loader: libvulkan.so.1: cannot open shared object file\n" {
		t.Errorf("status %d, stdout %q, stderr %q", code, out, errs)
	}
	code, out, _ = run(t, "devices", "--json")
	if code != 0 || !strings.Contains(out, `"devices": []`) || !strings.Contains(out, `"error": "no Vulkan: cannot load`) {
		t.Errorf("--json: status %d, stdout %q", code, out)
	}
	// Other errors fail the command.
	fakeDevices(t, nil, errors.New("probe exploded"))
	code, out, errs = run(t, "devices")
	wantOneLineError(t, code, out, errs, "probe exploded")
}

// TestDevicesLive lists the real devices when there are some.
func TestDevicesLive(t *testing.T) {
	if _, err := gpu.Devices(); err != nil {
		t.Skipf("no Vulkan device: %v", err)
	}
	code, out, errs := run(t, "devices")
	if code != 0 || errs != "" || !strings.HasPrefix(out, "Vulkan device 0: ") || !strings.Contains(out, "recommended ") {
		t.Errorf("status %d, stderr %q, stdout:\n%s", code, errs, out)
	}
}

func TestDevicesTune(t *testing.T) {
	fakeDevices(t, []gpu.DeviceInfo{{Index: 0, Name: "Big GPU", Type: "discrete"}}, nil)
	old := tuneDevice
	tuneDevice = func(index, size int) ([]gemmTuning, error) {
		return []gemmTuning{{Precision: "fp16", Size: size, TileM: 8, TileN: 4, GFLOPS: 12.34}}, nil
	}
	t.Cleanup(func() { tuneDevice = old })
	code, out, errs := run(t, "devices", "--tune", "256")
	if code != 0 || !strings.Contains(out, "gemm fp16            12.3 GFLOP/s at 256³, tile 8x4") {
		t.Errorf("status %d, stderr %q, stdout:\n%s", code, errs, out)
	}
	code, out, errs = run(t, "devices", "--tune", "30")
	wantOneLineError(t, code, out, errs, "multiple of 4")
}
