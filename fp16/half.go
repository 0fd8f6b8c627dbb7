// Package fp16 holds the float16 passes over a graph.Model: Quantize stores
// float32 constants as IEEE binary16 and reads them through DEQUANTIZE ops,
// as the TFLite converter does with supported_types=[tf.float16]; Expand
// folds such DEQUANTIZE ops (and int8 weight-only ones) back into float32
// constants. Both report range safety per tensor.
//
// Rounding is IEEE round-to-nearest-even, bit-identical to
// github.com/x448/float16, except that finite values beyond ±65504 are
// clamped to ±65504 (and counted) instead of becoming ±Inf.
package fp16

import (
	"encoding/binary"
	"math"
	"runtime"
	"sync"
	"unsafe"

	"github.com/x448/float16"
)

// MaxFloat16 is the largest finite float16 value.
const MaxFloat16 = 65504

// Stats are the range-safety counts of converting one float32 tensor to
// float16.
type Stats struct {
	// Elements is the number of values converted.
	Elements int `json:"elements"`
	// Clamped counts finite values beyond ±65504, stored as ±65504.
	Clamped int `json:"clamped"`
	// Underflow counts nonzero values that became (signed) zero.
	Underflow int `json:"underflow"`
	// Subnormal counts values stored as float16 subnormals (reduced
	// precision).
	Subnormal int `json:"subnormal"`
	// NaN and Inf count NaN and infinite values (kept as they are).
	NaN int `json:"nan"`
	Inf int `json:"inf"`
	// MaxAbs is the largest finite magnitude before conversion.
	MaxAbs float32 `json:"max_abs"`
	// MaxRelError is the largest |f16(x)-x|/|x| (computed in float32)
	// over finite nonzero x that neither underflowed to zero nor was
	// clamped (those are counted above instead).
	MaxRelError float64 `json:"max_rel_error"`
}

func (s *Stats) merge(o Stats) {
	s.Elements += o.Elements
	s.Clamped += o.Clamped
	s.Underflow += o.Underflow
	s.Subnormal += o.Subnormal
	s.NaN += o.NaN
	s.Inf += o.Inf
	if o.MaxAbs > s.MaxAbs {
		s.MaxAbs = o.MaxAbs
	}
	if o.MaxRelError > s.MaxRelError {
		s.MaxRelError = o.MaxRelError
	}
}

// Bits returns the float16 bits of f, rounding to nearest even, with
// finite values beyond ±65504 clamped to ±65504.
func Bits(f float32) uint16 {
	u := math.Float32bits(f)
	if a := u & 0x7fffffff; a > 0x477fe000 && a < 0x7f800000 {
		return uint16(u>>16)&0x8000 | 0x7bff
	}
	return float16.Fromfloat32(f).Bits()
}

var (
	toF32Once  sync.Once
	toF32Table *[1 << 16]float32
)

// f16Table returns the float32 value of every float16 bit pattern.
func f16Table() *[1 << 16]float32 {
	toF32Once.Do(func() {
		t := new([1 << 16]float32)
		for i := range t {
			t[i] = float16.Frombits(uint16(i)).Float32()
		}
		toF32Table = t
	})
	return toF32Table
}

// Float32 returns the float32 value of float16 bits h (exact).
func Float32(h uint16) float32 { return f16Table()[h] }

// parallelMin is the element count from which conversions are split over
// several goroutines.
const parallelMin = 1 << 18

// chunks calls fn on [lo,hi) ranges covering n elements, in parallel for
// large n, and returns after all calls have.
func chunks(n int, fn func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < parallelMin || workers < 2 {
		fn(0, n)
		return
	}
	if max := n / (parallelMin / 4); workers > max {
		workers = max
	}
	step := (n + workers - 1) / workers
	var wg sync.WaitGroup
	for lo := 0; lo < n; lo += step {
		hi := min(lo+step, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			fn(lo, hi)
		}()
	}
	wg.Wait()
}

// Encode converts little-endian float32 values in src to little-endian
// float16 values in dst (len(dst) must be len(src)/2) and returns the
// range-safety statistics. It panics if the lengths do not match; callers
// check them first.
func Encode(dst, src []byte) Stats {
	n := len(src) / 4
	if len(src)%4 != 0 || len(dst) != 2*n {
		panic("fp16.Encode: length mismatch")
	}
	if n < parallelMin {
		return encode(dst, src)
	}
	var mu sync.Mutex
	var total Stats
	chunks(n, func(lo, hi int) {
		s := encode(dst[2*lo:2*hi], src[4*lo:4*hi])
		mu.Lock()
		total.merge(s)
		mu.Unlock()
	})
	return total
}

// nativeLittle reports whether this machine stores integers little
// endian, as .tflite data is.
var nativeLittle = binary.NativeEndian.Uint16([]byte{1, 0}) == 1

