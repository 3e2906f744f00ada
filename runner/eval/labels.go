package eval

import (
	"fmt"
	"math"
)

// Argmax writes the index of the largest of each row of k logits.
func Argmax(dst []int32, logits []float32, k int) {
	if len(logits) != len(dst)*k {
		panic(fmt.Sprintf("eval: Argmax of %d logits into %d rows of %d", len(logits), len(dst), k))
	}
	for i := range dst {
		row := logits[i*k : (i+1)*k]
		best := 0
		for j, v := range row {
			if v > row[best] {
				best = j
			}
		}
		dst[i] = int32(best)
	}
}

// ClassKL is KL(Q ‖ U): Q the histogram of predicted labels (classes
// 0..k−1), U uniform over k. It is 0 when every class is predicted equally
// often and ln k when one class takes every sample, so it measures mode
// dropping at the level of classes. 0·ln 0 counts as 0.
func ClassKL(pred []int32, k int) float64 {
	if len(pred) == 0 || k < 1 {
		panic("eval: ClassKL of no predictions")
	}
	counts := make([]int, k)
	for _, p := range pred {
		counts[p]++
	}
	var kl float64
	for _, c := range counts {
		if c == 0 {
			continue
		}
		q := float64(c) / float64(len(pred))
		kl += q * math.Log(q*float64(k))
	}
	return kl
}

// Agreement is the share of rows where pred equals want: for a conditional
// generator, how often the classifier names the requested label.
func Agreement(pred, want []int32) float64 {
	if len(pred) != len(want) || len(pred) == 0 {
		panic(fmt.Sprintf("eval: Agreement of %d and %d labels", len(pred), len(want)))
	}
	same := 0
	for i := range pred {
		if pred[i] == want[i] {
			same++
		}
	}
	return float64(same) / float64(len(pred))
}
