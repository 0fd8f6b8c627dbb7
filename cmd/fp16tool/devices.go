package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fp16tool/fp16tool/gpu"
)

func init() { register(newDevicesCmd) }

// listDevices probes the Vulkan devices (a variable so that tests can
// replace it).
var listDevices = gpu.Devices

// precisionWhy says what each precision means, for the devices report.
var precisionWhy = map[gpu.Precision]string{
	gpu.FP16:    "float16 storage and arithmetic (shaderFloat16 and 16-bit storage)",
	gpu.FP32Acc: "float16 storage, float32 arithmetic (16-bit storage without shaderFloat16)",
	gpu.FP32:    "float32 storage and arithmetic (no 16-bit storage)",
}

// deviceReport is one device in `devices --json`.
type deviceReport struct {
	gpu.DeviceInfo
	RecommendedPrecision string `json:"recommended_precision"`
	UnifiedMemory        bool   `json:"unified_memory"`
	// GemmTuning is filled by --tune: per precision, the fastest GEMM tile
	// and its speed.
	GemmTuning []gemmTuning `json:"gemm_tuning,omitempty"`
}

type gemmTuning struct {
	Precision string  `json:"precision"`
	Size      int     `json:"size"`
	TileM     int     `json:"tile_m"`
	TileN     int     `json:"tile_n"`
	GFLOPS    float64 `json:"gflops"`
}

// tuneDevice runs gpu.TuneTile on device index in every precision it
// supports.
var tuneDevice = func(index, size int) ([]gemmTuning, error) {
	d, err := gpu.Open(gpu.Options{Index: index})
	if err != nil {
		return nil, err
	}
	defer d.Close()
	var out []gemmTuning
	for _, p := range gpu.Precisions {
		if !d.Info().Supports(p) {
			continue
		}
		best, all, err := gpu.TuneTile(d, p, size, 5, nil)
		if err != nil {
			return out, err
		}
		g := gemmTuning{Precision: p.String(), Size: size, TileM: best.M, TileN: best.N}
		for _, t := range all {
			g.GFLOPS = max(g.GFLOPS, t.GFLOPS)
		}
		out = append(out, g)
	}
	return out, nil
}

