//go:build !amd64

package cpu

// fma32 returns a*b+c. Go fuses it into one FMA instruction (one
// rounding, as the amd64 assembly's VFMADD) on the targets that have one
// (arm64, ppc64x, s390x, riscv64, loong64), at no cost; elsewhere it
// rounds the product and the sum.
func fma32(a, b, c float32) float32 {
	return a*b + c
}
