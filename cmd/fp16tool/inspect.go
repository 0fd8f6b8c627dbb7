package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/fp16tool/fp16tool/internal/inspect"
	"github.com/fp16tool/fp16tool/tflite"
)

func init() { register(newInspectCmd) }

// loadModel reads a .tflite file (a variable so that tests can replace it).
var loadModel = tflite.LoadFile

func newInspectCmd() *cobra.Command {
	var asJSON, byCategory bool
	cmd := &cobra.Command{
		Use:   "inspect MODEL",
		Short: "Summarize a .tflite model: I/O, ops, types, constant bytes, MACs, metadata",
		Long: `inspect prints a model's inputs and outputs (name, shape, type, quantization),
the op histogram, the tensor type histogram, the bytes of constant data by
type, the multiply-accumulates (MACs) per op, per op type and in total, custom
ops, sparse tensors, signatures and metadata.

MACs count the multiply-accumulates of convolutions, transpose convolutions,
fully connected layers and batch matmuls for one inference; elementwise ops,
pools and data movement count 0.

With --bytes it also tells where the file's bytes go: constant data,
metadata, buffer/tensor/op tables, shapes, tensor names, quantization
tables, scale, zero_point and min/max vectors, sparsity, signatures,
alignment padding (a vector shared by several tensors counts once).

With --json the same report is printed as JSON with fixed field order, stable
from run to run.`,
		Example: `  fp16tool inspect face_detection_short_range.tflite
  fp16tool inspect model.tflite --json | jq .macs
  fp16tool inspect model_int8.tflite --bytes`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			st, err := os.Stat(path)
			if err != nil {
				return err
			}
			if st.IsDir() {
				return fmt.Errorf("%s is a directory, not a .tflite file", path)
			}
			m, err := loadModel(path)
			if err != nil {
				if !strings.Contains(err.Error(), path) {
					err = fmt.Errorf("%s: %w", path, err)
				}
				return err
			}
			r := inspect.Inspect(m, st.Size())
			debugf(cmd, 1, "%s: %d subgraphs, %d ops, %d tensors", path, r.SubgraphCount, r.OpCount, r.TensorCount)
			r.File = path
			if byCategory {
				data, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				counts, err := tflite.FileBytes(path, data)
				if err != nil {
					return err
				}
				for _, c := range counts {
					r.FileBytes = append(r.FileBytes, inspect.ByteStat{Category: c.Category, Bytes: c.Bytes})
				}
			}
			if asJSON {
				return r.WriteJSON(cmd.OutOrStdout())
			}
			return r.WriteText(cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().BoolVar(&byCategory, "bytes", false, "also report the file's bytes by category (constant data, tables, names, quantization vectors, padding)")
	return cmd
}
