package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// idxBytes builds an IDX file by hand: magic 0x0000TTNN, sizes, data.
func idxBytes(typ byte, dims []uint32, data []byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0, 0, typ, byte(len(dims))})
	for _, d := range dims {
		binary.Write(&b, binary.BigEndian, d)
	}
	b.Write(data)
	return b.Bytes()
}

func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	w.Write(b)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return z.Bytes()
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDecodeIDXRawAndGzip(t *testing.T) {
	pix := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255}
	raw := idxBytes(IDXUint8, []uint32{2, 2, 3}, pix)
	if got := binary.BigEndian.Uint32(raw); got != 2051 {
		t.Fatalf("hand-built magic = %d, want MNIST's 2051", got)
	}
	for name, b := range map[string][]byte{"raw": raw, "gzip": gzipBytes(t, raw)} {
		m, err := DecodeIDX(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if m.Type != IDXUint8 || !slices.Equal(m.Dims, []int{2, 2, 3}) || !bytes.Equal(m.Data, pix) {
			t.Errorf("%s: got type %#x dims %v data %v", name, m.Type, m.Dims, m.Data)
		}
		if m.Len() != 12 || m.At(11) != 255 {
			t.Errorf("%s: Len %d, At(11) %v", name, m.Len(), m.At(11))
		}
	}
}

func TestDecodeIDXTypes(t *testing.T) {
	var f32, f64, i16, i32 bytes.Buffer
	binary.Write(&f32, binary.BigEndian, []float32{1.5, -2})
	binary.Write(&f64, binary.BigEndian, []float64{math.Pi, -1e300})
	binary.Write(&i16, binary.BigEndian, []int16{-300, 7})
	binary.Write(&i32, binary.BigEndian, []int32{-70000, 1 << 30})
	cases := []struct {
		typ  byte
		data []byte
		want []float64
	}{
		{IDXInt8, []byte{0xff, 5}, []float64{-1, 5}},
		{IDXInt16, i16.Bytes(), []float64{-300, 7}},
		{IDXInt32, i32.Bytes(), []float64{-70000, 1 << 30}},
		{IDXFloat32, f32.Bytes(), []float64{1.5, -2}},
		{IDXFloat64, f64.Bytes(), []float64{math.Pi, -1e300}},
	}
	for _, c := range cases {
		m, err := DecodeIDX(bytes.NewReader(idxBytes(c.typ, []uint32{2}, c.data)))
		if err != nil {
			t.Fatalf("type %#x: %v", c.typ, err)
		}
		for i, w := range c.want {
			if m.At(i) != w {
				t.Errorf("type %#x: At(%d) = %v, want %v", c.typ, i, m.At(i), w)
			}
		}
	}
}

func TestDecodeIDXErrors(t *testing.T) {
	good := idxBytes(IDXUint8, []uint32{2, 3}, []byte{1, 2, 3, 4, 5, 6})
	badCRC := gzipBytes(t, good)
	badCRC[len(badCRC)-8] ^= 0xff // the CRC-32 in the gzip trailer
	cases := map[string]struct {
		b    []byte
		want string
	}{
		"empty":        {nil, "IDX header"},
		"magic":        {append([]byte{1}, good[1:]...), "not an IDX file"},
		"type":         {idxBytes(0x07, []uint32{1}, []byte{0}), "element type"},
		"zero dims":    {[]byte{0, 0, 8, 0}, "zero dimensions"},
		"short header": {good[:6], "IDX header"},
		"truncated":    {good[:len(good)-1], "truncated"},
		"trailing":     {append(slices.Clone(good), 9), "after the 6 bytes"},
		"huge":         {idxBytes(IDXFloat64, []uint32{1 << 31, 1 << 31}, nil), "exceed"},
		"gzip crc":     {badCRC, "checksum"},
	}
	for name, c := range cases {
		_, err := DecodeIDX(bytes.NewReader(c.b))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one mentioning %q", name, err, c.want)
		}
	}
}

