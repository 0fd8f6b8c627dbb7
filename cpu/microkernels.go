package cpu

import "unsafe"

// The microkernels the optimized convolution and fully connected paths are
// built on. Each has a pure-Go version (below, the specification and the
// fallback) and, on amd64 without the purego tag, an AVX2+FMA version
// chosen at run time (microkernels_amd64.go).
//
//   tile4x16(k, a0..a3, b, c): for r in 0..3, j in 0..15:
//       c[16r+j] += sum_{i<k} a_r[i] * b[16i+j]
//   tile1x16(k, a, b, c): the same for one row.
//   axpy(n, x, w, y): y[i] += x[i] * w[i] for i < n.
//
// The Go versions accumulate with fma32 (one rounding per multiply-add,
// as the assembly's VFMADD): products rounded one by one drift further
// from the exact result on long dot products. pose_landmark_heavy's
// segmentation output, which amplifies rounding about 100x, was 1.34e-4
// of its maximum from LiteRT's with separately rounded products (the
// tests allow 1e-4), 6.0e-5 with FMA.

// at returns p advanced by i float32s.
func at(p *float32, i int) *float32 {
	return (*float32)(unsafe.Add(unsafe.Pointer(p), uintptr(i)*4))
}

func tile4x16Go(k int, a0, a1, a2, a3, b, c *float32) {
	cs := unsafe.Slice(c, 64)
	as := [4][]float32{unsafe.Slice(a0, k), unsafe.Slice(a1, k), unsafe.Slice(a2, k), unsafe.Slice(a3, k)}
	bs := unsafe.Slice(b, 16*k)
	for r := 0; r < 4; r++ {
		var acc [16]float32
		copy(acc[:], cs[16*r:16*r+16])
		a := as[r]
		for i := 0; i < k; i++ {
			av := a[i]
			bv := bs[16*i : 16*i+16 : 16*i+16]
			for j := range acc {
				acc[j] = fma32(av, bv[j], acc[j])
			}
		}
		copy(cs[16*r:16*r+16], acc[:])
	}
}

func tile1x16Go(k int, a, b, c *float32) {
	cs := unsafe.Slice(c, 16)
	as := unsafe.Slice(a, k)
	bs := unsafe.Slice(b, 16*k)
	var acc [16]float32
	copy(acc[:], cs)
	for i := 0; i < k; i++ {
		av := as[i]
		bv := bs[16*i : 16*i+16 : 16*i+16]
		for j := range acc {
			acc[j] = fma32(av, bv[j], acc[j])
		}
	}
	copy(cs, acc[:])
}

func axpyGo(n int, x, w, y *float32) {
	xs, ws, ys := unsafe.Slice(x, n), unsafe.Slice(w, n), unsafe.Slice(y, n)
	for i := range ys {
		ys[i] = fma32(xs[i], ws[i], ys[i])
	}
}

// The dispatchers: the AVX2+FMA versions when the CPU has them (see
// microkernels_amd64.go), else the Go ones. Direct calls, so that
// pointers to stack arrays do not escape.

func tile4x16(k int, a0, a1, a2, a3, b, c *float32) {
	if useAsm {
		tile4x16Asm(k, a0, a1, a2, a3, b, c)
		return
	}
	tile4x16Go(k, a0, a1, a2, a3, b, c)
}

func tile1x16(k int, a, b, c *float32) {
	if useAsm {
		tile1x16Asm(k, a, b, c)
		return
	}
	tile1x16Go(k, a, b, c)
}

func axpy(n int, x, w, y *float32) {
	if useAsm {
		axpyAsm(n, x, w, y)
		return
	}
	axpyGo(n, x, w, y)
}

// KernelISA returns the instruction set of the microkernels in use
// ("avx2+fma" or "go").
func KernelISA() string {
	if useAsm {
		return asmISA
	}
	return "go"
}

// dwPixelGo computes, for channels j in [from, c):
// y[j] += sum_t x[offs[t]+j] * w[t*stride+j].
func dwPixelGo(from, c, stride int, x *float32, offs []int, w *float32, y *float32) {
	ys := unsafe.Slice(y, c)
	ws := unsafe.Slice(w, (len(offs)-1)*stride+c)
	for t, off := range offs {
		xs := unsafe.Slice(at(x, off), c)
		wt := ws[t*stride : t*stride+c]
		for j := from; j < c; j++ {
			ys[j] = fma32(xs[j], wt[j], ys[j])
		}
	}
}

// binClamp computes out[i] = clamp(a[i] op b[i], lo, hi) for contiguous
// operands, with the AVX2 kernels for ADD, SUB and MUL when available.
func binClamp(kind binOp, out, a, b []float32, lo, hi float32) {
	n := len(out)
	a, b = a[:n], b[:n]
	done := 0
	if useAsm && n >= 8 {
		switch kind {
		case binAdd:
			addClampAsm(n, &a[0], &b[0], &out[0], lo, hi)
			done = n &^ 7
		case binSub:
			subClampAsm(n, &a[0], &b[0], &out[0], lo, hi)
			done = n &^ 7
		case binMul:
			mulClampAsm(n, &a[0], &b[0], &out[0], lo, hi)
			done = n &^ 7
		}
	}
	if done < n {
		binSame(kind, out[done:], a[done:], b[done:])
		clampSlice(out[done:], lo, hi)
	}
}

// clampSlice clamps v to [lo, hi] in place.
func clampSlice(v []float32, lo, hi float32) {
	done := 0
	if useAsm && len(v) >= 8 {
		clampAsm(len(v), &v[0], &v[0], &v[0], lo, hi)
		done = len(v) &^ 7
	}
	for i := done; i < len(v); i++ {
		x := v[i]
		if x < lo {
			x = lo
		}
		if x > hi {
			x = hi
		}
		v[i] = x
	}
}
