package eval

import "math"

// MixtureScore is the mode-collapse benchmark of VEEGAN (Srivastava et al.
// 2017) and PacGAN (Lin et al. 2018) for 2-D samples of a Gaussian mixture.
type MixtureScore struct {
	// Modes counts the modes that received at least one high-quality sample.
	Modes int
	// HQ is the share of samples within 3 standard deviations of some mode.
	HQ float64
	// ReverseKL is KL(Q ‖ P) between the generated distribution over modes Q
	// (each high-quality sample assigned to its mode) and the uniform P.
	ReverseKL float64
}

// ScoreMixture scores n = len(xy)/2 samples (x0, y0, x1, y1, ...).
func ScoreMixture(xy []float32, centers [][2]float64, std float64) MixtureScore {
	n := len(xy) / 2
	counts := make([]int, len(centers))
	hq := 0
	for i := 0; i < n; i++ {
		x, y := float64(xy[2*i]), float64(xy[2*i+1])
		best, dist := -1, math.Inf(1)
		for k, c := range centers {
			d := math.Hypot(x-c[0], y-c[1])
			if d < dist {
				best, dist = k, d
			}
		}
		if dist <= 3*std {
			hq++
			counts[best]++
		}
	}
	s := MixtureScore{HQ: float64(hq) / float64(max(n, 1))}
	p := 1 / float64(len(centers))
	for _, c := range counts {
		if c == 0 {
			continue
		}
		s.Modes++
		q := float64(c) / float64(hq)
		s.ReverseKL += q * math.Log(q/p)
	}
	if hq == 0 {
		s.ReverseKL = math.Inf(1)
	}
	return s
}

// MixtureCondAcc is the share of samples that land within 3 standard
// deviations of the mode they were asked for: labels[i] is the mode sample i
// (x, y at xy[2i], xy[2i+1]) was generated for. It is a conditional GAN's
// cond_acc on mixture data, where a mode's label is its index.
func MixtureCondAcc(xy []float32, labels []int32, centers [][2]float64, std float64) float64 {
	hits := 0
	for i, l := range labels {
		c := centers[l]
		if math.Hypot(float64(xy[2*i])-c[0], float64(xy[2*i+1])-c[1]) <= 3*std {
			hits++
		}
	}
	return float64(hits) / float64(max(len(labels), 1))
}
