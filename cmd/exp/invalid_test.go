package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var (
	errMarker = regexp.MustCompile(`# (ERROR|ERROR-NEXT|COMPILE-ERROR|ERROR-SET): `)
	setMarker = regexp.MustCompile(`# SET: (\S+)`)
)

// Every malformed experiment, through the command line: exit status 2, a
// diagnostic naming the file and the marked line, and nothing on disk — no
// database, no run folder (issue 8).
func TestInvalidExperimentsExit2AndWriteNothing(t *testing.T) {
	files, err := filepath.Glob("../../dsl/testdata/invalid/*.hcl")
	if err != nil || len(files) < 60 {
		t.Fatalf("%d invalid experiments (%v); want at least 60", len(files), err)
	}
	for _, path := range files {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		args := []string{}
		var lines []int
		for i, line := range strings.Split(string(src), "\n") {
			if m := setMarker.FindStringSubmatch(line); m != nil {
				args = append(args, "--set", m[1])
			}
			switch m := errMarker.FindStringSubmatch(line); {
			case m == nil:
			case m[1] == "ERROR-NEXT":
				lines = append(lines, i+2)
			case m[1] != "ERROR-SET":
				lines = append(lines, i+1)
			}
		}
		checkRefused(t, filepath.Base(path), path, args, lines)
	}
}

// Generated monsters: a 10 MB file and 100,000 nested brackets.
func TestAbsurdFilesExit2(t *testing.T) {
	dir := t.TempDir()
	big := writeFile(t, dir, "big.hcl", "experiment \"x\" {}\n"+strings.Repeat("# padding padding padding\n", 10<<20/26))
	checkRefused(t, "10 MB", big, nil, nil)
	nested := writeFile(t, dir, "nested.hcl", "variable \"v\" { default = "+strings.Repeat("[", 100000)+strings.Repeat("]", 100000)+" }\n")
	checkRefused(t, "nested", nested, nil, []int{1})
}

func checkRefused(t *testing.T, name, path string, sets []string, lines []int) {
	t.Helper()
	out := t.TempDir()
	db, runs := filepath.Join(out, "exp.db"), filepath.Join(out, "runs")
	args := append([]string{"run", path, "--db", db, "--runs-dir", runs, "--quiet"}, sets...)
	code, stdout, stderr := exp(t, args...)
	if code != exitBadInput {
		t.Errorf("%s: exit %d, want 2\n%s", name, code, stderr)
		return
	}
	if stdout != "" {
		t.Errorf("%s: printed on stdout: %q", name, stdout)
	}
	for _, l := range lines {
		if !strings.Contains(stderr, filepath.Base(path)) || !strings.Contains(stderr, fmt.Sprintf("line %d", l)) {
			t.Errorf("%s: the diagnostic does not name %s line %d:\n%s", name, filepath.Base(path), l, stderr)
		}
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("%s: wrote %v", name, entries)
	}
}
