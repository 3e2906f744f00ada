package main

import (
	"context"
	"fmt"
	"runtime"

	"github.com/exp-ml/exp/graph"
	"github.com/exp-ml/exp/runner"
)

func runVersion(_ context.Context, env *Env, args []string) error {
	var c common
	fs := newFlags(env, "version", "version", &c, false)
	if err := parse(fs, args); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "exp %s (%s, %s/%s)\nBLAS: %s, %d threads\n", runner.Version, runtime.Version(),
		runtime.GOOS, runtime.GOARCH, graph.BLASBackend(), graph.Threads())
	return nil
}