// encode is the single-threaded loop of Encode: in place on the bytes
// viewed as []uint32 and []uint16 when the machine is little endian and
// the slices are aligned (always, for data loaded from a file or
// allocated by make), else through aligned scratch buffers.
func encode(dst, src []byte) Stats {
	n := len(src) / 4
	if n == 0 {
		return Stats{}
	}
	if nativeLittle && uintptr(unsafe.Pointer(&src[0]))%4 == 0 && uintptr(unsafe.Pointer(&dst[0]))%2 == 0 {
		return encodeFast(unsafe.Slice((*uint16)(unsafe.Pointer(&dst[0])), n), unsafe.Slice((*uint32)(unsafe.Pointer(&src[0])), n))
	}
	const chunk = 4096
	in := make([]uint32, chunk)
	out := make([]uint16, chunk)
	var total Stats
	for lo := 0; lo < n; lo += chunk {
		hi := min(lo+chunk, n)
		for i := lo; i < hi; i++ {
			in[i-lo] = binary.LittleEndian.Uint32(src[4*i:])
		}
		total.merge(encodeFast(out[:hi-lo], in[:hi-lo]))
		for i := lo; i < hi; i++ {
			binary.LittleEndian.PutUint16(dst[2*i:], out[i-lo])
		}
	}
	return total
}

// encodeWords converts float32 bit patterns src to float16 bit patterns
// dst (len(dst) == len(src)) and returns the statistics. It is the
// reference the vector path (encodeFast) must match bit for bit,
// statistics included.
func encodeWords(dst []uint16, src []uint32) Stats {
	tab := f16Table()
	dst = dst[:len(src)]
	var s Stats
	s.Elements = len(src)
	var maxAbs uint32
	var maxRel float32
	relNum, relDen, relA := uint64(0), uint64(1), uint32(0)
	for i, u := range src {
		a := u & 0x7fffffff
		var h uint16
		switch {
		case a == 0:
			h = uint16(u >> 16)
		case a >= 0x7f800000:
			if a == 0x7f800000 {
				s.Inf++
			} else {
				s.NaN++
			}
			h = float16.Fromfloat32(math.Float32frombits(u)).Bits()
		case a > 0x477fe000:
			s.Clamped++
			h = uint16(u>>16)&0x8000 | 0x7bff
			if a > maxAbs {
				maxAbs = a
			}
		case a >= 0x38800000:
			// Normal float16 range: rebias the exponent and round the 13
			// dropped mantissa bits to nearest even; a mantissa carry
			// correctly bumps the exponent, and a <= 0x477fe000 keeps the
			// result finite.
			if a > maxAbs {
				maxAbs = a
			}
			ha := (a - 0x38000000 + 0x0fff + (a>>13)&1) >> 13
			h = uint16(u>>16)&0x8000 | uint16(ha)
			// The rounding error in float32 ulps is the difference of the
			// bit patterns (linear within a binade, and across one when
			// rounding carries); x is (2^23+mantissa) ulps. Track the
			// element with the largest exact ratio; rounding the ratio to
			// float32 is monotonic, so it also has the largest float32
			// ratio, computed once at the end.
			diff := int32(ha<<13+0x38000000) - int32(a)
			m := diff >> 31
			diff = (diff ^ m) - m
			den := uint64(1<<23 | a&0x7fffff)
			if uint64(diff)*relDen > relNum*den {
				relNum, relDen, relA = uint64(diff), den, a
			}
		default:
			if a > maxAbs {
				maxAbs = a
			}
			x := math.Float32frombits(a)
			ha := float16.Fromfloat32(x).Bits()
			h = uint16(u>>16)&0x8000 | ha
			if ha == 0 {
				s.Underflow++
				break
			}
			if ha < 0x0400 {
				s.Subnormal++
			}
			d := tab[ha] - x
			if d < 0 {
				d = -d
			}
			if r := d / x; r > maxRel {
				maxRel = r
			}
		}
		dst[i] = h
	}
	if relNum > 0 {
		x := math.Float32frombits(relA)
		y := math.Float32frombits((relA-0x38000000+0x0fff+(relA>>13)&1)>>13<<13 + 0x38000000)
		d := y - x
		if d < 0 {
			d = -d
		}
		maxRel = max(maxRel, d/x)
	}
	s.MaxAbs = math.Float32frombits(maxAbs)
	s.MaxRelError = float64(maxRel)
	return s
}

// Decode converts little-endian float16 values in src to little-endian
// float32 values in dst (len(dst) must be 2*len(src)); exact.
func Decode(dst, src []byte) {
	n := len(src) / 2
	if len(src)%2 != 0 || len(dst) != 4*n {
		panic("fp16.Decode: length mismatch")
	}
	tab := f16Table()
	chunks(n, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			f := tab[binary.LittleEndian.Uint16(src[2*i:])]
			binary.LittleEndian.PutUint32(dst[4*i:], math.Float32bits(f))
		}
	})
}
