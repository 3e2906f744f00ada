package tracking

import (
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// docSchema is what docs/schema.md says the schema is.
type docSchema struct {
	version int
	tables  map[string][]string // table -> columns, in the doc's order
	indexes []string
}

var (
	docTableHeading = regexp.MustCompile("^### `([a-z_]+)`\\s*$")
	docColumnRow    = regexp.MustCompile("^\\| `([a-z_0-9]+)` \\|")
	docVersion      = regexp.MustCompile(`^Schema version: ([0-9]+)\s*$`)
	docIndexName    = regexp.MustCompile("`([a-z_0-9]+)`")
)

func readDocSchema(t *testing.T, path string) docSchema {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := docSchema{tables: map[string][]string{}}
	table := ""
	inIndexes := false
	for _, line := range strings.Split(string(b), "\n") {
		if m := docVersion.FindStringSubmatch(line); m != nil {
			d.version, _ = strconv.Atoi(m[1])
		}
		if strings.HasPrefix(line, "#") {
			table = ""
			if m := docTableHeading.FindStringSubmatch(line); m != nil {
				table = m[1]
				if _, dup := d.tables[table]; dup {
					t.Errorf("schema.md describes table %s twice", table)
				}
				d.tables[table] = nil
			}
			continue
		}
		if table == "" {
			continue
		}
		if m := docColumnRow.FindStringSubmatch(line); m != nil {
			d.tables[table] = append(d.tables[table], m[1])
		}
		// "Indexes: `a` (x), `b` (y)." may wrap onto following lines.
		if strings.HasPrefix(line, "Indexes:") {
			inIndexes = true
		}
		if inIndexes {
			for _, m := range docIndexName.FindAllStringSubmatch(line, -1) {
				d.indexes = append(d.indexes, m[1])
			}
			if strings.TrimSpace(line) == "" || strings.HasSuffix(strings.TrimSpace(line), ".") {
				inIndexes = false
			}
		}
	}
	return d
}

func TestSchemaDoc(t *testing.T) {
	s := MustOpen(t)
	doc := readDocSchema(t, "../docs/schema.md")
	if want := len(wantMigrations(t)); doc.version != want {
		t.Errorf("schema.md says schema version %d, the migrations make %d", doc.version, want)
	}

	actual := map[string][]string{}
	rows, err := readRows(ctx, s.reader,
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		table := r[0].(string)
		cols, err := readRows(ctx, s.reader, "SELECT name FROM pragma_table_info(?) ORDER BY cid", table)
		if err != nil {
			t.Fatal(err)
		}
		actual[table] = []string{}
		for _, c := range cols {
			actual[table] = append(actual[table], c[0].(string))
		}
	}

	for table, cols := range actual {
		dcols, ok := doc.tables[table]
		if !ok {
			t.Errorf("table %s is not in schema.md", table)
			continue
		}
		if missing := minus(cols, dcols); len(missing) > 0 {
			t.Errorf("table %s: columns %v are not in schema.md", table, missing)
		}
		if extra := minus(dcols, cols); len(extra) > 0 {
			t.Errorf("table %s: schema.md lists columns %v that do not exist", table, extra)
		}
		if len(dcols) == len(cols) && !equal(dcols, cols) {
			t.Errorf("table %s: schema.md lists columns in the order %v, the table has %v", table, dcols, cols)
		}
	}
	for table := range doc.tables {
		if _, ok := actual[table]; !ok {
			t.Errorf("schema.md describes table %s, which does not exist", table)
		}
	}

	idx, err := readRows(ctx, s.reader,
		"SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name")
	if err != nil {
		t.Fatal(err)
	}
	var realIdx []string
	for _, r := range idx {
		realIdx = append(realIdx, r[0].(string))
	}
	if missing := minus(realIdx, doc.indexes); len(missing) > 0 {
		t.Errorf("indexes %v are not in schema.md", missing)
	}
	if extra := minus(doc.indexes, realIdx); len(extra) > 0 {
		t.Errorf("schema.md lists indexes %v that do not exist", extra)
	}
	if len(actual) == 0 || len(doc.tables) == 0 || len(doc.indexes) == 0 {
		t.Fatalf("nothing compared: %d actual tables, %d documented, %d documented indexes", len(actual), len(doc.tables), len(doc.indexes))
	}
}

// TestSchemaDocCatchesDrift checks the checker: a doc missing a column or
// naming one too many must not read as the actual schema.
func TestSchemaDocCatchesDrift(t *testing.T) {
	b, err := os.ReadFile("../docs/schema.md")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := readDocSchema(t, "../docs/schema.md")
	for name, edit := range map[string]func(string) string{
		"dropped column": func(s string) string { return strings.Replace(s, "| `heartbeat_at` |", "| heartbeat_at |", 1) },
		"extra column":   func(s string) string { return strings.Replace(s, "| `run_dir` |", "| `run_dir` | x |\n| `bogus` |", 1) },
		"dropped index":  func(s string) string { return strings.Replace(s, "`runs_status`", "runs_status", 1) },
	} {
		path := dir + "/" + strings.ReplaceAll(name, " ", "_") + ".md"
		if err := os.WriteFile(path, []byte(edit(string(b))), 0o644); err != nil {
			t.Fatal(err)
		}
		d := readDocSchema(t, path)
		if equal(d.tables["runs"], good.tables["runs"]) && equal(d.indexes, good.indexes) {
			t.Errorf("%s: the parsed doc did not change", name)
		}
	}
}

// minus returns the elements of a not in b, sorted.
func minus(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
