package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/exp-ml/exp/tracking"
)

func TestCompareDiffering(t *testing.T) {
	f := newQueryFixture(t)
	out := f.mustExec("compare", f.a, f.b[:5])
	if got := strings.Fields(tableRow(t, out, "lr")); strings.Join(got, " ") != "lr 0.001 0.01" {
		t.Errorf("lr row %q", got)
	}
	if strings.Contains(out, "latent") {
		t.Errorf("latent is the same in both runs but shown:\n%s", out)
	}
	if got := strings.Fields(tableRow(t, out, "train/loss")); strings.Join(got, " ") != "train/loss final 1.5 2.5" {
		t.Errorf("train/loss final row %q", got)
	}
	// The best row follows the final one.
	lines := strings.Split(out, "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), "train/loss") {
			if got := strings.Fields(lines[i+1]); strings.Join(got, " ") != "best 1.2 2.5" {
				t.Errorf("train/loss best row %q", got)
			}
		}
	}
	if strings.Contains(out, "seed groups") {
		t.Errorf("runs with different lr grouped as seeds:\n%s", out)
	}

	all := f.mustExec("compare", "--all", f.a, f.b)
	if got := strings.Fields(tableRow(t, all, "latent")); strings.Join(got, " ") != "latent 20 20" {
		t.Errorf("--all: latent row %q", got)
	}
	if got := strings.Fields(tableRow(t, all, "*lr")); strings.Join(got, " ") != "*lr 0.001 0.01" {
		t.Errorf("--all: lr row %q", got)
	}
}

func TestCompareJSON(t *testing.T) {
	f := newQueryFixture(t)
	out := f.mustExec("compare", "--json", f.a, f.b)
	var js CompareJSON
	if err := json.Unmarshal([]byte(out), &js); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	if len(js.Runs) != 2 || js.Runs[0].ID != f.a || js.Runs[1].ID != f.b {
		t.Errorf("runs %+v", js.Runs)
	}
	if strings.Join(js.DifferingParams, ",") != "lr" {
		t.Errorf("differing_params %v", js.DifferingParams)
	}
	if m := js.Metrics["train/loss"][f.a]; m.Final != 1.5 || m.Best != 1.2 {
		t.Errorf("train/loss of a: %+v", m)
	}
	if m := js.Metrics["test/neg_elbo"][f.b]; m.Final != 110.0 || m.Best != 110.0 {
		t.Errorf("test/neg_elbo of b: %+v", m)
	}
	if js.Groups == nil || len(js.Groups) != 0 {
		t.Errorf("groups %v, want []", js.Groups)
	}
}

// seedFixture adds three runs of one GAN configuration whose files differ
// only in their seed line, with final eval/fid 10, 12 and 14; one with
// another lr; and one with the same lr but another architecture.
func seedFixture(t *testing.T) (f *queryFixture, group []string, otherLR, otherArch string) {
	f = newQueryFixture(t)
	src := func(seed int, extra string) string {
		return fmt.Sprintf("experiment \"gan\" {\n  seed        = %d\n}\nmodel \"g\" {\n  layer \"dense\" \"h\" { units = 8 }\n%s}\n", seed, extra)
	}
	for i, fid := range []float64{10, 12, 14} {
		id := f.addRun(tracking.RunInfo{Experiment: "gan", Source: src(i+1, ""), Seed: int64(i + 1),
			Params: map[string]any{"lr": 0.0002}}, map[string][]float64{"eval/fid": {30, fid}})
		group = append(group, id)
	}
	otherLR = f.addRun(tracking.RunInfo{Experiment: "gan", Source: src(1, ""), Seed: 1,
		Params: map[string]any{"lr": 0.0001}}, map[string][]float64{"eval/fid": {30, 50}})
	otherArch = f.addRun(tracking.RunInfo{Experiment: "gan", Source: src(4, "  layer \"relu\" \"a\" {}\n"), Seed: 4,
		Params: map[string]any{"lr": 0.0002}}, map[string][]float64{"eval/fid": {30, 70}})
	return f, group, otherLR, otherArch
}

