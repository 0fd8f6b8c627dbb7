package tflite

// Regenerate the flatbuffers Go code (object API included) into
// internal/schema, then graph's op codes and this package's verifier tables
// from schema.fbs. Needs flatc (Debian: flatbuffers-compiler, 2.0.8).
//go:generate rm -rf internal/schema
//go:generate flatc --go --gen-object-api --go-namespace schema -o internal schema.fbs
//go:generate gofmt -w internal/schema
//go:generate go run ./internal/gen -schema schema.fbs -opcodes ../graph/opcodes_gen.go -tables schema_gen.go
