package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	texttemplate "text/template"
	"text/template/parse"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// uses are the catalogue keys some code looks up: keys whole, keys with
// a count (Words.N), and prefixes a value is appended to ("right." +
// kind), each with where it was seen.
type uses struct {
	keys, counted, prefixes map[string]string
	// literals are every string literal of the page code: a key kept in
	// a table (fieldKeys["kind"] = "field.kind") is used though no lookup
	// names it.
	literals map[string]bool
}

func newUses() *uses {
	return &uses{keys: map[string]string{}, counted: map[string]string{}, prefixes: map[string]string{}, literals: map[string]bool{}}
}

// lastName is the last identifier of .T, $.P.T, page.T, w: what a lookup
// is made on.
func lastName(n any) string {
	switch x := n.(type) {
	case *parse.FieldNode:
		return x.Ident[len(x.Ident)-1]
	case *parse.VariableNode:
		return x.Ident[len(x.Ident)-1]
	case *parse.ChainNode:
		return x.Field[len(x.Field)-1]
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return x.Sel.Name
	}
	return ""
}

// templateUses reads every lookup of the page templates: index .T "key",
// index .T (printf "prefix.%s" x), word .T "prefix." x and .T.N "key" n.
func templateUses(t *testing.T, u *uses) {
	names, err := fs.Glob(templates, "templates/*.html")
	require.NoError(t, err)
	var walk func(where string, n parse.Node)
	command := func(where string, c *parse.CommandNode) {
		args := c.Args
		if len(args) >= 3 {
			if id, ok := args[0].(*parse.IdentifierNode); ok && lastName(args[1]) == "T" {
				switch {
				case id.Ident == "index":
					if s, ok := args[2].(*parse.StringNode); ok {
						u.keys[s.Text] = where
					} else if p, ok := args[2].(*parse.PipeNode); ok && len(p.Cmds) == 1 && len(p.Cmds[0].Args) >= 2 {
						if s, ok := p.Cmds[0].Args[1].(*parse.StringNode); ok && strings.HasSuffix(s.Text, "%s") {
							u.prefixes[strings.TrimSuffix(s.Text, "%s")] = where
						}
					} else {
						t.Errorf("%s: index .T with a key the test cannot read: %s", where, c)
					}
				case id.Ident == "word":
					if s, ok := args[2].(*parse.StringNode); ok {
						u.prefixes[s.Text] = where
					} else if _, ok := args[2].(*parse.VariableNode); !ok {
						// A variable holds a prefix given to sel, read below.
						t.Errorf("%s: word with a prefix the test cannot read: %s", where, c)
					}
				}
			}
		}
		// sel . "form" "field" "prefix." options: a choice worded by prefix.
		if id, ok := args[0].(*parse.IdentifierNode); ok && id.Ident == "sel" && len(args) >= 5 {
			if s, ok := args[4].(*parse.StringNode); ok {
				u.prefixes[s.Text] = where
			} else {
				t.Errorf("%s: sel with a prefix the test cannot read: %s", where, c)
			}
		}
		if len(args) >= 2 && lastName(args[0]) == "N" {
			if s, ok := args[1].(*parse.StringNode); ok {
				u.counted[s.Text] = where
			} else {
				t.Errorf("%s: .T.N with a key the test cannot read: %s", where, c)
			}
		}
		for _, a := range args {
			walk(where, a)
		}
	}
	walk = func(where string, n parse.Node) {
		switch x := n.(type) {
		case *parse.ListNode:
			if x != nil {
				for _, c := range x.Nodes {
					walk(where, c)
				}
			}
		case *parse.ActionNode:
			walk(where, x.Pipe)
		case *parse.PipeNode:
			if x != nil {
				for _, c := range x.Cmds {
					command(where, c)
				}
			}
		case *parse.IfNode:
			walk(where, x.Pipe)
			walk(where, x.List)
			walk(where, x.ElseList)
		case *parse.RangeNode:
			walk(where, x.Pipe)
			walk(where, x.List)
			walk(where, x.ElseList)
		case *parse.WithNode:
			walk(where, x.Pipe)
			walk(where, x.List)
			walk(where, x.ElseList)
		case *parse.TemplateNode:
			walk(where, x.Pipe)
		}
	}
	// One file at a time: each page defines the same blocks (content).
	for _, name := range names {
		tmpl, err := texttemplate.New("").Funcs(texttemplate.FuncMap(funcs)).ParseFS(templates, name)
		require.NoError(t, err)
		for _, tt := range tmpl.Templates() {
			if tt.Tree != nil {
				walk(name+": "+tt.Name(), tt.Tree.Root)
			}
		}
	}
	require.Greater(t, len(u.keys), 60, "the templates were read")
}

