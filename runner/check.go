package runner

import (
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/exp-ml/exp/dsl"
	"github.com/exp-ml/exp/graph"
	"github.com/exp-ml/exp/layers"
	"github.com/exp-ml/exp/runner/data"
)

// dataShape knows the shape of the built-in datasets without loading them
// and reads the user's files for the others.
func dataShape(e *dsl.Experiment, d *dsl.Data) (DataShape, error) {
	var s DataShape
	switch d.Kind {
	case "mnist":
		s = DataShape{Shape: []int{1, 28, 28}, NumClasses: 10, N: map[string]int{"train": 60000, "test": 10000}[d.Split]}
		if d.Limit > 0 {
			s.N = min(s.N, d.Limit)
		}
	case "gaussian_mixture":
		ms := data.MixtureDefaults(dataSpec(e, d))
		s = DataShape{Shape: []int{2}, NumClasses: ms.Modes, N: ms.Samples}
	default:
		ds, err := loadDataset(e, d)
		if err != nil {
			return DataShape{}, err
		}
		s = DataShape{Shape: ds.Shape, NumClasses: ds.NumClasses, N: ds.N}
	}
	return s, nil
}

// loadDataset loads one data block, viewing it with the block's shape when
// it gives one.
func loadDataset(e *dsl.Experiment, d *dsl.Data) (*data.Dataset, error) {
	ds, err := data.Load(dataSpec(e, d))
	if err != nil {
		return nil, err
	}
	if len(d.Shape) > 0 {
		if graph.Numel(d.Shape) != ds.Size() {
			return nil, fmt.Errorf("shape %s holds %d values, but each example of %q has %d (%s)",
				layers.ShapeString(d.Shape), graph.Numel(d.Shape), d.Name, ds.Size(), layers.ShapeString(ds.Shape))
		}
		ds.Shape = append([]int(nil), d.Shape...)
	}
	return ds, nil
}

// dataSpec converts a data block for the data package; paths are relative
// to the experiment file.
func dataSpec(e *dsl.Experiment, d *dsl.Data) data.Spec {
	labels := d.Labels
	if d.Kind == "idx" {
		labels = e.Resolve(labels)
	}
	return data.Spec{Kind: d.Kind, Name: d.Name, Split: d.Split, Scale: d.Scale, Limit: d.Limit,
		Layout: d.Layout, Modes: d.Modes, Radius: d.Radius, Std: d.Std, Samples: d.Samples,
		Path: e.Resolve(d.Path), Labels: labels, Seed: streamSeed(e.Seed, "data/"+d.Name)}
}

func objDiag(o *dsl.Objective, attr, summary, format string, args ...any) *hcl.Diagnostic {
	subject := o.DeclRange
	if r, ok := o.Ranges[attr]; ok {
		subject = r
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: subject.Ptr()}
}

