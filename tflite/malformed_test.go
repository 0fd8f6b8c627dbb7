package tflite

import (
	"bufio"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/fp16tool/fp16tool/tflite/internal/schema"
)

// The malformed corpus: testdata/malformed/*.tflite, each with the
// substring its error must contain in testdata/malformed/golden.txt.
// Regenerate both (and review the golden diff) with
//
//	go test ./tflite -run TestMalformedCorpus -update
var update = flag.Bool("update", false, "rewrite testdata/malformed from the generator")

const malformedDir = "testdata/malformed"

type corpusCase struct {
	name string
	data []byte
}

// mutate returns a copy of the valid file with f applied to its model
// through the generated Mutate accessors (in-place scalar writes).
func mutate(valid []byte, f func(m *schema.Model) bool) []byte {
	b := append([]byte(nil), valid...)
	if !f(schema.GetRootAsModel(b, 0)) {
		panic("mutation did not apply (the field is absent, holding its default)")
	}
	return b
}

func op(m *schema.Model, sg, i int) *schema.Operator {
	var s schema.SubGraph
	var o schema.Operator
	m.Subgraphs(&s, sg)
	s.Operators(&o, i)
	return &o
}

func tensor(m *schema.Model, sg, i int) *schema.Tensor {
	var s schema.SubGraph
	var t schema.Tensor
	m.Subgraphs(&s, sg)
	s.Tensors(&t, i)
	return &t
}

func subgraph(m *schema.Model, sg int) *schema.SubGraph {
	var s schema.SubGraph
	m.Subgraphs(&s, sg)
	return &s
}

// vecPos returns the absolute position of the vector or string in slot
// of table t.
func vecPos(t flatbuffers.Table, slot int) uint32 {
	p := fieldPos(t, slot)
	return p + binary.LittleEndian.Uint32(t.Bytes[p:])
}

// fieldPos returns the absolute position of the field in slot of t.
func fieldPos(t flatbuffers.Table, slot int) uint32 {
	o := t.Offset(flatbuffers.VOffsetT(4 + 2*slot))
	if o == 0 {
		panic(fmt.Sprintf("slot %d is absent", slot))
	}
	return uint32(t.Pos) + uint32(o)
}

func bufferTable(m *schema.Model, i int) flatbuffers.Table {
	var b schema.Buffer
	m.Buffers(&b, i)
	return b.Table()
}

