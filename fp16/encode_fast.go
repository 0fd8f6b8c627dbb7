package fp16

import "math"

// vecAcc is encodeVector's running per-lane state.
type vecAcc struct {
	maxAbs [8]uint32
	maxRel [8]float32
}

// forceScalar disables the vector path (for tests).
var forceScalar = false

// encodeFast is encodeWords, using the vector path where the CPU has one:
// blocks of 8 values that are all zero or in float16's normal range go
// through encodeVector, any other block and the tail through
// encodeWords. Output and statistics are identical to encodeWords'.
func encodeFast(dst []uint16, src []uint32) Stats {
	n := len(src)
	if !haveVector || forceScalar || n < 8 {
		return encodeWords(dst, src)
	}
	dst = dst[:n]
	var total Stats
	var acc vecAcc
	n8 := n &^ 7
	for i := 0; i < n8; {
		i += encodeVector(&dst[i], &src[i], n8-i, &acc)
		if i < n8 {
			total.merge(encodeWords(dst[i:i+8], src[i:i+8]))
			i += 8
		}
	}
	if n8 < n {
		total.merge(encodeWords(dst[n8:], src[n8:]))
	}
	var v Stats
	var maxAbs uint32
	var maxRel float32
	for l := 0; l < 8; l++ {
		maxAbs = max(maxAbs, acc.maxAbs[l])
		maxRel = max(maxRel, acc.maxRel[l])
	}
	v.MaxAbs = math.Float32frombits(maxAbs)
	v.MaxRelError = float64(maxRel)
	total.merge(v)
	total.Elements = n
	return total
}
