package cpu

import (
	"math"

	"github.com/fp16tool/fp16tool/graph"
)

func init() { qbuiltins[graph.OpResizeBilinear] = keepParams(prepareQResizeBilinear, 0) }

// RESIZE_BILINEAR of INT8. With Options.Reference as TFLite's
// ResizeBilinearInteger: source coordinates in 10-bit fixed point, the
// four weighted neighbours summed in 20-bit fixed point and rounded half
// away from zero. Otherwise as XNNPACK's s8 ibilinear (what TFLite's
// XNNPACK delegate runs): float32 source coordinates, 11-bit weights,
// interpolated horizontally then vertically, rounded half up. The two
// differ by one or two steps on a fifth of the elements. Input and output
// have equal parameters (checked by keepParams).
func prepareQResizeBilinear(x *opCtx) (kernel, error) {
	r, err := resizeSetup(x, true)
	if err != nil {
		return nil, err
	}
	if r.in.dtype != graph.Int8 {
		return nil, x.errorf("input %v must be INT8", r.in)
	}
	n, ih, iw, c := r.n, r.ih, r.iw, r.c
	in, out := r.in, r.out
	if !x.c.opt.Reference {
		ys := bilinearAxis11(r.oh, r.ih, r.align, r.half)
		xs := bilinearAxis11(r.ow, r.iw, r.align, r.half)
		// Each source row is interpolated horizontally once (resizeH) into
		// one of two cached rows; each output row then combines its two
		// source rows vertically (resizeV).
		cols := make([]lerp32, len(xs))
		for i, xx := range xs {
			cols[i] = lerp32{lo: int32(xx.lo * c), hi: int32(xx.hi * c), frac: xx.frac}
		}
		cache := [2][]int32{make([]int32, r.ow*c), make([]int32, r.ow*c)}
		key := [2]int{-1, -1}
		hrow := func(iv []int8, b, y int) []int32 {
			k := b*ih + y
			for s := range key {
				if key[s] == k {
					return cache[s]
				}
			}
			s := 0
			if key[0] >= 0 && key[1] < key[0] {
				s = 1
			}
			key[s] = k
			resizeH(iv[k*iw*c:(k+1)*iw*c], c, cols, cache[s])
			return cache[s]
		}
		rowLen := r.ow * c
		return func() error {
			iv, ov := elems[int8](in), elems[int8](out)
			key = [2]int{-1, -1}
			o := 0
			for b := 0; b < n; b++ {
				for _, y := range ys {
					resizeV(hrow(iv, b, y.lo), hrow(iv, b, y.hi), y.frac, ov[o:o+rowLen])
					o += rowLen
				}
			}
			return nil
		}, nil
	}
	ys := bilinearAxis10(r.oh, r.ih, r.align, r.half)
	xs := bilinearAxis10(r.ow, r.iw, r.align, r.half)
	return func() error {
		iv, ov := elems[int8](in), elems[int8](out)
		bilinearEach(n, ih, iw, c, ys, xs, func(o, p00, p01, p10, p11 int, fy, fx int32) {
			w00 := int64(1024-fy) * int64(1024-fx)
			w10 := int64(fy) * int64(1024-fx)
			w01 := int64(1024-fy) * int64(fx)
			w11 := int64(fy) * int64(fx)
			for k := 0; k < c; k++ {
				v := int64(iv[p00+k])*w00 + int64(iv[p10+k])*w10 + int64(iv[p01+k])*w01 + int64(iv[p11+k])*w11
				if v > 0 {
					v += 1 << 19
				} else {
					v -= 1 << 19
				}
				ov[o+k] = int8(v / (1 << 20))
			}
		})
		return nil
	}, nil
}

// bilinearEach calls fn for every output pixel of a bilinear resize of an
// NHWC input [n, ih, iw, c]: the pixel's output offset, the offsets of its
// four source pixels (p01 to the right of p00, p10 below it) and the
// weights of the lower and right neighbours (the reference kernel's walk).
func bilinearEach(n, ih, iw, c int, ys, xs []lerp10, fn func(o, p00, p01, p10, p11 int, fy, fx int32)) {
	o := 0
	for b := 0; b < n; b++ {
		for _, y := range ys {
			for _, xx := range xs {
				fn(o, ((b*ih+y.lo)*iw+xx.lo)*c, ((b*ih+y.lo)*iw+xx.hi)*c, ((b*ih+y.hi)*iw+xx.lo)*c, ((b*ih+y.hi)*iw+xx.hi)*c, y.frac, xx.frac)
				o += c
			}
		}
	}
}

