package dsl

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
)

func onlyError(t *testing.T, diags hcl.Diagnostics, summary string) *hcl.Diagnostic {
	t.Helper()
	if len(diags) != 1 || diags[0].Severity != hcl.DiagError || diags[0].Summary != summary {
		t.Fatalf("want one %q error, got %v", summary, diags)
	}
	return diags[0]
}

func TestFileTooLarge(t *testing.T) {
	// 10 MB of 100-byte comment lines: byte 4 MiB is on line 41944, column 5.
	line := "#" + strings.Repeat("x", 98) + "\n"
	src := []byte(strings.Repeat(line, 10_000_000/len(line)))
	e, diags := Parse("big.hcl", src, nil)
	d := onlyError(t, diags, "File too large")
	if p := d.Subject.Start; p.Line != 41944 || p.Column != 5 || p.Byte != MaxSourceSize {
		t.Errorf("subject %v, want line 41944 column 5 byte %d", d.Subject, MaxSourceSize)
	}
	var b strings.Builder
	if err := WriteDiagnostics(&b, e.Files(), diags, 80, false); err != nil || !strings.Contains(b.String(), "line 41944") {
		t.Errorf("rendered %q, %v", b.String(), err)
	}

	// ParseFile reads no more than the limit allows.
	path := filepath.Join(t.TempDir(), "big.hcl")
	if err := os.WriteFile(path, src, 0o644); err != nil {
		t.Fatal(err)
	}
	e, diags = ParseFile(path, nil)
	onlyError(t, diags, "File too large")
	if len(e.Source) != MaxSourceSize+1 {
		t.Errorf("ParseFile read %d bytes", len(e.Source))
	}

	// Exactly the limit is fine (one long comment keeps lexing cheap).
	ok := append(append([]byte("#"), bytes.Repeat([]byte("x"), MaxSourceSize-2)...), '\n')
	if diags := checkSource("ok.hcl", ok); diags.HasErrors() {
		t.Errorf("a file of exactly %d bytes was refused: %v", len(ok), diags)
	}
}

func TestInvalidUTF8Position(t *testing.T) {
	src := []byte("experiment \"x\" {\n  description = \"ok\"\n  # é\xff\n}\n")
	d := onlyError(t, Parse2(src), "Invalid UTF-8")
	if p := d.Subject.Start; p.Line != 3 || p.Column != 6 || p.Byte != 44 {
		t.Errorf("subject %v, want 3:6 (byte 44)", d.Subject)
	}
}

func Parse2(src []byte) hcl.Diagnostics {
	_, diags := Parse("x.hcl", src, nil)
	return diags
}

func TestDeepNesting(t *testing.T) {
	const n = 100_000
	src := "a = " + strings.Repeat("[", n) + strings.Repeat("]", n) + "\n"
	d := onlyError(t, Parse2([]byte(src)), "Nesting too deep")
	// The 257th bracket opens level 257.
	if p := d.Subject.Start; p.Line != 1 || p.Column != 4+MaxNesting+1 {
		t.Errorf("subject %v, want 1:%d", d.Subject, 4+MaxNesting+1)
	}
}

func TestNestingLimitIsExact(t *testing.T) {
	for _, depth := range []int{MaxNesting, MaxNesting + 1} {
		src := "a = " + strings.Repeat("[", depth) + strings.Repeat("]", depth) + "\n"
		diags := checkSource("x.hcl", []byte(src))
		if refused := diags.HasErrors(); refused != (depth > MaxNesting) {
			t.Errorf("depth %d: refused = %v", depth, refused)
		}
	}
}

