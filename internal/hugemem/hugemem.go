// Package hugemem allocates large byte slices that the kernel may back
// with transparent huge pages. On virtual machines a first-touch page
// fault can cost ~10 µs per 4 KiB page, which dominated converting a
// 55 MB model (reading the file and filling the output took more time in
// page faults than in work); asking for huge pages on the fresh range
// before it is touched cuts that by more than 10x where the kernel's THP
// mode is "madvise" or "always".
package hugemem

// threshold is the size from which Make asks for huge pages.
const threshold = 4 << 20

// Make returns a zeroed slice of n bytes, like make([]byte, n), with the
// huge-page hint applied to its interior when n is large. The slice is
// ordinary garbage-collected memory.
func Make(n int) []byte {
	b := make([]byte, n)
	if n >= threshold {
		advise(b)
	}
	return b
}
