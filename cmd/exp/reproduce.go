package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/exp-ml/exp/runner"
)

func runReproduce(ctx context.Context, env *Env, args []string) error {
	var rf runFlags
	fs := addRunFlags(env, "reproduce", "reproduce RUN [--json]", &rf)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return badInput("reproduce takes one run id")
	}
	store, err := openStore(&rf.common)
	if err != nil {
		return err
	}
	defer store.Close()
	rep, err := runner.Reproduce(ctx, fs.Arg(0), rf.options(env, store))
	if err != nil {
		return err
	}
	if rf.json {
		out := map[string]any{"run": rep.Run, "new_run": rep.NewRun, "identical": rep.Identical, "first_difference": nil}
		if d := rep.First; d != nil {
			out["first_difference"] = map[string]any{"metric": d.Metric, "step": d.Step,
				"old": jsonNumber(d.Old), "new": jsonNumber(d.New), "detail": d.Detail}
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return err
		}
	} else if rep.Identical {
		fmt.Fprintf(env.Stdout, "run %s reproduced as %s: identical, bit for bit\n", rep.Run, rep.NewRun)
	} else {
		d := rep.First
		fmt.Fprintf(env.Stdout, "run %s reproduced as %s: DIFFERENT\n  first difference: %s at step %d: %v, now %v %s\n",
			rep.Run, rep.NewRun, d.Metric, d.Step, d.Old, d.New, d.Detail)
	}
	if !rep.Identical {
		return &runFailedError{msg: "the reproduction differs"}
	}
	return nil
}
