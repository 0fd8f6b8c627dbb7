package tflite

import (
	"bytes"
	"path/filepath"
	"reflect"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/testenv"
	"github.com/fp16tool/fp16tool/tflite/internal/schema"
)

// packModelT writes a model with flatc's generated object API, a writer
// independent of Save.
func packModelT(mt *schema.ModelT) []byte {
	b := flatbuffers.NewBuilder(1 << 20)
	b.FinishWithFileIdentifier(mt.Pack(b), []byte("TFL3"))
	return b.FinishedBytes()
}

// TestObjectAPIWriterAgrees re-writes each fixture and the test model with
// the generated object API (UnPack then Pack) and checks Load reads the
// same model from it as from the original.
func TestObjectAPIWriterAgrees(t *testing.T) {
	valid, err := Save(testModel())
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"testmodel": valid}
	for _, p := range testenv.Models(t) {
		_, data := loadFixture(t, p)
		files[filepath.Base(p)] = data
	}
	for name, data := range files {
		t.Run(name, func(t *testing.T) {
			want, err := Load(name, data)
			if err != nil {
				t.Fatal(err)
			}
			other := packModelT(schema.GetRootAsModel(data, 0).UnPack())
			got, err := Load(name+".objectapi", other)
			if err != nil {
				t.Fatal(err)
			}
			// flatc's object API has no deprecated fields: it drops
			// ResizeBilinearOptions' new_height/new_width.
			for _, sg := range want.Subgraphs {
				for _, op := range sg.Ops {
					if r, ok := op.Options.(*graph.ResizeBilinearOptions); ok {
						r.NewHeight, r.NewWidth = 0, 0
					}
				}
			}
			if !reflect.DeepEqual(want, got) {
				t.Fatalf("object-API rewrite loads differently: %s", firstDiff(want, got))
			}
		})
	}
}

// TestLargeCustomOptions writes a custom op whose options are stored after
// the flatbuffer (large_custom_options_offset/size) and checks Load reads
// them byte for byte, and refuses them past the end of the file.
func TestLargeCustomOptions(t *testing.T) {
	m := testModel()
	valid, err := Save(m)
	if err != nil {
		t.Fatal(err)
	}
	mt := schema.GetRootAsModel(valid, 0).UnPack()
	ops := mt.Subgraphs[0].Operators
	custom := ops[len(ops)-1]
	opts := custom.CustomOptions
	custom.CustomOptions = nil
	custom.LargeCustomOptionsOffset = 1 << 40 // placeholder, fixed width
	custom.LargeCustomOptionsSize = uint64(len(opts))
	fb := packModelT(mt)
	off := align16(uint64(len(fb)))
	custom.LargeCustomOptionsOffset = off
	fb = packModelT(mt)
	if uint64(len(fb)) > off {
		t.Fatalf("flatbuffer grew between passes")
	}
	file := make([]byte, off+uint64(len(opts)))
	copy(file, fb)
	copy(file[off:], opts)
	m2, err := Load("large_custom", file)
	if err != nil {
		t.Fatal(err)
	}
	got := m2.Main().Ops[len(ops)-1].CustomOptions
	if !bytes.Equal(got, opts) {
		t.Errorf("custom options %v, want %v", got, opts)
	}
	if _, err := Load("large_custom_truncated", file[:len(file)-1]); err == nil {
		t.Errorf("Load accepted custom options past the end of the file")
	}
}
