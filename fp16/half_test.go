package fp16

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"runtime"
	"sync"
	"testing"

	"github.com/x448/float16"
)

// want is the reference: x448's RNE conversion, with the documented clamp.
func want(u uint32) uint16 {
	if a := u & 0x7fffffff; a > 0x477fe000 && a < 0x7f800000 {
		return uint16(u>>16)&0x8000 | 0x7bff
	}
	return float16.Fromfloat32(math.Float32frombits(u)).Bits()
}

// edgeBits are float32 patterns around every float16 rounding boundary:
// each combination of sign, exponent and top 10 mantissa bits, with the
// 13 low bits at the values where rounding changes.
func edgeBits() []uint32 {
	lows := []uint32{0, 1, 0x0fff, 0x1000, 0x1001, 0x1fff, 0x17ff, 0x0800}
	out := make([]uint32, 0, (1<<19)*len(lows))
	for hi := uint32(0); hi < 1<<19; hi++ {
		for _, lo := range lows {
			out = append(out, hi<<13|lo)
		}
	}
	return out
}

func checkEncode(t *testing.T, bits []uint32) {
	t.Helper()
	src := make([]byte, 4*len(bits))
	for i, u := range bits {
		binary.LittleEndian.PutUint32(src[4*i:], u)
	}
	dst := make([]byte, 2*len(bits))
	Encode(dst, src)
	bad := 0
	for i, u := range bits {
		got := binary.LittleEndian.Uint16(dst[2*i:])
		if w := want(u); got != w {
			if bad < 10 {
				t.Errorf("Encode(%#08x) = %#04x, want %#04x", u, got, w)
			}
			bad++
		}
		if b := Bits(math.Float32frombits(u)); b != want(u) {
			if bad < 10 {
				t.Errorf("Bits(%#08x) = %#04x, want %#04x", u, b, want(u))
			}
			bad++
		}
	}
	if bad > 0 {
		t.Fatalf("%d mismatches", bad)
	}
}

func TestEncodeMatchesX448Edges(t *testing.T) {
	checkEncode(t, edgeBits())
	// The scalar path alone (what CPUs without AVX2+F16C run).
	forceScalar = true
	defer func() { forceScalar = false }()
	checkEncode(t, edgeBits())
}

func TestEncodeMatchesX448Random(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	bits := make([]uint32, 1<<22)
	for i := range bits {
		bits[i] = r.Uint32()
	}
	checkEncode(t, bits)
}

// TestEncodeExhaustive checks all 2^32 float32 bit patterns; it takes
// minutes of CPU, so it runs only with FP16_EXHAUSTIVE=1.
func TestEncodeExhaustive(t *testing.T) {
	if os.Getenv("FP16_EXHAUSTIVE") != "1" {
		t.Skip("set FP16_EXHAUSTIVE=1 to check all 2^32 float32 patterns")
	}
	const block = 1 << 24
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var mu sync.Mutex
	bad := 0
	for start := uint64(0); start < 1<<32; start += block {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			src := make([]byte, 4*block)
			for i := 0; i < block; i++ {
				binary.LittleEndian.PutUint32(src[4*i:], uint32(start)+uint32(i))
			}
			dst := make([]byte, 2*block)
			encode(dst, src)
			n := 0
			for i := 0; i < block; i++ {
				if binary.LittleEndian.Uint16(dst[2*i:]) != want(uint32(start)+uint32(i)) {
					n++
				}
			}
			mu.Lock()
			bad += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if bad != 0 {
		t.Fatalf("%d of 2^32 patterns differ from x448", bad)
	}
}

func f32bytes(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, f := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(f))
	}
	return b
}

