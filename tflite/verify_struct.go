package tflite

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"
)

// The structural verifier: it walks the flatbuffer from the root table by
// the schema description in schema_gen.go and checks every offset, vtable,
// table, vector and string before any generated accessor touches it (the
// flatbuffers Go runtime has no verifier and panics on bad offsets).

type tableID int
type unionID int

type fieldKind uint8

const (
	kScalar    fieldKind = iota // inline scalar of size bytes
	kString                     // offset to a string
	kTable                      // offset to a table ref
	kUnionType                  // the type byte of union ref
	kUnion                      // offset to the value table of union ref
	kVecScalar                  // offset to a vector of scalars of size bytes
	kVecString                  // offset to a vector of strings
	kVecTable                   // offset to a vector of tables ref
)

type fieldDesc struct {
	name string
	kind fieldKind
	size int
	ref  int
}

type tableDesc struct {
	name   string
	fields []fieldDesc
}

type unionDesc struct {
	name    string
	members []tableID
}

const (
	// maxDepth bounds table nesting (the TFLite schema has no recursive
	// tables, so real files stay far below).
	maxDepth = 64
	// tableCost is what one table visit takes from the work budget: the
	// Go values Load builds for it.
	tableCost = 16
)

type structVerifier struct {
	buf    []byte
	budget int64 // work left: bytes of vectors and tables Load may copy
	path   []pathElem
	// visit, when set (tests), sees the position of every table, vector
	// and string checked.
	visit func(pos uint64)
}

type pathElem struct {
	name  string
	index int // -1: not a vector element
}

func (v *structVerifier) where() string {
	var b strings.Builder
	for i, p := range v.path {
		if p.name != "" {
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteString(p.name)
		}
		if p.index >= 0 {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(p.index))
			b.WriteByte(']')
		}
	}
	if b.Len() == 0 {
		return "root"
	}
	return b.String()
}

func (v *structVerifier) errf(format string, args ...any) error {
	return malformedf("%s: %s", v.where(), fmt.Sprintf(format, args...))
}

func (v *structVerifier) u16(p uint64) uint64 { return uint64(binary.LittleEndian.Uint16(v.buf[p:])) }
func (v *structVerifier) u32(p uint64) uint64 { return uint64(binary.LittleEndian.Uint32(v.buf[p:])) }

func (v *structVerifier) charge(n uint64) error {
	if n > uint64(v.budget) {
		return v.errf("the file references more data than its %d bytes can hold (shared or overlapping structures)", len(v.buf))
	}
	v.budget -= int64(n)
	return nil
}

// verifyStructure checks the whole flatbuffer in buf.
func verifyStructure(buf []byte) error { return verifyStructureVisit(buf, nil) }

// verifyStructureVisit is verifyStructure calling visit (when not nil)
// with the position of every table, vector and string it checks.
func verifyStructureVisit(buf []byte, visit func(pos uint64)) error {
	v := &structVerifier{buf: buf, budget: 4*int64(len(buf)) + 1<<16, visit: visit}
	n := uint64(len(buf))
	if n < 8 {
		return malformedf("file is %d bytes, too short for a flatbuffer header", n)
	}
	if string(buf[4:8]) != "TFL3" {
		return malformedf("file identifier is %q, want \"TFL3\"", buf[4:8])
	}
	root := v.u32(0)
	return v.table(root, rootTable, 0)
}

// table checks the table at absolute position pos and all it references.
func (v *structVerifier) table(pos uint64, id tableID, depth int) error {
	td := &schemaTables[id]
	if v.visit != nil {
		v.visit(pos)
	}
	if depth > maxDepth {
		return v.errf("%s: tables nested deeper than %d", td.name, maxDepth)
	}
	if err := v.charge(tableCost); err != nil {
		return err
	}
	n := uint64(len(v.buf))
	if pos%4 != 0 || pos+4 > n {
		return v.errf("%s table at offset %d is out of bounds or misaligned (file is %d bytes)", td.name, pos, n)
	}
	vt := int64(pos) - int64(int32(v.u32(pos)))
	if vt < 0 || vt%2 != 0 || uint64(vt)+4 > n {
		return v.errf("%s table at offset %d: vtable offset %d is out of bounds or misaligned", td.name, pos, vt)
	}
	vtp := uint64(vt)
	vtSize, objSize := v.u16(vtp), v.u16(vtp+2)
	if vtSize < 4 || vtSize%2 != 0 || vtp+vtSize > n {
		return v.errf("%s table at offset %d: vtable at %d has bad size %d", td.name, pos, vtp, vtSize)
	}
	if objSize < 4 || pos+objSize > n {
		return v.errf("%s table at offset %d: object size %d runs past the end of the file", td.name, pos, objSize)
	}
	utype := 0 // type of the union whose value slot comes next
	for slot, f := range td.fields {
		vo := 4 + 2*uint64(slot)
		if vo >= vtSize {
			break
		}
		fo := v.u16(vtp + vo)
		if fo == 0 {
			if f.kind == kUnionType {
				utype = 0
			}
			continue
		}
		v.path = append(v.path, pathElem{f.name, -1})
		if err := v.field(pos, fo, objSize, f, depth, utype); err != nil {
			return err
		}
		if f.kind == kUnionType {
			utype = int(v.buf[pos+fo])
		}
		v.path = v.path[:len(v.path)-1]
	}
	return nil
}

