package dsl

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "experiment", LabelNames: []string{"name"}},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "data", LabelNames: []string{"kind", "name"}},
		{Type: "model", LabelNames: []string{"name"}},
		{Type: "objective", LabelNames: []string{"kind"}},
		{Type: "optimizer", LabelNames: []string{"kind", "name"}},
		{Type: "train"},
		{Type: "evaluate"},
		{Type: "sweep"},
	},
}

// parser carries what every block decoder needs: the evaluation context and
// the names declared anywhere in the file (collected from labels before any
// body is decoded, so a block whose body has errors is still a valid
// reference target and errors do not cascade).
type parser struct {
	filename string
	src      []byte
	ctx      *hcl.EvalContext
	vars     map[string]*Variable
	varNames []string // sorted
	data     map[string]*hcl.Block
	models   map[string]*hcl.Block
	decoded  map[string]*Model // models that decoded without errors, by name

	dataDecoded map[string]*Data // datasets that decoded, by name
}

// ParseFile reads and parses one experiment file. It reads at most
// MaxSourceSize+1 bytes, so a huge file is refused without loading it.
func ParseFile(path string, overrides map[string]string) (*Experiment, hcl.Diagnostics) {
	f, err := os.Open(path)
	if err != nil {
		return &Experiment{Filename: path}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Failed to read file",
			Detail:   fmt.Sprintf("The experiment file %q could not be read: %s.", path, err),
		}}
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxSourceSize+1))
	if err != nil {
		return &Experiment{Filename: path}, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Failed to read file",
			Detail:   fmt.Sprintf("The experiment file %q could not be read: %s.", path, err),
		}}
	}
	return Parse(path, src, overrides)
}

// Parse decodes one experiment from src. overrides are --set NAME=VALUE
// pairs, typed against each variable's default. The returned Experiment is
// never nil; with error diagnostics only Filename, Source and Files are
// meaningful. Diagnostics are sorted by position.
func Parse(filename string, src []byte, overrides map[string]string) (*Experiment, hcl.Diagnostics) {
	e := &Experiment{Filename: filename, Source: src}
	setRanges := e.buildSetFile(overrides)

	diags := checkSource(filename, src)
	if diags.HasErrors() {
		return e, diags
	}
	file, d := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	diags = append(diags, d...)
	if file != nil {
		e.file = file
	}
	if d.HasErrors() {
		// A body with syntax errors decodes into noise; report the syntax.
		sortDiagnostics(diags)
		return e, diags
	}
	diags = append(diags, decode(e, file.Body, overrides, setRanges)...)
	if !diags.HasErrors() && e.Sweep != nil {
		diags = append(diags, checkSweepValues(e, file.Body, overrides)...)
	}
	diags = dropCascades(diags)
	sortDiagnostics(diags)
	return e, diags
}

func decode(e *Experiment, body hcl.Body, overrides map[string]string, setRanges map[string]hcl.Range) hcl.Diagnostics {
	content, diags := body.Content(rootSchema)
	fileStart := content.MissingItemRange
	p := &parser{
		filename: e.Filename,
		src:      e.Source,
		vars:     map[string]*Variable{},
		data:     map[string]*hcl.Block{},
		models:   map[string]*hcl.Block{},
		decoded:  map[string]*Model{},

		dataDecoded: map[string]*Data{},
	}

	byType := map[string][]*hcl.Block{}
	for _, b := range content.Blocks {
		byType[b.Type] = append(byType[b.Type], b)
	}

	// Variables first: everything else may read them.
	for _, b := range byType["variable"] {
		v, d := p.decodeVariableBlock(b)
		diags = append(diags, d...)
		if prev, dup := p.vars[v.Name]; dup {
			diags = append(diags, duplicate(b, 0, "variable", prev.DeclRange))
			continue
		}
		p.vars[v.Name] = v
		e.Variables = append(e.Variables, v)
	}
	p.varNames = sortedKeys(p.vars)
	diags = append(diags, applyOverrides(p.vars, p.varNames, overrides, setRanges)...)
	p.ctx = evalContext(e.Variables)

	// Names of data and models, from labels.
	for _, b := range byType["data"] {
		if len(b.Labels) == 2 {
			diags = append(diags, declare(p.data, b, 1, "data")...)
		}
	}
	for _, b := range byType["model"] {
		if len(b.Labels) == 1 {
			diags = append(diags, declare(p.models, b, 0, "model")...)
		}
	}

	b, d := single(byType, "experiment")
	diags = append(diags, d...)
	if b == nil {
		diags = append(diags, errorf(fileStart, "Missing experiment block",
			"An experiment file needs one experiment \"NAME\" { ... } block."))
	} else {
		diags = append(diags, p.decodeExperimentBlock(e, b)...)
	}

	for _, b := range byType["data"] {
		d, dd := p.decodeDataBlock(b)
		diags = append(diags, dd...)
		if d != nil && p.data[d.Name] == b {
			e.Data = append(e.Data, d)
			if !dd.HasErrors() {
				p.dataDecoded[d.Name] = d
			}
		}
	}

	if len(byType["model"]) == 0 {
		diags = append(diags, errorf(fileStart, "Missing model block",
			"An experiment needs at least one model \"NAME\" { ... } block."))
	}
	for _, b := range byType["model"] {
		m, d := p.decodeModelBlock(b)
		diags = append(diags, d...)
		if m != nil && p.models[m.Name] == b {
			e.Models = append(e.Models, m)
			if !d.HasErrors() {
				p.decoded[m.Name] = m
			}
		}
	}

	objectiveOK := false
	b, d = single(byType, "objective")
	diags = append(diags, d...)
	if b == nil {
		diags = append(diags, errorf(fileStart, "Missing objective block",
			"An experiment needs one objective block: objective \"elbo\", \"gan\" or \"classifier\"."))
	} else {
		o, d := p.decodeObjectiveBlock(b)
		diags = append(diags, d...)
		e.Objective = o
		objectiveOK = o != nil && !d.HasErrors()
	}

	opts := byType["optimizer"]
	if len(opts) == 0 {
		diags = append(diags, errorf(fileStart, "Missing optimizer block",
			"An experiment needs at least one optimizer, such as optimizer \"adam\" \"all\" { models = [model.NAME] }."))
	}
	optNames := map[string]*hcl.Block{}
	optsOK := true
	var allOpts []*Optimizer // duplicates included: they still claim their models
	for _, b := range opts {
		o, d := p.decodeOptimizerBlock(b)
		diags = append(diags, d...)
		optsOK = optsOK && !d.HasErrors()
		if o == nil {
			continue
		}
		allOpts = append(allOpts, o)
		if prev, dup := optNames[o.Name]; dup {
			diags = append(diags, duplicate(b, 1, "optimizer", prev.DefRange))
			continue
		}
		optNames[o.Name] = b
		e.Optimizers = append(e.Optimizers, o)
	}
	if objectiveOK && optsOK && len(allOpts) > 0 {
		diags = append(diags, checkOptimizerCoverage(e.Objective, allOpts)...)
	}

	e.Train = defaultTrain(fileStart)
	if b, d := single(byType, "train"); b != nil {
		t, dd := p.decodeTrainBlock(b)
		diags = append(append(diags, d...), dd...)
		e.Train = t
	}

	if b, d := single(byType, "evaluate"); b != nil {
		var obj *Objective
		if objectiveOK {
			obj = e.Objective // metrics are checked against a sound objective only
		}
		ev, dd := p.decodeEvaluateBlock(b, obj)
		diags = append(append(diags, d...), dd...)
		e.Evaluate = ev
	}

	if b, d := single(byType, "sweep"); b != nil {
		s, dd := p.decodeSweepBlock(b)
		diags = append(append(diags, d...), dd...)
		e.Sweep = s
	}
	return diags
}

