package main

import (
	"context"
	"fmt"
	"text/tabwriter"

	"github.com/exp-ml/exp/layers"
	"github.com/exp-ml/exp/runner"
)

func runValidate(ctx context.Context, env *Env, args []string) error {
	var c common
	sets := setFlags{}
	fs := newFlags(env, "validate", "validate FILE [--set NAME=VALUE]...", &c, false)
	fs.Var(sets, "set", "override a variable (repeatable)")
	maxMem := fs.Int64("max-mem", defaultMaxMem(), "refuse experiments estimated to need more bytes than this")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return badInput("validate takes one file")
	}
	_, p, err := compileFile(env, fs.Arg(0), sets, *maxMem, -1)
	if err != nil {
		return err
	}
	printSummary(env, p)
	return nil
}

// printSummary prints each model's layers with output shapes and parameter
// counts, as Keras's model.summary() does.
func printSummary(env *Env, p *runner.Program) {
	fmt.Fprintf(env.Stdout, "experiment %q: ok\n", p.Exp.Name)
	total := 0
	for _, m := range p.Models {
		fmt.Fprintf(env.Stdout, "\nmodel %q\n", m.Name)
		tw := tabwriter.NewWriter(env.Stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  layer\ttype\toutput shape\tparams")
		for _, in := range m.Spec.Inputs {
			fmt.Fprintf(tw, "  %s\tinput\t%s\t0\n", in.Name, layers.ShapeString(in.Shape))
		}
		for _, l := range m.Layers {
			fmt.Fprintf(tw, "  %s\t%s\t%s\t%d\n", l.Name, l.Type, layers.ShapeString(l.Shape), l.Params)
		}
		tw.Flush()
		n := m.Graph.NumParams()
		total += n
		fmt.Fprintf(env.Stdout, "  %d trainable parameters\n", n)
	}
	fmt.Fprintf(env.Stdout, "\ntotal: %d trainable parameters\n", total)
}
