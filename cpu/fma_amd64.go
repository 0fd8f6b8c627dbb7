package cpu

import (
	"math"

	"golang.org/x/sys/cpu"
)

// fma32 returns a*b+c rounded to float32 as the assembly's VFMADD does:
// the product is exact in float64 and the float64 FMA's sum is rounded
// again to float32 (the same as one rounding but for rare double-rounding
// ties). Go does not fuse a*b+c on amd64 below GOAMD64=v3,
// so the pure-Go kernels (-tags purego, a test build on amd64) call
// math.FMA: one instruction after a CPU check, plus three conversions,
// which makes them 4-5x slower than separately rounded products
// (BenchmarkFixtures, -tags purego, 1 thread, noisy machine:
// selfie_segmentation 80-150 -> 330-500 ms, pose_landmark_full 560-620 ->
// 2400-2950 ms). Summing the tile kernels in float64 instead cost 0-40%
// and passed the pose_landmark_heavy test (7.8e-5), but on the tree of
// the time it failed TestPrepareFullInteger's selfie_segmentation floor
// (moving one calibrated range by 3e-7 relative took its SNR from 13.9 to
// 4.4 dB there; at commit 92a6225 the same move gives 15.3 -> 15.2 dB).
//
// On an amd64 CPU without FMA (where the non-purego build also runs these
// kernels) math.FMA would be emulated in software, tens of times slower:
// there fma32 rounds the product and the sum instead.
func fma32(a, b, c float32) float32 {
	if !hasFMA {
		return a*b + c
	}
	return float32(math.FMA(float64(a), float64(b), float64(c)))
}

// hasFMA says whether the CPU has the FMA instructions math.FMA uses.
var hasFMA = cpu.X86.HasFMA
