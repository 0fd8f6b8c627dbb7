//go:build !amd64

package fp16

const haveVector = false

func encodeVector(dst *uint16, src *uint32, n int, acc *vecAcc) int { return 0 }
