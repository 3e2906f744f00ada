package dsl

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// MaxTrials bounds the trials of one sweep (points times repeats).
const MaxTrials = 10000

var sweepSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "method"},
		{Name: "trials"},
		{Name: "parallel"},
		{Name: "repeat"},
		{Name: "target"},
		{Name: "goal"},
		{Name: "values"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "early_stop"},
	},
}

var earlyStopSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "metric"},
		{Name: "goal"},
		{Name: "method"},
		{Name: "min_steps"},
		{Name: "reduction"},
	},
}

var (
	sweepMethods     = []string{"grid", "random"}
	goals            = []string{"minimize", "maximize"}
	earlyStopMethods = []string{"median", "asha"}
	// Distributions are the functions a random sweep's values may call.
	Distributions = []string{"uniform", "loguniform", "int_uniform"}
)

func (p *parser) decodeSweepBlock(block *hcl.Block) (*Sweep, hcl.Diagnostics) {
	s := &Sweep{
		Method:    "grid",
		Parallel:  1,
		Repeat:    1,
		Goal:      "minimize",
		Ranges:    map[string]hcl.Range{},
		DeclRange: block.DefRange,
	}
	content, diags := block.Body.Content(sweepSchema)
	attrs := content.Attributes
	for name, a := range attrs {
		s.Ranges[name] = a.Expr.Range()
	}
	var dd hcl.Diagnostics
	if a, ok := attrs["method"]; ok {
		s.Method, dd = p.enumAttr(a, sweepMethods)
		diags = append(diags, dd...)
		if dd.HasErrors() {
			return nil, diags // the rest depends on the method
		}
	}
	if a, ok := attrs["trials"]; ok {
		if s.Method == "grid" {
			diags = append(diags, errorf(a.NameRange, "Argument not valid for grid sweeps",
				"A grid sweep runs every combination of its values; trials sets how many points a random sweep draws."))
		} else {
			s.Trials, dd = p.intAttr(a, 1, MaxTrials)
			diags = append(diags, dd...)
		}
	} else if s.Method == "random" {
		diags = append(diags, errorf(block.DefRange, "Missing required argument",
			"A random sweep draws a fixed number of points: set trials = N."))
	}
	if a, ok := attrs["parallel"]; ok {
		s.Parallel, dd = p.intAttr(a, 1, 256)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["repeat"]; ok {
		s.Repeat, dd = p.intAttr(a, 1, 1000)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["target"]; ok {
		s.Target, dd = p.stringAttr(a)
		diags = append(diags, dd...)
		if !dd.HasErrors() {
			if d := checkSeries(s.Target, a.Expr.Range(), "target"); d != nil {
				diags = append(diags, d)
			}
		}
	}
	if a, ok := attrs["goal"]; ok {
		s.Goal, dd = p.enumAttr(a, goals)
		diags = append(diags, dd...)
	}
	valuesOK := true
	if a, ok := attrs["values"]; ok {
		s.Values, dd = p.decodeSweepValues(a, s.Method)
		diags = append(diags, dd...)
		valuesOK = !dd.HasErrors()
	}

	switch {
	case len(s.Values) == 0 && valuesOK && (s.Method == "random" || s.Repeat <= 1):
		diags = append(diags, errorf(block.DefRange, "Empty sweep",
			"The sweep varies nothing: give values = { NAME = [...] }, or repeat = N to run N seeds."))
	case s.Method == "grid" && valuesOK:
		if n := gridSize(s.Values) * s.Repeat; n > MaxTrials {
			rng := block.DefRange
			if a, ok := attrs["values"]; ok {
				rng = a.Expr.Range()
			}
			diags = append(diags, errorf(rng, "Sweep too large",
				"This grid has %s trials (points times repeat); a sweep is limited to %d.", countString(n), MaxTrials))
		}
	case s.Method == "random" && s.Trials*s.Repeat > MaxTrials:
		diags = append(diags, errorf(attrs["trials"].Expr.Range(), "Sweep too large",
			"trials times repeat is %d; a sweep is limited to %d.", s.Trials*s.Repeat, MaxTrials))
	}

	for i, b := range content.Blocks {
		if i > 0 {
			diags = append(diags, errorf(b.DefRange, "Duplicate early_stop block",
				"A sweep has one early_stop block; the first is at line %d.", content.Blocks[0].DefRange.Start.Line))
			continue
		}
		es, d := p.decodeEarlyStopBlock(b, s)
		diags = append(diags, d...)
		s.EarlyStop = es
	}
	return s, diags
}

func countString(n int) string {
	if n > MaxTrials*1000 {
		return "more than " + fmt.Sprint(MaxTrials*1000)
	}
	return fmt.Sprint(n)
}

// gridSize is the number of grid points, saturating at MaxTrials*1000.
func gridSize(values []*SweepValue) int {
	n := 1
	for _, v := range values {
		n *= max(len(v.Choices), 1)
		if n > MaxTrials*1000 {
			return MaxTrials*1000 + 1
		}
	}
	return n
}

// checkSeries reports a name that is not a metric series, suggesting the
// series of a short metric name.
func checkSeries(s string, rng hcl.Range, what string) *hcl.Diagnostic {
	if indexOf(MetricSeries, s) >= 0 {
		return nil
	}
	hint := didYouMean(s, MetricSeries)
	if s == "elbo" {
		hint = ` Did you mean "test/neg_elbo"?`
	}
	for _, full := range MetricSeries {
		if s != "" && strings.HasSuffix(full, "/"+s) {
			hint = fmt.Sprintf(" Did you mean %q?", full)
			break
		}
	}
	return errorf(rng, "Unsupported "+what,
		"%q is not a metric series; series are named like \"test/neg_elbo\" or \"eval/fid\" (DESIGN.md §5).%s", s, hint)
}

func (p *parser) decodeSweepValues(attr *hcl.Attribute, method string) ([]*SweepValue, hcl.Diagnostics) {
	pairs, d := hcl.ExprMap(attr.Expr)
	if d.HasErrors() {
		return nil, hcl.Diagnostics{errorf(attr.Expr.Range(), "Invalid sweep values",
			"values maps variable names to choices or distributions, like { lr = [0.001, 0.01] }.")}
	}
	var diags hcl.Diagnostics
	var out []*SweepValue
	seen := map[string]hcl.Range{}
	for _, pair := range pairs {
		keyRange := pair.Key.Range()
		name := hcl.ExprAsKeyword(pair.Key)
		if name == "" {
			k, d := pair.Key.Value(nil)
			s, ok := stringValue(k)
			if d.HasErrors() || !ok {
				diags = append(diags, errorf(keyRange, "Invalid sweep value name",
					"Keys of values are variable names: write lr = [...], not var.lr = [...]."))
				continue
			}
			name = s
		}
		if prev, dup := seen[name]; dup {
			diags = append(diags, errorf(keyRange, "Duplicate sweep value",
				"%s is already swept at line %d.", name, prev.Start.Line))
			continue
		}
		seen[name] = keyRange
		v, ok := p.vars[name]
		if !ok {
			diags = append(diags, errorf(keyRange, "Undeclared variable in sweep",
				"Sweeps vary declared variables; there is no variable %q.%s", name, didYouMean(name, p.varNames)))
			continue
		}
		if v.Type == "" {
			continue // its declaration is broken and already reported
		}
		sv, d := p.decodeSweepValue(v, pair.Value, method)
		diags = append(diags, d...)
		if sv != nil {
			out = append(out, sv)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, diags
}

func (p *parser) decodeSweepValue(v *Variable, expr hcl.Expression, method string) (*SweepValue, hcl.Diagnostics) {
	sv := &SweepValue{Name: v.Name, Type: v.Type, Range: expr.Range()}
	if call, d := hcl.ExprCall(expr); !d.HasErrors() {
		return p.decodeDistribution(sv, v, call, method)
	}
	exprs, d := hcl.ExprList(expr)
	if d.HasErrors() {
		return nil, hcl.Diagnostics{errorf(expr.Range(), "Invalid sweep value",
			"%s must be a list of choices like [0.001, 0.01], or in a random sweep one of uniform(a, b), loguniform(a, b), int_uniform(a, b).", v.Name)}
	}
	if len(exprs) == 0 {
		return nil, hcl.Diagnostics{errorf(expr.Range(), "Invalid sweep value", "%s needs at least one choice.", v.Name)}
	}
	var diags hcl.Diagnostics
	for _, e := range exprs {
		val, d := e.Value(nil)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		c, err := choiceValue(v, val)
		if err != nil {
			diags = append(diags, errorf(e.Range(), "Invalid sweep value", "%s", err))
			continue
		}
		sv.Choices = append(sv.Choices, c)
		sv.choiceRanges = append(sv.choiceRanges, e.Range())
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return sv, diags
}

func (p *parser) decodeDistribution(sv *SweepValue, v *Variable, call *hcl.StaticCall, method string) (*SweepValue, hcl.Diagnostics) {
	if indexOf(Distributions, call.Name) < 0 {
		return nil, hcl.Diagnostics{errorf(call.NameRange, "Unknown sweep function",
			"%q is not a distribution; the distributions are %s.%s", call.Name, quoteAll(Distributions), didYouMean(call.Name, Distributions))}
	}
	if method == "grid" {
		return nil, hcl.Diagnostics{errorf(sv.Range, "Distribution in grid sweep",
			"A grid sweep needs a finite list of values, but %s draws from a range. Use method = \"random\", or list the values.", call.Name)}
	}
	if len(call.Arguments) != 2 {
		return nil, hcl.Diagnostics{errorf(call.ArgsRange, "Invalid distribution",
			"%s takes two arguments, (a, b); got %d.", call.Name, len(call.Arguments))}
	}
	var diags hcl.Diagnostics
	var ab [2]float64
	for i, arg := range call.Arguments {
		val, d := arg.Value(nil)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		f, ok := 0.0, false
		if !val.IsNull() && val.Type() == cty.Number {
			f, ok = ctyFloat(val)
		}
		if !ok || (call.Name == "int_uniform" && (f != math.Trunc(f) || math.Abs(f) > 1<<53)) {
			want := "finite numbers"
			if call.Name == "int_uniform" {
				want = "whole numbers"
			}
			diags = append(diags, errorf(arg.Range(), "Invalid distribution", "The arguments of %s must be %s.", call.Name, want))
			continue
		}
		ab[i] = f
	}
	if diags.HasErrors() {
		return nil, diags
	}
	sv.Dist, sv.A, sv.B = call.Name, ab[0], ab[1]
	switch {
	case !(sv.A < sv.B):
		return nil, hcl.Diagnostics{errorf(call.ArgsRange, "Invalid distribution",
			"%s(a, b) needs a < b; got a = %g, b = %g.", call.Name, sv.A, sv.B)}
	case call.Name == "loguniform" && sv.A <= 0:
		return nil, hcl.Diagnostics{errorf(call.Arguments[0].Range(), "Invalid distribution",
			"loguniform(a, b) draws on a log scale, so a must be greater than 0; got %g.", sv.A)}
	}
	if d := distFits(sv.Dist, v.Type); d != "" {
		return nil, hcl.Diagnostics{errorf(sv.Range, "Distribution does not fit variable",
			"%s draws %s, but variable %q is %s (its default is %s).", sv.Dist, d, v.Name, typeNoun(v.Type), FormatValue(v.Default))}
	}
	return sv, nil
}

// distFits returns "" when distribution dist can set a variable of type
// typ, or what the distribution draws.
func distFits(dist, typ string) string {
	switch {
	case dist == "int_uniform" && (typ == typeInt || typ == typeFloat):
		return ""
	case (dist == "uniform" || dist == "loguniform") && typ == typeFloat:
		return ""
	case dist == "int_uniform":
		return "whole numbers"
	case typ == typeInt:
		return "real numbers (use int_uniform(a, b) for an int)"
	}
	return "real numbers"
}

func typeNoun(typ string) string {
	switch typ {
	case typeInt:
		return "an int"
	case typeFloat:
		return "a float"
	case typeString:
		return "a string"
	case typeBool:
		return "a bool"
	}
	return "a list"
}

// choiceValue type-checks one sweep choice against the variable: an int
// variable takes whole numbers, a float variable any number.
func choiceValue(v *Variable, val cty.Value) (any, error) {
	bad := func(what string) error {
		return fmt.Errorf("variable %q is %s (its default is %s); %s.", v.Name, typeNoun(v.Type), FormatValue(v.Default), what)
	}
	if val.IsNull() {
		return nil, bad("null is not a value")
	}
	ty := val.Type()
	switch v.Type {
	case typeInt:
		if ty == cty.Number {
			if i, ok := ctyInt(val); ok {
				return i, nil
			}
			return nil, bad(val.AsBigFloat().Text('g', 10) + " is not a whole number")
		}
	case typeFloat:
		if ty == cty.Number {
			if f, ok := ctyFloat(val); ok {
				return f, nil
			}
			return nil, bad("the number does not fit a 64-bit float")
		}
	case typeString:
		if ty == cty.String {
			return val.AsString(), nil
		}
	case typeBool:
		if ty == cty.Bool {
			return val.True(), nil
		}
	case typeList:
		if ty.IsTupleType() || ty.IsListType() {
			et := elemType(v.Default.([]any))
			elems := val.AsValueSlice()
			out := make([]any, len(elems))
			for i, e := range elems {
				g, err := listElem(et, e)
				if err != nil {
					return nil, bad(fmt.Sprintf("element %d %s", i, err))
				}
				out[i] = g
			}
			return out, nil
		}
	}
	return nil, bad(friendlyType(val) + " does not fit")
}

func (p *parser) decodeEarlyStopBlock(block *hcl.Block, s *Sweep) (*EarlyStop, hcl.Diagnostics) {
	es := &EarlyStop{
		Metric:    s.Target,
		Goal:      s.Goal,
		Method:    "median",
		Reduction: 3,
		Ranges:    map[string]hcl.Range{},
		DeclRange: block.DefRange,
	}
	content, diags := block.Body.Content(earlyStopSchema)
	attrs := content.Attributes
	for name, a := range attrs {
		es.Ranges[name] = a.Expr.Range()
	}
	var dd hcl.Diagnostics
	if a, ok := attrs["metric"]; ok {
		es.Metric, dd = p.stringAttr(a)
		diags = append(diags, dd...)
		if !dd.HasErrors() {
			if d := checkSeries(es.Metric, a.Expr.Range(), "metric"); d != nil {
				diags = append(diags, d)
			}
		}
	} else if es.Metric == "" {
		diags = append(diags, errorf(block.DefRange, "Missing required argument",
			"early_stop needs a metric to watch: set metric = \"test/neg_elbo\" (or similar), or the sweep's target."))
	}
	if a, ok := attrs["goal"]; ok {
		es.Goal, dd = p.enumAttr(a, goals)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["method"]; ok {
		es.Method, dd = p.enumAttr(a, earlyStopMethods)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["min_steps"]; ok {
		es.MinSteps, dd = p.intAttr(a, 0, 1<<40)
		diags = append(diags, dd...)
	}
	if a, ok := attrs["reduction"]; ok {
		if es.Method != "asha" {
			diags = append(diags, errorf(a.NameRange, "Argument not valid for median stopping",
				"reduction is the reduction factor of method = \"asha\"."))
		} else {
			es.Reduction, dd = p.intAttr(a, 2, 100)
			diags = append(diags, dd...)
		}
	}
	return es, diags
}

// sweepSalt separates the sweep's random stream from every other stream
// derived from the experiment seed ("sweep" in ASCII).
const sweepSalt = 0x7377656570

// Expand returns the trials of the sweep: a pure function of the sweep and
// the experiment seed. Points come first in order, each repeated Repeat
// times with seeds Seed+0 .. Seed+Repeat-1, so repeat r of every point
// shares a seed (common random numbers: points differ only in their
// values). A grid enumerates the cross product of the values sorted by
// name, the last name varying fastest. A random sweep draws point i from a
// PCG stream seeded by (seed, i) alone, so point i is the same whatever
// trials is, and values are drawn in name order. Without a sweep, Expand
// returns one trial with the experiment's seed and no overrides.
func (e *Experiment) Expand() ([]Trial, hcl.Diagnostics) {
	s := e.Sweep
	if s == nil {
		return []Trial{{Seed: e.Seed, Values: map[string]any{}, Overrides: map[string]string{}}}, nil
	}
	if diags := s.check(); diags.HasErrors() {
		return nil, diags
	}
	values := append([]*SweepValue(nil), s.Values...)
	sort.SliceStable(values, func(i, j int) bool { return values[i].Name < values[j].Name })

	var points [][]any
	switch s.Method {
	case "grid":
		points = gridPoints(values)
	case "random":
		for i := range s.Trials {
			rng := rand.New(rand.NewPCG(uint64(e.Seed), splitmix64(uint64(i)^sweepSalt)))
			pt := make([]any, len(values))
			for k, v := range values {
				pt[k] = draw(v, rng)
			}
			points = append(points, pt)
		}
	}
	repeat := max(s.Repeat, 1)
	trials := make([]Trial, 0, len(points)*repeat)
	for pi, pt := range points {
		for r := range repeat {
			t := Trial{
				Index:     len(trials),
				Point:     pi,
				Repeat:    r,
				Seed:      e.Seed + int64(r),
				Values:    make(map[string]any, len(values)),
				Overrides: make(map[string]string, len(values)),
			}
			for k, v := range values {
				t.Values[v.Name] = cloneValue(pt[k])
				t.Overrides[v.Name] = FormatValue(pt[k])
			}
			trials = append(trials, t)
		}
	}
	return trials, nil
}

// check validates a Sweep as a value, so Expand is safe on a Sweep built by
// hand; Parse reports the same problems with narrower ranges.
func (s *Sweep) check() hcl.Diagnostics {
	var diags hcl.Diagnostics
	if indexOf(sweepMethods, s.Method) < 0 {
		return hcl.Diagnostics{errorf(s.DeclRange, "Unsupported method", "%q is not a sweep method; the methods are %s.", s.Method, quoteAll(sweepMethods))}
	}
	if s.Repeat < 0 || s.Repeat > 1000 || s.Trials < 0 || s.Trials > MaxTrials {
		return hcl.Diagnostics{errorf(s.DeclRange, "Sweep too large", "repeat must be at most 1000 and trials at most %d.", MaxTrials)}
	}
	for _, v := range s.Values {
		switch v.Dist {
		case "":
			if len(v.Choices) == 0 {
				diags = append(diags, errorf(v.Range, "Invalid sweep value", "%s needs at least one choice.", v.Name))
			}
		case "uniform", "loguniform", "int_uniform":
			switch {
			case s.Method == "grid":
				diags = append(diags, errorf(v.Range, "Distribution in grid sweep", "A grid sweep needs a finite list of values for %s.", v.Name))
			case !(v.A < v.B) || math.IsInf(v.A, 0) || math.IsInf(v.B, 0):
				diags = append(diags, errorf(v.Range, "Invalid distribution", "%s(a, b) needs finite a < b.", v.Dist))
			case v.Dist == "loguniform" && v.A <= 0:
				diags = append(diags, errorf(v.Range, "Invalid distribution", "loguniform(a, b) needs a > 0."))
			case distFits(v.Dist, v.Type) != "":
				diags = append(diags, errorf(v.Range, "Distribution does not fit variable", "%s cannot set %s variable %q.", v.Dist, typeNoun(v.Type), v.Name))
			}
		default:
			diags = append(diags, errorf(v.Range, "Unknown sweep function", "%q is not a distribution.", v.Dist))
		}
	}
	n := s.Trials * max(s.Repeat, 1)
	if s.Method == "grid" {
		n = gridSize(s.Values) * max(s.Repeat, 1)
	}
	if n > MaxTrials {
		diags = append(diags, errorf(s.DeclRange, "Sweep too large", "The sweep has %s trials; the limit is %d.", countString(n), MaxTrials))
	}
	return diags
}

// gridPoints enumerates the cross product, the last value varying fastest.
func gridPoints(values []*SweepValue) [][]any {
	n := gridSize(values)
	points := make([][]any, n)
	for i := range points {
		pt := make([]any, len(values))
		rest := i
		for k := len(values) - 1; k >= 0; k-- {
			c := values[k].Choices
			pt[k] = c[rest%len(c)]
			rest /= len(c)
		}
		points[i] = pt
	}
	return points
}

// draw samples one value. uniform draws from [a, b), loguniform from
// [a, b) evenly in log space, int_uniform from the whole numbers a..b
// inclusive; a choice list is drawn from uniformly.
func draw(v *SweepValue, rng *rand.Rand) any {
	switch v.Dist {
	case "uniform":
		return v.A + (v.B-v.A)*rng.Float64()
	case "loguniform":
		la, lb := math.Log(v.A), math.Log(v.B)
		return min(max(math.Exp(la+(lb-la)*rng.Float64()), v.A), v.B)
	case "int_uniform":
		a, b := int64(v.A), int64(v.B)
		x := a + rng.Int64N(b-a+1)
		if v.Type == typeFloat {
			return float64(x)
		}
		return x
	}
	return v.Choices[rng.IntN(len(v.Choices))]
}

// splitmix64 scrambles a counter into a well-mixed seed word.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// maxSweepChecks bounds how many sweep values checkSweepValues decodes
// the file with.
const maxSweepChecks = 256

// checkSweepValues decodes the file once per sweep value (each choice, and
// both ends of each distribution), with that value alone overriding the
// variable, and reports a value that makes the file invalid, such as
// lr = [0, 0.1] where lr must be positive. Values interact only through
// shapes, which are the runner's to check. At most maxSweepChecks values
// are tried.
func checkSweepValues(e *Experiment, body hcl.Body, overrides map[string]string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	checks := 0
	for _, v := range e.Sweep.Values {
		values, ranges := v.Choices, v.choiceRanges
		if v.Dist != "" {
			a, b := any(v.A), any(v.B)
			if v.Dist == "int_uniform" {
				a, b = int64(v.A), int64(v.B)
			}
			values, ranges = []any{a, b}, []hcl.Range{v.Range, v.Range}
		}
		for i, val := range values {
			if checks == maxSweepChecks {
				return diags
			}
			checks++
			set := make(map[string]string, len(overrides)+1)
			for k, s := range overrides {
				set[k] = s
			}
			set[v.Name] = FormatValue(val)
			trial := &Experiment{Filename: e.Filename, Source: e.Source}
			for _, d := range dropCascades(decode(trial, body, set, nil)) {
				if d.Severity != hcl.DiagError {
					continue
				}
				rng := v.Range
				if i < len(ranges) {
					rng = ranges[i]
				}
				where := ""
				if d.Subject != nil {
					where = fmt.Sprintf(" at line %d", d.Subject.Start.Line)
				}
				diags = append(diags, errorf(rng, "Invalid sweep value",
					"With %s = %s the experiment is invalid%s: %s: %s", v.Name, FormatValue(val), where, d.Summary, d.Detail))
				break
			}
		}
	}
	return diags
}

// cloneValue copies lists, so that no two trials, and no trial and the
// sweep, share one.
func cloneValue(v any) any {
	list, ok := v.([]any)
	if !ok {
		return v
	}
	out := make([]any, len(list))
	for i, e := range list {
		out[i] = cloneValue(e)
	}
	return out
}
