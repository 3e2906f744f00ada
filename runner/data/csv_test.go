package data

import (
	"slices"
	"strings"
	"testing"
)

func TestLoadCSV(t *testing.T) {
	dir := t.TempDir()
	src := "a, label ,b\n1.5,cat,-2\n0,dog,3e2\n7,cat,0.25\n"
	p := writeFile(t, dir, "pts.csv", []byte(src))
	d, err := Load(Spec{Kind: "csv", Path: p, Labels: "label"})
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 3 || !slices.Equal(d.Shape, []int{2}) || !slices.Equal(d.X, []float32{1.5, -2, 0, 300, 7, 0.25}) {
		t.Errorf("N %d shape %v X %v", d.N, d.Shape, d.X)
	}
	if !slices.Equal(d.Labels, []int32{0, 1, 0}) || d.NumClasses != 2 || !slices.Equal(d.Classes, []string{"cat", "dog"}) {
		t.Errorf("labels %v classes %d %v", d.Labels, d.NumClasses, d.Classes)
	}
	if d.Checksum != sha256Hex([]byte(src)) {
		t.Error("checksum is not the file's SHA-256")
	}

	num := writeFile(t, dir, "num.csv", []byte("y,x\n3,255\n0,0\n"))
	d, err = Load(Spec{Kind: "csv", Path: num, Labels: "y", Scale: "unit", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if d.N != 1 || !slices.Equal(d.X, []float32{1}) || !slices.Equal(d.Labels, []int32{3}) || d.NumClasses != 4 || d.Classes != nil {
		t.Errorf("integer labels: N %d X %v labels %v classes %d %v", d.N, d.X, d.Labels, d.NumClasses, d.Classes)
	}
}

func TestLoadCSVErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		src, labels, want string
	}{
		{"a,b\n1,2\n3,x\n", "", `bad.csv:3: column "b": "x" is not a finite number`},
		{"a,b\n1,NaN\n", "", "not a finite number"},
		{"a,b\n1,2\n3\n", "", "wrong number of fields"},
		{"a,b\n1,2\n", "y", `no column "y" for the labels; the header has "a", "b"`},
		{"a\n", "", "no rows after the header"},
		{"", "", "empty file"},
		{"y\n1\n", "y", "no value columns"},
		{"y,a\n70000,1\n", "y", "label 70000 is too large"},
	}
	for _, c := range cases {
		p := writeFile(t, dir, "bad.csv", []byte(c.src))
		_, err := Load(Spec{Kind: "csv", Path: p, Labels: c.labels})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one containing %q", c.src, err, c.want)
		}
	}
}
