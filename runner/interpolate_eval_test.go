package runner

import (
	"math"
	"testing"
)

func TestLerpRows(t *testing.T) {
	points := [][]float32{{0, 10}, {4, -2}}
	next := 0
	z := make([]float32, 1*5*2)
	lerpRows(z, 2, 1, 5, func(v []float32) { copy(v, points[next]); next++ })
	want := []float32{0, 10, 1, 7, 2, 4, 3, 1, 4, -2}
	for i := range want {
		if z[i] != want[i] {
			t.Fatalf("z = %v, want %v", z, want)
		}
	}
}

// The manifold grid is symmetric about 0 and its quantiles are Φ⁻¹ of the
// cell centres: for a side of 4, ±Φ⁻¹(0.625) and ±Φ⁻¹(0.875).
func TestManifoldGrid(t *testing.T) {
	z := make([]float32, 2*4*4)
	manifoldGrid(z, 4)
	inner, outer := 0.3186393639643752, 1.1503493803760079
	cols := []float64{-outer, -inner, inner, outer}
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			k := 2 * (i*4 + j)
			if math.Abs(float64(z[k])-cols[j]) > 1e-6 || math.Abs(float64(z[k+1])-cols[3-i]) > 1e-6 {
				t.Fatalf("cell (%d,%d) = (%v, %v), want (%v, %v)", i, j, z[k], z[k+1], cols[j], cols[3-i])
			}
		}
	}
}
