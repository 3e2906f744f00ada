package img

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	im, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s is not a valid PNG: %v", path, err)
	}
	return im
}

func TestWriteGridGray(t *testing.T) {
	// Three 2x2 grey images, two a row: the second row holds one image and
	// an empty (black) cell.
	x := []float32{
		-1, 0, 1, 2, // image 0: clamps at both ends
		-0.5, 0.5, float32(math.NaN()), 1, // image 1
		0, 0, 0, 0, // image 2
	}
	path := filepath.Join(t.TempDir(), "grid.png")
	if err := WriteGrid(path, x, 3, 1, 2, 2, 2, -1, 1); err != nil {
		t.Fatal(err)
	}
	im := readPNG(t, path)
	if b := im.Bounds(); b.Dx() != 2*2+3*Pad || b.Dy() != 2*2+3*Pad {
		t.Fatalf("grid is %dx%d, want 10x10", b.Dx(), b.Dy())
	}
	want := map[[2]int]uint8{ // (x, y) inside the tiles; everything else is padding
		{2, 2}: 0, {3, 2}: 128, {2, 3}: 255, {3, 3}: 255,
		{6, 2}: 64, {7, 2}: 191, {6, 3}: 0, {7, 3}: 255,
		{2, 6}: 128, {3, 6}: 128, {2, 7}: 128, {3, 7}: 128,
	}
	for y := range 10 {
		for x := range 10 {
			got := color.GrayModel.Convert(im.At(x, y)).(color.Gray).Y
			if w := want[[2]int{x, y}]; got != w {
				t.Errorf("pixel (%d, %d) = %d, want %d", x, y, got, w)
			}
		}
	}
}

func TestWriteGridRGB(t *testing.T) {
	// One 1x2 RGB image in CHW order: planes R, G, B.
	x := []float32{1, 0, 0, 1, 0.5, 0}
	path := filepath.Join(t.TempDir(), "rgb.png")
	if err := WriteGrid(path, x, 1, 3, 1, 2, 0, 0, 1); err != nil {
		t.Fatal(err)
	}
	im := readPNG(t, path)
	if b := im.Bounds(); b.Dx() != 2+2*Pad || b.Dy() != 1+2*Pad {
		t.Fatalf("grid is %dx%d", b.Dx(), b.Dy())
	}
	for _, c := range []struct {
		x       int
		r, g, b uint8
	}{{2, 255, 0, 128}, {3, 0, 255, 0}} {
		got := color.RGBAModel.Convert(im.At(c.x, 2)).(color.RGBA)
		if got != (color.RGBA{c.r, c.g, c.b, 255}) {
			t.Errorf("pixel (%d, 2) = %v, want %v", c.x, got, []uint8{c.r, c.g, c.b})
		}
	}
	if got := color.RGBAModel.Convert(im.At(0, 0)).(color.RGBA); got != (color.RGBA{0, 0, 0, 255}) {
		t.Errorf("padding %v, want opaque black", got)
	}
}

func TestWriteGridDefaultColumnsAndErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "g.png")
	if err := WriteGrid(path, make([]float32, 5), 5, 1, 1, 1, 0, 0, 1); err != nil {
		t.Fatal(err)
	}
	// ceil(sqrt(5)) = 3 columns, 2 rows.
	if b := readPNG(t, path).Bounds(); b.Dx() != 3+4*Pad || b.Dy() != 2+3*Pad {
		t.Errorf("5 images: %dx%d, want 11x8", b.Dx(), b.Dy())
	}
	for name, err := range map[string]error{
		"channels": WriteGrid(path, make([]float32, 8), 1, 2, 2, 2, 1, 0, 1),
		"short":    WriteGrid(path, make([]float32, 7), 2, 1, 2, 2, 1, 0, 1),
		"range":    WriteGrid(path, make([]float32, 4), 1, 1, 2, 2, 1, 1, 1),
		"no dir":   WriteGrid(filepath.Join(dir, "missing", "g.png"), make([]float32, 4), 1, 1, 2, 2, 1, 0, 1),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("folder holds %d entries after failed writes, want only g.png", len(entries))
	}
}

func TestWriteScatter(t *testing.T) {
	dir := t.TempDir()
	centers := [][2]float64{{2, 0}, {0, 2}, {-2, 0}, {0, -2}}
	points := [][2]float32{{2.01, 0}, {0, 1.98}, {-2, 0.02}, {0.1, -2}, {1e30, 0}, {float32(math.NaN()), 1}}
	path := filepath.Join(dir, "scatter.png")
	if err := WriteScatter(path, points, centers); err != nil {
		t.Fatal(err)
	}
	im := readPNG(t, path)
	if b := im.Bounds(); b.Dx() < 100 || b.Dx() != b.Dy() {
		t.Errorf("scatter is %dx%d, want a square of some size", b.Dx(), b.Dy())
	}
	// Something other than the white background was drawn.
	nonWhite := 0
	b := im.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			if r, g, bl, _ := im.At(x, y).RGBA(); r != 0xffff || g != 0xffff || bl != 0xffff {
				nonWhite++
			}
		}
	}
	if nonWhite < 100 {
		t.Errorf("only %d drawn pixels", nonWhite)
	}
	// Without centres, and with nothing at all, it still writes a PNG.
	for name, pts := range map[string][][2]float32{"no centres": points[:4], "empty": nil} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".png")
		if err := WriteScatter(p, pts, nil); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		readPNG(t, p)
	}
}

func TestViewKeepsCentresInSight(t *testing.T) {
	centers := [][2]float64{{-4, -4}, {4, 4}}
	// Span 8: the view grows for samples within 16 of the middle, not for
	// farther ones.
	xs, ys, out := view([][2]float32{{0, 0}, {-10, 3}, {1e6, 0}, {float32(math.Inf(1)), 0}}, centers)
	if xs != [2]float64{-10, 10} || ys != [2]float64{-10, 10} || out != 2 {
		t.Errorf("view x %v y %v, %d out; want ±10, 2 out", xs, ys, out)
	}
	xs, _, out = view([][2]float32{{0, 0}}, centers)
	if xs != [2]float64{-6, 6} || out != 0 {
		t.Errorf("view x %v, %d out; want ±6 (a quarter of the span around the centres)", xs, out)
	}
}

func TestSHA256File(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	content := []byte("exp artifact\n")
	if err := WriteAtomic(path, func(w io.Writer) error { _, err := w.Write(content); return err }); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(content)
	got, err := SHA256File(path)
	if err != nil || got != hex.EncodeToString(sum[:]) {
		t.Errorf("SHA256File = %s, %v; want %x", got, err, sum)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", fi.Mode().Perm())
	}
	if _, err := SHA256File(path + ".missing"); err == nil {
		t.Error("missing file hashed")
	}
}
