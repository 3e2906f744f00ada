package runner

import (
	"github.com/exp-ml/exp/graph"
	"github.com/exp-ml/exp/runner/data"
)

// classifier trains a model to predict labels with softmax cross-entropy.
type classifier struct {
	m       *Model
	ws      *graph.Workspace
	opt     []*Optimizer
	batcher *data.Batcher
	in      string
	labels  []int32
}

func newClassifier(t *trainer) *classifier {
	m := t.p.Model(t.p.Exp.Objective.Model)
	c := &classifier{m: m, opt: t.optims, batcher: t.batcher, in: m.Spec.Inputs[0].Name}
	c.ws = m.Graph.NewWorkspace(t.batcher.BatchSize())
	c.ws.SetRand(t.dropout)
	c.labels = make([]int32, t.batcher.BatchSize())
	return c
}

func (c *classifier) metricNames() []string {
	return []string{"train/loss", "train/xent", "train/accuracy"}
}

func (c *classifier) batchesPerStep() int { return 1 }

func (c *classifier) step(vals []float64) {
	c.batcher.Next(c.ws.Input(c.in).Data, c.labels)
	c.ws.Forward(true)
	n := float64(len(c.labels))
	loss, correct := graph.SoftmaxCrossEntropy(c.ws.Out(0).Data, c.labels, c.ws.OutGrad(0).Data, float32(1/n))
	c.ws.Backward(graph.BackwardOpts{ParamGrads: true})
	for _, o := range c.opt {
		o.Step()
	}
	vals[0], vals[1], vals[2] = loss/n, loss/n, float64(correct)/n
}

func (c *classifier) evaluate(ev *evalContext) ([]namedValue, error) {
	if ev.data == nil || ev.data.Labels == nil {
		return nil, nil
	}
	ws := c.m.Graph.NewWorkspace(ev.batch)
	var loss float64
	var correct int
	k := c.m.OutputShapes[0][0]
	forwardInBatches(ev.data, ev.batch, func(x []float32, _ []int32) { setInput(ws, c.in, x) }, func(start, n int) {
		ws.Forward(false)
		l, cor := graph.SoftmaxCrossEntropy(ws.Out(0).Data[:n*k], ev.data.Labels[start:start+n], nil, 0)
		loss += l
		correct += cor
	})
	out := []namedValue{{"test/xent", loss / float64(ev.data.N)}}
	if ev.wants("accuracy") {
		out = append(out, namedValue{"test/accuracy", float64(correct) / float64(ev.data.N)})
	}
	return out, nil
}

func (c *classifier) artifacts(*evalContext) ([]artifactFile, error) { return nil, nil }
