package dsl

import (
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"
)

// Experiment is one decoded experiment file. Parse always returns a non-nil
// Experiment with Filename and Source set, so that diagnostics can be
// rendered through Files even when decoding failed; the other fields are only
// trustworthy when Parse reported no errors.
type Experiment struct {
	Filename string
	Source   []byte

	Name        string
	Description string
	Seed        int64
	Tags        []string
	DeclRange   hcl.Range

	Variables  []*Variable // declaration order
	Data       []*Data     // declaration order
	Models     []*Model    // declaration order
	Objective  *Objective
	Optimizers []*Optimizer // declaration order
	Train      *Train       // never nil after a successful Parse: defaults when the block is absent
	Evaluate   *Evaluate    // nil when absent
	Sweep      *Sweep       // nil when absent

	file    *hcl.File // the parsed file, for context lines in rendered diagnostics
	setFile []byte    // the --set overrides as "NAME=VALUE" lines, see Files
}

// Variable is a hyperparameter. Default is the declared value; Value is the
// value in force (an override's, or the default). Both have the Go type that
// Type names: "int" int64, "float" float64, "string" string, "bool" bool,
// "list" []any.
type Variable struct {
	Name        string
	Type        string
	Default     any
	Value       any
	Description string
	Overridden  bool // Value came from an override
	DeclRange   hcl.Range
}

// Data is one dataset declaration. One struct serves every kind; the
// attributes valid for each kind are listed in doc.go.
type Data struct {
	Kind, Name string
	Split      string // mnist: "train" | "test"
	Scale      string // mnist, idx, images: "unit" | "tanh" | "binarize"
	Limit      int    // 0 = all examples

	Layout  string // gaussian_mixture: "ring" | "grid"
	Modes   int
	Radius  float64
	Std     float64
	Samples int

	Path   string // idx: images file; csv: the file; images: folder of PNGs (as written; see Experiment.Resolve)
	Labels string // idx: labels file (optional); csv: name of the label column (optional)
	Shape  []int  // optional for idx, csv, images

	Ranges                          map[string]hcl.Range // attribute name -> expression range
	DeclRange, KindRange, NameRange hcl.Range
}

// Model is a layer graph.
type Model struct {
	Name      string
	Inputs    []*Input // declaration order
	Layers    []*Layer // declaration order; every layer reads only inputs and earlier layers
	Outputs   []Ref    // layer references; the last layer when `output` is absent
	DeclRange hcl.Range
}

// Input is a model input; Shape excludes the batch dimension.
type Input struct {
	Name      string
	Shape     []int
	DeclRange hcl.Range
}

// Layer is one layer of a model. dsl does not know layer types: Type and the
// attributes in Attrs are checked by the layers package through the runner.
type Layer struct {
	Type, Name string
	// Inputs are resolved: the previous layer by default (the model's only
	// input for the first layer), or what `input` / `inputs` say.
	Inputs []Ref
	// Attrs holds every other attribute, evaluated (var.* resolved,
	// arithmetic done).
	Attrs                           map[string]*Attr
	DeclRange, TypeRange, NameRange hcl.Range
}

// Attr is an evaluated layer attribute. Value is int64 (a whole number),
// float64, string, bool or []any of those; Range is the expression's range.
type Attr struct {
	Name  string
	Value any
	Range hcl.Range
}

// Ref is a reference inside a model: Kind is "layer" or "input".
type Ref struct {
	Kind  string
	Name  string
	Range hcl.Range
}

// Objective is what is optimised. Only the fields of its Kind are set.
type Objective struct {
	Kind string // "elbo" | "gan" | "classifier"

	Encoder, Decoder         string // elbo
	Generator, Discriminator string // gan
	Model                    string // classifier
	Data                     string // every kind

	Likelihood string  // elbo: "bernoulli" (default) | "gaussian"
	KLWeight   float64 // elbo: default 1

	Loss      string // gan: "non_saturating" (default) | "minimax"
	Noise     string // gan: "normal" (default) | "uniform"
	DSteps    int    // gan: default 1
	Condition string // gan: "" (default) | "label"

	Ranges    map[string]hcl.Range // attribute name -> expression range
	KindRange hcl.Range
	DeclRange hcl.Range
}

