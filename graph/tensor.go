package graph

import "fmt"

// Tensor is a dense row-major float32 array with an explicit shape.
type Tensor struct {
	Shape []int
	Data  []float32
}

// NewTensor allocates a zeroed tensor.
func NewTensor(shape ...int) *Tensor {
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, Numel(shape))}
}

// Numel is the number of elements of a shape.
func Numel(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// Size is the number of elements the shape holds (also for the shape-only
// tensors of a shape builder, which have no data).
func (t *Tensor) Size() int { return Numel(t.Shape) }

// Zero sets every element to 0.
func (t *Tensor) Zero() { clear(t.Data) }

func (t *Tensor) String() string { return fmt.Sprintf("Tensor%v", t.Shape) }

// SameShape reports whether two shapes are equal.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
