package cpu

// qpadNHWC returns a PAD kernel for a 1-byte NHWC tensor padded on H, W
// and C only with the byte v (nil when the shapes are not that): each
// output row is copied from a row of fill bytes made at compile time,
// then each input pixel's channels are copied in (one copy per row when
// the channels are not padded).
func qpadNHWC(in, out *tensor, p []int, v byte) kernel {
	if len(in.shape) != 4 || len(p) != 8 || p[0] != 0 || p[1] != 0 || in.dtype.Size() != 1 || out.dtype.Size() != 1 {
		return nil
	}
	n, h, w, cin := in.shape[0], in.shape[1], in.shape[2], in.shape[3]
	top, left, before := p[2], p[4], p[6]
	oh, ow, cout := h+p[2]+p[3], w+p[4]+p[5], cin+p[6]+p[7]
	if out.n != n*oh*ow*cout {
		return nil
	}
	rowLen := ow * cout
	fillRow := make([]byte, rowLen)
	for i := range fillRow {
		fillRow[i] = v
	}
	return func() error {
		ov, iv := out.b[:n*oh*rowLen], in.b[:n*h*w*cin]
		for b := range n {
			for oy := range oh {
				orow := ov[(b*oh+oy)*rowLen:][:rowLen]
				iy := oy - top
				if iy < 0 || iy >= h {
					copy(orow, fillRow)
					continue
				}
				irow := iv[(b*h+iy)*w*cin:][:w*cin]
				if cin == cout {
					mid := orow[left*cout:][:w*cin]
					copy(orow[:left*cout], fillRow)
					copy(mid, irow)
					copy(orow[(left+w)*cout:], fillRow)
					continue
				}
				copy(orow, fillRow)
				o := orow[left*cout+before:]
				for x := range w {
					copy(o[x*cout:][:cin], irow[x*cin:][:cin])
				}
			}
		}
		return nil
	}
}