// Models returns the names of the models the objective trains, in a fixed
// order (encoder, decoder / generator, discriminator / model).
func (o *Objective) Models() []string {
	switch o.Kind {
	case "elbo":
		return []string{o.Encoder, o.Decoder}
	case "gan":
		return []string{o.Generator, o.Discriminator}
	case "classifier":
		return []string{o.Model}
	}
	return nil
}

// Optimizer updates the parameters of Models.
type Optimizer struct {
	Kind, Name  string // kind "adam" | "sgd"
	Models      []string
	LR          float64 // adam default 0.001, sgd default 0.01
	Beta1       float64 // adam: default 0.9
	Beta2       float64 // adam: default 0.999
	Eps         float64 // adam: default 1e-8
	Momentum    float64 // sgd: default 0
	WeightDecay float64 // default 0
	Schedule    string  // "constant" (default), "linear" or "cosine": see Schedules
	Ranges      map[string]hcl.Range
	DeclRange   hcl.Range
}

// Every is a schedule parsed from "200 steps" or "1 epoch"; the zero value
// (written "never", or the attribute left out) means never.
type Every struct {
	N    int
	Unit string // "step" | "epoch"
}

// Never reports whether the schedule never fires.
func (e Every) Never() bool { return e.N == 0 }

// Train is the training schedule.
type Train struct {
	Epochs          int   // default 1
	BatchSize       int   // default 64
	MaxSteps        int   // 0 = no limit
	LogEvery        Every // default 100 steps
	SampleEvery     Every // default never
	CheckpointEvery Every // default 1 epoch
	Ranges          map[string]hcl.Range
	DeclRange       hcl.Range
}

// Evaluate says which metrics to compute, on which data, how often. A run
// always ends with one evaluation, whatever Every says.
type Evaluate struct {
	Data        string   // a data name; "" means the objective's data
	Every       Every    // default never (only the final evaluation)
	Metrics     []string // short names, see MetricNames
	IWAESamples int      // k for iwae_nll; default 100
	NumSamples  int      // generated samples for fid, class_kl, cond_acc, parzen_ll, modes, hq, reverse_kl; default 10000
	Ranges      map[string]hcl.Range
	DeclRange   hcl.Range
}

// Sweep is a grid or random search over variables.
type Sweep struct {
	Method    string        // "grid" (default) | "random"
	Trials    int           // random: points to draw
	Parallel  int           // trials run at once; default 1
	Repeat    int           // seeds per point; default 1
	Target    string        // a metric series name such as "test/neg_elbo"; "" = none
	Goal      string        // "minimize" (default) | "maximize"
	Values    []*SweepValue // sorted by name
	EarlyStop *EarlyStop    // nil when absent
	Ranges    map[string]hcl.Range
	DeclRange hcl.Range
}

// SweepValue is how one variable varies: a list of Choices, or a
// distribution Dist over [A, B] (random sweeps only). Type is the variable's
// type, and every choice already has that Go type.
type SweepValue struct {
	Name    string
	Type    string
	Choices []any
	Dist    string // "" | "uniform" | "loguniform" | "int_uniform"
	A, B    float64
	Range   hcl.Range // the value expression

	choiceRanges []hcl.Range // each choice's expression, when parsed
}

// EarlyStop stops unpromising trials of a sweep.
type EarlyStop struct {
	Metric    string // defaults to the sweep's target
	Goal      string // defaults to the sweep's goal
	Method    string // "median" (default) | "asha"
	MinSteps  int    // no trial is stopped before this step; default 0
	Reduction int    // asha's reduction factor; default 3
	Ranges    map[string]hcl.Range
	DeclRange hcl.Range
}

// Trial is one point of a sweep, run with one seed.
type Trial struct {
	Index     int // position in Expand's result
	Point     int // which sweep point; trials of one point differ only in Repeat
	Repeat    int // 0..Sweep.Repeat-1
	Seed      int64
	Values    map[string]any    // variable name -> value (the variable's Go type)
	Overrides map[string]string // the same values, as strings for Parse
}

