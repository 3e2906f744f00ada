package main

import (
	"context"
	"fmt"

	"github.com/exp-ml/exp/runner"
)

func runInterpolate(ctx context.Context, env *Env, args []string) error {
	var c common
	fs := newFlags(env, "interpolate", "interpolate RUN [--steps 10] [--rows 8] [--seed S] [--manifold] [--out FILE.png]", &c, false)
	steps := fs.Int("steps", 10, "images per row, both end points included (with --manifold: the grid's side)")
	rows := fs.Int("rows", 8, "rows, each between two random latent points (conditional GAN: between two classes at fixed noise)")
	seed := fs.Int64("seed", 1, "seed of the end points")
	manifold := fs.Bool("manifold", false, "VAE with a 2-D latent: decode a grid of Gaussian quantiles (Kingma & Welling, Fig. 4)")
	out := fs.String("out", "", "PNG file to write (default interpolate-RUN.png or manifold-RUN.png)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return badInput("interpolate takes one run id")
	}
	if *steps < 2 || *steps > 100 {
		return badInput("--steps must be between 2 and 100")
	}
	if *rows < 1 || *rows > 100 {
		return badInput("--rows must be between 1 and 100")
	}
	if *out == "" {
		kind := "interpolate"
		if *manifold {
			kind = "manifold"
		}
		*out = fmt.Sprintf("%s-%s.png", kind, fs.Arg(0))
	}
	store, err := openStore(&c)
	if err != nil {
		return err
	}
	defer store.Close()
	o := runner.InterpolateOptions{Steps: *steps, Rows: *rows, Seed: *seed, Manifold: *manifold, Out: *out}
	if err := runner.Interpolate(ctx, store, fs.Arg(0), o); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "wrote %s\n", *out)
	return nil
}