func newDevicesCmd() *cobra.Command {
	var (
		asJSON bool
		tune   int
	)
	cmd := &cobra.Command{
		Use:   "devices",
		Short: "List the Vulkan devices, their float16/int8 support and the recommended GPU precision",
		Long: `devices lists each Vulkan device: name, type, driver, API version,
shaderFloat16, 16-bit storage, int8 and integer dot product support,
subgroup size, memory heaps and compute limits, and the precision the
converter recommends for it: fp16 (float16 storage and arithmetic) with
shaderFloat16 and 16-bit storage, fp32acc (float16 storage, float32
arithmetic) with 16-bit storage only, fp32 otherwise.

Without a Vulkan loader or device it says why and exits with status 0; the
GPU backend is then unavailable and --backend=auto uses the CPU. CPU Vulkan
drivers (lavapipe: apt-get install mesa-vulkan-drivers) are listed too.

With --tune N each device also times an NxNxN GEMM in every precision it
supports with several register tiles (best of 5 runs, GPU timestamps) and
reports the fastest tile and its GFLOP/s.`,
		Example: `  fp16tool devices
  fp16tool devices --tune 512
  fp16tool devices --json | jq '.devices[] | {name, recommended_precision}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			infos, err := listDevices()
			if err != nil && !errors.Is(err, gpu.ErrNoVulkan) {
				return err
			}
			var reps []deviceReport
			if tune != 0 && (tune < 4 || tune%4 != 0) {
				return fmt.Errorf("--tune %d: the GEMM size must be a positive multiple of 4", tune)
			}
			for _, d := range infos {
				r := deviceReport{DeviceInfo: d,
					RecommendedPrecision: d.RecommendedPrecision().String(), UnifiedMemory: d.UnifiedMemory()}
				if tune > 0 {
					debugf(cmd, 1, "tuning the GEMM tile on device %d (%s)", d.Index, d.Name)
					g, err := tuneDevice(d.Index, tune)
					if err != nil {
						return fmt.Errorf("tuning device %d (%s): %w", d.Index, d.Name, err)
					}
					r.GemmTuning = g
				}
				reps = append(reps, r)
			}
			out := cmd.OutOrStdout()
			if asJSON {
				v := struct {
					Devices []deviceReport `json:"devices"`
					Error   string         `json:"error,omitempty"`
				}{Devices: reps}
				if v.Devices == nil {
					v.Devices = []deviceReport{}
				}
				if err != nil {
					v.Error = err.Error()
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				return enc.Encode(v)
			}
			if err != nil {
				_, werr := fmt.Fprintf(out, "No Vulkan device: %v\n", strings.TrimPrefix(err.Error(), gpu.ErrNoVulkan.Error()+": "))
				return werr
			}
			for i, r := range reps {
				if i > 0 {
					fmt.Fprintln(out)
				}
				if err := writeDevice(out, r); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().IntVar(&tune, "tune", 0, "also time an `N`xNxN GEMM per precision and register tile and report the fastest")
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func byteSize(n uint64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

func writeDevice(w io.Writer, r deviceReport) error {
	d := r.DeviceInfo
	l := d.Limits
	driver := d.Driver
	if d.DriverInfo != "" {
		driver += " (" + d.DriverInfo + ")"
	}
	subgroup := fmt.Sprint(d.SubgroupSize)
	if d.MinSubgroupSize != 0 {
		subgroup += fmt.Sprintf(" (min %d, max %d)", d.MinSubgroupSize, d.MaxSubgroupSize)
	}
	subgroup += ", arithmetic " + yesNo(d.SubgroupArithmetic)
	var heaps []string
	for i, h := range d.Heaps {
		s := fmt.Sprintf("%d: %s", i, byteSize(h.Size))
		if h.DeviceLocal {
			s += " device-local"
		}
		if h.HostVisible {
			s += " host-visible"
		}
		heaps = append(heaps, s)
	}
	ts := "no timestamps"
	if l.TimestampPeriod > 0 {
		ts = fmt.Sprintf("timestamp period %g ns", l.TimestampPeriod)
	}
	rows := [][2]string{
		{"type", d.Type},
		{"vendor, device", fmt.Sprintf("0x%04x, 0x%04x", d.VendorID, d.DeviceID)},
		{"API version", d.APIVersion},
		{"driver", driver},
		{"shaderFloat16", yesNo(d.ShaderFloat16)},
		{"16-bit storage", yesNo(d.StorageBuffer16BitAccess)},
		{"int8", fmt.Sprintf("%s (8-bit storage %s, int16 %s)", yesNo(d.ShaderInt8), yesNo(d.StorageBuffer8BitAccess), yesNo(d.ShaderInt16))},
		{"integer dot product", fmt.Sprintf("%s (4x8-bit accelerated %s)", yesNo(d.IntegerDotProduct), yesNo(d.IntegerDotProduct4x8Accel))},
		{"subgroup size", subgroup},
		{"memory heaps", strings.Join(heaps, "; ")},
		{"work groups", fmt.Sprintf("count %dx%dx%d, size %dx%dx%d, %d invocations",
			l.MaxComputeWorkGroupCount[0], l.MaxComputeWorkGroupCount[1], l.MaxComputeWorkGroupCount[2],
			l.MaxComputeWorkGroupSize[0], l.MaxComputeWorkGroupSize[1], l.MaxComputeWorkGroupSize[2],
			l.MaxComputeWorkGroupInvocations)},
		{"limits", fmt.Sprintf("shared memory %s, storage buffer range %s, push constants %d B, %s",
			byteSize(uint64(l.MaxComputeSharedMemorySize)), byteSize(uint64(l.MaxStorageBufferRange)),
			l.MaxPushConstantsSize, ts)},
		{"recommended", r.RecommendedPrecision + ": " + precisionWhy[d.RecommendedPrecision()]},
	}
	for _, g := range r.GemmTuning {
		rows = append(rows, [2]string{"gemm " + g.Precision, fmt.Sprintf("%.1f GFLOP/s at %d³, tile %dx%d", g.GFLOPS, g.Size, g.TileM, g.TileN)})
	}
	if _, err := fmt.Fprintf(w, "Vulkan device %d: %s\n", d.Index, d.Name); err != nil {
		return err
	}
	for _, row := range rows {
		if _, err := fmt.Fprintf(w, "  %-20s %s\n", row[0], row[1]); err != nil {
			return err
		}
	}
	return nil
}