// pageSources are the Go files of the pages: this package and its
// subpackages, and api's pages until they have moved here.
func pageSources(t *testing.T) []string {
	var out []string
	require.NoError(t, filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go") {
			out = append(out, path)
		}
		return err
	}))
	api, _ := filepath.Glob("../api/ui_*.go")
	for _, f := range append(api, "../api/defences.go") {
		if _, err := os.Stat(f); err == nil && !strings.HasSuffix(f, "_test.go") {
			out = append(out, f)
		}
	}
	return out
}

// goUses reads the lookups of the pages' Go code: T["key"], w["prefix."+x],
// word(w, "key"), NewPage(c, "key"), w.N("key", n), and every string
// literal.
func goUses(t *testing.T, u *uses) {
	fset := token.NewFileSet()
	for _, name := range pageSources(t) {
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			where := func() string { return fset.Position(n.Pos()).String() }
			switch x := n.(type) {
			case *ast.BasicLit:
				if s, ok := literal(x); ok {
					u.literals[s] = true
					// A prefix kept for a later lookup: "package.rule." +
					// rule, factSpec{prefix: "channel."}.
					if strings.HasSuffix(s, ".") && anyKey(s) {
						u.prefixes[s] = where()
					}
				}
			case *ast.IndexExpr:
				if name := lastName(x.X); name == "T" || name == "w" {
					lookup(u, x.Index, where(), u.keys)
				}
			case *ast.CallExpr:
				switch lastName(x.Fun) {
				case "word":
					if len(x.Args) == 2 {
						lookup(u, x.Args[1], where(), u.keys)
					}
				case "NewPage", "staffBase":
					if len(x.Args) == 2 {
						if s, ok := literal(x.Args[1]); ok && s != "" {
							u.keys[s] = where()
						}
					}
				case "N":
					if len(x.Args) == 2 {
						lookup(u, x.Args[0], where(), u.counted)
					}
				}
			}
			return true
		})
	}
}

// lookup records a key looked up: a literal whole, or the literal prefix
// of "prefix." + x.
func lookup(u *uses, e ast.Expr, where string, into map[string]string) {
	if s, ok := literal(e); ok {
		into[s] = where
		return
	}
	if b, ok := e.(*ast.BinaryExpr); ok && b.Op == token.ADD {
		if s, ok := literal(b.X); ok {
			u.prefixes[s] = where
		}
	}
}

// TestEveryUIKeyHasWords: every key the templates and the pages' Go code
// look up has words in da, sv and en, and so has every value of the
// prefixes whose values the code of the workflow names (every right,
// stage, outcome, rule ...); no key of the catalogues is left that
// nothing looks up.
func TestEveryUIKeyHasWords(t *testing.T) {
	u := newUses()
	templateUses(t, u)
	goUses(t, u)
	for key, where := range u.keys {
		for _, lang := range Languages {
			if _, ok := words[lang][key]; !ok {
				t.Errorf("%s: %q has no words in %s", where, key, lang)
			}
		}
	}
	for key, where := range u.counted {
		if !catalogues.counted[key] {
			t.Errorf("%s: %q is not a text with a count in the catalogues", where, key)
		}
	}
	values := familyValues(t)
	for prefix, where := range u.prefixes {
		if !anyKey(prefix) {
			t.Errorf("%s: no key starts with %q", where, prefix)
		}
		for _, v := range values[prefix] {
			for _, lang := range Languages {
				if _, ok := words[lang][prefix+v]; !ok {
					t.Errorf("%s: %q has no words in %s", where, prefix+v, lang)
				}
			}
		}
	}
	for prefix := range values {
		if _, ok := u.prefixes[prefix]; !ok {
			t.Errorf("the test knows the values of %q, but no code looks it up", prefix)
		}
	}
	unused := map[string]bool{}
	for _, lang := range Languages {
		for _, m := range catalogues.files[lang] {
			if !used(u, m.ID) {
				unused[m.ID] = true
			}
		}
	}
	require.Empty(t, sortedKeys(unused), "keys of the catalogues that no template or page code looks up")
}

// used reports whether something looks key up.
func used(u *uses, key string) bool {
	if _, ok := u.keys[key]; ok || u.literals[key] {
		return true
	}
	if _, ok := u.counted[key]; ok {
		return true
	}
	for p := range u.prefixes {
		if strings.HasPrefix(key, p) {
			return true
		}
	}
	return false
}

