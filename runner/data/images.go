package data

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
)

// loadImages reads a folder of PNG files, all of one size. Either the folder
// holds the PNGs (no labels) or it holds one sub-folder per class, the
// classes being the sub-folder names in sorted order. Files are taken in
// name order (classes first); files not ending in .png and names starting
// with '.' are skipped. The dataset has one channel when every pixel of every
// image is grey (R = G = B), else three. Transparent pixels count as
// composited onto black.
func loadImages(s Spec) (*Dataset, error) {
	if s.Path == "" {
		return nil, errors.New("images: path is required")
	}
	f, err := scaleFunc(s.Scale, true)
	if err != nil {
		return nil, err
	}
	files, classes, err := listImages(s.Path)
	if err != nil {
		return nil, err
	}
	var (
		w, h     int
		pixels   [][]byte // RGB, 3 bytes a pixel
		labels   []int32
		manifest []manifestEntry
		gray     = true
	)
	for _, fi := range files {
		path := filepath.Join(s.Path, fi.rel)
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		im, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r := im.Bounds()
		if pixels == nil {
			w, h = r.Dx(), r.Dy()
		} else if r.Dx() != w || r.Dy() != h {
			return nil, fmt.Errorf("%s is %dx%d, but %s is %dx%d; every image must have one size", path, r.Dx(), r.Dy(), files[0].rel, w, h)
		}
		rgb, g := rgbBytes(im)
		gray = gray && g
		pixels = append(pixels, rgb)
		if classes != nil {
			labels = append(labels, int32(fi.class))
		}
		manifest = append(manifest, manifestEntry{filepath.ToSlash(fi.rel), sha256Hex(b)})
	}
	c := 3
	if gray {
		c = 1
	}
	k, err := keep(s.Limit, len(pixels), s.Path)
	if err != nil {
		return nil, err
	}
	d := &Dataset{
		N:        k,
		Shape:    []int{c, h, w},
		Classes:  classes,
		Checksum: manifestChecksum(manifest),
	}
	if classes != nil {
		d.Labels = labels[:k:k]
		d.NumClasses = len(classes)
	}
	size := d.Size()
	d.raw, d.table = make([]byte, k*size), byteTable(f)
	for i, rgb := range pixels[:k] {
		ex := d.raw[i*size : (i+1)*size]
		for p := range w * h {
			if c == 1 {
				ex[p] = rgb[3*p]
				continue
			}
			for ch := range 3 { // CHW: plane ch, pixel p
				ex[ch*w*h+p] = rgb[3*p+ch]
			}
		}
	}
	return d, nil
}

type imageFile struct {
	rel   string
	class int
}

// listImages finds the PNGs of a folder and its class sub-folders.
func listImages(dir string) ([]imageFile, []string, error) {
	top, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, err
	}
	var (
		files   []imageFile
		classes []string
	)
	for _, e := range top {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		if e.IsDir() {
			classes = append(classes, e.Name())
		} else if isPNG(e.Name()) {
			files = append(files, imageFile{rel: e.Name()})
		}
	}
	if classes != nil && files != nil {
		return nil, nil, fmt.Errorf("%s holds both PNG files (%s) and class folders (%s); put every image in a class folder", dir, files[0].rel, classes[0])
	}
	for k, cl := range classes { // os.ReadDir sorts by name
		entries, err := os.ReadDir(filepath.Join(dir, cl))
		if err != nil {
			return nil, nil, err
		}
		n := len(files)
		for _, e := range entries {
			if !strings.HasPrefix(e.Name(), ".") && !e.IsDir() && isPNG(e.Name()) {
				files = append(files, imageFile{rel: filepath.Join(cl, e.Name()), class: k})
			}
		}
		if len(files) == n {
			return nil, nil, fmt.Errorf("class folder %s has no PNG files", filepath.Join(dir, cl))
		}
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("%s has no PNG files", dir)
	}
	return files, classes, nil
}

func isPNG(name string) bool { return strings.EqualFold(filepath.Ext(name), ".png") }

// rgbBytes returns the image's pixels as 8-bit RGB, row-major, and whether
// all of them are grey.
func rgbBytes(im image.Image) ([]byte, bool) {
	r := im.Bounds()
	out := make([]byte, 0, 3*r.Dx()*r.Dy())
	if g, ok := im.(*image.Gray); ok {
		for y := r.Min.Y; y < r.Max.Y; y++ {
			for _, v := range g.Pix[g.PixOffset(r.Min.X, y):g.PixOffset(r.Max.X, y)] {
				out = append(out, v, v, v)
			}
		}
		return out, true
	}
	gray := true
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := im.At(x, y).RGBA() // premultiplied: over black
			r8, g8, b8 := byte(cr>>8), byte(cg>>8), byte(cb>>8)
			gray = gray && r8 == g8 && g8 == b8
			out = append(out, r8, g8, b8)
		}
	}
	return out, gray
}
