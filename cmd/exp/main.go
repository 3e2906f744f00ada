// Command exp runs declarative experiments on deep generative models. See
// the README for a tour and DESIGN.md for the language.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
)

func main() {
	ctx, stop := signalContext()
	defer stop()
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	stopProfile := startCPUProfile(os.Getenv("EXP_CPUPROFILE"))
	code := Main(ctx, env, os.Args[1:])
	stopProfile()
	os.Exit(code)
}

// startCPUProfile writes a pprof CPU profile of the whole command to path
// (EXP_CPUPROFILE; `go tool pprof bin/exp PATH` reads it). An empty path
// profiles nothing.
func startCPUProfile(path string) (stop func()) {
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "exp: EXP_CPUPROFILE: %v\n", err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}

// signalContext is cancelled by SIGINT or SIGTERM: a run then checkpoints,
// records itself interrupted and exits.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// Env is what a command may touch of the outside world, so tests can run
// commands against buffers.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// Exit statuses (DESIGN.md §4).
const (
	exitOK       = 0
	exitFailed   = 1 // a run failed: diverged, interrupted
	exitBadInput = 2 // the user's input is wrong
)

// inputError is a mistake in the user's input; it exits with status 2.
// Diagnostics have been printed already when printed is set.
type inputError struct {
	msg     string
	printed bool
}

func (e *inputError) Error() string { return e.msg }

func badInput(format string, args ...any) error {
	return &inputError{msg: fmt.Sprintf(format, args...)}
}

// runFailedError is a run that ended failed or interrupted (status 1).
type runFailedError struct{ msg string }

func (e *runFailedError) Error() string { return e.msg }

type command struct {
	name, summary string
	run           func(ctx context.Context, env *Env, args []string) error
}

func commands() []command {
	return []command{
		{"validate", "check a file's syntax, references and shapes; print the model summary", runValidate},
		{"run", "train one run of an experiment file", runRun},
		{"sweep", "run every trial of a file's sweep block", runSweep},
		{"runs", "list runs", runRuns},
		{"show", "show one run: params, provenance, metrics, artifacts", runShow},
		{"compare", "compare runs side by side", runCompare},
		{"report", "write an HTML report of runs", runReport},
		{"sample", "draw samples from a run's checkpoint into a PNG grid", runSample},
		{"interpolate", "latent interpolations (or a VAE's 2-D manifold) from a run's checkpoint", runInterpolate},
		{"reproduce", "re-run a run from its stored source and seed and compare bit for bit", runReproduce},
		{"resume", "continue an interrupted run from its last checkpoint", runResume},
		{"merge", "merge other exp databases (a Slurm sweep's trial files) into --db", runMerge},
		{"version", "print the version and the BLAS backend", runVersion},
	}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: exp COMMAND [flags] [args]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'exp COMMAND -h' for a command's flags.")
}

// Main runs one command and returns the exit status.
func Main(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stderr)
		if len(args) == 0 {
			return exitBadInput
		}
		return exitOK
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, env, args[1:])
		return exitStatus(env, err)
	}
	fmt.Fprintf(env.Stderr, "exp: unknown command %q\n", args[0])
	usage(env.Stderr)
	return exitBadInput
}

func exitStatus(env *Env, err error) int {
	var in *inputError
	var failed *runFailedError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errHelp):
		return exitOK
	case errors.As(err, &in):
		if !in.printed {
			fmt.Fprintln(env.Stderr, "exp:", err)
		}
		return exitBadInput
	case errors.As(err, &failed):
		fmt.Fprintln(env.Stderr, "exp:", err)
		return exitFailed
	default:
		fmt.Fprintln(env.Stderr, "exp:", err)
		return exitFailed
	}
}
