package main

import (
	"context"

	"github.com/exp-ml/exp/runner"
)

func runResume(ctx context.Context, env *Env, args []string) error {
	var rf runFlags
	fs := addRunFlags(env, "resume", "resume RUN [--json]", &rf)
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return badInput("resume takes one run id")
	}
	store, err := openStore(&rf.common)
	if err != nil {
		return err
	}
	defer store.Close()
	res, err := runner.Resume(ctx, fs.Arg(0), rf.options(env, store))
	return reportRun(ctx, env, &rf.common, store, res, err)
}
