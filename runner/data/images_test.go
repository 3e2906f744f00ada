package data

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func writePNG(t *testing.T, path string, im image.Image) {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, im); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func grayImage(w, h int, pix ...byte) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	copy(g.Pix, pix)
	return g
}

func TestLoadImagesClassFolders(t *testing.T) {
	dir := t.TempDir()
	// Written out of order: loading sorts classes and files by name.
	writePNG(t, filepath.Join(dir, "zebra", "b.png"), grayImage(2, 1, 10, 20))
	writePNG(t, filepath.Join(dir, "ant", "b.png"), grayImage(2, 1, 255, 0))
	writePNG(t, filepath.Join(dir, "ant", "a.png"), grayImage(2, 1, 0, 51))
	os.WriteFile(filepath.Join(dir, "ant", "notes.txt"), []byte("skipped"), 0o644)

	d, err := Load(Spec{Kind: "images", Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 3 || !slices.Equal(d.Shape, []int{1, 1, 2}) || d.NumClasses != 2 || !slices.Equal(d.Classes, []string{"ant", "zebra"}) {
		t.Fatalf("N %d shape %v classes %d %v", d.N, d.Shape, d.NumClasses, d.Classes)
	}
	if d.X != nil || len(d.raw) != 6 {
		t.Errorf("PNGs stored as %d floats and %d bytes, want bytes only", len(d.X), len(d.raw))
	}
	want := []float32{0, 0.2, 1, 0, 10.0 / 255, 20.0 / 255}
	if x := d.Floats(); !slices.Equal(x, want) || !slices.Equal(d.Labels, []int32{0, 0, 1}) {
		t.Errorf("values %v labels %v; want %v [0 0 1]", x, d.Labels, want)
	}
	sum := func(rel string) string { return fileSum(t, filepath.Join(dir, rel)) }
	wantSum := manifestChecksum([]manifestEntry{{"ant/a.png", sum("ant/a.png")}, {"ant/b.png", sum("ant/b.png")}, {"zebra/b.png", sum("zebra/b.png")}})
	if d.Checksum != wantSum {
		t.Error("checksum is not the manifest of the files")
	}
}

func TestLoadImagesRGBIsCHW(t *testing.T) {
	dir := t.TempDir()
	im := image.NewNRGBA(image.Rect(0, 0, 2, 1))
	im.Set(0, 0, color.NRGBA{255, 0, 0, 255})
	im.Set(1, 0, color.NRGBA{0, 255, 51, 255})
	writePNG(t, filepath.Join(dir, "c.png"), im)
	writePNG(t, filepath.Join(dir, "g.png"), grayImage(2, 1, 0, 255))
	d, err := Load(Spec{Kind: "images", Path: dir, Scale: "tanh"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(d.Shape, []int{3, 1, 2}) || d.Labels != nil {
		t.Fatalf("shape %v labels %v", d.Shape, d.Labels)
	}
	// Planes R, G, B; the grey image is repeated in all three.
	want := []float32{1, -1, -1, 1, -1, -0.6, -1, 1, -1, 1, -1, 1}
	x := d.Floats()
	for i := range want {
		if diff := x[i] - want[i]; diff > 1e-6 || diff < -1e-6 {
			t.Fatalf("values %v, want %v", x, want)
		}
	}
}

func TestLoadImagesErrors(t *testing.T) {
	mixed := t.TempDir()
	writePNG(t, filepath.Join(mixed, "a.png"), grayImage(1, 1))
	writePNG(t, filepath.Join(mixed, "cls", "b.png"), grayImage(1, 1))
	sizes := t.TempDir()
	writePNG(t, filepath.Join(sizes, "a.png"), grayImage(2, 2))
	writePNG(t, filepath.Join(sizes, "b.png"), grayImage(3, 2))
	broken := t.TempDir()
	os.WriteFile(filepath.Join(broken, "x.png"), []byte("not a png"), 0o644)
	empty := t.TempDir()
	emptyClass := t.TempDir()
	writePNG(t, filepath.Join(emptyClass, "one", "a.png"), grayImage(1, 1))
	os.Mkdir(filepath.Join(emptyClass, "two"), 0o755)
	cases := []struct{ dir, want string }{
		{mixed, "holds both PNG files (a.png) and class folders (cls)"},
		{sizes, "b.png is 3x2, but a.png is 2x2"},
		{broken, filepath.Join(broken, "x.png") + ": png"},
		{empty, "has no PNG files"},
		{emptyClass, filepath.Join(emptyClass, "two") + " has no PNG files"},
		{filepath.Join(empty, "nope"), "nope"},
	}
	for _, c := range cases {
		_, err := Load(Spec{Kind: "images", Path: c.dir})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("error %v, want one containing %q", err, c.want)
		}
	}
}
