// Package tflite reads and writes TensorFlow Lite model files (.tflite,
// flatbuffers with file identifier "TFL3"), mapping them onto package
// graph's in-memory model.
//
// Load verifies a file completely before reading it: every offset, vtable,
// vector and string is checked to lie in the file, union types must be
// known, indices (tensors, buffers, op codes, subgraphs) must be in range,
// constant data sizes must match shapes and types, and the graph must be
// acyclic. A bad file gives an error wrapping ErrMalformed that names the
// place, never a panic.
//
// Save writes a graph.Model deterministically: the same model gives the
// same bytes, constant data is 16-byte aligned, and Load(Save(m)) is
// deep-equal to m for any m that Load returned.
//
// Builtin options of the ops that converters and backends read are mapped
// to the typed structs of graph/options.go (as pointers, e.g.
// *graph.Conv2DOptions); all other options stay the flatbuffers object-API
// values of internal/schema (e.g. *schema.PadOptionsT), which only this
// package interprets, so that a round trip is lossless.
package tflite