func TestEncodeStats(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	tests := []struct {
		name string
		in   []float32
		want Stats
	}{
		{"exact", []float32{0, 1, -2, 0.5}, Stats{Elements: 4, MaxAbs: 2}},
		{"clamp", []float32{1e6, -70000, 65504, 65519}, Stats{Elements: 4, Clamped: 3, MaxAbs: 1e6}},
		{"nan inf", []float32{nan, inf, -inf, 3}, Stats{Elements: 4, NaN: 1, Inf: 2, MaxAbs: 3}},
		{"underflow", []float32{1e-9, -1e-10, 1e-6}, Stats{Elements: 3, Underflow: 2, Subnormal: 1, MaxAbs: 1e-6,
			MaxRelError: float64(float32(math.Abs(float64(float16.Fromfloat32(1e-6).Float32())-float64(float32(1e-6)))) / float32(1e-6))}},
		{"rounding", []float32{1 + 1.0/4096}, Stats{Elements: 1, MaxAbs: 1 + 1.0/4096, MaxRelError: float64(float32(1.0/4096) / float32(1+1.0/4096))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := f32bytes(tc.in...)
			dst := make([]byte, len(src)/2)
			got := Encode(dst, src)
			if got != tc.want {
				t.Errorf("stats = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestDecodeRoundTrip(t *testing.T) {
	// Every non-NaN float16 survives decode then encode bit for bit.
	src := make([]byte, 2<<16)
	for i := 0; i < 1<<16; i++ {
		binary.LittleEndian.PutUint16(src[2*i:], uint16(i))
	}
	f32 := make([]byte, 4<<16)
	Decode(f32, src)
	back := make([]byte, 2<<16)
	Encode(back, f32)
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		if float16.Frombits(h).IsNaN() {
			continue
		}
		if got := binary.LittleEndian.Uint16(back[2*i:]); got != h {
			t.Fatalf("round trip of %#04x gave %#04x", h, got)
		}
		if got := math.Float32frombits(binary.LittleEndian.Uint32(f32[4*i:])); got != float16.Frombits(h).Float32() {
			t.Fatalf("Decode(%#04x) = %v", h, got)
		}
	}
}

// BenchmarkEncode converts 14M values, the size of pose_landmark_heavy's
// weights.
func BenchmarkEncode(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	const n = 14 << 20
	src := make([]byte, 4*n)
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint32(src[4*i:], math.Float32bits(float32(r.NormFloat64()*0.1)))
	}
	dst := make([]byte, 2*n)
	b.SetBytes(4 * n)
	b.ResetTimer()
	for b.Loop() {
		Encode(dst, src)
	}
}

// TestEncodeUnaligned covers the scratch-buffer path taken for slices that
// are not 4-byte aligned.
func TestEncodeUnaligned(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	const n = 10000
	buf := make([]byte, 4*n+1)
	src := buf[1:]
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint32(src[4*i:], r.Uint32())
	}
	aligned := append([]byte(nil), src...)
	got, want := make([]byte, 2*n+1)[1:], make([]byte, 2*n)
	sg, sw := Encode(got, src), Encode(want, aligned)
	if string(got) != string(want) || sg != sw {
		t.Fatalf("unaligned encode differs: stats %+v vs %+v", sg, sw)
	}
}

// TestEncodeFastMatchesScalar checks that the vector path gives the same
// float16 values and the same statistics as the scalar reference, on
// weight-like data with rare values (clamp, NaN, Inf, subnormal,
// underflow, zeros) sprinkled at random places and lengths that are not
// multiples of 8.
func TestEncodeFastMatchesScalar(t *testing.T) {
	if !haveVector {
		t.Skip("no vector path on this CPU")
	}
	r := rand.New(rand.NewPCG(7, 8))
	rare := []float32{1e6, -7e4, float32(math.NaN()), float32(math.Inf(-1)), 3e-6, -1e-9, 0, 65504, 6.1035156e-05, 6.1e-05}
	for _, tc := range []struct {
		n      int
		sprink float64
		scale  float64
	}{{1, 0, 1}, {7, 0, 1}, {8, 0, 1}, {1001, 0, 0.1}, {100003, 0, 0.05}, {100003, 0.001, 0.1}, {4099, 0.2, 1}, {65536, 0, 3e4}} {
		src := make([]uint32, tc.n)
		for i := range src {
			f := float32(r.NormFloat64() * tc.scale)
			if r.Float64() < tc.sprink {
				f = rare[r.IntN(len(rare))]
			}
			src[i] = math.Float32bits(f)
		}
		a, b := make([]uint16, tc.n), make([]uint16, tc.n)
		sa := encodeFast(a, src)
		sb := encodeWords(b, src)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("n=%d sprinkle=%v: values differ", tc.n, tc.sprink)
		}
		if sa != sb {
			t.Errorf("n=%d sprinkle=%v: stats %+v, scalar %+v", tc.n, tc.sprink, sa, sb)
		}
	}
}
