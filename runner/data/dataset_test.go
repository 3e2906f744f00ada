package data

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// scaleDefs are the scales as the Spec documents them, written out here
// rather than taken from scaleFunc, so that the table is checked against them.
var scaleDefs = map[string]func(b byte) float32{
	"unit": func(b byte) float32 { return float32(float64(b) / 255) },
	"tanh": func(b byte) float32 { return float32(float64(b)/127.5 - 1) },
	"binarize": func(b byte) float32 {
		if float64(b)/255 > 0.5 {
			return 1
		}
		return 0
	},
}

// Byte-stored MNIST reads back exactly the floats the scale defines, through
// Floats, CopyRows and Rows alike.
func TestMNISTBytesGiveTheScaledFloats(t *testing.T) {
	needMNIST(t)
	raw, err := mnistLoad("test", mnistSplits["test"])
	if err != nil {
		t.Fatal(err)
	}
	for scale, def := range scaleDefs {
		d, err := Load(Spec{Kind: "mnist", Split: "test", Scale: scale})
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float32, len(raw.images))
		for i, b := range raw.images {
			want[i] = def(b)
		}
		if got := d.Floats(); !slices.Equal(got, want) {
			t.Errorf("%s: Floats differs from the scale at %d", scale, firstDiff(got, want))
		}
		// Several examples at odd offsets, and the last one.
		for _, r := range [][2]int{{0, 1}, {17, 129}, {9999, 1}, {5000, 0}} {
			got := make([]float32, r[1]*784)
			d.CopyRows(got, r[0], r[1])
			w := want[r[0]*784 : (r[0]+r[1])*784]
			if !slices.Equal(got, w) {
				t.Errorf("%s: CopyRows(%d, %d) differs at %d", scale, r[0], r[1], firstDiff(got, w))
			}
			if v := d.Rows(r[0], r[1]); !slices.Equal(v.Floats(), w) || !slices.Equal(v.Labels, d.Labels[r[0]:r[0]+r[1]]) {
				t.Errorf("%s: Rows(%d, %d) is not those examples", scale, r[0], r[1])
			}
		}
	}
}

// The train split is held once, as the cache's bytes: no dataset of it has a
// float copy, and two datasets (other scales, a limit, a view) share them.
func TestMNISTTrainHoldsNoFloats(t *testing.T) {
	needMNIST(t)
	raw, err := mnistLoad("train", mnistSplits["train"])
	if err != nil {
		t.Fatal(err)
	}
	a, err := Load(Spec{Kind: "mnist", Split: "train", Scale: "unit"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := Load(Spec{Kind: "mnist", Split: "train", Scale: "tanh", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	tail := a.Rows(50000, 10000)
	for name, d := range map[string]*Dataset{"unit": a, "tanh limit 100": b, "rows": tail} {
		if d.X != nil || len(d.raw) != d.N*784 {
			t.Errorf("%s: X has %d floats, bytes %d for %d examples", name, len(d.X), len(d.raw), d.N)
		}
	}
	if &a.raw[0] != &raw.images[0] || &b.raw[0] != &raw.images[0] || &tail.raw[0] != &raw.images[50000*784] {
		t.Error("a train dataset copied the cached pixels")
	}
}

// byteDataset returns n random examples of size bytes, labelled, stored as
// bytes with table t, and the same examples converted once into X.
func byteDataset(n, size int, t *[256]float32, seed uint64) (bytes, floats *Dataset) {
	rng := rand.New(rand.NewPCG(seed, 0))
	bytes = &Dataset{Name: "bytes", N: n, Shape: []int{size}, raw: make([]byte, n*size), table: t,
		Labels: make([]int32, n), NumClasses: 10}
	for i := range bytes.raw {
		bytes.raw[i] = byte(rng.Uint32())
	}
	for i := range bytes.Labels {
		bytes.Labels[i] = int32(rng.IntN(10))
	}
	floats = &Dataset{Name: "floats", N: n, Shape: []int{size}, X: make([]float32, n*size),
		Labels: bytes.Labels, NumClasses: 10}
	for i, v := range bytes.raw {
		floats.X[i] = t[v]
	}
	return bytes, floats
}

// A Batcher over byte-stored data yields bit for bit the batches it yields
// over the same values stored as floats, across epochs and a restore.
func TestBatcherBytesEqualFloats(t *testing.T) {
	f, err := scaleFunc("tanh", true)
	if err != nil {
		t.Fatal(err)
	}
	bd, fd := byteDataset(53, 7, byteTable(f), 3)
	bb, fb := NewBatcher(bd, 8, 11, true), NewBatcher(fd, 8, 11, true)
	xb, xf := make([]float32, 8*7), make([]float32, 8*7)
	yb, yf := make([]int32, 8), make([]int32, 8)
	for step := range 40 { // 6 steps an epoch
		if step == 20 {
			bb.Restore(1, 3)
			fb.Restore(1, 3)
		}
		nb, nf := bb.Next(xb, yb), fb.Next(xf, yf)
		if nb != nf || !slices.Equal(xb, xf) || !slices.Equal(yb, yf) {
			t.Fatalf("step %d: bytes gave %v %v, floats %v %v", step, xb, yb, xf, yf)
		}
	}
	if a := testing.AllocsPerRun(100, func() { bb.Next(xb, yb) }); a != 0 {
		t.Errorf("Next over bytes allocates %v times a call", a)
	}
}

func TestCopyRowsPanicsOnMisuse(t *testing.T) {
	bd, fd := byteDataset(4, 3, byteTable(func(v float64) float32 { return float32(v) }), 1)
	for _, d := range []*Dataset{bd, fd} {
		for name, f := range map[string]func(){
			"short dst":  func() { d.CopyRows(make([]float32, 5), 0, 2) },
			"long dst":   func() { d.CopyRows(make([]float32, 7), 0, 2) },
			"past end":   func() { d.CopyRows(make([]float32, 6), 3, 2) },
			"negative":   func() { d.CopyRows(nil, -1, 0) },
			"rows past":  func() { d.Rows(2, 3) },
			"rows neg n": func() { d.Rows(1, -1) },
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s %s: no panic", d.Name, name)
					}
				}()
				f()
			}()
		}
	}
}

func firstDiff(a, b []float32) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