func TestCompareSeedGroups(t *testing.T) {
	f, group, otherLR, otherArch := seedFixture(t)
	args := append([]string{"compare"}, group...)
	args = append(args, otherLR, otherArch)

	// By hand: mean (10+12+14)/3 = 12; sample variance (4+0+4)/2 = 4, so
	// s = 2 and the standard error is 2/√3 = 1.1547.
	out := f.mustExec(args...)
	if !strings.Contains(out, "seed groups") || !strings.Contains(out, "seeds 1, 2, 3") {
		t.Fatalf("no seed group of seeds 1, 2, 3:\n%s", out)
	}
	if got := strings.Fields(tableRow(t, out[strings.Index(out, "seed groups"):], "eval/fid")); strings.Join(got, " ") != "eval/fid 12 ± 1.155 n=3" {
		t.Errorf("group row %q", got)
	}
	if strings.Count(out, "group ") != 1 {
		t.Errorf("want exactly one group:\n%s", out)
	}

	var js CompareJSON
	if err := json.Unmarshal([]byte(f.mustExec(append(args, "--json")...)), &js); err != nil {
		t.Fatal(err)
	}
	if len(js.Groups) != 1 {
		t.Fatalf("groups %+v, want one", js.Groups)
	}
	g := js.Groups[0]
	if strings.Join(g.Runs, ",") != strings.Join(group, ",") || fmt.Sprint(g.Seeds) != "[1 2 3]" || g.Params["lr"] != 0.0002 {
		t.Errorf("group %+v", g)
	}
	m := g.Metrics["eval/fid"]
	mean, _ := m.Mean.(float64)
	se, _ := m.SE.(float64)
	if m.N != 3 || mean != 12 || math.Abs(se-2/math.Sqrt(3)) > 1e-12 {
		t.Errorf("eval/fid %+v, want n 3, mean 12, se %.6g", m, 2/math.Sqrt(3))
	}
}

func TestMeanStdErr(t *testing.T) {
	// 2, 4, 9: mean 5, squared deviations 9+1+16 = 26, s² = 13, SE = √(13/3).
	got := meanStdErr([]float64{2, 4, 9})
	if got.n != 3 || got.mean != 5 || math.Abs(got.se-math.Sqrt(13.0/3)) > 1e-12 {
		t.Errorf("meanStdErr = %+v, want mean 5, se %.6g", got, math.Sqrt(13.0/3))
	}
	one := meanStdErr([]float64{7})
	if one.mean != 7 || !math.IsNaN(one.se) || one.String() != "7" {
		t.Errorf("one value: %+v %q", one, one.String())
	}
}

func TestCompareSweep(t *testing.T) {
	f := newQueryFixture(t)
	ctx := context.Background()
	sw, err := f.store.CreateSweep(ctx, tracking.SweepInfo{Experiment: "vae", ConfigHash: "h", Method: "grid",
		Target: "test/neg_elbo", Goal: "minimize", Parallel: 1, NTrials: 2})
	if err != nil {
		t.Fatal(err)
	}
	var trials []string
	for i, lr := range []float64{0.1, 0.2} {
		trials = append(trials, f.addRun(tracking.RunInfo{Experiment: "vae", SweepID: sw, TrialIndex: i,
			Params: map[string]any{"lr": lr}}, map[string][]float64{"test/neg_elbo": {90 + float64(i)}}))
	}
	var js CompareJSON
	if err := json.Unmarshal([]byte(f.mustExec("compare", "--json", "--sweep", sw[:6])), &js); err != nil {
		t.Fatal(err)
	}
	if len(js.Runs) != 2 || js.Runs[0].ID != trials[0] || js.Runs[1].ID != trials[1] {
		t.Errorf("sweep runs %+v, want %v", js.Runs, trials)
	}
	// A run named and also in the sweep counts once.
	if err := json.Unmarshal([]byte(f.mustExec("compare", "--json", f.a, trials[1], "--sweep", sw)), &js); err != nil {
		t.Fatal(err)
	}
	if len(js.Runs) != 3 || js.Runs[0].ID != f.a || js.Runs[1].ID != trials[1] || js.Runs[2].ID != trials[0] {
		t.Errorf("runs %+v", js.Runs)
	}
}

func TestCompareBadInput(t *testing.T) {
	f := newQueryFixture(t)
	for _, args := range [][]string{{"compare"}, {"compare", f.a}, {"compare", f.a, f.a}, {"compare", f.a, "ffffffffffff"}, {"compare", "--sweep", "abcdef"}} {
		if code, _, _ := f.exec(args...); code != exitBadInput {
			t.Errorf("exp %v: status %d, want %d", args, code, exitBadInput)
		}
	}
}
