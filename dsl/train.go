package dsl

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/hashicorp/hcl/v2"
)

var trainSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "epochs"},
		{Name: "batch_size"},
		{Name: "max_steps"},
		{Name: "log_every"},
		{Name: "sample_every"},
		{Name: "checkpoint_every"},
	},
}

var evaluateSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "data"},
		{Name: "every"},
		{Name: "metrics", Required: true},
		{Name: "iwae_samples"},
		{Name: "num_samples"},
	},
}

// MetricNames are the short names an evaluate block's metrics list takes
// (DESIGN.md §5), including the artifacts samples and reconstructions.
var MetricNames = []string{
	"elbo", "iwae_nll", "fid", "class_kl", "cond_acc", "parzen_ll",
	"modes", "hq", "reverse_kl", "accuracy", "samples", "reconstructions",
}

// MetricSeries are the recorded metric series (DESIGN.md §5), the names a
// sweep's target and early_stop metric take.
var MetricSeries = []string{
	"train/loss",
	"train/neg_elbo", "train/recon", "train/kl", "test/neg_elbo", "test/iwae_nll",
	"train/d_loss", "train/g_loss", "train/d_real", "train/d_fake",
	"eval/fid", "eval/class_kl", "eval/cond_acc", "eval/modes", "eval/hq", "eval/reverse_kl", "eval/parzen_ll", "eval/parzen_ll_stderr", "eval/parzen_sigma",
	"train/xent", "train/accuracy", "test/xent", "test/accuracy",
}

// metricObjectives lists the objectives each metric makes sense for.
var metricObjectives = map[string][]string{
	"elbo":            {"elbo"},
	"iwae_nll":        {"elbo"},
	"reconstructions": {"elbo"},
	"accuracy":        {"classifier"},
	"cond_acc":        {"gan"},
	"samples":         {"elbo", "gan"},
	"fid":             {"elbo", "gan"},
	"class_kl":        {"elbo", "gan"},
	"parzen_ll":       {"elbo", "gan"},
	"modes":           {"elbo", "gan"},
	"hq":              {"elbo", "gan"},
	"reverse_kl":      {"elbo", "gan"},
}

func defaultTrain(rng hcl.Range) *Train {
	return &Train{
		Epochs:          1,
		BatchSize:       64,
		LogEvery:        Every{N: 100, Unit: "step"},
		CheckpointEvery: Every{N: 1, Unit: "epoch"},
		Ranges:          map[string]hcl.Range{},
		DeclRange:       rng,
	}
}

