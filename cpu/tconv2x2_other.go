//go:build !amd64 || purego

package cpu

// Without assembly transposeFast runs every transposed convolution.
const useTconv2x2Asm = false

func tconv2x2Asm(n, inC int, in, wp *float32, bias float32, out *float32, ldo int) {
	panic("unreachable: tconv2x2Asm without assembly")
}