// Model returns the model called name, or nil.
func (e *Experiment) Model(name string) *Model {
	for _, m := range e.Models {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// DataByName returns the dataset called name, or nil.
func (e *Experiment) DataByName(name string) *Data {
	for _, d := range e.Data {
		if d.Name == name {
			return d
		}
	}
	return nil
}

// Optimizer returns the optimizer called name, or nil.
func (e *Experiment) Optimizer(name string) *Optimizer {
	for _, o := range e.Optimizers {
		if o.Name == name {
			return o
		}
	}
	return nil
}

// Variable returns the variable called name, or nil.
func (e *Experiment) Variable(name string) *Variable {
	for _, v := range e.Variables {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// Params returns every variable's value in force, by name.
func (e *Experiment) Params() map[string]any {
	p := make(map[string]any, len(e.Variables))
	for _, v := range e.Variables {
		p[v.Name] = v.Value
	}
	return p
}

// Resolve returns path as the file means it: relative paths are relative to
// the directory of the experiment file.
func (e *Experiment) Resolve(path string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(filepath.Dir(e.Filename), path)
}

// Files returns the sources diagnostics can point into, for WriteDiagnostics:
// the experiment file and, when overrides were given, a pseudo-file named
// "--set" that holds one NAME=VALUE line per override, sorted by name.
func (e *Experiment) Files() map[string]*hcl.File {
	files := make(map[string]*hcl.File, 2)
	if e.file != nil {
		files[e.Filename] = e.file
	} else {
		files[e.Filename] = &hcl.File{Bytes: e.Source}
	}
	if e.setFile != nil {
		files[SetFilename] = &hcl.File{Bytes: e.setFile}
	}
	return files
}

// Layer returns the layer called name, or nil.
func (m *Model) Layer(name string) *Layer {
	for _, l := range m.Layers {
		if l.Name == name {
			return l
		}
	}
	return nil
}

// Input returns the input called name, or nil.
func (m *Model) Input(name string) *Input {
	for _, in := range m.Inputs {
		if in.Name == name {
			return in
		}
	}
	return nil
}

// Attr returns the attribute called name, or nil. The accessors of *Attr
// accept a nil receiver and then report false, so
// l.Attr("units").Int() is safe on a layer without units.
func (l *Layer) Attr(name string) *Attr {
	return l.Attrs[name]
}

// AttrNames returns the names of the layer's attributes, sorted.
func (l *Layer) AttrNames() []string {
	names := make([]string, 0, len(l.Attrs))
	for n := range l.Attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Int returns the value as an int when it is a whole number.
func (a *Attr) Int() (int, bool) {
	if a == nil {
		return 0, false
	}
	return asInt(a.Value)
}

// Float returns the value as a float64 when it is a number.
func (a *Attr) Float() (float64, bool) {
	if a == nil {
		return 0, false
	}
	return asFloat(a.Value)
}

// Str returns the value when it is a string. (Not String, so that *Attr is
// not mistaken for a fmt.Stringer.)
func (a *Attr) Str() (string, bool) {
	if a == nil {
		return "", false
	}
	s, ok := a.Value.(string)
	return s, ok
}

// Bool returns the value when it is a bool.
func (a *Attr) Bool() (bool, bool) {
	if a == nil {
		return false, false
	}
	b, ok := a.Value.(bool)
	return b, ok
}

// Ints returns the value when it is a list of whole numbers.
func (a *Attr) Ints() ([]int, bool) {
	if a == nil {
		return nil, false
	}
	list, ok := a.Value.([]any)
	if !ok {
		return nil, false
	}
	out := make([]int, len(list))
	for i, v := range list {
		n, ok := asInt(v)
		if !ok {
			return nil, false
		}
		out[i] = n
	}
	return out, true
}

// Floats returns the value when it is a list of numbers.
func (a *Attr) Floats() ([]float64, bool) {
	if a == nil {
		return nil, false
	}
	list, ok := a.Value.([]any)
	if !ok {
		return nil, false
	}
	out := make([]float64, len(list))
	for i, v := range list {
		f, ok := asFloat(v)
		if !ok {
			return nil, false
		}
		out[i] = f
	}
	return out, true
}

func asInt(v any) (int, bool) {
	switch v := v.(type) {
	case int64:
		return int(v), true
	case float64:
		if v == float64(int64(v)) && v >= -(1<<53) && v <= 1<<53 {
			return int(v), true
		}
	}
	return 0, false
}

func asFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}