func (p *parser) decodeTrainBlock(block *hcl.Block) (*Train, hcl.Diagnostics) {
	t := defaultTrain(block.DefRange)
	content, diags := block.Body.Content(trainSchema)
	attrs := content.Attributes
	for name, a := range attrs {
		t.Ranges[name] = a.Expr.Range()
	}
	var dd hcl.Diagnostics
	if a, ok := attrs["epochs"]; ok {
		t.Epochs, dd = p.intAttr(a, 1, 1_000_000)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["batch_size"]; ok {
		t.BatchSize, dd = p.intAttr(a, 1, 1<<16)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["max_steps"]; ok {
		t.MaxSteps, dd = p.intAttr(a, 0, 1<<40)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["log_every"]; ok {
		t.LogEvery, dd = p.everyAttr(a)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["sample_every"]; ok {
		t.SampleEvery, dd = p.everyAttr(a)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["checkpoint_every"]; ok {
		t.CheckpointEvery, dd = p.everyAttr(a)
		diags = append(diags, dd...)
	}
	return t, diags
}

// decodeEvaluateBlock decodes the evaluate block; obj is the objective when
// it decoded cleanly (metric compatibility is checked only then).
func (p *parser) decodeEvaluateBlock(block *hcl.Block, obj *Objective) (*Evaluate, hcl.Diagnostics) {
	ev := &Evaluate{IWAESamples: 100, NumSamples: 10000, Ranges: map[string]hcl.Range{}, DeclRange: block.DefRange}
	content, diags := block.Body.Content(evaluateSchema)
	attrs := content.Attributes
	for name, a := range attrs {
		ev.Ranges[name] = a.Expr.Range()
	}
	var dd hcl.Diagnostics
	if a, ok := attrs["data"]; ok {
		ev.Data, _, dd = p.refTo(a, "data", p.data)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["every"]; ok {
		ev.Every, dd = p.everyAttr(a)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["iwae_samples"]; ok {
		ev.IWAESamples, dd = p.intAttr(a, 1, 100_000)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["num_samples"]; ok {
		ev.NumSamples, dd = p.intAttr(a, 1, 10_000_000)
		diags = append(diags, dd...)
	}
	a, ok := attrs["metrics"]
	if !ok {
		return ev, diags
	}
	names, ranges, d := p.stringsWithRanges(a)
	diags = append(diags, d...)
	if d.HasErrors() {
		return ev, diags
	}
	if len(names) == 0 {
		return ev, append(diags, errorf(a.Expr.Range(), "Invalid metrics", "metrics must name at least one metric."))
	}
	dataName := ev.Data
	if dataName == "" && obj != nil {
		dataName = obj.Data
	}
	data := p.dataDecoded[dataName]
	seen := map[string]bool{}
	for i, m := range names {
		rng := ranges[i]
		kinds, known := metricObjectives[m]
		switch {
		case !known:
			diags = append(diags, errorf(rng, "Unsupported metric",
				"%q is not a metric; the metrics are %s.%s", m, quoteAll(MetricNames), didYouMean(m, MetricNames)))
			continue
		case seen[m]:
			diags = append(diags, errorf(rng, "Duplicate metric", "%q is listed twice.", m))
			continue
		}
		seen[m] = true
		ev.Metrics = append(ev.Metrics, m)
		if obj == nil {
			continue
		}
		if indexOf(kinds, obj.Kind) < 0 {
			diags = append(diags, errorf(rng, "Metric not available for this objective",
				"%q applies to %s objectives; this experiment's objective is %q.", m, quoteList(kinds), obj.Kind))
			continue
		}
		switch {
		case m == "cond_acc" && obj.Condition != "label":
			diags = append(diags, errorf(rng, "Metric not available for this objective",
				"cond_acc measures a conditional GAN; set condition = \"label\" in the objective."))
		case (m == "modes" || m == "hq" || m == "reverse_kl") && data != nil && data.Kind != "gaussian_mixture":
			diags = append(diags, errorf(rng, "Metric not available for this data",
				"%q counts the modes of gaussian_mixture data; %q is %s data.", m, data.Name, data.Kind))
		case (m == "fid" || m == "class_kl") && data != nil && data.Kind == "gaussian_mixture":
			diags = append(diags, errorf(rng, "Metric not available for this data",
				"%q uses the reference MNIST classifier; %q is gaussian_mixture data.", m, data.Name))
		}
	}
	return ev, diags
}

var everyRE = regexp.MustCompile(`^\s*([0-9]+)\s*(steps?|epochs?)\s*$`)

// ParseEvery parses a schedule: "N step", "N steps", "N epoch", "N epochs"
// (N >= 1) or "never".
func ParseEvery(s string) (Every, error) {
	if s == "never" {
		return Every{}, nil
	}
	m := everyRE.FindStringSubmatch(s)
	if m == nil {
		return Every{}, fmt.Errorf("%q is not a schedule; write \"200 steps\", \"1 epoch\" or \"never\"", s)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n < 1 || n > 1<<40 {
		return Every{}, fmt.Errorf("%q: the count must be a whole number from 1 to %d (\"never\" turns it off)", s, int64(1)<<40)
	}
	unit := "step"
	if m[2][0] == 'e' {
		unit = "epoch"
	}
	return Every{N: n, Unit: unit}, nil
}

func (p *parser) everyAttr(attr *hcl.Attribute) (Every, hcl.Diagnostics) {
	s, diags := p.stringAttr(attr)
	if diags.HasErrors() {
		return Every{}, diags
	}
	ev, err := ParseEvery(s)
	if err != nil {
		return Every{}, append(diags, errorf(attr.Expr.Range(), "Invalid schedule", "%s: %s.", attr.Name, err))
	}
	return ev, diags
}
