package tensorio

import (
	"encoding/binary"
	"fmt"
	"image"
	"image/draw"
	_ "image/jpeg" // registers the JPEG decoder
	_ "image/png"  // registers the PNG decoder
	"math"
	"os"

	xdraw "golang.org/x/image/draw"

	"github.com/fp16tool/fp16tool/graph"
)

// ImageOptions says how pixels become input values: each channel value
// p in [0, 255] becomes (p - Mean) / Std. Mean 127.5, Std 127.5 gives
// [-1, 1]; Mean 0, Std 255 gives [0, 1].
type ImageOptions struct {
	Mean, Std float32
}

// Common input ranges.
var (
	// RangeMinusOneOne maps pixels to [-1, 1].
	RangeMinusOneOne = ImageOptions{Mean: 127.5, Std: 127.5}
	// RangeZeroOne maps pixels to [0, 1].
	RangeZeroOne = ImageOptions{Mean: 0, Std: 255}
)

// LoadImage decodes a PNG or JPEG photo and returns it as a FLOAT32 NHWC
// tensor of shape, which must be [1, H, W, 3]: the photo resized to W×H
// with bilinear interpolation (the aspect ratio is not kept), RGB order,
// each value (p - opt.Mean) / opt.Std.
func LoadImage(path string, shape []int, opt ImageOptions) (Tensor, error) {
	f, err := os.Open(path)
	if err != nil {
		return Tensor{}, fmt.Errorf("tensorio: %w", err)
	}
	defer f.Close()
	img, format, err := image.Decode(f)
	if err != nil {
		return Tensor{}, fmt.Errorf("tensorio: %s: cannot decode image: %v", path, err)
	}
	t, err := ImageTensor(img, shape, opt)
	if err != nil {
		return Tensor{}, fmt.Errorf("tensorio: %s (%s): %v", path, format, err)
	}
	t.Name = baseName(path)
	return t, nil
}

// ImageTensor converts img as LoadImage does.
func ImageTensor(img image.Image, shape []int, opt ImageOptions) (Tensor, error) {
	if len(shape) != 4 || shape[0] != 1 || shape[3] != 3 || shape[1] <= 0 || shape[2] <= 0 {
		return Tensor{}, fmt.Errorf("want an NHWC shape [1 H W 3], got %v", shape)
	}
	if opt.Std == 0 || math.IsNaN(float64(opt.Std)) {
		return Tensor{}, fmt.Errorf("normalization std is %v, want a nonzero number", opt.Std)
	}
	b := img.Bounds()
	if b.Empty() {
		return Tensor{}, fmt.Errorf("image is empty (%v)", b)
	}
	h, w := shape[1], shape[2]
	if int64(h)*int64(w) > 1<<28 {
		return Tensor{}, fmt.Errorf("shape %v is too large", shape)
	}
	// Draw onto an opaque canvas so that transparent pixels (non-
	// premultiplied in PNG) come out as black-composited RGB.
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.Black, image.Point{}, draw.Src)
	if b.Dx() == w && b.Dy() == h {
		draw.Draw(dst, dst.Bounds(), img, b.Min, draw.Over)
	} else {
		xdraw.BiLinear.Scale(dst, dst.Bounds(), img, b, xdraw.Over, nil)
	}
	data := make([]byte, 4*h*w*3)
	k := 0
	for y := 0; y < h; y++ {
		row := dst.Pix[y*dst.Stride:]
		for x := 0; x < w; x++ {
			for c := 0; c < 3; c++ {
				v := (float32(row[4*x+c]) - opt.Mean) / opt.Std
				binary.LittleEndian.PutUint32(data[k:], math.Float32bits(v))
				k += 4
			}
		}
	}
	return Tensor{Type: graph.Float32, Shape: []int{1, h, w, 3}, Data: data}, nil
}