func corpus(t testing.TB) []corpusCase {
	m := testModel()
	valid, err := Save(m)
	if err != nil {
		t.Fatal(err)
	}
	var cs []corpusCase
	add := func(name string, data []byte) { cs = append(cs, corpusCase{name, data}) }

	add("empty", nil)
	add("short_header", valid[:6])
	bad := append([]byte(nil), valid...)
	copy(bad[4:8], "TFL2")
	add("wrong_identifier", bad)
	bad = append([]byte(nil), valid...)
	binary.LittleEndian.PutUint32(bad, uint32(len(valid)+64))
	add("root_offset_past_end", bad)
	bad = append([]byte(nil), valid...)
	binary.LittleEndian.PutUint32(bad, binary.LittleEndian.Uint32(bad)+2)
	add("root_misaligned", bad)
	root := binary.LittleEndian.Uint32(valid)
	bad = append([]byte(nil), valid...)
	binary.LittleEndian.PutUint32(bad[root:], 0x7ffffff0)
	add("vtable_out_of_bounds", bad)
	vt := int64(root) - int64(int32(binary.LittleEndian.Uint32(valid[root:])))
	bad = append([]byte(nil), valid...)
	binary.LittleEndian.PutUint16(bad[vt:], 0xfffe)
	add("vtable_size_huge", bad)
	bad = append([]byte(nil), valid...)
	binary.LittleEndian.PutUint16(bad[vt+2:], 0xfff0)
	add("object_size_huge", bad)
	bad = append([]byte(nil), valid...)
	binary.LittleEndian.PutUint16(bad[vt+4+2*1:], 0xff01) // operator_codes slot
	add("field_offset_outside_table", bad)

	// Truncations at structure boundaries: every table, vector and string
	// position the verifier visits, thinned to 24 spread over the file.
	var bounds []uint64
	if err := verifyStructureVisit(valid, func(p uint64) { bounds = append(bounds, p) }); err != nil {
		t.Fatal(err)
	}
	sort.Slice(bounds, func(i, j int) bool { return bounds[i] < bounds[j] })
	seen := map[uint64]bool{}
	var uniq []uint64
	for _, p := range bounds {
		if !seen[p] && p > 8 {
			seen[p] = true
			uniq = append(uniq, p)
		}
	}
	for i := 0; i < 24; i++ {
		p := uniq[i*len(uniq)/24]
		add(fmt.Sprintf("truncated_at_%06d", p), valid[:p])
	}
	add("truncated_last_byte", valid[:len(valid)-1])

	// Huge vector lengths and bad offsets found through the accessors.
	mm := schema.GetRootAsModel(valid, 0)
	sg0 := subgraph(mm, 0)
	for _, c := range []struct {
		name string
		pos  uint32
	}{
		{"huge_subgraphs_vector", vecPos(mm.Table(), 2)},
		{"huge_tensors_vector", vecPos(sg0.Table(), 0)},
		{"huge_shape_vector", vecPos(tensor(mm, 0, 0).Table(), 0)},
		{"huge_buffer_data", vecPos(bufferTable(mm, 1), 0)},
		{"huge_name_string", vecPos(tensor(mm, 0, 0).Table(), 3)},
	} {
		bad = append([]byte(nil), valid...)
		binary.LittleEndian.PutUint32(bad[c.pos:], 0x3fffffff)
		add(c.name, bad)
	}
	bad = append([]byte(nil), valid...)
	np := vecPos(tensor(mm, 0, 0).Table(), 3)
	n := binary.LittleEndian.Uint32(bad[np:])
	bad[np+4+n] = 'x'
	add("string_not_nul_terminated", bad)
	bad = append([]byte(nil), valid...)
	sp := fieldPos(sg0.Table(), 0)
	binary.LittleEndian.PutUint32(bad[sp:], 0x80000000)
	add("negative_offset", bad)

	// Semantic errors, written with the generated Mutate accessors.
	add("wrong_schema_version", mutate(valid, func(m *schema.Model) bool { return m.MutateVersion(4) }))
	add("op_input_out_of_range", mutate(valid, func(m *schema.Model) bool { return op(m, 0, 0).MutateInputs(0, 4097) }))
	add("op_input_below_minus_one", mutate(valid, func(m *schema.Model) bool { return op(m, 0, 1).MutateInputs(0, -2) }))
	add("op_output_out_of_range", mutate(valid, func(m *schema.Model) bool { return op(m, 0, 2).MutateOutputs(0, 1000) }))
	add("opcode_index_out_of_range", mutate(valid, func(m *schema.Model) bool { return op(m, 0, 3).MutateOpcodeIndex(77) }))
	add("tensor_buffer_out_of_range", mutate(valid, func(m *schema.Model) bool { return tensor(m, 0, 1).MutateBuffer(999) }))
	add("tensor_unknown_type", mutate(valid, func(m *schema.Model) bool { return tensor(m, 0, 3).MutateType(99) }))
	add("buffer_size_mismatch_shape", mutate(valid, func(m *schema.Model) bool { return tensor(m, 0, 1).MutateShape(0, 3) }))
	add("buffer_size_mismatch_type", mutate(valid, func(m *schema.Model) bool { return tensor(m, 0, 3).MutateType(schema.TensorTypeINT16) }))
	add("negative_dimension_with_data", mutate(valid, func(m *schema.Model) bool { return tensor(m, 0, 1).MutateShape(0, -2) }))
	add("shape_overflow", mutate(valid, func(m *schema.Model) bool {
		return tensor(m, 0, 2).MutateShape(0, 0x7fffffff)
	}))
	add("cycle", mutate(valid, func(m *schema.Model) bool {
		// op 0 reads the output of op 1, which reads op 0's output.
		return op(m, 0, 0).MutateInputs(0, op(m, 0, 1).Outputs(0))
	}))
	add("self_loop", mutate(valid, func(m *schema.Model) bool { return op(m, 0, 0).MutateInputs(0, op(m, 0, 0).Outputs(0)) }))
	add("bad_union_type", mutate(valid, func(m *schema.Model) bool {
		return op(m, 0, 0).MutateBuiltinOptionsType(schema.BuiltinOptions(200))
	}))
	add("bad_union2_type", mutate(valid, func(m *schema.Model) bool {
		return op(m, 0, len(typedOptions)+len(opaqueOptions)).MutateBuiltinOptions2Type(schema.BuiltinOptions2(99))
	}))
	add("union_type_mismatch", mutate(valid, func(m *schema.Model) bool {
		// Conv2DOptions read as StridedSliceOptions: a different table
		// shape; what matters is no panic.
		return op(m, 0, 0).MutateBuiltinOptionsType(schema.BuiltinOptionsBucketizeOptions)
	}))
	add("negative_opcode", mutate(valid, func(m *schema.Model) bool {
		var oc schema.OperatorCode
		m.OperatorCodes(&oc, 0)
		return oc.MutateDeprecatedBuiltinCode(-5) && oc.MutateBuiltinCode(-5)
	}))
	add("subgraph_input_out_of_range", mutate(valid, func(m *schema.Model) bool { return subgraph(m, 0).MutateInputs(0, 5000) }))
	add("subgraph_output_negative", mutate(valid, func(m *schema.Model) bool { return subgraph(m, 0).MutateOutputs(0, -1) }))
	add("signature_subgraph_out_of_range", mutate(valid, func(m *schema.Model) bool {
		var sd schema.SignatureDef
		m.SignatureDefs(&sd, 1)
		return sd.MutateSubgraphIndex(9)
	}))
	add("signature_tensor_out_of_range", mutate(valid, func(m *schema.Model) bool {
		var sd schema.SignatureDef
		var tm schema.TensorMap
		m.SignatureDefs(&sd, 1)
		sd.Outputs(&tm, 0)
		return tm.MutateTensorIndex(3)
	}))
	add("metadata_buffer_out_of_range", mutate(valid, func(m *schema.Model) bool {
		var md schema.Metadata
		m.Metadata(&md, 0)
		return md.MutateBuffer(12345)
	}))
	add("metadata_buffer_list_negative", mutate(valid, func(m *schema.Model) bool { return m.MutateMetadataBuffer(0, -1) }))
	add("while_subgraph_out_of_range", mutate(valid, func(m *schema.Model) bool {
		var tab flatbuffers.Table
		o := op(m, 0, len(typedOptions)+6)
		if !o.BuiltinOptions(&tab) {
			return false
		}
		var w schema.WhileOptions
		w.Init(tab.Bytes, tab.Pos)
		return w.MutateBodySubgraphIndex(2)
	}))
	add("per_axis_quant_wrong_dimension", mutate(valid, func(m *schema.Model) bool {
		return tensor(m, 0, 1).Quantization(nil).MutateQuantizedDimension(5)
	}))
	add("quant_scale_zero_point_mismatch", mutate(valid, func(m *schema.Model) bool {
		// Shorten the zero_point vector of tensor 1 to one element.
		q := tensor(m, 0, 1).Quantization(nil)
		p := vecPos(q.Table(), 3)
		binary.LittleEndian.PutUint32(q.Table().Bytes[p:], 1)
		return true
	}))
	add("sparse_segments_inconsistent", mutate(valid, func(m *schema.Model) bool {
		var dm schema.DimensionMetadata
		var tab flatbuffers.Table
		tensor(m, 0, 5).Sparsity(nil).DimMetadata(&dm, 1)
		if !dm.ArraySegments(&tab) {
			return false
		}
		var u schema.Uint8Vector
		u.Init(tab.Bytes, tab.Pos)
		return u.MutateValues(2, 2)
	}))
	add("sparse_dense_size_wrong", mutate(valid, func(m *schema.Model) bool {
		var dm schema.DimensionMetadata
		tensor(m, 0, 5).Sparsity(nil).DimMetadata(&dm, 0)
		return dm.MutateDenseSize(3)
	}))
	add("sparse_traversal_not_permutation", mutate(valid, func(m *schema.Model) bool {
		return tensor(m, 0, 5).Sparsity(nil).MutateTraversalOrder(1, 0)
	}))
	add("string_tensor_bad_offsets", mutate(valid, func(m *schema.Model) bool {
		var b schema.Buffer
		m.Buffers(&b, int(tensor(m, 0, 6).Buffer()))
		return b.MutateData(8, 0xff)
	}))
	add("mutating_variable_inputs_length", mutate(valid, func(m *schema.Model) bool {
		o := op(m, 0, len(typedOptions))
		p := vecPos(o.Table(), 7)                             // mutating_variable_inputs
		binary.LittleEndian.PutUint32(o.Table().Bytes[p:], 2) // 1 input
		return true
	}))

	// A model with its data after the flatbuffer (the > 2 GB layout),
	// then a buffer offset pointing past the end.
	old := inlineLimit
	inlineLimit = 0
	ext, err := Save(m)
	inlineLimit = old
	if err != nil {
		t.Fatal(err)
	}
	add("external_buffer_past_end", mutate(ext, func(m *schema.Model) bool {
		var b schema.Buffer
		m.Buffers(&b, 1)
		return b.MutateSize(1 << 40)
	}))
	add("external_buffer_truncated", ext[:len(ext)-14])

	// Shared structures: a tensors vector of 30000 entries that all point
	// to one (empty) tensor table appended after it. Each entry is 4 bytes
	// of file but a tensor for Load to build; the work budget refuses it.
	{
		const n = 30000
		bad = append([]byte(nil), valid...)
		for len(bad)%4 != 0 {
			bad = append(bad, 0)
		}
		vecAt := uint32(len(bad))
		vtAt := vecAt + 4 + 4*n
		tabAt := vtAt + 4
		bad = binary.LittleEndian.AppendUint32(bad, n)
		for i := uint32(0); i < n; i++ {
			p := vecAt + 4 + 4*i
			bad = binary.LittleEndian.AppendUint32(bad, tabAt-p)
		}
		bad = binary.LittleEndian.AppendUint16(bad, 4) // vtable: no fields
		bad = binary.LittleEndian.AppendUint16(bad, 4)
		bad = binary.LittleEndian.AppendUint32(bad, tabAt-vtAt)  // soffset
		fp := fieldPos(schema.GetRootAsModel(bad, 0).Table(), 2) // subgraphs
		sgPos := fp + binary.LittleEndian.Uint32(bad[fp:])
		sgTab := sgPos + 4 + binary.LittleEndian.Uint32(bad[sgPos+4:])
		var sgt schema.SubGraph
		sgt.Init(bad, flatbuffers.UOffsetT(sgTab))
		tp := fieldPos(sgt.Table(), 0)
		binary.LittleEndian.PutUint32(bad[tp:], vecAt-tp)
		add("shared_tables_amplification", bad)
	}

	// Bit flips at fixed positions of the header and the root table.
	for _, p := range []uint32{0, 1, 3, root, root + 1, uint32(vt), uint32(vt) + 1, uint32(vt) + 2, uint32(vt) + 3, uint32(vt) + 5, uint32(vt) + 7} {
		bad = append([]byte(nil), valid...)
		bad[p] ^= 0x80
		if _, err := Load("", bad); err != nil { // some flips still give a valid file
			add(fmt.Sprintf("bitflip_%06d", p), bad)
		}
	}
	return cs
}

