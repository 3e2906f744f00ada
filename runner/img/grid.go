package img

import (
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
)

// Pad is the width in pixels of the border around and between the images of
// a grid, as torchvision's make_grid; the border is black.
const Pad = 2

// WriteGrid tiles n images of c channels (1 grey, 3 RGB) and h×w pixels,
// stored one after another in x in CHW order, into a PNG at path: cols images
// a row (cols ≤ 0 picks ceil(sqrt(n))), row-major, empty cells black. A value
// v becomes round(255·(v−lo)/(hi−lo)) clamped to 0..255; NaN becomes 0.
func WriteGrid(path string, x []float32, n, c, h, w, cols int, lo, hi float32) error {
	im, err := Grid(x, n, c, h, w, cols, lo, hi)
	if err != nil {
		return err
	}
	return WriteAtomic(path, func(out io.Writer) error { return png.Encode(out, im) })
}

// Grid is WriteGrid without the file: the tiled image (*image.Gray for c = 1,
// *image.RGBA for c = 3).
func Grid(x []float32, n, c, h, w, cols int, lo, hi float32) (image.Image, error) {
	switch {
	case n < 1 || h < 1 || w < 1:
		return nil, fmt.Errorf("img: grid of %d images of %dx%d", n, h, w)
	case c != 1 && c != 3:
		return nil, fmt.Errorf("img: %d channels; a grid takes 1 (grey) or 3 (RGB)", c)
	case len(x) < n*c*h*w:
		return nil, fmt.Errorf("img: %d values for %d images of %dx%dx%d", len(x), n, c, h, w)
	case !(lo < hi) || math.IsInf(float64(hi-lo), 0):
		return nil, errors.New("img: the value range needs lo < hi, both finite")
	}
	if cols <= 0 {
		cols = int(math.Ceil(math.Sqrt(float64(n))))
	}
	cols = min(cols, n)
	rows := (n + cols - 1) / cols
	W, H := cols*w+(cols+1)*Pad, rows*h+(rows+1)*Pad
	scale := 255 / (float64(hi) - float64(lo))
	level := func(v float32) uint8 {
		f := math.Round((float64(v) - float64(lo)) * scale)
		switch {
		case !(f > 0): // also NaN
			return 0
		case f > 255:
			return 255
		}
		return uint8(f)
	}
	var gray *image.Gray
	var rgba *image.RGBA
	if c == 1 {
		gray = image.NewGray(image.Rect(0, 0, W, H))
	} else {
		rgba = image.NewRGBA(image.Rect(0, 0, W, H))
		for i := 3; i < len(rgba.Pix); i += 4 {
			rgba.Pix[i] = 255 // opaque black padding
		}
	}
	for k := range n {
		x0 := Pad + (k%cols)*(w+Pad)
		y0 := Pad + (k/cols)*(h+Pad)
		ex := x[k*c*h*w : (k+1)*c*h*w]
		for i := range h {
			for j := range w {
				if c == 1 {
					gray.SetGray(x0+j, y0+i, color.Gray{Y: level(ex[i*w+j])})
					continue
				}
				rgba.SetRGBA(x0+j, y0+i, color.RGBA{
					R: level(ex[i*w+j]),
					G: level(ex[h*w+i*w+j]),
					B: level(ex[2*h*w+i*w+j]),
					A: 255,
				})
			}
		}
	}
	if c == 1 {
		return gray, nil
	}
	return rgba, nil
}
