package hugemem

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

const hugePage = 2 << 20

// advise marks the 2 MiB-aligned interior of b MADV_HUGEPAGE; errors
// (e.g. THP disabled) are ignored: the memory works the same either way.
func advise(b []byte) {
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	start := (p + hugePage - 1) &^ (hugePage - 1)
	end := (p + uintptr(len(b))) &^ (hugePage - 1)
	if end <= start {
		return
	}
	_ = unix.Madvise(b[start-p:end-p], unix.MADV_HUGEPAGE)
}