func TestMalformedCorpus(t *testing.T) {
	cs := corpus(t)
	if *update {
		os.RemoveAll(malformedDir)
		if err := os.MkdirAll(malformedDir, 0o755); err != nil {
			t.Fatal(err)
		}
		var golden strings.Builder
		golden.WriteString("# file: substring its Load error must contain (go test ./tflite -run TestMalformedCorpus -update)\n")
		for _, c := range cs {
			if err := os.WriteFile(filepath.Join(malformedDir, c.name+".tflite"), c.data, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(c.name+".tflite", c.data)
			if err == nil {
				t.Errorf("%s: Load accepted a malformed file", c.name)
				continue
			}
			fmt.Fprintf(&golden, "%s.tflite: %s\n", c.name, err)
		}
		if err := os.WriteFile(filepath.Join(malformedDir, "golden.txt"), []byte(golden.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	golden := readGolden(t)
	files, _ := filepath.Glob(filepath.Join(malformedDir, "*.tflite"))
	if len(files) < 30 || len(files) != len(golden) {
		t.Fatalf("%d corpus files, %d golden entries; want at least 30 and equal", len(files), len(golden))
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			want, ok := golden[name]
			if !ok {
				t.Fatalf("no golden entry")
			}
			_, err = Load(name, data)
			if err == nil {
				t.Fatalf("Load accepted it")
			}
			if !errors.Is(err, ErrMalformed) {
				t.Errorf("error %v does not wrap ErrMalformed", err)
			}
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q, want it to contain %q", err, want)
			}
			if strings.Contains(err.Error(), "internal error") || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is not a clean one-line error", err)
			}
			if err := Verify(name, data); err == nil || err.Error() != errText(err) {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

func errText(err error) string { return err.Error() }

func readGolden(t testing.TB) map[string]string {
	f, err := os.Open(filepath.Join(malformedDir, "golden.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		name, msg, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("bad golden line %q", line)
		}
		out[name] = msg
	}
	return out
}
