package main

import (
	"bytes"
	"go/format"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/fp16tool/fp16tool/internal/testenv"
)

// TestGeneratedUpToDate checks that the committed graph/opcodes_gen.go and
// tflite/schema_gen.go are exactly what the generator makes of schema.fbs.
func TestGeneratedUpToDate(t *testing.T) {
	src, err := os.ReadFile("../../schema.fbs")
	if err != nil {
		t.Fatal(err)
	}
	s, err := parse(string(src))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		path string
		gen  func(*schemaFile) ([]byte, error)
	}{
		{"../../../graph/opcodes_gen.go", opcodes},
		{"../../schema_gen.go", tables},
	} {
		want, err := os.ReadFile(c.path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.gen(s)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is not what the generator makes of schema.fbs; run go generate ./tflite", c.path)
		}
	}
}

func TestGoOpName(t *testing.T) {
	for in, want := range map[string]string{
		"CONV_2D":                          "Conv2D",
		"RELU_N1_TO_1":                     "ReluN1To1",
		"RFFT2D":                           "Rfft2D",
		"PLACEHOLDER_FOR_GREATER_OP_CODES": "PlaceholderForGreaterOpCodes",
		"STABLEHLO_RNG_BIT_GENERATOR":      "StablehloRngBitGenerator",
		"RELU_0_TO_1":                      "Relu0To1",
	} {
		if got := goOpName(in); got != want {
			t.Errorf("goOpName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSchemaCounts(t *testing.T) {
	src, err := os.ReadFile("../../schema.fbs")
	if err != nil {
		t.Fatal(err)
	}
	s, err := parse(string(src))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.enums["BuiltinOperator"].vals); n != 208 {
		t.Errorf("BuiltinOperator has %d values, want 208 (ADD..COMPLEX)", n)
	}
	if n := len(s.unions["BuiltinOptions"].members); n != 126 {
		t.Errorf("BuiltinOptions has %d members, want 126", n)
	}
	if n := len(s.unions["BuiltinOptions2"].members); n != 21 {
		t.Errorf("BuiltinOptions2 has %d members, want 21", n)
	}
	if s.root != "Model" {
		t.Errorf("root_type %q", s.root)
	}
}

// TestFlatcOutputUpToDate runs flatc on schema.fbs as go generate does and
// checks the committed tflite/internal/schema is its (gofmt'ed) output.
func TestFlatcOutputUpToDate(t *testing.T) {
	flatc, err := exec.LookPath("flatc")
	if err != nil {
		testenv.Missing(t, "flatc", "apt-get install flatbuffers-compiler")
	}
	dir := t.TempDir()
	cmd := exec.Command(flatc, "--go", "--gen-object-api", "--go-namespace", "schema", "-o", dir, "../../schema.fbs")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("flatc: %v\n%s", err, out)
	}
	gen, err := filepath.Glob(filepath.Join(dir, "schema", "*.go"))
	if err != nil || len(gen) == 0 {
		t.Fatalf("flatc wrote no Go files (%v)", err)
	}
	committed, _ := filepath.Glob("../schema/*.go")
	if len(committed) != len(gen) {
		t.Errorf("flatc writes %d files, %d are committed", len(gen), len(committed))
	}
	for _, g := range gen {
		src, err := os.ReadFile(g)
		if err != nil {
			t.Fatal(err)
		}
		want, err := format.Source(src)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join("../schema", filepath.Base(g)))
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(g), err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("internal/schema/%s differs from flatc's output; run go generate ./tflite", filepath.Base(g))
		}
	}
}