// lerp10 is one output coordinate of an integer bilinear resize: the two
// source indices and the weight of the upper one in 1/1024 (it may lie
// outside [0, 1024] at the borders with half-pixel centers, as in TFLite),
// or in 1/2048 for bilinearAxis11.
type lerp10 struct {
	lo, hi int
	frac   int32
}

// bilinearAxis10 is TFLite's ComputeInterpolationValuesInteger for every
// output coordinate along one axis, with its 10-bit scale.
func bilinearAxis10(out, in int, align, half bool) []lerp10 {
	scale := int32(((1<<10)*in + out/2) / out)
	if align && out > 1 {
		scale = int32(((1<<10)*(in-1) + (out-1)/2) / (out - 1))
	}
	r := make([]lerp10, out)
	for i := range r {
		v := int32(i) * scale
		if half {
			v += scale/2 - (1 << 9)
		}
		lo := max(v/(1<<10), 0)
		hi := min((v+(1<<10)-1)/(1<<10), int32(in-1))
		r[i] = lerp10{lo: int(lo), hi: int(hi), frac: v - (1<<10)*lo}
	}
	return r
}

// bilinearAxis11 is XNNPACK's ibilinear weight packing along one axis:
// source coordinate in float32 ((i + 0.5) × scale - 0.5 clamped to the
// input with half-pixel centers, i × scale otherwise, scale (in-1)/(out-1)
// with align_corners), the upper neighbour's weight in 1/2048 rounded half
// to even.
func bilinearAxis11(out, in int, align, half bool) []lerp10 {
	adj := 0
	if align && out != 1 {
		adj = 1
	}
	scale := float32(in-adj) / float32(out-adj)
	r := make([]lerp10, out)
	for i := range r {
		var v float32
		if half && !align {
			v = min(max((float32(i)+0.5)*scale-0.5, 0), float32(in-1))
		} else {
			v = float32(i) * scale
		}
		lo := int(v)
		hi := min(lo+1, in-1)
		r[i] = lerp10{lo: lo, hi: hi, frac: int32(math.RoundToEven(float64((v - float32(lo)) * 2048)))}
	}
	return r
}

// lerp32 is one output column of resizeH: the byte offsets of its left
// and right source pixels in the row and the right one's weight in 1/2048.
type lerp32 struct{ lo, hi, frac int32 }

// resizeH is XNNPACK's horizontal ibilinear pass over one source row src
// of c channels: for each output column and channel, l<<11 + (r-l)×frac
// (exact in int32), written to dst.
func resizeH(src []int8, c int, cols []lerp32, dst []int32) {
	dst = dst[:len(cols)*c]
	if useResizeAsm && c%8 == 0 && len(cols) > 0 && c > 0 {
		resizeHAsm(c, len(cols), &src[0], &cols[0], &dst[0])
		return
	}
	o := 0
	for _, xx := range cols {
		l, rr := src[xx.lo:xx.lo+int32(c)], src[xx.hi:xx.hi+int32(c)]
		d := dst[o : o+c]
		for j := range d {
			d[j] = int32(l[j])<<11 + (int32(rr[j])-int32(l[j]))*xx.frac
		}
		o += c
	}
}

// resizeV is XNNPACK's vertical ibilinear pass: the output row from the
// horizontally interpolated rows top and bot and the lower row's weight
// fy in 1/2048, rounded half up.
func resizeV(top, bot []int32, fy int32, out []int8) {
	n := 0
	if useResizeAVX512 && len(out) >= 32 {
		n = len(out) &^ 31
		resizeVAVX512(n, &top[0], &bot[0], fy, &out[0])
	}
	if useResizeAsm && len(out)-n >= 8 {
		m := (len(out) - n) &^ 7
		resizeVAsm(m, &top[n], &bot[n], fy, &out[n])
		n += m
	}
	top, bot = top[:len(out)], bot[:len(out)]
	for j := n; j < len(out); j++ {
		t := top[j]
		out[j] = int8((t<<11 + (bot[j]-t)*fy + 1<<21) >> 22)
	}
}
