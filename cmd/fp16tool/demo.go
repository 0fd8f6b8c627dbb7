package main

import (
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/fp16tool/fp16tool/convert"
	"github.com/fp16tool/fp16tool/internal/demomodel"
	"github.com/fp16tool/fp16tool/tflite"
)

func init() { register(newDemoCmd) }

// demoRow is one line of the demo's conversion table.
type demoRow struct {
	Target    convert.Target
	Precision convert.Precision
	Size      int64
	Ratio     float64
	Time      time.Duration
	MaxRel    float64
	Err       error
}

func newDemoCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "demo",
		Short: "Convert the embedded demo CNN for every target and show the results",
		Long: `demo runs the main job on a small CNN that fp16tool builds itself (seeded
weights, written with its own writer and embedded in the binary): it converts
the model for each target and prints the precision chosen, the size, the
conversion time and the largest relative rounding error of the weights.`,
		Example: "  fp16tool demo",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			data := demomodel.File()
			m, err := tflite.Load(demomodel.FileName, data)
			if err != nil {
				return err
			}
			sg := m.Main()
			w := cmd.OutOrStdout()
			fmt.Fprintf(w, "Demo model: %s, %s, input %v, %d ops, %d tensors\n\n",
				m.Description, humanBytes(int64(len(data))), sg.Tensors[sg.Inputs[0]].Shape, len(sg.Ops), len(sg.Tensors))
			var rows []demoRow
			for _, t := range convert.Targets {
				opt := convert.Options{Target: t}
				if t == convert.TargetAuto {
					opt.Devices = probeDevices(cmd)
				}
				rows = append(rows, demoConvert(data, opt))
			}
			// The reverse pass, for completeness: expand the gpu result.
			if gpuOut, _, err := convert.ConvertBytes("demo", data, convert.Options{Target: convert.TargetGPU}); err == nil {
				r := demoConvert(gpuOut, convert.Options{Precision: convert.FP32})
				r.Target = "gpu->fp32"
				rows = append(rows, r)
			}
			tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "target\tprecision\tsize\tratio\tconvert\tmax weight rel. error\tstatus")
			for _, r := range rows {
				if r.Err != nil {
					status := "error: " + oneLine(r.Err.Error())
					if errors.Is(r.Err, convert.ErrNotSupported) {
						status = "int8: not supported yet"
					}
					fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t-\t%s\n", r.Target, r.Precision, status)
					continue
				}
				rel := "-"
				if r.Precision == convert.FP16 {
					rel = fmt.Sprintf("%.2e", r.MaxRel)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%.3f\t%.2f ms\t%s\tok\n", r.Target, r.Precision, humanBytes(r.Size), r.Ratio, float64(r.Time.Microseconds())/1000, rel)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			// TODO(lead): run each converted model on every backend present
			// (package engine: cpu, and gpu when a Vulkan device is there)
			// and print run times and the max abs error against the float32
			// original, once the engine and its CPU backend have landed.
			fmt.Fprintln(w, "\nRunning the results on the CPU and GPU backends comes with the engine.")
			return nil
		},
	}
}

// demoConvert converts data as opt asks and times it.
func demoConvert(data []byte, opt convert.Options) demoRow {
	p, _, err := convert.Choose(opt)
	row := demoRow{Target: opt.Target, Precision: p, Err: err}
	if err != nil {
		return row
	}
	start := time.Now()
	_, r, err := convert.ConvertBytes("demo", data, opt)
	row.Time = time.Since(start)
	if err != nil {
		row.Err = err
		return row
	}
	row.Size, row.Ratio = r.SizeAfter, r.Ratio
	for _, t := range r.Tensors {
		if t.Stats != nil && t.Stats.MaxRelError > row.MaxRel {
			row.MaxRel = t.Stats.MaxRelError
		}
	}
	return row
}
