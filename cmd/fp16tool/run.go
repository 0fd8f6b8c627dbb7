package main

import (
	"fmt"
	"image"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fp16tool/fp16tool/engine"
	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/tensorio"
)

func init() { register(newRunCmd) }

func newRunCmd() *cobra.Command {
	var o struct {
		inputs    []string
		mean, std float32
		resize    bool
		out       string
		backend   backendFlags
		threads   int
		reference bool
	}
	cmd := &cobra.Command{
		Use:   "run MODEL -o OUTDIR",
		Short: "Run a model once and write its outputs as .npy files",
		Long: `run compiles MODEL on a backend, runs it once and writes output i as
OUTDIR/output_<i>.npy (the oracle's naming), printing each output's name,
shape and file.

Each --input fills the next model input, in order: a .npy file (its type and
shape must be the input's), or a PNG or JPEG photo for an NHWC [1,H,W,3]
FLOAT32 input, each channel value p in [0, 255] becoming (p - mean) / std.
A photo must have the input's size unless --resize is given (bilinear, aspect
ratio not kept). Inputs without --input get deterministic values (floats
uniform in [-1, 1], as bench uses).`,
		Example: `  fp16tool run face_detection_short_range.tflite --input face.png --resize -o out/
  fp16tool run model.tflite --input x.npy -o out/
  fp16tool run model.tflite -o out/            # deterministic inputs`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if o.out == "" {
				return fmt.Errorf("-o OUTDIR is required")
			}
			b, err := o.backend.choose(cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			m, err := loadModel(args[0])
			if err != nil {
				if !strings.Contains(err.Error(), args[0]) {
					err = fmt.Errorf("%s: %w", args[0], err)
				}
				return err
			}
			p, err := b.Compile(m, engine.Options{Threads: o.threads, Reference: o.reference, Name: args[0], Precision: o.backend.precision})
			if err != nil {
				return err
			}
			defer p.Close()
			ins := p.Inputs()
			if len(o.inputs) > len(ins) {
				return fmt.Errorf("%d --input given, %s has %d inputs", len(o.inputs), args[0], len(ins))
			}
			fillDeterministic(p)
			for i, path := range o.inputs {
				t, err := readInput(path, ins[i], tensorio.ImageOptions{Mean: o.mean, Std: o.std}, o.resize)
				if err != nil {
					return err
				}
				copy(p.Input(i), t.Data)
				debugf(cmd, 1, "input %d %q %v%v <- %s", i, ins[i].Name, ins[i].Type, ins[i].Shape, path)
			}
			if err := p.Run(); err != nil {
				return err
			}
			if err := os.MkdirAll(o.out, 0o755); err != nil {
				return err
			}
			for i, info := range p.Outputs() {
				file := filepath.Join(o.out, fmt.Sprintf("output_%d.npy", i))
				t := tensorio.Tensor{Name: info.Name, Type: info.Type, Shape: info.Shape, Data: append([]byte(nil), p.Output(i)...)}
				if err := tensorio.WriteNpy(file, t); err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s\t%s%v\t%s\n", info.Name, info.Type, info.Shape, file)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&o.inputs, "input", nil, "input .npy file or PNG/JPEG photo (repeat for several inputs, in order)")
	f.Float32Var(&o.mean, "mean", 127.5, "photo normalization: (p - mean) / std")
	f.Float32Var(&o.std, "std", 127.5, "photo normalization: (p - mean) / std")
	f.BoolVar(&o.resize, "resize", false, "resize photos to the input's height and width")
	f.StringVarP(&o.out, "out", "o", "", "output folder (created if needed)")
	o.backend.register(cmd)
	f.IntVar(&o.threads, "threads", 0, "threads (0: all cores)")
	f.BoolVar(&o.reference, "reference", false, "use the reference kernels where the backend has both")
	_ = cmd.MarkFlagFilename("input", "npy", "png", "jpg", "jpeg")
	_ = cmd.MarkFlagDirname("out")
	return cmd
}

// readInput reads a .npy file or a photo for the model input info.
func readInput(path string, info engine.TensorInfo, opt tensorio.ImageOptions, resize bool) (tensorio.Tensor, error) {
	want := fmt.Sprintf("%s%v", info.Type, info.Shape)
	if strings.EqualFold(filepath.Ext(path), ".npy") {
		t, err := tensorio.ReadNpy(path)
		if err != nil {
			return t, err
		}
		if t.Type != info.Type || !slicesEqual(t.Shape, info.Shape) {
			return t, fmt.Errorf("%s holds %s%v; input %q wants %s", path, t.Type, t.Shape, info.Name, want)
		}
		return t, nil
	}
	if info.Type != graph.Float32 || len(info.Shape) != 4 || info.Shape[0] != 1 || info.Shape[3] != 3 {
		return tensorio.Tensor{}, fmt.Errorf("%s: a photo fills a FLOAT32 [1 H W 3] input; input %q is %s", path, info.Name, want)
	}
	if !resize {
		f, err := os.Open(path)
		if err != nil {
			return tensorio.Tensor{}, err
		}
		cfg, _, err := image.DecodeConfig(f)
		f.Close()
		if err != nil {
			return tensorio.Tensor{}, fmt.Errorf("%s: cannot decode image: %v", path, err)
		}
		if cfg.Height != info.Shape[1] || cfg.Width != info.Shape[2] {
			return tensorio.Tensor{}, fmt.Errorf("%s is %dx%d; input %q wants %dx%d (%s): pass --resize", path, cfg.Width, cfg.Height, info.Name, info.Shape[2], info.Shape[1], want)
		}
	}
	return tensorio.LoadImage(path, info.Shape, opt)
}

func slicesEqual(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