func TestLoadIDX(t *testing.T) {
	dir := t.TempDir()
	pix := []byte{0, 255, 51, 102, 153, 204, 0, 0, 0, 255, 255, 255}
	img := writeFile(t, dir, "x.idx.gz", gzipBytes(t, idxBytes(IDXUint8, []uint32{2, 2, 3}, pix)))
	lab := writeFile(t, dir, "y.idx", idxBytes(IDXUint8, []uint32{2}, []byte{4, 1}))

	d, err := Load(Spec{Kind: "idx", Name: "mine", Path: img, Labels: lab, Scale: "tanh"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "mine" || d.N != 2 || !slices.Equal(d.Shape, []int{1, 2, 3}) || d.Size() != 6 {
		t.Fatalf("got name %q N %d shape %v", d.Name, d.N, d.Shape)
	}
	if d.X != nil || len(d.raw) != len(pix) {
		t.Errorf("uint8 IDX stored as %d floats and %d bytes, want bytes only", len(d.X), len(d.raw))
	}
	x := d.Floats()
	for i, p := range pix {
		if want := float32(float64(p)/127.5 - 1); x[i] != want {
			t.Errorf("value %d = %v, want %v", i, x[i], want)
		}
	}
	if !slices.Equal(d.Labels, []int32{4, 1}) || d.NumClasses != 5 {
		t.Errorf("labels %v classes %d", d.Labels, d.NumClasses)
	}
	imgSum, labSum := fileSum(t, img), fileSum(t, lab)
	if want := manifestChecksum([]manifestEntry{{"images", imgSum}, {"labels", labSum}}); d.Checksum != want {
		t.Errorf("checksum %s, want %s", d.Checksum, want)
	}

	// Without labels the checksum is the file's own SHA-256; limit keeps the first.
	d, err = Load(Spec{Kind: "idx", Path: img, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if x := d.Floats(); d.Checksum != imgSum || d.N != 1 || len(x) != 6 || x[1] != 1 || d.Labels != nil {
		t.Errorf("unlabelled: checksum %s N %d values %v labels %v", d.Checksum, d.N, x, d.Labels)
	}
}

func TestLoadIDXFloatVectors(t *testing.T) {
	var b bytes.Buffer
	binary.Write(&b, binary.BigEndian, []float32{0.25, -3, 7, 1e-3})
	p := writeFile(t, t.TempDir(), "v.idx", idxBytes(IDXFloat32, []uint32{2, 2}, b.Bytes()))
	d, err := Load(Spec{Kind: "idx", Path: p})
	if err != nil {
		t.Fatal(err)
	}
	// Non-byte data keeps its values unless a scale is asked for.
	if !slices.Equal(d.Shape, []int{2}) || !slices.Equal(d.Floats(), []float32{0.25, -3, 7, 1e-3}) {
		t.Errorf("shape %v values %v", d.Shape, d.Floats())
	}
}

func TestLoadIDXErrorsNameTheFile(t *testing.T) {
	dir := t.TempDir()
	img := writeFile(t, dir, "x.idx", idxBytes(IDXUint8, []uint32{3, 2}, make([]byte, 6)))
	few := writeFile(t, dir, "few.idx", idxBytes(IDXUint8, []uint32{2}, []byte{0, 1}))
	flt := writeFile(t, dir, "flt.idx", idxBytes(IDXFloat32, []uint32{3}, make([]byte, 12)))
	bad := writeFile(t, dir, "bad.idx", []byte("hello"))
	cases := []struct {
		s    Spec
		want string
	}{
		{Spec{Kind: "idx", Path: img, Labels: few}, "few.idx: 2 labels for the 3 examples"},
		{Spec{Kind: "idx", Path: img, Labels: flt}, "flt.idx: labels must be integers"},
		{Spec{Kind: "idx", Path: bad}, "bad.idx: not an IDX file"},
		{Spec{Kind: "idx", Path: filepath.Join(dir, "none.idx")}, "none.idx"},
		{Spec{Kind: "idx", Path: img, Limit: 4}, "limit 4 exceeds the 3 examples"},
		{Spec{Kind: "idx", Path: img, Scale: "log"}, `unknown scale "log"`},
		{Spec{Kind: "idx"}, "path is required"},
		{Spec{Kind: "parquet"}, `unknown kind "parquet"`},
	}
	for _, c := range cases {
		_, err := Load(c.s)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one containing %q", c.s, err, c.want)
		}
	}
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256Hex(b)
}
