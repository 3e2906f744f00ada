package dsl

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// Limits checked before the HCL parser sees a byte. hclsyntax parses and
// evaluates expressions recursively, and a goroutine stack overflow is fatal
// in Go (no recover; hashicorp/hcl#809), so depth has to be refused up front.
const (
	// MaxSourceSize is the largest experiment file accepted, in bytes.
	MaxSourceSize = 4 << 20
	// MaxNesting bounds how deep brackets, braces, parentheses, template
	// sequences and operator chains may nest in one expression.
	MaxNesting = 256
	// maxNumberLen bounds number literals: big.Float parsing of a
	// multi-megabyte literal takes many seconds.
	maxNumberLen = 64
	// maxExponent bounds the decimal exponent of a number literal; float64
	// holds about 1e308, and cty's big-float arithmetic misbehaves on
	// exponents near the int32 limit.
	maxExponent = 400
)

// checkSource refuses input the parser must not see: too large, not UTF-8,
// nested too deeply, absurd number literals. Each diagnostic points at the
// offending byte.
func checkSource(filename string, src []byte) hcl.Diagnostics {
	if len(src) > MaxSourceSize {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "File too large",
			Detail:   fmt.Sprintf("Experiment files are limited to %d bytes (4 MiB); this one continues past that point.", MaxSourceSize),
			Subject:  byteRange(filename, src, MaxSourceSize).Ptr(),
		}}
	}
	if off := invalidUTF8(src); off >= 0 {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid UTF-8",
			Detail:   fmt.Sprintf("The file must be UTF-8 text; byte 0x%02x at offset %d does not start a valid UTF-8 sequence.", src[off], off),
			Subject:  byteRange(filename, src, off).Ptr(),
		}}
	}
	tokens, _ := hclsyntax.LexConfig(src, filename, hcl.InitialPos)
	return checkTokens(tokens)
}

// checkExprSource is checkSource for a standalone expression (a --set list).
func checkExprSource(filename string, src []byte) hcl.Diagnostics {
	if len(src) > MaxSourceSize {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Value too large",
			Detail:   fmt.Sprintf("Values are limited to %d bytes.", MaxSourceSize),
			Subject:  byteRange(filename, src, MaxSourceSize).Ptr(),
		}}
	}
	if off := invalidUTF8(src); off >= 0 {
		return hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid UTF-8",
			Detail:   fmt.Sprintf("Byte 0x%02x at offset %d does not start a valid UTF-8 sequence.", src[off], off),
			Subject:  byteRange(filename, src, off).Ptr(),
		}}
	}
	tokens, _ := hclsyntax.LexExpression(src, filename, hcl.InitialPos)
	return checkTokens(tokens)
}

type nestFrame struct {
	tok hclsyntax.TokenType
	ops int // operator count in force when the frame opened
}