// single returns the first block of a type that appears at most once,
// reporting any other.
func single(byType map[string][]*hcl.Block, typ string) (*hcl.Block, hcl.Diagnostics) {
	blocks := byType[typ]
	if len(blocks) == 0 {
		return nil, nil
	}
	var diags hcl.Diagnostics
	for _, b := range blocks[1:] {
		diags = append(diags, errorf(b.DefRange, "Duplicate "+typ+" block",
			"An experiment has one %s block; the first is at line %d.", typ, blocks[0].DefRange.Start.Line))
	}
	return blocks[0], diags
}

var experimentSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "description"},
		{Name: "seed"},
		{Name: "tags"},
	},
}

func (p *parser) decodeExperimentBlock(e *Experiment, block *hcl.Block) hcl.Diagnostics {
	e.Name = block.Labels[0]
	e.DeclRange = block.DefRange
	var diags hcl.Diagnostics
	if e.Name == "" {
		diags = append(diags, errorf(block.LabelRanges[0], "Invalid experiment name", "The experiment name must not be empty."))
	}
	content, d := block.Body.Content(experimentSchema)
	diags = append(diags, d...)
	if attr, ok := content.Attributes["description"]; ok {
		s, d := p.stringAttr(attr)
		diags = append(diags, d...)
		e.Description = s
	}
	if attr, ok := content.Attributes["seed"]; ok {
		// Seeds stay below 2^53 so they survive a trip through JSON and
		// float64, and seed+repeat cannot overflow.
		s, d := p.intAttr(attr, 0, 1<<53)
		diags = append(diags, d...)
		e.Seed = int64(s)
	}
	if attr, ok := content.Attributes["tags"]; ok {
		tags, d := p.stringsAttr(attr)
		diags = append(diags, d...)
		e.Tags = tags
	}
	return diags
}

// declare records the block under its label i in names, or reports a
// duplicate.
func declare(names map[string]*hcl.Block, b *hcl.Block, i int, what string) hcl.Diagnostics {
	name := b.Labels[i]
	if prev, dup := names[name]; dup {
		return hcl.Diagnostics{duplicate(b, i, what, prev.DefRange)}
	}
	names[name] = b
	return nil
}

func duplicate(b *hcl.Block, i int, what string, prev hcl.Range) *hcl.Diagnostic {
	noun := what
	if noun == "data" {
		noun = "dataset"
	}
	article := "A"
	if strings.ContainsRune("aeiou", rune(noun[0])) {
		article = "An"
	}
	return errorf(b.LabelRanges[i], "Duplicate "+what+" name",
		"%s %s named %q was already declared at line %d; names must be unique.", article, noun, b.Labels[i], prev.Start.Line)
}

// evalContext exposes the variables' values in force as the object var.
func evalContext(vars []*Variable) *hcl.EvalContext {
	obj := make(map[string]cty.Value, len(vars))
	for _, v := range vars {
		if v.Value == nil {
			obj[v.Name] = cty.DynamicVal // a broken declaration, already reported
			continue
		}
		obj[v.Name] = toCty(v.Value)
	}
	return &hcl.EvalContext{Variables: map[string]cty.Value{"var": cty.ObjectVal(obj)}}
}
