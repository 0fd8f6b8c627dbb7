package cpu

import "unsafe"

// elems returns t's bytes as a slice of T (an element type of t's size:
// float32 or uint32 for 4-byte tensors, int8 or uint8 for 1-byte ones).
func elems[T any](t *tensor) []T {
	var zero T
	es := int(unsafe.Sizeof(zero))
	if len(t.b) < es {
		return nil
	}
	return unsafe.Slice((*T)(unsafe.Pointer(&t.b[0])), len(t.b)/es)
}

// sameFixedType reports whether a and b have the same element type of a
// size the element-generic kernels move (1, 2, 4 or 8 bytes).
func sameFixedType(a, b *tensor) bool {
	if a.dtype != b.dtype {
		return false
	}
	switch a.dtype.Size() {
	case 1, 2, 4, 8:
		return true
	}
	return false
}

// bySize returns the kernel that mk builds for the element type of t's
// size (1, 2, 4 or 8 bytes; sameFixedType has checked it).
func bySize(t *tensor, k1, k2, k4, k8 func() kernel) kernel {
	switch t.dtype.Size() {
	case 1:
		return k1()
	case 2:
		return k2()
	case 8:
		return k8()
	}
	return k4()
}