// checkObjective checks the shapes the objective joins: model to model and
// dataset to model.
func checkObjective(p *Program) hcl.Diagnostics {
	o := p.Exp.Objective
	if o == nil {
		return nil
	}
	ds, ok := p.DataShapes[o.Data]
	if !ok {
		return nil // reported by dsl or dataShape
	}
	size := graph.Numel(ds.Shape)
	var diags hcl.Diagnostics
	add := func(d *hcl.Diagnostic) { diags = append(diags, d) }
	if ev := p.Exp.Evaluate; ev != nil {
		subject := ev.DeclRange
		if r, ok := ev.Ranges["metrics"]; ok {
			subject = r
		}
		for _, m := range ev.Metrics {
			if !slices.Contains(supportedMetrics[o.Kind], m) {
				add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Metric not available for this objective",
					Detail:  fmt.Sprintf("The %s objective can evaluate %v; %q is not among them.", o.Kind, supportedMetrics[o.Kind], m),
					Subject: subject.Ptr()})
			} else if d := checkMetricData(p, m, subject); d != nil {
				add(d)
			}
		}
	}
	switch o.Kind {
	case "elbo":
		enc, dec := p.Model(o.Encoder), p.Model(o.Decoder)
		if enc == nil || dec == nil {
			return nil
		}
		if len(enc.Spec.Inputs) != 1 || graph.Numel(enc.Spec.Inputs[0].Shape) != size {
			add(objDiag(o, "encoder", "Encoder does not fit the data",
				"The encoder must have one input of %d values (data %q has shape %s).", size, o.Data, layers.ShapeString(ds.Shape)))
		}
		if len(enc.OutputShapes) != 2 || !graph.SameShape(enc.OutputShapes[0], enc.OutputShapes[1]) || len(enc.OutputShapes[0]) != 1 {
			add(objDiag(o, "encoder", "Encoder must output mu and logvar",
				"An elbo encoder has two vector outputs of one size, output = [layer.mu, layer.logvar]; %q has %v.", enc.Name, shapesString(enc.OutputShapes)))
			return diags
		}
		if len(dec.Spec.Inputs) != 1 || !graph.SameShape(dec.Spec.Inputs[0].Shape, enc.OutputShapes[0]) {
			add(objDiag(o, "decoder", "Decoder does not fit the encoder",
				"The decoder must have one input of shape %s, the encoder's latent; %q has %s.", layers.ShapeString(enc.OutputShapes[0]), dec.Name, inputsString(dec.Spec)))
		}
		if len(dec.OutputShapes) != 1 || graph.Numel(dec.OutputShapes[0]) != size {
			add(objDiag(o, "decoder", "Decoder does not fit the data",
				"The decoder must output %d values per example (data %q has shape %s); %q outputs %v.", size, o.Data, layers.ShapeString(ds.Shape), dec.Name, shapesString(dec.OutputShapes)))
		}
	case "gan":
		g, d := p.Model(o.Generator), p.Model(o.Discriminator)
		if g == nil || d == nil {
			return nil
		}
		cond := o.Condition == "label"
		for _, m := range []*Model{g, d} {
			attr := map[*Model]string{g: "generator", d: "discriminator"}[m]
			y, hasY := m.InputShapes["y"]
			switch {
			case cond && !hasY:
				add(objDiag(o, "condition", "Conditional model lacks input \"y\"",
					"With condition = \"label\", model %q needs an input \"y\" of shape [%d] for the one-hot label.", m.Name, ds.NumClasses))
			case cond && (len(y) != 1 || y[0] != ds.NumClasses):
				add(objDiag(o, attr, "Label input has the wrong size",
					"Input \"y\" of %q has shape %s, but data %q has %d classes.", m.Name, layers.ShapeString(y), o.Data, ds.NumClasses))
			case cond && ds.NumClasses == 0:
				add(objDiag(o, "condition", "Data has no labels", "condition = \"label\" needs labelled data; %q has none.", o.Data))
			case !cond && hasY && len(m.Spec.Inputs) > 1:
				add(objDiag(o, attr, "Model has a label input but the objective has no condition",
					"Model %q has an input \"y\"; set condition = \"label\" in the objective, or remove the input.", m.Name))
			}
			if n := len(m.Spec.Inputs); (cond && n != 2) || (!cond && n != 1) {
				add(objDiag(o, attr, "Wrong inputs for a GAN model",
					"Model %q has %d inputs; a GAN model has one (noise or image)%s.", m.Name, n, map[bool]string{true: " plus \"y\"", false: ""}[cond]))
			}
		}
		for _, opt := range p.Exp.Optimizers {
			if slices.Contains(opt.Models, g.Name) && slices.Contains(opt.Models, d.Name) {
				add(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "One optimizer for both GAN players",
					Detail:  fmt.Sprintf("Optimizer %q updates both %q and %q; the generator and the discriminator take turns, so each needs its own optimizer.", opt.Name, g.Name, d.Name),
					Subject: opt.DeclRange.Ptr()})
			}
		}
		if diags.HasErrors() {
			return diags
		}
		x := mainInput(d.Spec)
		if len(g.OutputShapes) != 1 || graph.Numel(g.OutputShapes[0]) != size {
			add(objDiag(o, "generator", "Generator does not fit the data",
				"The generator must output %d values per example (data %q has shape %s); %q outputs %v.", size, o.Data, layers.ShapeString(ds.Shape), g.Name, shapesString(g.OutputShapes)))
		}
		if graph.Numel(x.Shape) != size {
			add(objDiag(o, "discriminator", "Discriminator does not fit the data",
				"The discriminator's input %q has shape %s, but data %q has %s.", x.Name, layers.ShapeString(x.Shape), o.Data, layers.ShapeString(ds.Shape)))
		}
		if len(d.OutputShapes) != 1 || graph.Numel(d.OutputShapes[0]) != 1 {
			add(objDiag(o, "discriminator", "Discriminator must output one logit",
				"The discriminator must end in one value per example (a dense layer of 1 unit, no sigmoid); %q outputs %v.", d.Name, shapesString(d.OutputShapes)))
		}
	case "classifier":
		m := p.Model(o.Model)
		if m == nil {
			return nil
		}
		if len(m.Spec.Inputs) != 1 || graph.Numel(m.Spec.Inputs[0].Shape) != size {
			add(objDiag(o, "model", "Classifier does not fit the data",
				"The classifier must have one input of %d values (data %q has shape %s).", size, o.Data, layers.ShapeString(ds.Shape)))
		}
		if ds.NumClasses == 0 {
			add(objDiag(o, "data", "Data has no labels", "A classifier needs labelled data; %q has none.", o.Data))
		} else if len(m.OutputShapes) == 0 || !graph.SameShape(m.OutputShapes[0], []int{ds.NumClasses}) {
			// Further outputs (features for FID, say) are allowed; the first is the logits.
			add(objDiag(o, "model", "Classifier output does not match the classes",
				"The classifier's first output must be [%d] logits (one per class of %q); %q outputs %v.", ds.NumClasses, o.Data, m.Name, shapesString(m.OutputShapes)))
		}
	}
	return diags
}

