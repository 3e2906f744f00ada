package runner

import (
	"fmt"
	"math"

	"github.com/exp-ml/exp/dsl"
	"github.com/exp-ml/exp/graph"
)

// Optimizer updates the parameters of its models from their accumulated
// gradients, then clears the gradients.
type Optimizer struct {
	Name                                   string
	Kind                                   string // adam | sgd
	Models                                 []string
	params                                 []*graph.Param
	names                                  []string // "<model>.<param>", unique across models
	lr, beta1, beta2, eps, momentum, decay float32
	// schedule scales lr by the training progress: rate is lr·factor,
	// set by SetProgress before each training step.
	schedule string
	rate     float32
	// m and v are Adam's moments (m is SGD's momentum buffer).
	m, v []*graph.Tensor
	t    int
	// lastSq is the squared gradient norm of the last step, for the divergence check.
	lastSq float64
}

func newOptimizer(o *dsl.Optimizer, p *Program) *Optimizer {
	opt := &Optimizer{Name: o.Name, Kind: o.Kind, Models: o.Models, lr: float32(o.LR), beta1: float32(o.Beta1),
		beta2: float32(o.Beta2), eps: float32(o.Eps), momentum: float32(o.Momentum), decay: float32(o.WeightDecay),
		schedule: o.Schedule, rate: float32(o.LR)}
	for _, name := range o.Models {
		for _, prm := range p.Model(name).Graph.Params() {
			opt.params = append(opt.params, prm)
			opt.names = append(opt.names, name+"."+prm.Name)
		}
	}
	for _, prm := range opt.params {
		opt.m = append(opt.m, graph.NewTensor(prm.Value.Shape...))
		if o.Kind == "adam" {
			opt.v = append(opt.v, graph.NewTensor(prm.Value.Shape...))
		}
	}
	return opt
}

// Step applies one update and returns the squared norm of the gradient it
// used, so that the caller can check it is finite.
// SetProgress sets the learning rate of the training step that follows
// step done steps of total: the schedule is a function of the step alone, so
// a resumed run continues it exactly.
func (o *Optimizer) SetProgress(done, total int) {
	f := 1.0
	p := float64(done) / float64(total)
	switch o.schedule {
	case "linear":
		f = 1 - p
	case "cosine":
		f = (1 + math.Cos(math.Pi*p)) / 2
	}
	o.rate = float32(float64(o.lr) * f)
}

// Step updates the parameters with the gradients accumulated since the last
// step, zeroes them and returns their squared norm.
func (o *Optimizer) Step() float64 {
	o.t++
	var sq float64
	switch o.Kind {
	case "adam":
		// PyTorch's Adam: bias corrections folded into the step size.
		bc1 := 1 - math.Pow(float64(o.beta1), float64(o.t))
		bc2 := 1 - math.Pow(float64(o.beta2), float64(o.t))
		step := float32(float64(o.rate) / bc1)
		sqrtBC2 := float32(math.Sqrt(bc2))
		for i, p := range o.params {
			// Zeroes the gradient as it reads it: one pass over memory fewer.
			sq += graph.AdamUpdateZero(p.Value.Data, p.Grad.Data, o.m[i].Data, o.v[i].Data,
				o.beta1, o.beta2, step, sqrtBC2, o.eps, o.decay)
		}
	default:
		for i, p := range o.params {
			sq += graph.SGDUpdate(p.Value.Data, p.Grad.Data, o.m[i].Data, o.rate, o.momentum, o.decay, o.t == 1)
			p.Grad.Zero()
		}
	}
	o.lastSq = sq
	return sq
}

// ZeroGrad clears the gradients without updating (after a step whose
// gradients were not wanted, such as D's during the generator step).
func (o *Optimizer) ZeroGrad() {
	for _, p := range o.params {
		p.Grad.Zero()
	}
}

// state lists the optimiser's tensors for checkpoints.
func (o *Optimizer) state() map[string]*graph.Tensor {
	out := map[string]*graph.Tensor{}
	for i, name := range o.names {
		out[fmt.Sprintf("optim.%s.m.%s", o.Name, name)] = o.m[i]
		if o.v != nil {
			out[fmt.Sprintf("optim.%s.v.%s", o.Name, name)] = o.v[i]
		}
	}
	return out
}
