package data

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
)

// MixtureDefaults fills the zero fields of a gaussian_mixture spec with the
// settings of the papers that made these data standard: a ring of 8 modes of
// radius 2 and std 0.02 (Metz et al. 2017, unrolled GANs) and a 5x5 grid of
// spacing 2 and std 0.05 (Lin et al. 2018, PacGAN), 100000 samples.
func MixtureDefaults(s Spec) Spec {
	if s.Layout == "" {
		s.Layout = "ring"
	}
	grid := s.Layout == "grid"
	if s.Modes == 0 {
		s.Modes = 8
		if grid {
			s.Modes = 25
		}
	}
	if s.Radius == 0 {
		s.Radius = 2
	}
	if s.Std == 0 {
		s.Std = 0.02
		if grid {
			s.Std = 0.05
		}
	}
	if s.Samples == 0 {
		s.Samples = 100000
	}
	return s
}

// MixtureCenters places the modes. "ring": mode k at radius·(cos θk, sin θk),
// θk = 2πk/modes. "grid": modes must be a square s², and mode k = i·s + j
// lies at ((i − (s−1)/2)·radius, (j − (s−1)/2)·radius), a grid centred on the
// origin whose spacing is radius; 25 modes with radius 2 give PacGAN's grid
// over {−4, −2, 0, 2, 4}².
func MixtureCenters(layout string, modes int, radius float64) ([][2]float64, error) {
	if modes < 1 {
		return nil, fmt.Errorf("gaussian_mixture: modes must be at least 1, got %d", modes)
	}
	if !(radius > 0) || math.IsInf(radius, 0) {
		return nil, fmt.Errorf("gaussian_mixture: radius must be positive and finite, got %v", radius)
	}
	c := make([][2]float64, modes)
	switch layout {
	case "ring":
		for k := range c {
			t := 2 * math.Pi * float64(k) / float64(modes)
			c[k] = [2]float64{radius * math.Cos(t), radius * math.Sin(t)}
		}
	case "grid":
		s := int(math.Round(math.Sqrt(float64(modes))))
		if s*s != modes {
			return nil, fmt.Errorf("gaussian_mixture: a grid needs a square number of modes (4, 9, 16, 25, ...), got %d", modes)
		}
		mid := float64(s-1) / 2
		for i := range s {
			for j := range s {
				c[i*s+j] = [2]float64{(float64(i) - mid) * radius, (float64(j) - mid) * radius}
			}
		}
	default:
		return nil, fmt.Errorf("gaussian_mixture: layout %q unknown (want ring or grid)", layout)
	}
	return c, nil
}

// mixtureStream separates the mixture's random stream from the other users
// of the same seed.
const mixtureStream = 0x6d6978747572650a // "mixture\n"

// loadMixture draws Samples points: each picks a mode uniformly, then adds
// independent N(0, Std²) noise to both coordinates. Labels are mode indices.
func loadMixture(s Spec) (*Dataset, error) {
	s = MixtureDefaults(s)
	centers, err := MixtureCenters(s.Layout, s.Modes, s.Radius)
	if err != nil {
		return nil, err
	}
	if !(s.Std > 0) || math.IsInf(s.Std, 0) {
		return nil, fmt.Errorf("gaussian_mixture: std must be positive and finite, got %v", s.Std)
	}
	if s.Samples < 1 {
		return nil, errors.New("gaussian_mixture: samples must be at least 1")
	}
	n, err := keep(s.Limit, s.Samples, "the mixture's samples")
	if err != nil {
		return nil, fmt.Errorf("gaussian_mixture: %w", err)
	}
	rng := rand.New(rand.NewPCG(s.Seed, mixtureStream))
	d := &Dataset{
		N:          n,
		Shape:      []int{2},
		X:          make([]float32, 2*n),
		Labels:     make([]int32, n),
		NumClasses: s.Modes,
		Checksum:   mixtureChecksum(s),
		Centers:    centers,
		Std:        s.Std,
	}
	Sample(rng, centers, s.Std, d.X, d.Labels)
	return d, nil
}

// Sample fills x (2 values per point) and labels (one per point, may be nil)
// with draws from the mixture of equally weighted isotropic Gaussians at
// centers. Evaluation uses it for fresh reference samples.
func Sample(rng *rand.Rand, centers [][2]float64, std float64, x []float32, labels []int32) {
	for i := range len(x) / 2 {
		k := rng.IntN(len(centers))
		x[2*i] = float32(centers[k][0] + std*rng.NormFloat64())
		x[2*i+1] = float32(centers[k][1] + std*rng.NormFloat64())
		if labels != nil {
			labels[i] = int32(k)
		}
	}
}

// mixtureChecksum sums the parameters that determine the samples. The
// "v1" names the sampling procedure; change it when the procedure changes.
func mixtureChecksum(s Spec) string {
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
	return sha256Hex([]byte("gaussian_mixture/v1 layout=" + s.Layout +
		" modes=" + strconv.Itoa(s.Modes) +
		" radius=" + g(s.Radius) +
		" std=" + g(s.Std) +
		" samples=" + strconv.Itoa(s.Samples) +
		" seed=" + strconv.FormatUint(s.Seed, 10)))
}
