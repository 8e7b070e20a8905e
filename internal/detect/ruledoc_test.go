package detect

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/logsift/logsift/internal/evidence"
	"github.com/logsift/logsift/internal/testfiles"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the rule list in doc.go and docs/rules.md from the rules table")

// TestRuleDocs keeps the documented rules in step with the rules table: the
// package doc's list and docs/rules.md are rendered from the table and the
// default Config, and must be what is written (go generate rewrites them).
func TestRuleDocs(t *testing.T) {
	root := testfiles.Root(t)
	cfg := DefaultConfig()
	check := func(path, want string) {
		t.Helper()
		got, err := os.ReadFile(path)
		if err != nil && !*updateDocs {
			t.Fatal(err)
		}
		if string(got) == want {
			return
		}
		if *updateDocs {
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("%s does not match the rules table; run `go generate ./internal/detect`", path)
	}
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	check("doc.go", replaceRuleList(t, string(doc), cfg))
	check(filepath.Join(root, "docs", "rules.md"), rulesMarkdown(&cfg))
}

// replaceRuleList swaps the indented rule list that follows the doc.go
// paragraph starting "Generated from the rules table".
func replaceRuleList(t *testing.T, doc string, cfg Config) string {
	t.Helper()
	lines := strings.Split(doc, "\n")
	start := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "// Generated from the rules table") })
	if start < 0 {
		t.Fatal("doc.go: no paragraph starting \"Generated from the rules table\"")
	}
	for start < len(lines) && lines[start] != "//" {
		start++
	}
	start++
	end := start
	for end < len(lines) && strings.HasPrefix(lines[end], "//\t") {
		end++
	}
	var list []string
	for _, ru := range rules {
		list = append(list, fmt.Sprintf("//\t%-17s %s", ru.id, ru.doc(&cfg)))
	}
	return strings.Join(slices.Concat(lines[:start], list, lines[end:]), "\n")
}

func rulesMarkdown(cfg *Config) string {
	var b strings.Builder
	b.WriteString("# Detection rules\n\n" +
		"<!-- Generated from the rules table in internal/detect by `go generate ./internal/detect`; TestRuleDocs fails when this file and the table disagree. -->\n\n" +
		"Every rule of `internal/detect`, in the order they are evaluated, with the thresholds of the default\n" +
		"configuration. A `--config` file changes a threshold by the JSON key in the last column (see the README's\n" +
		"*Allowlists and thresholds*). Each rule works per client (an IPv4 address or an IPv6 /64) on log time;\n" +
		"a rule that matched but stayed below its threshold is kept as a weak hit, which campaigns can promote.\n\n" +
		"| rule | category | severity | fires when (defaults) | settings |\n|---|---|---|---|---|\n")
	esc := strings.NewReplacer("|", `\|`, "<", "&lt;")
	for _, ru := range rules {
		var keys []string
		for _, k := range ru.config {
			keys = append(keys, "`"+k+"`")
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | %s | %s | %s |\n", ru.id, ru.cat, ru.sev, esc.Replace(ru.doc(cfg)), strings.Join(keys, ", "))
	}
	return b.String()
}

// TestRuleTable checks what the table promises: unique ids, known
// categories that the README and docs/report-json.md document, an eval and
// a doc for each rule, and every threshold in Config claimed by a rule.
func TestRuleTable(t *testing.T) {
	root := testfiles.Root(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	jsonDoc, err := os.ReadFile(filepath.Join(root, "docs", "report-json.md"))
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	keys := map[string]bool{}
	for id, ru := range rules {
		if ru == nil || ru.eval == nil || ru.doc == nil {
			t.Fatalf("rule %d: missing entry, eval or doc", id)
		}
		if ids[ru.id] {
			t.Errorf("duplicate rule id %q", ru.id)
		}
		ids[ru.id] = true
		if !ru.cat.Valid() {
			t.Errorf("%s: category %q not in evidence.Categories", ru.id, ru.cat)
		}
		// An ownState rule may judge evidence another rule's hooks keep
		// (credential-stuffing reads brute-force's failed logins).
		if ru.patterns == nil && ru.detect == nil && !ru.ownState {
			t.Errorf("%s: neither patterns nor a detect hook: it can never match", ru.id)
		}
		for _, k := range ru.config {
			keys[k] = true
		}
	}
	for _, c := range evidence.Categories {
		for name, doc := range map[string][]byte{"README.md": readme, "docs/report-json.md": jsonDoc} {
			if !tableMentions(string(doc), c) {
				t.Errorf("%s: category %q is not in a table row", name, c)
			}
		}
	}
	ct := reflect.TypeFor[Config]()
	for i := range ct.NumField() {
		k, _, _ := strings.Cut(ct.Field(i).Tag.Get("json"), ",")
		switch k {
		case "allow", "no_default_allow", "detail_limit", "weak_limit", "login_limit", "group_limit":
			continue
		}
		if !keys[k] {
			t.Errorf("Config key %q is read by no rule's config list", k)
		}
	}
}

// tableMentions reports whether a Markdown table row starts with a cell that
// names the category in backquotes.
func tableMentions(doc string, c evidence.Category) bool {
	for _, l := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(l, "| `") {
			continue
		}
		first, _, _ := strings.Cut(l[1:], "|")
		if strings.Contains(first, "`"+string(c)+"`") {
			return true
		}
	}
	return false
}
