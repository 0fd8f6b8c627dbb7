//go:build !linux

package cpu

import "testing"

// loopCPU runs f b.N times (b.Loop); without a per-thread CPU clock it
// reports nothing more.
func loopCPU(b *testing.B, f func()) {
	for b.Loop() {
		f()
	}
}
