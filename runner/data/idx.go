package data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
)

// IDX element type codes (the third byte of the magic number).
const (
	IDXUint8   = 0x08
	IDXInt8    = 0x09
	IDXInt16   = 0x0B
	IDXInt32   = 0x0C
	IDXFloat32 = 0x0D
	IDXFloat64 = 0x0E
)

// maxIDXBytes bounds the data of one IDX file, so that a corrupt header
// cannot ask for an absurd amount of memory.
const maxIDXBytes = 1 << 34

// IDX is one decoded IDX file, the format of LeCun's MNIST files: a
// big-endian magic 0x0000TTNN (T the element type, N the number of
// dimensions; 2051 for MNIST images, 2049 for labels), N big-endian uint32
// sizes, then the elements, big-endian, row-major.
type IDX struct {
	Type byte   // one of the IDX* codes
	Dims []int  // Dims[0] counts the examples
	Data []byte // the elements as stored; for IDXUint8 these are the values
}

// Len is the number of elements.
func (m *IDX) Len() int { return len(m.Data) / idxElemSize(m.Type) }

// At returns element i as a float64 (exact for every IDX type).
func (m *IDX) At(i int) float64 {
	switch m.Type {
	case IDXUint8:
		return float64(m.Data[i])
	case IDXInt8:
		return float64(int8(m.Data[i]))
	case IDXInt16:
		return float64(int16(binary.BigEndian.Uint16(m.Data[2*i:])))
	case IDXInt32:
		return float64(int32(binary.BigEndian.Uint32(m.Data[4*i:])))
	case IDXFloat32:
		return float64(math.Float32frombits(binary.BigEndian.Uint32(m.Data[4*i:])))
	case IDXFloat64:
		return math.Float64frombits(binary.BigEndian.Uint64(m.Data[8*i:]))
	}
	panic(fmt.Sprintf("data: IDX type %#x", m.Type))
}

func idxElemSize(t byte) int {
	switch t {
	case IDXUint8, IDXInt8:
		return 1
	case IDXInt16:
		return 2
	case IDXInt32, IDXFloat32:
		return 4
	case IDXFloat64:
		return 8
	}
	return 0
}

// DecodeIDX reads one IDX file, raw or gzip-compressed (recognised by the
// gzip magic bytes), and checks that exactly the announced data follows the
// header and, for gzip, that the stream's CRC is right.
func DecodeIDX(r io.Reader) (*IDX, error) {
	br := bufio.NewReader(r)
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		return decodeRawIDX(zr)
	}
	return decodeRawIDX(br)
}

func decodeRawIDX(r io.Reader) (*IDX, error) {
	var magic [4]byte
	if _, err := io.ReadFull(r, magic[:]); err != nil {
		return nil, fmt.Errorf("IDX header: %w", noEOF(err))
	}
	if magic[0] != 0 || magic[1] != 0 {
		return nil, fmt.Errorf("not an IDX file: magic %#08x does not start with two zero bytes", binary.BigEndian.Uint32(magic[:]))
	}
	m := &IDX{Type: magic[2]}
	elem := idxElemSize(m.Type)
	if elem == 0 {
		return nil, fmt.Errorf("IDX element type %#02x unknown (want 0x08, 0x09, 0x0b, 0x0c, 0x0d or 0x0e)", m.Type)
	}
	nd := int(magic[3])
	if nd == 0 {
		return nil, errors.New("IDX file declares zero dimensions")
	}
	sizes := make([]byte, 4*nd)
	if _, err := io.ReadFull(r, sizes); err != nil {
		return nil, fmt.Errorf("IDX header (%d dimensions): %w", nd, noEOF(err))
	}
	total := uint64(elem)
	m.Dims = make([]int, nd)
	for i := range m.Dims {
		d := binary.BigEndian.Uint32(sizes[4*i:])
		m.Dims[i] = int(d)
		if d != 0 && total > maxIDXBytes/uint64(d) {
			return nil, fmt.Errorf("IDX dimensions %v exceed %d bytes", m.Dims[:i+1], uint64(maxIDXBytes))
		}
		total *= uint64(d)
	}
	// Grow with the data actually present rather than trusting the header.
	var buf bytes.Buffer
	buf.Grow(int(min(total, 1<<26)))
	if _, err := buf.ReadFrom(io.LimitReader(r, int64(total)+1)); err != nil {
		return nil, fmt.Errorf("IDX data: %w", err)
	}
	switch got := uint64(buf.Len()); {
	case got < total:
		return nil, fmt.Errorf("IDX data truncated: dimensions %v need %d bytes, found %d", m.Dims, total, got)
	case got > total:
		return nil, fmt.Errorf("IDX file has data after the %d bytes its dimensions %v announce", total, m.Dims)
	}
	m.Data = buf.Bytes()
	return m, nil
}

