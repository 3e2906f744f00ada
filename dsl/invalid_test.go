package dsl

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

// Files under testdata/invalid mark what must be reported:
//
//	# ERROR: SUMMARY [| DETAIL]       an error on this line
//	# ERROR-NEXT: SUMMARY [| DETAIL]  an error on the next line
//	# ERROR-SET: SUMMARY [| DETAIL]   an error in the --set pseudo-file
//	# SET: NAME=VALUE                 an override passed to Parse
//
// SUMMARY and DETAIL are substrings of the diagnostic's Summary and Detail.
// Every marker must be matched, and every error must be marked: a file
// reports exactly what it marks. Files containing "# COMPILE-ERROR" belong
// to the runner's shape checks and are skipped here.

// markerRE finds markers; a line may hold several.
var markerRE = regexp.MustCompile(`# (ERROR|ERROR-NEXT|ERROR-SET): `)

type marker struct {
	line            int // 0 for ERROR-SET
	summary, detail string
	matched         bool
}

func (m *marker) String() string {
	where := fmt.Sprintf("line %d", m.line)
	if m.line == 0 {
		where = "--set"
	}
	if m.detail != "" {
		return fmt.Sprintf("%s: %q | %q", where, m.summary, m.detail)
	}
	return fmt.Sprintf("%s: %q", where, m.summary)
}

func readMarkers(t *testing.T, src []byte) ([]*marker, map[string]string) {
	t.Helper()
	var markers []*marker
	sets := map[string]string{}
	for i, line := range bytes.Split(src, []byte("\n")) {
		s := string(line)
		locs := markerRE.FindAllStringSubmatchIndex(s, -1)
		for k, loc := range locs {
			end := len(s)
			if k+1 < len(locs) {
				end = locs[k+1][0]
			}
			summary, detail, _ := strings.Cut(strings.TrimSpace(s[loc[1]:end]), " | ")
			m := &marker{summary: strings.TrimSpace(summary), detail: strings.TrimSpace(detail)}
			switch s[loc[2]:loc[3]] {
			case "ERROR":
				m.line = i + 1
			case "ERROR-NEXT":
				m.line = i + 2
			}
			markers = append(markers, m)
		}
		if j := strings.Index(s, "# SET: "); j >= 0 {
			name, value, ok := strings.Cut(strings.TrimSpace(s[j+len("# SET: "):]), "=")
			if !ok {
				t.Fatalf("line %d: bad SET marker", i+1)
			}
			sets[name] = value
		}
	}
	return markers, sets
}

func (m *marker) matches(filename string, d *hcl.Diagnostic) bool {
	if d.Severity != hcl.DiagError || d.Subject == nil {
		return false
	}
	if m.line == 0 {
		if d.Subject.Filename != SetFilename {
			return false
		}
	} else if d.Subject.Filename != filename || d.Subject.Start.Line != m.line {
		return false
	}
	return strings.Contains(d.Summary, m.summary) && strings.Contains(d.Detail, m.detail)
}

func TestInvalidFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/invalid/*.hcl")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(src, []byte("# COMPILE-ERROR")) {
			continue
		}
		checked++
		t.Run(strings.TrimSuffix(filepath.Base(f), ".hcl"), func(t *testing.T) {
			markers, sets := readMarkers(t, src)
			if len(markers) == 0 {
				t.Fatal("file has no ERROR marker")
			}
			var overrides map[string]string
			if len(sets) > 0 {
				overrides = sets
			}
			e, diags := Parse(f, src, overrides)
			if e == nil {
				t.Fatal("Parse returned a nil Experiment")
			}
			var rendered strings.Builder
			if err := WriteDiagnostics(&rendered, e.Files(), diags, 80, false); err != nil {
				t.Fatalf("WriteDiagnostics: %v", err)
			}
			for _, d := range diags {
				if d.Subject == nil {
					t.Errorf("diagnostic without a subject: %s: %s", d.Summary, d.Detail)
					continue
				}
				if d.Severity != hcl.DiagError {
					continue
				}
				marked := false
				for _, m := range markers {
					if m.matches(f, d) {
						m.matched, marked = true, true
					}
				}
				if !marked {
					t.Errorf("unmarked error at %s: %s: %s", d.Subject, d.Summary, d.Detail)
				}
			}
			for _, m := range markers {
				if !m.matched {
					t.Errorf("no error matches marker %s", m)
				}
			}
			if t.Failed() {
				t.Logf("diagnostics:\n%s", rendered.String())
			}
		})
	}
	if checked < 45 {
		t.Errorf("only %d invalid files; want at least 45", checked)
	}
}
