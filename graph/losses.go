package graph

import "math"

// Fused losses: each returns the loss summed over all elements (float64, so
// batch sums decide nothing by rounding) and, when grad is non-nil, adds
// scale·∂loss/∂input into grad. Likelihood terms are computed from logits in
// softplus form, never as log(sigmoid(x)). When rows is non-nil, the loss of
// each of the len(rows) equal-sized rows is written there too.

// BernoulliNLL is −log p(x | logits) = Σ softplus(l) − x·l. Each term is
// computed in float32 (bernoulliTerm) and the row sums in float64.
func BernoulliNLL(logits, x, grad []float32, scale float32, rows []float64) float64 {
	x = x[:len(logits)]
	w := rowWidth(len(logits), rows)
	var total float64
	for lo := 0; lo < len(logits); lo += w {
		hi := lo + w
		var g []float32
		if grad != nil {
			g = grad[lo:hi]
		}
		s := bernoulliSum(logits[lo:hi], x[lo:hi], 0, g, scale)
		if rows != nil {
			rows[lo/w] = s
		}
		total += s
	}
	return total
}

// GaussianNLL is −log N(x; mean, 1) = Σ ½(x−mean)² + ½log 2π.
func GaussianNLL(mean, x, grad []float32, scale float32, rows []float64) float64 {
	x = x[:len(mean)]
	w := rowWidth(len(mean), rows)
	const halfLog2Pi = 0.9189385332046727
	var total float64
	for r := 0; r*w < len(mean); r++ {
		var s float64
		for i := r * w; i < (r+1)*w; i++ {
			d := float64(mean[i]) - float64(x[i])
			s += 0.5*d*d + halfLog2Pi
			if grad != nil {
				grad[i] += scale * float32(d)
			}
		}
		if rows != nil {
			rows[r] = s
		}
		total += s
	}
	return total
}

// GaussianKL is KL(N(mu, e^logvar) ‖ N(0, 1)) = −½ Σ (1 + logvar − mu² − e^logvar).
func GaussianKL(mu, logvar, gradMu, gradLogvar []float32, scale float32, rows []float64) float64 {
	logvar = logvar[:len(mu)]
	w := rowWidth(len(mu), rows)
	var total float64
	for r := 0; r*w < len(mu); r++ {
		var s float64
		for i := r * w; i < (r+1)*w; i++ {
			m, lv := float64(mu[i]), float64(logvar[i])
			e := math.Exp(lv)
			s += -0.5 * (1 + lv - m*m - e)
			if gradMu != nil {
				gradMu[i] += scale * mu[i]
				gradLogvar[i] += scale * float32(0.5*(e-1))
			}
		}
		if rows != nil {
			rows[r] = s
		}
		total += s
	}
	return total
}

// Reparameterize writes z = mu + e^(logvar/2)·eps.
func Reparameterize(z, mu, logvar, eps []float32) {
	for i := range z {
		z[i] = mu[i] + float32(math.Exp(0.5*float64(logvar[i])))*eps[i]
	}
}

// ReparameterizeBackward adds the gradient dz of z = mu + e^(logvar/2)·eps into
// gradMu and gradLogvar.
func ReparameterizeBackward(dz, logvar, eps, gradMu, gradLogvar []float32) {
	for i, d := range dz {
		gradMu[i] += d
		gradLogvar[i] += d * eps[i] * 0.5 * float32(math.Exp(0.5*float64(logvar[i])))
	}
}

// SigmoidCrossEntropy is the binary cross-entropy of logits against a constant
// target t: Σ t·softplus(−l) + (1−t)·softplus(l). With t = 1 it is −log D,
// with t = 0 it is −log(1 − D); a negative scale turns the gradient into
// that of its negation (the minimax generator's log(1 − D)).
func SigmoidCrossEntropy(logits []float32, target float32, grad []float32, scale float32) float64 {
	// t·softplus(−l) + (1−t)·softplus(l) = softplus(l) − t·l: the Bernoulli
	// term with a constant target.
	return bernoulliSum(logits, nil, target, grad, scale)
}

// MeanSigmoid is the mean of sigmoid(logits): D's average belief.
func MeanSigmoid(logits []float32) float64 {
	var s float64
	for _, l := range logits {
		s += float64(sigmoid32(l))
	}
	return s / float64(len(logits))
}

// SoftmaxCrossEntropy is −Σ log softmax(logits)[label] over rows of width
// len(logits)/len(labels). It returns the loss and the number of rows whose
// arg-max equals the label.
func SoftmaxCrossEntropy(logits []float32, labels []int32, grad []float32, scale float32) (loss float64, correct int) {
	k := len(logits) / len(labels)
	for r, y := range labels {
		row := logits[r*k : (r+1)*k]
		best, arg := row[0], 0
		for j, v := range row {
			if v > best {
				best, arg = v, j
			}
		}
		if arg == int(y) {
			correct++
		}
		var z float64
		for _, v := range row {
			z += math.Exp(float64(v - best))
		}
		lse := float64(best) + math.Log(z)
		loss += lse - float64(row[y])
		if grad != nil {
			g := grad[r*k : (r+1)*k]
			for j, v := range row {
				p := float32(math.Exp(float64(v) - lse))
				if j == int(y) {
					p--
				}
				g[j] += scale * p
			}
		}
	}
	return loss, correct
}

// LogSumExp is log Σ e^x in float64.
func LogSumExp(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = max(m, v)
	}
	if math.IsInf(m, -1) {
		return m
	}
	var s float64
	for _, v := range x {
		s += math.Exp(v - m)
	}
	return m + math.Log(s)
}

func rowWidth(n int, rows []float64) int {
	if rows == nil || len(rows) == 0 {
		return max(n, 1)
	}
	if n%len(rows) != 0 {
		panic("graph: loss rows do not divide the data")
	}
	return n / len(rows)
}
