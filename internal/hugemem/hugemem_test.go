package hugemem

import "testing"

func TestMake(t *testing.T) {
	for _, n := range []int{0, 1, threshold - 1, threshold, 3*threshold + 12345} {
		b := Make(n)
		if len(b) != n || cap(b) < n {
			t.Fatalf("Make(%d): len %d cap %d", n, len(b), cap(b))
		}
		for i := 0; i < n; i += 4093 {
			if b[i] != 0 {
				t.Fatalf("Make(%d)[%d] = %d, want 0", n, i, b[i])
			}
			b[i] = 1
		}
	}
}