// checkTokens measures, at every token, the nesting depth plus the length of
// the operator chain it sits in (unary operators nest, binary chains build
// left-deep trees whose evaluation recurses once per operator, conditionals
// nest in their false branch). That sum bounds the recursion depth of
// hclsyntax's parser and evaluator.
func checkTokens(tokens hclsyntax.Tokens) hcl.Diagnostics {
	var stack []nestFrame
	ops, directives := 0, 0
	base := func() int {
		if len(stack) == 0 {
			return 0
		}
		return stack[len(stack)-1].ops
	}
	for i, t := range tokens {
		switch t.Type {
		case hclsyntax.TokenOBrace, hclsyntax.TokenOBrack, hclsyntax.TokenOParen,
			hclsyntax.TokenTemplateInterp, hclsyntax.TokenTemplateControl:
			stack = append(stack, nestFrame{tok: t.Type, ops: ops})
			if t.Type == hclsyntax.TokenTemplateControl && i+1 < len(tokens) && tokens[i+1].Type == hclsyntax.TokenIdent {
				switch string(tokens[i+1].Bytes) {
				case "if", "for":
					directives++
				case "endif", "endfor":
					if directives > 0 {
						directives--
					}
				}
			}
		case hclsyntax.TokenCBrace, hclsyntax.TokenCBrack, hclsyntax.TokenCParen, hclsyntax.TokenTemplateSeqEnd:
			if len(stack) > 0 {
				ops = stack[len(stack)-1].ops
				stack = stack[:len(stack)-1]
			}
		case hclsyntax.TokenComma:
			ops = base()
		case hclsyntax.TokenNewline:
			// Newlines end items in bodies and object constructors; inside
			// parentheses and brackets the parser ignores them.
			if len(stack) == 0 || stack[len(stack)-1].tok == hclsyntax.TokenOBrace {
				ops = base()
			}
		case hclsyntax.TokenPlus, hclsyntax.TokenMinus, hclsyntax.TokenStar, hclsyntax.TokenSlash,
			hclsyntax.TokenPercent, hclsyntax.TokenAnd, hclsyntax.TokenOr, hclsyntax.TokenBang,
			hclsyntax.TokenEqualOp, hclsyntax.TokenNotEqual, hclsyntax.TokenLessThan,
			hclsyntax.TokenLessThanEq, hclsyntax.TokenGreaterThan, hclsyntax.TokenGreaterThanEq,
			hclsyntax.TokenQuestion:
			ops++
		case hclsyntax.TokenNumberLit:
			if d := checkNumberLit(t); d != nil {
				return hcl.Diagnostics{d}
			}
		}
		depth := len(stack) + directives
		if depth > MaxNesting {
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Nesting too deep",
				Detail:   fmt.Sprintf("Brackets, braces, parentheses and template sequences may nest at most %d levels deep; this one opens level %d.", MaxNesting, depth),
				Subject:  t.Range.Ptr(),
			}}
		}
		if depth+ops > MaxNesting {
			return hcl.Diagnostics{{
				Severity: hcl.DiagError,
				Summary:  "Expression too complex",
				Detail:   fmt.Sprintf("An expression may chain at most %d operators and nesting levels; split it up.", MaxNesting),
				Subject:  t.Range.Ptr(),
			}}
		}
	}
	return nil
}

func checkNumberLit(t hclsyntax.Token) *hcl.Diagnostic {
	lit := string(t.Bytes)
	if len(lit) > maxNumberLen {
		return &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Number literal too long",
			Detail:   fmt.Sprintf("Number literals are limited to %d characters; this one has %d.", maxNumberLen, len(lit)),
			Subject:  t.Range.Ptr(),
		}
	}
	if i := strings.IndexAny(lit, "eE"); i >= 0 {
		digits := strings.TrimLeft(lit[i+1:], "+-")
		exp, err := strconv.Atoi(digits)
		if digits != "" && strings.Trim(digits, "0123456789") == "" && (err != nil || exp > maxExponent) {
			return &hcl.Diagnostic{
				Severity: hcl.DiagError,
				Summary:  "Number out of range",
				Detail:   fmt.Sprintf("Exponents are limited to ±%d; %s cannot be represented.", maxExponent, lit),
				Subject:  t.Range.Ptr(),
			}
		}
	}
	return nil
}

// invalidUTF8 returns the offset of the first byte that does not start a
// valid UTF-8 sequence, or -1.
func invalidUTF8(src []byte) int {
	for off := 0; off < len(src); {
		r, size := utf8.DecodeRune(src[off:])
		if r == utf8.RuneError && size <= 1 {
			return off
		}
		off += size
	}
	return -1
}

// byteRange is the one-byte range at offset off of src, with line and
// column (columns count characters, invalid bytes one each).
func byteRange(filename string, src []byte, off int) hcl.Range {
	if off > len(src) {
		off = len(src)
	}
	line := 1 + bytes.Count(src[:off], []byte{'\n'})
	lineStart := bytes.LastIndexByte(src[:off], '\n') + 1
	col := 1
	for b := src[lineStart:off]; len(b) > 0; col++ {
		_, size := utf8.DecodeRune(b)
		b = b[size:]
	}
	start := hcl.Pos{Line: line, Column: col, Byte: off}
	end := hcl.Pos{Line: line, Column: col + 1, Byte: off + 1}
	return hcl.Range{Filename: filename, Start: start, End: end}
}
