package runner

import (
	"context"
	"io"
	"math"
	"path/filepath"
	"testing"

	"github.com/rs/zerolog"

	"github.com/exp-ml/exp/dsl"
	"github.com/exp-ml/exp/tracking"
	"github.com/exp-ml/exp/tracking/trackingtest"
)

// compileSrc parses and compiles an experiment written in a test.
func compileSrc(tb testing.TB, src string, sets map[string]string) *Program {
	tb.Helper()
	e, diags := dsl.Parse("test.hcl", []byte(src), sets)
	if diags.HasErrors() {
		tb.Fatalf("parse: %s", diags.Error())
	}
	p, diags := Compile(e, CompileOptions{})
	if diags.HasErrors() {
		tb.Fatalf("compile: %s", diags.Error())
	}
	return p
}

// srcTrainer compiles an experiment written in a test, loads its data and
// prepares its trainer, without a store: for tests that drive steps and
// evaluations themselves.
func srcTrainer(tb testing.TB, src string, sets map[string]string) *trainer {
	tb.Helper()
	p := compileSrc(tb, src, sets)
	trainDS, evalDS, err := loadData(p.Exp)
	if err != nil {
		tb.Fatal(err)
	}
	t, err := newTrainer(p, Options{TrialIndex: -1}, trainDS, evalDS)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// testOptions records into a temporary store and folder.
func testOptions(tb testing.TB) Options {
	return Options{Store: trackingtest.MustOpen(tb), RunsDir: filepath.Join(tb.TempDir(), "runs"),
		Log: zerolog.New(io.Discard), TrialIndex: -1}
}

// runSrc trains an experiment written in a test and returns its record.
func runSrc(tb testing.TB, opts Options, src string, sets map[string]string) *tracking.Run {
	tb.Helper()
	p := compileSrc(tb, src, sets)
	res, err := Run(context.Background(), p, opts)
	if err != nil {
		tb.Fatal(err)
	}
	run, err := opts.Store.Run(context.Background(), res.RunID)
	if err != nil {
		tb.Fatal(err)
	}
	return run
}

func finalMetric(tb testing.TB, run *tracking.Run, name string) float64 {
	tb.Helper()
	v, ok := run.Final[name]
	if !ok || math.IsNaN(v) {
		tb.Fatalf("run %s (%s: %s) has no final %s; metrics %v", run.ID, run.Status, run.Error, name, run.Final)
	}
	return v
}
