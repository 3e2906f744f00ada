package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// Two runs of one file and seed record identical series; reproduce says so;
// another seed differs (issue 4).
func TestReproduceAndSeeds(t *testing.T) {
	dir := t.TempDir()
	src := strings.Replace(e2eVAE, "limit = 6000", "limit = 1000", 1)
	file := writeFile(t, dir, "vae.hcl", src)
	db, runs := filepath.Join(dir, "exp.db"), filepath.Join(dir, "runs")
	run := func(extra ...string) RunJSON {
		code, out, stderr := exp(t, append([]string{"run", file, "--db", db, "--runs-dir", runs, "--json", "--quiet"}, extra...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var r RunJSON
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("stdout is not one JSON run: %v\n%s", err, out)
		}
		return r
	}
	a, b, c := run(), run(), run("--seed", "99")
	sa, sb, sc := series(t, db, a.ID), series(t, db, b.ID), series(t, db, c.ID)
	if d := firstDiff(sa, sb); d != "" {
		t.Fatalf("same file and seed, different series: %s", d)
	}
	if d := firstDiff(sa, sc); d == "" {
		t.Fatal("another seed gave the same series")
	}
	code, out, stderr := exp(t, "reproduce", a.ID, "--db", db, "--runs-dir", runs, "--json", "--quiet")
	if code != 0 {
		t.Fatalf("reproduce: exit %d: %s", code, stderr)
	}
	var rep struct {
		Run       string `json:"run"`
		NewRun    string `json:"new_run"`
		Identical bool   `json:"identical"`
		First     any    `json:"first_difference"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !rep.Identical || rep.First != nil || rep.Run != a.ID || rep.NewRun == "" || rep.NewRun == a.ID {
		t.Fatalf("reproduce: %s", out)
	}
	// The seed-99 run reproduces too: its seed is stored, not its file's.
	if code, out, _ := exp(t, "reproduce", c.ID, "--db", db, "--runs-dir", runs, "--json", "--quiet"); code != 0 || !strings.Contains(out, `"identical": true`) {
		t.Fatalf("reproduce of a --seed run: exit %d\n%s", code, out)
	}
}
