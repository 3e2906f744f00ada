package main

import (
	"context"
	"fmt"

	"github.com/exp-ml/exp/runner"
)

func runSample(ctx context.Context, env *Env, args []string) error {
	var c common
	fs := newFlags(env, "sample", "sample RUN [--n 64] [--seed S] [--label L] [--out FILE.png]", &c, false)
	n := fs.Int("n", 64, "number of samples")
	seed := fs.Int64("seed", 1, "seed of the sampling noise")
	label := fs.Int("label", -1, "conditional GAN: the class to draw (default: one row per class)")
	out := fs.String("out", "", "PNG file to write (default samples-RUN.png)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return badInput("sample takes one run id")
	}
	if *n <= 0 || *n > 10000 {
		return badInput("--n must be between 1 and 10000")
	}
	if *out == "" {
		*out = fmt.Sprintf("samples-%s.png", fs.Arg(0))
	}
	store, err := openStore(&c)
	if err != nil {
		return err
	}
	defer store.Close()
	if err := runner.Sample(ctx, store, fs.Arg(0), runner.SampleOptions{N: *n, Seed: *seed, Label: *label, Out: *out}); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "wrote %s\n", *out)
	return nil
}
