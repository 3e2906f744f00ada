package dsl

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
)

// WriteDiagnostics renders diagnostics the way HCL does, with source
// snippets from files (see Experiment.Files). It is the one place
// diagnostics are rendered; width 0 disables wrapping.
func WriteDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics, width uint, color bool) error {
	return hcl.NewDiagnosticTextWriter(w, files, width, color).WriteDiagnostics(diags)
}

// suggest returns the option closest to given when it is close enough to be
// a likely typo, or "". Ties go to the earlier option.
func suggest(given string, options []string) string {
	best, bestDist := "", 3 // threshold used by hcl and Terraform
	for _, o := range options {
		if d := levenshtein.Distance(given, o, nil); d < bestDist {
			best, bestDist = o, d
		}
	}
	return best
}

// didYouMean is suggest formatted as a sentence to append to a Detail.
func didYouMean(given string, options []string) string {
	if s := suggest(given, options); s != "" {
		return fmt.Sprintf(" Did you mean %q?", s)
	}
	return ""
}

// quoteList renders options as `"a", "b" or "c"`; quoteAll as
// `"a", "b" and "c"`.
func quoteList(options []string) string { return joinQuoted(options, " or ") }

func quoteAll(options []string) string { return joinQuoted(options, " and ") }

func joinQuoted(options []string, conj string) string {
	q := make([]string, len(options))
	for i, o := range options {
		q[i] = fmt.Sprintf("%q", o)
	}
	if len(q) <= 1 {
		return strings.Join(q, "")
	}
	return strings.Join(q[:len(q)-1], ", ") + conj + q[len(q)-1]
}

func errorf(subject hcl.Range, summary, format string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  subject.Ptr(),
	}
}

func warningf(subject hcl.Range, summary, format string, args ...any) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagWarning,
		Summary:  summary,
		Detail:   fmt.Sprintf(format, args...),
		Subject:  subject.Ptr(),
	}
}

// sortDiagnostics orders diagnostics by file and position, so output does
// not depend on map iteration inside hcl. Diagnostics without a subject
// come first; the sort is stable.
func sortDiagnostics(diags hcl.Diagnostics) {
	sort.SliceStable(diags, func(i, j int) bool {
		a, b := diags[i].Subject, diags[j].Subject
		switch {
		case a == nil || b == nil:
			return a == nil && b != nil
		case a.Filename != b.Filename:
			return a.Filename < b.Filename
		default:
			return a.Start.Byte < b.Start.Byte
		}
	})
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// cascadeMark tags an error that only follows from another error already
// reported (a value read from a variable whose declaration is broken).
// Such errors stop decoding of the attribute and are dropped before Parse
// returns.
type cascadeMark struct{}

func cascade(subject hcl.Range) *hcl.Diagnostic {
	return &hcl.Diagnostic{
		Severity: hcl.DiagError,
		Summary:  "Value depends on an invalid variable",
		Subject:  subject.Ptr(),
		Extra:    cascadeMark{},
	}
}

func dropCascades(diags hcl.Diagnostics) hcl.Diagnostics {
	out := diags[:0]
	for _, d := range diags {
		if _, ok := d.Extra.(cascadeMark); !ok {
			out = append(out, d)
		}
	}
	return out
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}