func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readIDXFile reads and decodes one file and returns its SHA-256.
func readIDXFile(path string) (*IDX, string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, "", err
	}
	m, err := DecodeIDX(bytes.NewReader(b))
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", path, err)
	}
	return m, sha256Hex(b), nil
}

// loadIDX builds a dataset from a user's IDX files.
func loadIDX(s Spec) (*Dataset, error) {
	if s.Path == "" {
		return nil, errors.New("idx: path is required")
	}
	m, sum, err := readIDXFile(s.Path)
	if err != nil {
		return nil, err
	}
	n := m.Dims[0]
	shape := idxShape(m.Dims)
	if n == 0 {
		return nil, fmt.Errorf("%s: no examples (first dimension is 0)", s.Path)
	}
	k, err := keep(s.Limit, n, s.Path)
	if err != nil {
		return nil, err
	}
	d := &Dataset{N: k, Shape: shape, Checksum: sum}
	size := d.Size()
	if size == 0 {
		return nil, fmt.Errorf("%s: examples are empty (dimensions %v)", s.Path, m.Dims)
	}
	f, err := scaleFunc(s.Scale, m.Type == IDXUint8)
	if err != nil {
		return nil, err
	}
	if m.Type == IDXUint8 {
		d.raw, d.table = m.Data[:k*size:k*size], byteTable(f)
		if k < n { // let the unused examples go
			d.raw = slices.Clone(d.raw)
		}
	} else {
		d.X = make([]float32, k*size)
		for i := range d.X {
			v := m.At(i)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%s: element %d is %v", s.Path, i, v)
			}
			d.X[i] = f(v)
		}
	}
	if s.Labels == "" {
		return d, nil
	}
	l, lsum, err := readIDXFile(s.Labels)
	if err != nil {
		return nil, err
	}
	if len(l.Dims) != 1 {
		return nil, fmt.Errorf("%s: labels must be one-dimensional, got dimensions %v", s.Labels, l.Dims)
	}
	if l.Dims[0] != n {
		return nil, fmt.Errorf("%s: %d labels for the %d examples of %s", s.Labels, l.Dims[0], n, filepath.Base(s.Path))
	}
	if l.Type == IDXFloat32 || l.Type == IDXFloat64 {
		return nil, fmt.Errorf("%s: labels must be integers, got IDX type %#02x", s.Labels, l.Type)
	}
	// Classes count over every label, so that a limit does not change them.
	d.Labels = make([]int32, k)
	for i := range n {
		v := l.At(i)
		if v < 0 || v >= maxClasses {
			return nil, fmt.Errorf("%s: label %d is %v, outside [0, %d)", s.Labels, i, v, maxClasses)
		}
		if i < k {
			d.Labels[i] = int32(v)
		}
		d.NumClasses = max(d.NumClasses, int(v)+1)
	}
	d.Checksum = manifestChecksum([]manifestEntry{{"images", sum}, {"labels", lsum}})
	return d, nil
}

// idxShape is the per-example shape of an IDX array: [N,H,W] images get one
// channel, [N,C,H,W] stay as they are, [N,D] are vectors, [N] scalars.
func idxShape(dims []int) []int {
	switch len(dims) {
	case 1:
		return []int{1}
	case 3:
		return []int{1, dims[1], dims[2]}
	}
	return append([]int(nil), dims[1:]...)
}