// mainInput is a GAN model's input that is not the label.
func mainInput(m *dsl.Model) *dsl.Input {
	for _, in := range m.Inputs {
		if in.Name != "y" {
			return in
		}
	}
	return m.Inputs[0]
}

func shapesString(ss [][]int) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += ", "
		}
		out += layers.ShapeString(s)
	}
	return out
}

func inputsString(m *dsl.Model) string {
	var ss [][]int
	for _, in := range m.Inputs {
		ss = append(ss, in.Shape)
	}
	return shapesString(ss)
}

// checkMemory estimates training memory (weights, gradients and two
// optimiser moments per parameter; activation values and gradients for the
// batch in up to three workspaces) and refuses an experiment over max,
// naming the layer that costs most.
func checkMemory(p *Program, max int64) hcl.Diagnostics {
	if max <= 0 {
		return nil
	}
	batch := int64(64)
	if p.Exp.Train != nil && p.Exp.Train.BatchSize > 0 {
		batch = int64(p.Exp.Train.BatchSize)
	}
	var total, worst int64
	var worstLayer *dsl.Layer
	for _, m := range p.Models {
		for i, l := range m.Layers {
			cost := int64(l.Params)*4*4 + l.Bytes*batch*3
			total += cost
			if cost > worst {
				worst, worstLayer = cost, m.Spec.Layers[indexOfLayer(m.Spec, l.Name, i)]
			}
		}
	}
	if total <= max || worstLayer == nil {
		return nil
	}
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Experiment too large for memory",
		Detail: fmt.Sprintf("Training would need about %s (limit %s, set with --max-mem); layer %q alone needs %s.",
			bytesString(total), bytesString(max), worstLayer.Name, bytesString(worst)),
		Subject: worstLayer.DeclRange.Ptr()}}
}

func indexOfLayer(m *dsl.Model, name string, hint int) int {
	for i, l := range m.Layers {
		if l.Name == name {
			return i
		}
	}
	return hint
}

func bytesString(b int64) string {
	switch {
	case b >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(b)/(1<<30))
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", b>>10)
}

// checkBatch refuses a batch larger than the training data, and batchnorm
// with one example per batch: training-mode statistics of a single example
// are undefined (PyTorch refuses it too).
func checkBatch(p *Program) hcl.Diagnostics {
	tr := p.Exp.Train
	if tr == nil {
		return nil
	}
	subject := tr.DeclRange
	if r, ok := tr.Ranges["batch_size"]; ok {
		subject = r
	}
	if o := p.Exp.Objective; o != nil {
		if ds, ok := p.DataShapes[o.Data]; ok && ds.N > 0 && tr.BatchSize > ds.N {
			return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Batch larger than the data",
				Detail:  fmt.Sprintf("batch_size = %d, but data %q has %d examples.", tr.BatchSize, o.Data, ds.N),
				Subject: subject.Ptr()}}
		} else if ok && o.Kind == "gan" && ds.N > 0 && ds.N/max(tr.BatchSize, 1) < max(o.DSteps, 1) {
			return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Too little data for one step",
				Detail: fmt.Sprintf("One GAN step takes d_steps = %d batches of %d, but data %q has %d examples.",
					o.DSteps, tr.BatchSize, o.Data, ds.N),
				Subject: subject.Ptr()}}
		}
	}
	if tr.BatchSize >= 2 {
		return nil
	}
	for _, m := range p.Models {
		for _, l := range m.Spec.Layers {
			if l.Type == "batchnorm" {
				return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Batch too small for batchnorm",
					Detail:  fmt.Sprintf("Layer %q of model %q normalises over the batch, which needs batch_size >= 2.", l.Name, m.Name),
					Subject: subject.Ptr()}}
			}
		}
	}
	return nil
}