// Every construct through which hclsyntax recurses must be refused before
// it can overflow the stack (a fatal error, not a panic), while modest
// depths still parse.
func TestRecursionBounds(t *testing.T) {
	gens := map[string]func(n int) string{
		"brackets":    func(n int) string { return "a = " + rep("[", n) + rep("]", n) },
		"parens":      func(n int) string { return "a = " + rep("(", n) + "1" + rep(")", n) },
		"objects":     func(n int) string { return "a = " + rep("{a = ", n) + "1" + rep("}", n) },
		"blocks":      func(n int) string { return rep("b {\n", n) + rep("}\n", n) },
		"templates":   func(n int) string { return "a = " + rep(`"${`, n) + "1" + rep(`}"`, n) },
		"heredocs":    func(n int) string { return "a = " + rep("<<EOT\n${", n) + "1" + rep("}\nEOT\n", n) },
		"if":          func(n int) string { return `a = "` + rep("%{if true}", n) + "x" + rep("%{endif}", n) + `"` },
		"if_strip":    func(n int) string { return `a = "` + rep("%{~ if true ~}", n) + "x" + rep("%{~ endif ~}", n) + `"` },
		"for":         func(n int) string { return `a = "` + rep("%{for x in [1]}", n) + "x" + rep("%{endfor}", n) + `"` },
		"not":         func(n int) string { return "a = " + rep("!", n) + "true" },
		"minus":       func(n int) string { return "a = " + rep("-", n) + "1" },
		"sum":         func(n int) string { return "a = 1" + rep(" + 1", n) },
		"product":     func(n int) string { return "a = 1" + rep("*1", n) },
		"and":         func(n int) string { return "a = true" + rep(" && true", n) },
		"conditional": func(n int) string { return "a = " + rep("true ? 1 : ", n) + "2" },
		"calls":       func(n int) string { return "a = " + rep("f(", n) + "1" + rep(")", n) },
		"for_exprs":   func(n int) string { return "a = " + rep("[for x in ", n) + "[1]" + rep(": x]", n) },
		"mixed":       func(n int) string { return "a = " + rep("(-", n) + "1" + rep(")", n) },
		"multiline":   func(n int) string { return "a = (1" + rep("\n+ 1", n) + ")" },
	}
	for name, gen := range gens {
		t.Run(name, func(t *testing.T) {
			// 5000 levels overflow nothing yet, but are far past the bound;
			// TestDeepNesting parses 100000.
			diags := Parse2([]byte(gen(5000) + "\n"))
			if len(diags) != 1 {
				t.Fatalf("5000 levels: want one diagnostic, got %v", diags)
			}
			if s := diags[0].Summary; s != "Nesting too deep" && s != "Expression too complex" {
				t.Errorf("summary %q", s)
			}
			small := []byte(gen(50) + "\n")
			if d := checkSource("x.hcl", small); d.HasErrors() {
				t.Errorf("50 levels refused: %v", d)
			}
			Parse2(small)
		})
	}
}

// Long but flat inputs are not nesting: they must not be refused, and
// must not crash the parser.
func TestFlatInputsAccepted(t *testing.T) {
	flat := map[string]string{
		"list":      "a = [" + rep("-1, ", 20_000) + "1]",
		"index":     "a = x" + rep("[0]", 20_000),
		"attrs":     "a = x" + rep(".y", 20_000),
		"object":    "a = {\n" + rep("k = 1 + 2\n", 2_000) + "}",
		"sum_lines": rep("a = 1 + 2 + 3\n", 10_000),
		"strings":   `a = "` + rep("((((", 10_000) + `"`,
		"comment":   "# " + rep("[[[[", 10_000),
	}
	for name, src := range flat {
		if d := checkSource("x.hcl", []byte(src+"\n")); d.HasErrors() {
			t.Errorf("%s refused: %v", name, d)
		}
		Parse2([]byte(src + "\n"))
	}
	Parse2([]byte("a = x" + rep(".*", 20_000) + "\n"))
}

func TestNumberLiterals(t *testing.T) {
	for src, summary := range map[string]string{
		"a = 1" + rep("0", 64) + "\n":        "Number literal too long",
		"a = 1e401\n":                        "Number out of range",
		"a = 1e-401\n":                       "Number out of range",
		"a = 1e99999999999999999999999999\n": "Number out of range",
	} {
		d := onlyError(t, checkSource("x.hcl", []byte(src)), summary)
		if d.Subject.Start.Column != 5 {
			t.Errorf("%q: subject %v", src, d.Subject)
		}
	}
	for _, ok := range []string{"a = 1e300\n", "a = 0.000000000000001\n", "a = 1E-5\n", "a = 12345678901234567890\n"} {
		if d := checkSource("x.hcl", []byte(ok)); d.HasErrors() {
			t.Errorf("%q refused: %v", ok, d)
		}
	}
}

func rep(s string, n int) string { return strings.Repeat(s, n) }
