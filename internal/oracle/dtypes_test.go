package oracle

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	flatbuffers "github.com/google/flatbuffers/go"

	"github.com/fp16tool/fp16tool/graph"
	"github.com/fp16tool/fp16tool/internal/tensorio"
	"github.com/fp16tool/fp16tool/tflite"
)

// reshapeModel builds a .tflite model with one RESHAPE per element type:
// input k of type types[k] and shape [2 3] becomes output k of shape
// [3 2], the same bytes. It is written here with the flatbuffers builder
// (slot numbers from the TFLite schema) so that the oracle's element type
// handling is tested without depending on fp16tool's own writer.
func reshapeModel(types []graph.DType) []byte {
	b := flatbuffers.NewBuilder(1024)
	ints := func(v []int32) flatbuffers.UOffsetT {
		b.StartVector(4, len(v), 4)
		for i := len(v) - 1; i >= 0; i-- {
			b.PrependInt32(v[i])
		}
		return b.EndVector(len(v))
	}
	tables := func(v []flatbuffers.UOffsetT) flatbuffers.UOffsetT {
		b.StartVector(4, len(v), 4)
		for i := len(v) - 1; i >= 0; i-- {
			b.PrependUOffsetT(v[i])
		}
		return b.EndVector(len(v))
	}
	// Tensor: shape 0, type 1, buffer 2, name 3.
	tensor := func(name string, shape []int32, dt graph.DType, buffer uint32) flatbuffers.UOffsetT {
		n := b.CreateString(name)
		s := ints(shape)
		b.StartObject(4)
		b.PrependUOffsetTSlot(0, s, 0)
		b.PrependInt8Slot(1, int8(dt), 0)
		b.PrependUint32Slot(2, buffer, 0)
		b.PrependUOffsetTSlot(3, n, 0)
		return b.EndObject()
	}
	var tensors, ops []flatbuffers.UOffsetT
	var ins, outs []int32
	for k, dt := range types {
		base := int32(3 * k)
		tensors = append(tensors,
			tensor("in_"+dt.String(), []int32{2, 3}, dt, 0),
			tensor("shape_"+dt.String(), []int32{2}, graph.Int32, 1),
			tensor("out_"+dt.String(), []int32{3, 2}, dt, 0))
		ins, outs = append(ins, base), append(outs, base+2)
		// Operator: opcode_index 0, inputs 1, outputs 2.
		oi, oo := ints([]int32{base, base + 1}), ints([]int32{base + 2})
		b.StartObject(3)
		b.PrependUint32Slot(0, 0, 0)
		b.PrependUOffsetTSlot(1, oi, 0)
		b.PrependUOffsetTSlot(2, oo, 0)
		ops = append(ops, b.EndObject())
	}
	// SubGraph: tensors 0, inputs 1, outputs 2, operators 3, name 4.
	tv, iv, ov, opv, sn := tables(tensors), ints(ins), ints(outs), tables(ops), b.CreateString("main")
	b.StartObject(5)
	b.PrependUOffsetTSlot(0, tv, 0)
	b.PrependUOffsetTSlot(1, iv, 0)
	b.PrependUOffsetTSlot(2, ov, 0)
	b.PrependUOffsetTSlot(3, opv, 0)
	b.PrependUOffsetTSlot(4, sn, 0)
	sub := b.EndObject()
	// OperatorCode: deprecated_builtin_code 0, version 2, builtin_code 3.
	b.StartObject(4)
	b.PrependInt8Slot(0, int8(graph.OpReshape), 0)
	b.PrependInt32Slot(2, 1, 1)
	b.PrependInt32Slot(3, int32(graph.OpReshape), 0)
	code := b.EndObject()
	// Buffers: 0 empty, 1 the new shape [3 2] as int32 (Buffer: data 0).
	b.StartObject(1)
	empty := b.EndObject()
	shapeData := make([]byte, 8)
	binary.LittleEndian.PutUint32(shapeData, 3)
	binary.LittleEndian.PutUint32(shapeData[4:], 2)
	b.StartVector(1, len(shapeData), 16)
	for i := len(shapeData) - 1; i >= 0; i-- {
		b.PrependByte(shapeData[i])
	}
	dv := b.EndVector(len(shapeData))
	b.StartObject(1)
	b.PrependUOffsetTSlot(0, dv, 0)
	shapeBuf := b.EndObject()
	// Model: version 0, operator_codes 1, subgraphs 2, description 3, buffers 4.
	cv, sv, bv, desc := tables([]flatbuffers.UOffsetT{code}), tables([]flatbuffers.UOffsetT{sub}), tables([]flatbuffers.UOffsetT{empty, shapeBuf}), b.CreateString("oracle dtype test")
	b.StartObject(5)
	b.PrependUint32Slot(0, 3, 0)
	b.PrependUOffsetTSlot(1, cv, 0)
	b.PrependUOffsetTSlot(2, sv, 0)
	b.PrependUOffsetTSlot(3, desc, 0)
	b.PrependUOffsetTSlot(4, bv, 0)
	b.FinishWithFileIdentifier(b.EndObject(), []byte("TFL3"))
	return b.FinishedBytes()
}

