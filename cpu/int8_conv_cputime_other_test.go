//go:build !linux

package cpu

import (
	"testing"
	"time"
)

// threadCPU is 0 without a per-thread CPU clock.
func threadCPU() time.Duration { return 0 }

// loopCPU runs f b.N times (b.Loop); without a per-thread CPU clock it
// reports nothing more.
func loopCPU(b *testing.B, f func()) {
	for b.Loop() {
		f()
	}
}
