package runner

import (
	"math"
	"testing"

	"github.com/exp-ml/exp/graph"
)

// The learning-rate schedules, worked by hand on SGD (no momentum), whose
// update is exactly rate × gradient: w = 1, gradient 1, base rate 0.1.
func TestScheduleScalesTheRate(t *testing.T) {
	for _, c := range []struct {
		schedule    string
		done, total int
		want        float64 // the rate of the step after done of total
	}{
		{"constant", 250, 1000, 0.1},
		{"linear", 0, 1000, 0.1},
		{"linear", 250, 1000, 0.075},
		{"linear", 999, 1000, 0.0001},
		{"cosine", 0, 1000, 0.1},
		{"cosine", 500, 1000, 0.05},
		{"cosine", 250, 1000, 0.1 * (1 + math.Sqrt2/2) / 2},
	} {
		prm := &graph.Param{Name: "w", Value: graph.NewTensor(1), Grad: graph.NewTensor(1)}
		prm.Value.Data[0], prm.Grad.Data[0] = 1, 1
		o := &Optimizer{Kind: "sgd", lr: 0.1, schedule: c.schedule, params: []*graph.Param{prm},
			m: []*graph.Tensor{graph.NewTensor(1)}}
		o.SetProgress(c.done, c.total)
		o.Step()
		if got := 1 - float64(prm.Value.Data[0]); math.Abs(got-c.want) > 1e-6 {
			t.Errorf("%s after %d of %d steps: moved by %v, want %v", c.schedule, c.done, c.total, got, c.want)
		}
	}
}
