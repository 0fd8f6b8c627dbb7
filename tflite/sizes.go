package tflite

import (
	"encoding/binary"
	"fmt"

	"github.com/fp16tool/fp16tool/tflite/internal/schema"
)

// Byte categories of a .tflite file, as reported by FileBytes, in report
// order.
const (
	BytesConstantData = "constant_data"    // tensor buffers' contents
	BytesMetadata     = "metadata"         // metadata entries, their names and buffers
	BytesBufferTables = "buffer_tables"    // Buffer tables, the buffer vector, data length prefixes
	BytesTensorTables = "tensor_tables"    // Tensor tables and the tensor vectors
	BytesShapes       = "shapes"           // shape and shape_signature vectors
	BytesNames        = "tensor_names"     // tensor name strings
	BytesQuantTables  = "quant_tables"     // QuantizationParameters tables
	BytesQuantScale   = "quant_scale"      // scale vectors
	BytesQuantZero    = "quant_zero_point" // zero_point vectors
	BytesQuantMinMax  = "quant_min_max"    // min and max vectors
	BytesSparsity     = "sparsity"         // sparsity parameters and index vectors
	BytesOps          = "op_tables"        // Operator tables, their I/O vectors and options, operator codes
	BytesSignatures   = "signatures"       // signature defs
	BytesStructure    = "structure"        // file header, Model and SubGraph tables, description
	BytesPadding      = "padding"          // zero bytes no table or vector claims (alignment)
	BytesOther        = "other"            // non-zero bytes no known field claims
)

var byteCategories = []string{BytesConstantData, BytesMetadata, BytesBufferTables, BytesTensorTables,
	BytesShapes, BytesNames, BytesQuantTables, BytesQuantScale, BytesQuantZero, BytesQuantMinMax,
	BytesSparsity, BytesOps, BytesSignatures, BytesStructure, BytesPadding, BytesOther}

// ByteCount is the number of bytes of a file in one category.
type ByteCount struct {
	Category string `json:"category"`
	Bytes    int64  `json:"bytes"`
}

// FileBytes verifies data as a .tflite file and tells where its bytes go:
// every byte is attributed to one of the Bytes* categories (a vector or
// vtable shared by several tables counts once, for the first that reads
// it; bytes that nothing references are padding when zero, other when
// not). The counts, in the order of the Bytes* constants, add up to
// len(data). name is used in error messages.
func FileBytes(name string, data []byte) (counts []ByteCount, err error) {
	defer func() {
		if r := recover(); r != nil {
			counts, err = nil, &formatError{file: name, msg: fmt.Sprintf("internal error while reading the file (please report): %v", r)}
		}
	}()
	if err := verifyStructure(data); err != nil {
		return nil, named(name, err)
	}
	w := &byteWalker{d: data, own: make([]uint8, len(data))}
	w.model()
	sums := make([]int64, len(byteCategories))
	for i, o := range w.own {
		switch {
		case o != 0:
			sums[o-1]++
		case data[i] == 0:
			sums[len(sums)-2]++
		default:
			sums[len(sums)-1]++
		}
	}
	counts = make([]ByteCount, len(byteCategories))
	for i, c := range byteCategories {
		counts[i] = ByteCount{Category: c, Bytes: sums[i]}
	}
	return counts, nil
}

// byteWalker walks a verified flatbuffer and records, for each byte, the
// category (index+1 into byteCategories) of the first object claiming it.
type byteWalker struct {
	d   []byte
	own []uint8
}

func catIndex(c string) uint8 {
	for i, x := range byteCategories {
		if x == c {
			return uint8(i + 1)
		}
	}
	panic("unknown byte category " + c)
}

func (w *byteWalker) claim(p, n int, cat string) {
	if p < 0 || n <= 0 || p+n > len(w.own) {
		return
	}
	c := catIndex(cat)
	for i := p; i < p+n; i++ {
		if w.own[i] == 0 {
			w.own[i] = c
		}
	}
}

func (w *byteWalker) u16(p int) int { return int(binary.LittleEndian.Uint16(w.d[p:])) }
func (w *byteWalker) u32(p int) int { return int(binary.LittleEndian.Uint32(w.d[p:])) }

// fbTable is a table's position and its vtable's.
type fbTable struct{ pos, vt, vtLen int }

// table claims the table at p and its vtable.
func (w *byteWalker) table(p int, cat string) fbTable {
	vt := p - int(int32(binary.LittleEndian.Uint32(w.d[p:])))
	vtLen, size := w.u16(vt), w.u16(vt+2)
	w.claim(vt, vtLen, cat)
	w.claim(p, size, cat)
	return fbTable{p, vt, vtLen}
}

// field is the position of field id of t, 0 when absent.
func (w *byteWalker) field(t fbTable, id int) int {
	slot := 4 + 2*id
	if slot+2 > t.vtLen {
		return 0
	}
	if o := w.u16(t.vt + slot); o != 0 {
		return t.pos + o
	}
	return 0
}

// ref is the position of the object field id of t refers to, 0 when absent.
func (w *byteWalker) ref(t fbTable, id int) int {
	f := w.field(t, id)
	if f == 0 {
		return 0
	}
	return f + w.u32(f)
}

// vector claims the vector field id of t (elements of elem bytes) and
// returns its element count and the position of its first element.
func (w *byteWalker) vector(t fbTable, id, elem int, cat string) (n, first int) {
	p := w.ref(t, id)
	if p == 0 {
		return 0, 0
	}
	n = w.u32(p)
	w.claim(p, 4+n*elem, cat)
	return n, p + 4
}

