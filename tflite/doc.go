// Package tflite reads and writes TensorFlow Lite model files (.tflite:
// flatbuffers with file identifier "TFL3", schema version 3, described by
// schema.fbs in this folder), mapping them onto package graph's in-memory
// model. Nothing else in fp16tool reads flatbuffers.
//
// # Reading
//
// Load verifies a file completely before reading it, since the flatbuffers
// Go runtime has no verifier and panics on bad offsets: every offset,
// vtable, table, vector and string must lie in the file and be aligned,
// union types must be known, nesting and the total work are bounded by the
// file's size, indices (tensors, buffers, operator codes, subgraphs) must
// be in range, constant data sizes must match shapes and types (sparse
// tensors are checked against their own metadata), and every subgraph must
// be acyclic. A bad file gives a one-line error wrapping ErrMalformed that
// names the place, never a panic. Constant data is not copied: see Load.
//
// An op's code is max(deprecated_builtin_code, builtin_code). Buffers and
// custom options stored after the flatbuffer (offset/size, the layout of
// models over 2 GB) are read with bounds checks.
//
// # Options and format-level data
//
// The builtin options that converters and backends read are mapped to the
// typed structs of graph/options.go, always as pointers (e.g.
// *graph.Conv2DOptions), with the schema's defaults applied to absent
// fields (dilation 1, pot_scale_int16 true): Conv2D, DepthwiseConv2D,
// TransposeConv, Pool2D, FullyConnected, Add, Sub, Mul, Div, Concatenation,
// Reshape, Softmax, Reducer, Squeeze, Split, ResizeBilinear (with its
// deprecated new_height/new_width), ResizeNearestNeighbor, LeakyRelu,
// DepthToSpace, SpaceToDepth, StridedSlice and Gather. Save also takes
// these structs by value. All other options stay the flatbuffers
// object-API values of internal/schema (e.g. *schema.PadOptionsT), opaque
// outside this package; so do Op.Options2, custom quantization
// (Quantization.Details), and variant sub-types (Tensor.Extra, a
// []*schema.VariantSubTypeT). Subgraph.Extra and Op.Extra hold a
// *DebugInfo when the file sets a debug_metadata_index.
//
// # Writing
//
// Save writes a graph.Model deterministically (the same model gives the
// same bytes) after checking it; constant data is 16-byte aligned, buffer
// 0 is the empty sentinel, each distinct Data slice gets one buffer, and
// the operator code table is rebuilt in order of first use with both code
// fields set. Load(Save(m)) is deep-equal to m for any m that Load
// returned, and Save(Load(Save(m))) equals Save(m) byte for byte. Models
// whose file would exceed 2 GB are written with the data after the
// flatbuffer.
//
// To re-save a file: m, err := tflite.LoadFile(path); out, err :=
// tflite.Save(m).
package tflite
