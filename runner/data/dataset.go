package data

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// Spec describes one dataset as a data block declares it. Fields that do not
// apply to Kind are ignored.
type Spec struct {
	Kind  string // "mnist", "gaussian_mixture", "idx", "csv", "images"
	Name  string // the block's name, copied to Dataset.Name
	Split string // mnist: "train" or "test"
	// Scale maps raw values v (nominally bytes 0..255) to floats: "unit" v/255,
	// "tanh" v/127.5-1, "binarize" 1 if v/255 > 0.5 else 0, "none" v itself.
	// Empty means "unit" for byte-valued sources (mnist, images, idx of
	// uint8) and "none" for the others (csv, idx of any other type). Ignored
	// by gaussian_mixture.
	Scale string
	Limit int // keep the first Limit examples; 0 keeps all

	// gaussian_mixture; zero values take the defaults of MixtureDefaults.
	Layout  string // "ring" or "grid"
	Modes   int
	Radius  float64 // ring: the circle's radius; grid: the spacing of the grid
	Std     float64 // standard deviation of every mode, both axes
	Samples int
	Seed    uint64

	Path   string // idx: the images/values file; csv: the file; images: the folder
	Labels string // idx: the labels file (optional); csv: the label column's name (optional)
}

// Dataset is a loaded dataset, read-only after Load returns. Read its values
// through CopyRows and Floats, which serve both storages: floats in X, or
// bytes converted through the scale's table as they are copied out.
type Dataset struct {
	Name  string
	N     int
	Shape []int // per example: [C,H,W] for images, [D] for vectors
	// X holds the N*Size() values, example after example, of float-valued
	// sources (csv, gaussian_mixture, idx of types other than uint8). It is
	// nil for byte-stored data (mnist, images, idx of uint8), which keeps a
	// quarter of the memory; read values through CopyRows or Floats.
	X []float32
	// Byte storage, set by the byte-valued loaders only: N*Size() raw
	// values, possibly shared with other datasets (MNIST's cache), and the
	// scale tabulated over the 256 byte values.
	raw   []byte
	table *[256]float32

	Labels     []int32      // N labels, nil if the source has none
	NumClasses int          // 0 if unlabelled
	Classes    []string     // label names where the source names them (PNG sub-folders, text CSV labels)
	Checksum   string       // see the package documentation
	Centers    [][2]float64 // gaussian_mixture: the mode centres, indexed by label
	Std        float64      // gaussian_mixture: the per-axis standard deviation
}

// Size is the number of floats per example.
func (d *Dataset) Size() int {
	n := 1
	for _, s := range d.Shape {
		n *= s
	}
	return n
}

// CopyRows writes examples start..start+n-1 into dst, which must hold
// exactly n*Size() floats. It does not allocate.
func (d *Dataset) CopyRows(dst []float32, start, n int) {
	size := d.Size()
	d.checkRows(start, n)
	if len(dst) != n*size {
		panic(fmt.Sprintf("data: %d floats for %d examples of %d", len(dst), n, size))
	}
	d.copyRows(dst, start*size)
}

// checkRows panics unless examples start..start+n-1 exist.
func (d *Dataset) checkRows(start, n int) {
	if start < 0 || n < 0 || start+n > d.N {
		panic(fmt.Sprintf("data: rows %d..%d of dataset %q of %d examples", start, start+n, d.Name, d.N))
	}
}

// copyRows fills dst with the values from offset off, unchecked.
func (d *Dataset) copyRows(dst []float32, off int) {
	if d.raw != nil {
		scaleBytes(dst, d.raw[off:off+len(dst)], d.table)
		return
	}
	copy(dst, d.X[off:off+len(dst)])
}

// Floats returns all N*Size() values: X itself for float-stored data (not to
// be modified), a freshly converted slice for byte-stored data. It is for
// code that needs a whole split at once; batches are cheaper with CopyRows.
func (d *Dataset) Floats() []float32 {
	if d.raw == nil {
		return d.X
	}
	x := make([]float32, len(d.raw))
	scaleBytes(x, d.raw, d.table)
	return x
}

// Rows returns the examples start..start+n-1 as a dataset of their own that
// shares d's storage (nothing is copied) and keeps its name and checksum.
func (d *Dataset) Rows(start, n int) *Dataset {
	d.checkRows(start, n)
	r := *d
	r.N = n
	lo, hi := start*d.Size(), (start+n)*d.Size()
	if d.raw != nil {
		r.raw = d.raw[lo:hi:hi]
	} else {
		r.X = d.X[lo:hi:hi]
	}
	if d.Labels != nil {
		r.Labels = d.Labels[start : start+n : start+n]
	}
	return &r
}

// Load reads or generates the dataset s describes. Errors name the file and
// the reason.
func Load(s Spec) (*Dataset, error) {
	if s.Limit < 0 {
		return nil, fmt.Errorf("data %q: limit must not be negative, got %d", s.Name, s.Limit)
	}
	var (
		d   *Dataset
		err error
	)
	switch s.Kind {
	case "mnist":
		d, err = loadMNIST(s)
	case "gaussian_mixture":
		d, err = loadMixture(s)
	case "idx":
		d, err = loadIDX(s)
	case "csv":
		d, err = loadCSV(s)
	case "images":
		d, err = loadImages(s)
	default:
		return nil, fmt.Errorf("data %q: unknown kind %q (want mnist, gaussian_mixture, idx, csv or images)", s.Name, s.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("data %q: %w", s.Name, err)
	}
	d.Name = s.Name
	return d, nil
}

// keep returns how many of n examples a limit keeps.
func keep(limit, n int, what string) (int, error) {
	if limit == 0 {
		return n, nil
	}
	if limit > n {
		return 0, fmt.Errorf("limit %d exceeds the %d examples in %s", limit, n, what)
	}
	return limit, nil
}

// scaleFunc returns the map from raw values to model inputs; byteValued picks
// the default for an empty name.
func scaleFunc(name string, byteValued bool) (func(float64) float32, error) {
	if name == "" {
		name = "none"
		if byteValued {
			name = "unit"
		}
	}
	switch name {
	case "unit":
		return func(v float64) float32 { return float32(v / 255) }, nil
	case "tanh":
		return func(v float64) float32 { return float32(v/127.5 - 1) }, nil
	case "binarize":
		return func(v float64) float32 {
			if v/255 > 0.5 {
				return 1
			}
			return 0
		}, nil
	case "none":
		return func(v float64) float32 { return float32(v) }, nil
	}
	return nil, fmt.Errorf("unknown scale %q (want unit, tanh, binarize or none)", name)
}

// byteTable tabulates a scale over the 256 byte values.
func byteTable(f func(float64) float32) *[256]float32 {
	var t [256]float32
	for i := range t {
		t[i] = f(float64(i))
	}
	return &t
}

// scaleBytes converts raw bytes through a scale into dst (len(dst) == len(src)).
func scaleBytes(dst []float32, src []byte, t *[256]float32) {
	dst = dst[:len(src)] // one bounds check, not one per byte
	for i, b := range src {
		dst[i] = t[b]
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// manifestEntry is one file of a multi-file source.
type manifestEntry struct{ name, sum string }

// manifestChecksum sums a multi-file source (see the package documentation).
func manifestChecksum(entries []manifestEntry) string {
	var b strings.Builder
	for _, e := range entries {
		b.WriteString(e.name)
		b.WriteByte(0)
		b.WriteString(e.sum)
		b.WriteByte('\n')
	}
	return sha256Hex([]byte(b.String()))
}