func anyKey(prefix string) bool {
	for k := range words["en"] {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

// pageProblemTypes are the API problem types without a rule that a page
// can meet and words by Words.Refusal ("type.<type>").
var pageProblemTypes = []string{"idempotency-key-reused", "nothing-to-do", "rate-limited"}

// familyValues are the values each prefix is looked up with, as the code
// of the workflow, the activities and the letters names them.
func familyValues(t *testing.T) map[string][]string {
	src := readSource(t)
	var rules []string
	for _, r := range rights.Rules() {
		rules = append(rules, string(r))
	}
	var packageRules, months []string
	for _, r := range rules {
		if strings.HasPrefix(r, "package-") {
			packageRules = append(packageRules, r)
		}
	}
	for m := 1; m <= 12; m++ {
		months = append(months, strconv.Itoa(m))
	}
	var events []string
	for action := range eventFacts {
		events = append(events, action)
	}
	values := map[string][]string{
		"right.":        src.consts["Kind"],
		"explain.":      src.consts["Kind"],
		"stage.":        src.consts["Stage"],
		"st.":           src.consts["Stage"],
		"outcome.":      src.consts["Outcome"],
		"method.":       src.consts["IdentityMethod"],
		"purpose.":      src.consts["InformationPurpose"],
		"reason.":       src.consts["ExtensionReason"],
		"task.":         src.consts["TaskKind"],
		"taskstatus.":   src.consts["TaskStatus"],
		"actor.":        src.consts["Actor"],
		"rule.":         rules,
		"package.rule.": packageRules,
		"type.":         pageProblemTypes,
		"lang.":         Languages,
		"month.":        months,
		"event.":        events,
		"letter.":       letterKinds(t),
	}
	for prefix, vs := range values {
		require.NotEmpty(t, vs, "the values of %s were found", prefix)
	}
	return values
}

// letterKinds are the letter kinds of internal/letters (its Kind consts).
func letterKinds(t *testing.T) []string {
	fset := token.NewFileSet()
	var out []string
	for _, f := range parseDir(t, fset, "../internal/letters") {
		ast.Inspect(f, func(n ast.Node) bool {
			if vs, ok := n.(*ast.ValueSpec); ok {
				if typ, ok := vs.Type.(*ast.Ident); ok && typ.Name == "Kind" {
					for _, v := range vs.Values {
						if s, ok := literal(v); ok {
							out = append(out, s)
						}
					}
				}
			}
			return true
		})
	}
	return out
}

// ruleIDs are the rules an action can be refused by, read from the code
// that refuses: the workflow's validators (conflict, invalid), the API's
// problems (p.Rule = ..., tooMany(rule, ...), Rule: ...), and constants
// of a type Rule or named rule....
func ruleIDs(t *testing.T) []string {
	fset := token.NewFileSet()
	seen := map[string]bool{}
	add := func(e ast.Expr) {
		if s, ok := literal(e); ok && s != "" {
			seen[s] = true
		}
	}
	for _, dir := range []string{"../workflows", "../activities", "../api", "../internal/cases", "../internal/rights"} {
		if _, err := os.Stat(dir); err != nil {
			continue
		}
		for _, f := range parseDir(t, fset, dir) {
			ast.Inspect(f, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.CallExpr:
					switch lastName(x.Fun) {
					case "conflict", "invalid", "tooMany":
						if len(x.Args) > 0 {
							add(x.Args[0])
						}
					case "reject":
						if len(x.Args) > 1 {
							add(x.Args[1])
						}
					}
				case *ast.AssignStmt:
					for i, l := range x.Lhs {
						if lastName(l) == "Rule" && i < len(x.Rhs) {
							add(x.Rhs[i])
						}
					}
				case *ast.KeyValueExpr:
					if lastName(x.Key) == "Rule" {
						add(x.Value)
					}
				case *ast.ValueSpec:
					typ, _ := x.Type.(*ast.Ident)
					for i, name := range x.Names {
						if i < len(x.Values) && (typ != nil && typ.Name == "Rule" || strings.HasPrefix(strings.ToLower(name.Name), "rule")) {
							add(x.Values[i])
						}
					}
				}
				return true
			})
		}
	}
	out := sortedKeys(seen)
	require.GreaterOrEqual(t, len(out), 50, "the rules were read from the code: %v", out)
	return out
}

// TestEveryRuleHasWords: every rule an action can be refused by
// (rights.Rules) has a caseworker's words in da, sv and en, so no Danish
// caseworker reads the API's English detail; and every rule the code
// refuses by, read from its source, is in that list.
func TestEveryRuleHasWords(t *testing.T) {
	listed := map[string]bool{}
	for _, rule := range rights.Rules() {
		listed[string(rule)] = true
		for _, lang := range Languages {
			text, ok := words[lang].Refusal(string(rule), "")
			if !ok || strings.TrimSpace(text) == "" {
				t.Errorf("rule %s: no words in %s (rule.%s)", rule, lang, rule)
			}
		}
	}
	require.GreaterOrEqual(t, len(listed), 50)
	for _, rule := range ruleIDs(t) {
		if !listed[rule] {
			t.Errorf("rule %s: refused by in the code, but not in rights.Rules", rule)
		}
	}
}
