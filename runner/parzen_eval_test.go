package runner

import (
	"testing"
)

// The Parzen estimate of the data itself: 10,000 training images (the first
// ones, disjoint from the validation split) as the "samples". Theis et al.
// (2016, "A note on the evaluation of generative models", Table 1) report
// 243 nats for this "true distribution" row beside the GAN's 225.
func TestParzenOfTrainingImages(t *testing.T) {
	train, err := mnistSplit("train")
	if err != nil {
		t.Fatal(err)
	}
	const n = 10000
	ev := &evalContext{metrics: map[string]bool{"parzen_ll": true}}
	vals, err := ev.mnistSampleMetrics(train.Rows(0, n).Floats(), n, nil)
	if err != nil {
		t.Fatal(err)
	}
	ll, se, sigma := metricValue(t, vals, "eval/parzen_ll"), metricValue(t, vals, "eval/parzen_ll_stderr"), metricValue(t, vals, "eval/parzen_sigma")
	t.Logf("Parzen log-likelihood of 10,000 training images: %.1f ± %.1f nats (σ = %.3f)", ll, se, sigma)
	if ll < 225 || ll > 260 {
		t.Errorf("Parzen estimate of the data %.1f, want near the published 243", ll)
	}
}