func (v *structVerifier) field(pos, fo, objSize uint64, f fieldDesc, depth, utype int) error {
	size := uint64(4) // offsets
	if f.kind == kScalar || f.kind == kUnionType {
		size = uint64(f.size)
	}
	if fo < 4 || fo+size > objSize {
		return v.errf("field at table offset %d (size %d) lies outside the table's %d bytes", fo, size, objSize)
	}
	p := pos + fo
	if p%size != 0 {
		return v.errf("field at offset %d is not aligned to %d bytes", p, size)
	}
	switch f.kind {
	case kScalar:
		return nil
	case kUnionType:
		t := int(v.buf[p])
		u := &schemaUnions[f.ref]
		if t >= len(u.members) {
			return v.errf("unknown %s union type %d (known: 0..%d)", u.name, t, len(u.members)-1)
		}
		return nil
	case kUnion:
		t := utype
		if t == 0 {
			return nil // value without a type: ignored by readers
		}
		u := &schemaUnions[f.ref]
		target, err := v.offset(p)
		if err != nil {
			return err
		}
		v.path[len(v.path)-1].name += "(" + schemaTables[u.members[t]].name + ")"
		return v.table(target, u.members[t], depth+1)
	}
	target, err := v.offset(p)
	if err != nil {
		return err
	}
	switch f.kind {
	case kString:
		return v.str(target)
	case kTable:
		return v.table(target, tableID(f.ref), depth+1)
	case kVecScalar:
		_, err := v.vector(target, uint64(f.size), f.size > 1 || f.name != "data")
		return err
	case kVecString, kVecTable:
		cnt, err := v.vector(target, 4, true)
		if err != nil {
			return err
		}
		last := len(v.path) - 1
		for i := uint64(0); i < cnt; i++ {
			ep := target + 4 + 4*i
			et, err := v.offset(ep)
			if err != nil {
				return err
			}
			v.path = append(v.path, pathElem{"", int(i)})
			if f.kind == kVecString {
				err = v.str(et)
			} else {
				err = v.table(et, tableID(f.ref), depth+1)
			}
			if err != nil {
				return err
			}
			v.path = v.path[:last+1]
		}
		return nil
	}
	return v.errf("internal error: unknown field kind %d", f.kind)
}

// offset reads the uoffset at p and returns its absolute target.
func (v *structVerifier) offset(p uint64) (uint64, error) {
	n := uint64(len(v.buf))
	if p%4 != 0 || p+4 > n {
		return 0, v.errf("offset at %d is out of bounds or misaligned", p)
	}
	o := v.u32(p)
	if o == 0 || int32(o) < 0 || p+o >= n {
		return 0, v.errf("offset %d at %d points outside the file (%d bytes)", o, p, n)
	}
	return p + o, nil
}

// vector checks the vector at p with elements of size elem and returns its
// length. charge says whether its bytes count against the work budget
// (byte vectors that Load aliases do not).
func (v *structVerifier) vector(p, elem uint64, charge bool) (uint64, error) {
	n := uint64(len(v.buf))
	if v.visit != nil {
		v.visit(p)
	}
	if p%4 != 0 || p+4 > n {
		return 0, v.errf("vector at offset %d is out of bounds or misaligned", p)
	}
	cnt := v.u32(p)
	if cnt*elem > n-p-4 {
		return 0, v.errf("vector at offset %d has %d elements of %d bytes, past the end of the file (%d bytes)", p, cnt, elem, n)
	}
	if elem > 4 && (p+4)%elem != 0 {
		return 0, v.errf("vector at offset %d: elements are not aligned to %d bytes", p, elem)
	}
	if charge {
		if err := v.charge(cnt * elem); err != nil {
			return 0, err
		}
	}
	return cnt, nil
}

func (v *structVerifier) str(p uint64) error {
	cnt, err := v.vector(p, 1, true)
	if err != nil {
		return err
	}
	if end := p + 4 + cnt; end >= uint64(len(v.buf)) || v.buf[end] != 0 {
		return v.errf("string at offset %d is not NUL-terminated", p)
	}
	return nil
}