// tables claims the vector of tables field id of t and returns the
// positions of its tables (not claimed).
func (w *byteWalker) tables(t fbTable, id int, cat string) []int {
	n, first := w.vector(t, id, 4, cat)
	out := make([]int, n)
	for i := range out {
		e := first + 4*i
		out[i] = e + w.u32(e)
	}
	return out
}

// str claims the string field id of t (with its terminating zero).
func (w *byteWalker) str(t fbTable, id int, cat string) {
	if p := w.ref(t, id); p != 0 {
		w.claim(p, 4+w.u32(p)+1, cat)
	}
}

func (w *byteWalker) u8Field(t fbTable, id int) int {
	if f := w.field(t, id); f != 0 {
		return int(w.d[f])
	}
	return 0
}

func (w *byteWalker) u32Field(t fbTable, id int) int {
	if f := w.field(t, id); f != 0 {
		return w.u32(f)
	}
	return 0
}

func (w *byteWalker) model() {
	w.claim(0, 8, BytesStructure) // root offset and file identifier
	m := w.table(w.u32(0), BytesStructure)
	meta := map[int]bool{}
	for _, p := range w.tables(m, 6, BytesMetadata) {
		t := w.table(p, BytesMetadata)
		w.str(t, 0, BytesMetadata)
		meta[w.u32Field(t, 1)] = true
	}
	n, first := w.vector(m, 5, 4, BytesMetadata)
	for i := range n {
		meta[w.u32(first+4*i)] = true
	}
	for i, p := range w.tables(m, 4, BytesBufferTables) {
		t := w.table(p, BytesBufferTables)
		cat := BytesConstantData
		if meta[i] {
			cat = BytesMetadata
		}
		if d := w.ref(t, 0); d != 0 {
			w.claim(d, 4, BytesBufferTables)
			w.claim(d+4, w.u32(d), cat)
		}
		if f := w.field(t, 1); f != 0 {
			off := int(binary.LittleEndian.Uint64(w.d[f:]))
			size := 0
			if g := w.field(t, 2); g != 0 {
				size = int(binary.LittleEndian.Uint64(w.d[g:]))
			}
			if off > 1 {
				w.claim(off, size, cat)
			}
		}
	}
	for _, p := range w.tables(m, 1, BytesOps) {
		w.str(w.table(p, BytesOps), 1, BytesOps)
	}
	w.str(m, 3, BytesStructure)
	for _, p := range w.tables(m, 2, BytesStructure) {
		w.subgraph(p)
	}
	for _, p := range w.tables(m, 7, BytesSignatures) {
		t := w.table(p, BytesSignatures)
		for _, id := range []int{0, 1} {
			for _, q := range w.tables(t, id, BytesSignatures) {
				w.str(w.table(q, BytesSignatures), 0, BytesSignatures)
			}
		}
		w.str(t, 2, BytesSignatures)
		w.str(t, 3, BytesSignatures)
	}
}

func (w *byteWalker) subgraph(p int) {
	sg := w.table(p, BytesStructure)
	w.vector(sg, 1, 4, BytesStructure)
	w.vector(sg, 2, 4, BytesStructure)
	w.str(sg, 4, BytesStructure)
	for _, p := range w.tables(sg, 0, BytesTensorTables) {
		t := w.table(p, BytesTensorTables)
		w.vector(t, 0, 4, BytesShapes)
		w.vector(t, 7, 4, BytesShapes)
		w.str(t, 3, BytesNames)
		if q := w.ref(t, 4); q != 0 {
			qt := w.table(q, BytesQuantTables)
			w.vector(qt, 0, 4, BytesQuantMinMax)
			w.vector(qt, 1, 4, BytesQuantMinMax)
			w.vector(qt, 2, 4, BytesQuantScale)
			w.vector(qt, 3, 8, BytesQuantZero)
			if d := w.ref(qt, 5); d != 0 {
				w.vector(w.table(d, BytesQuantTables), 0, 1, BytesQuantTables)
			}
		}
		if s := w.ref(t, 6); s != 0 {
			st := w.table(s, BytesSparsity)
			w.vector(st, 0, 4, BytesSparsity)
			w.vector(st, 1, 4, BytesSparsity)
			for _, d := range w.tables(st, 2, BytesSparsity) {
				dt := w.table(d, BytesSparsity)
				for _, id := range []int{2, 4} {
					elem := [4]int{0, 4, 2, 1}[min(w.u8Field(dt, id), 3)]
					if v := w.ref(dt, id+1); v != 0 && elem > 0 {
						w.vector(w.table(v, BytesSparsity), 0, elem, BytesSparsity)
					}
				}
			}
		}
		for _, v := range w.tables(t, 9, BytesTensorTables) {
			w.vector(w.table(v, BytesTensorTables), 0, 4, BytesShapes)
		}
	}
	for _, p := range w.tables(sg, 3, BytesOps) {
		op := w.table(p, BytesOps)
		w.vector(op, 1, 4, BytesOps)
		w.vector(op, 2, 4, BytesOps)
		w.vector(op, 5, 1, BytesOps)
		w.vector(op, 7, 1, BytesOps)
		w.vector(op, 8, 4, BytesOps)
		if o := w.ref(op, 4); o != 0 {
			ot := w.table(o, BytesOps)
			switch schema.BuiltinOptions(w.u8Field(op, 3)) {
			case schema.BuiltinOptionsReshapeOptions, schema.BuiltinOptionsSqueezeOptions, schema.BuiltinOptionsBucketizeOptions:
				w.vector(ot, 0, 4, BytesOps)
			case schema.BuiltinOptionsConcatEmbeddingsOptions:
				w.vector(ot, 1, 4, BytesOps)
				w.vector(ot, 2, 4, BytesOps)
			}
		}
		if o := w.ref(op, 12); o != 0 {
			w.table(o, BytesOps)
		}
	}
}
