package shaders

import (
	"bytes"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fp16tool/fp16tool/internal/testenv"
	"github.com/fp16tool/fp16tool/shaders/internal/spvgen"
)

// TestCommittedSPIRV regenerates every shader into a temporary folder and
// fails when the committed SPIR-V differs (run go generate ./shaders).
func TestCommittedSPIRV(t *testing.T) {
	glslc, err := exec.LookPath("glslc")
	if err != nil {
		testenv.Missing(t, "glslc", "apt-get install glslc")
	}
	tmp := t.TempDir()
	files, err := spvgen.Generate(glslc, ".", tmp)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile("glslc.version")
	have, _ := spvgen.Version(glslc)
	for _, f := range files {
		name := filepath.Base(f)
		fresh, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		committed, err := os.ReadFile(name)
		if err != nil {
			t.Errorf("%s is not committed: run go generate ./shaders", name)
			continue
		}
		if !bytes.Equal(fresh, committed) {
			t.Errorf("%s differs from what %s compiles (committed with %s): run go generate ./shaders",
				name, have, strings.TrimSpace(string(want)))
		}
	}
	if len(files) != len(Names()) {
		t.Errorf("generated %d shaders, %d are embedded: remove stale .spv files", len(files), len(Names()))
	}
}

func TestEmbedded(t *testing.T) {
	for _, s := range spvgen.Shaders {
		for _, p := range spvgen.Precisions {
			name := Name(s.Op, s.Variant, p.Name)
			if name != spvgen.Name(s, p.Name) {
				t.Errorf("Name(%q, %q, %q) = %q, spvgen names it %q", s.Op, s.Variant, p.Name, name, spvgen.Name(s, p.Name))
			}
			b, err := SPIRV(name)
			if err != nil {
				t.Error(err)
				continue
			}
			if len(b) < 20 || binary.LittleEndian.Uint32(b) != 0x07230203 {
				t.Errorf("%s: not SPIR-V", name)
			}
		}
	}
	if _, err := SPIRV("nope_fp16"); err == nil || !strings.Contains(err.Error(), "gemm_fp16") {
		t.Errorf("SPIRV(nope_fp16) error = %v, want one listing the shaders", err)
	}
}