// TestElementTypes passes tensors of every element type a runtime
// exchanges through a RESHAPE model and checks that the exact bytes come
// back, with the type and the new shape.
func TestElementTypes(t *testing.T) {
	Require(t)
	for _, c := range []struct {
		runtime string
		types   []graph.DType
	}{
		{LiteRT, []graph.DType{graph.Float32, graph.Float16, graph.Int8, graph.Uint8, graph.Int16, graph.Int32, graph.Int64, graph.Bool}},
		{TFJS, []graph.DType{graph.Float32, graph.Int8, graph.Uint8, graph.Int16, graph.Int32, graph.Bool}},
	} {
		t.Run(c.runtime, func(t *testing.T) {
			model := filepath.Join(t.TempDir(), "reshape.tflite")
			raw := reshapeModel(c.types)
			if err := os.WriteFile(model, raw, 0o644); err != nil {
				t.Fatal(err)
			}
			// fp16tool's reader accepts the hand-built file too.
			if m, err := tflite.Load("reshape.tflite", raw); err != nil {
				t.Fatalf("tflite.Load: %v", err)
			} else if n := len(m.Main().Ops); n != len(c.types) {
				t.Fatalf("tflite.Load reads %d ops, want %d", n, len(c.types))
			}
			var inputs []tensorio.Tensor
			for k, dt := range c.types {
				data := make([]byte, 6*dt.Size())
				for i := range data {
					data[i] = byte(37*i + 11*k + 1)
				}
				if dt == graph.Bool {
					for i := range data {
						data[i] &= 1
					}
				}
				if dt == graph.Float16 {
					for i := 1; i < len(data); i += 2 {
						data[i] &= 0x7b // finite values only
					}
				}
				inputs = append(inputs, tensorio.Tensor{Name: dt.String(), Type: dt, Shape: []int{2, 3}, Data: data})
			}
			r, err := Run(model, inputs, Options{Runtime: c.runtime})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Outputs) != len(inputs) {
				t.Fatalf("%d outputs for %d inputs", len(r.Outputs), len(inputs))
			}
			for k, in := range inputs {
				o := r.Outputs[k]
				if o.Name != "out_"+in.Type.String() || o.Type != in.Type || !reflect.DeepEqual(o.Shape, []int{3, 2}) {
					t.Errorf("output %d is %s, want out_%v %v[3 2]", k, o.String(), in.Type, in.Type)
				}
				if !bytes.Equal(o.Data, in.Data) {
					t.Errorf("%v: output bytes % x, want % x", in.Type, o.Data, in.Data)
				}
			}
		})
	}
}
