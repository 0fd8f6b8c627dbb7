package fp16

import "golang.org/x/sys/cpu"

// haveVector reports whether encodeVector can run (AVX2 and F16C).
var haveVector = cpu.X86.HasAVX2 && cpu.X86.HasF16C

// encodeVector is implemented in encode_amd64.s.
//
//go:noescape
func encodeVector(dst *uint16, src *uint32, n int, acc *vecAcc) int
