package data

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

// maxClasses bounds label values, so that a stray large number is reported
// instead of becoming a classifier with a billion outputs.
const maxClasses = 1 << 16

// loadCSV reads a CSV file with a header row. Every column is a number except
// the optional label column (Spec.Labels names it). Labels that are all
// non-negative integers are used as they are; otherwise the distinct texts,
// sorted, are the classes 0, 1, ...
func loadCSV(s Spec) (*Dataset, error) {
	if s.Path == "" {
		return nil, errors.New("csv: path is required")
	}
	b, err := os.ReadFile(s.Path)
	if err != nil {
		return nil, err
	}
	f, err := scaleFunc(s.Scale, false)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.TrimLeadingSpace = true
	header, err := r.Read()
	if err == io.EOF {
		return nil, fmt.Errorf("%s: empty file (a header row is required)", s.Path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", s.Path, err)
	}
	for i, h := range header {
		header[i] = strings.TrimSpace(h)
	}
	labelCol := -1
	if s.Labels != "" {
		labelCol = slices.Index(header, strings.TrimSpace(s.Labels))
		if labelCol < 0 {
			return nil, fmt.Errorf("%s: no column %q for the labels; the header has %s", s.Path, s.Labels, strings.Join(quoteAll(header), ", "))
		}
	}
	width := len(header)
	if labelCol >= 0 {
		width--
	}
	if width == 0 {
		return nil, fmt.Errorf("%s: no value columns", s.Path)
	}
	var (
		x      []float32
		labels []string
	)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Path, err)
		}
		line, _ := r.FieldPos(0)
		for j, field := range rec {
			if j == labelCol {
				labels = append(labels, strings.TrimSpace(field))
				continue
			}
			v, err := strconv.ParseFloat(strings.TrimSpace(field), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, fmt.Errorf("%s:%d: column %q: %q is not a finite number", s.Path, line, header[j], field)
			}
			x = append(x, f(v))
		}
	}
	n := len(x) / width
	if n == 0 {
		return nil, fmt.Errorf("%s: no rows after the header", s.Path)
	}
	k, err := keep(s.Limit, n, s.Path)
	if err != nil {
		return nil, err
	}
	d := &Dataset{N: k, Shape: []int{width}, X: x[: k*width : k*width], Checksum: sha256Hex(b)}
	if labelCol >= 0 {
		all, numClasses, classes, err := csvLabels(labels)
		if err != nil {
			return nil, fmt.Errorf("%s: column %q: %w", s.Path, s.Labels, err)
		}
		d.Labels, d.NumClasses, d.Classes = all[:k:k], numClasses, classes
	}
	return d, nil
}

// csvLabels turns label texts into class indices over all rows, so that a
// limit does not renumber the classes.
func csvLabels(texts []string) ([]int32, int, []string, error) {
	out := make([]int32, len(texts))
	numeric := true
	numClasses := 0
	for i, t := range texts {
		v, err := strconv.Atoi(t)
		if err != nil || v < 0 {
			numeric = false
			break
		}
		if v >= maxClasses {
			return nil, 0, nil, fmt.Errorf("label %d is too large (at most %d classes)", v, maxClasses)
		}
		out[i] = int32(v)
		numClasses = max(numClasses, v+1)
	}
	if numeric {
		return out, numClasses, nil, nil
	}
	classes := slices.Clone(texts)
	slices.Sort(classes)
	classes = slices.Compact(classes)
	if len(classes) > maxClasses {
		return nil, 0, nil, fmt.Errorf("%d distinct labels (at most %d)", len(classes), maxClasses)
	}
	for i, t := range texts {
		j, _ := slices.BinarySearch(classes, t)
		out[i] = int32(j)
	}
	return out, len(classes), classes, nil
}

func quoteAll(ss []string) []string {
	q := make([]string, len(ss))
	for i, s := range ss {
		q[i] = strconv.Quote(s)
	}
	return q
}
