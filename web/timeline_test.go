package web

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// source is what the workflow and activities code records in the audit
// log, read from the code itself.
type source struct {
	// actions maps each action to the keys of its data.
	actions map[string]map[string]bool
	// consts maps a type name of package workflows or internal/rights to its
	// constants' values.
	consts map[string][]string
	// steps are the fulfilment steps (the Step* constants of activities or
	// internal/rights).
	steps []string
	// firstArgs maps a method name to the literal first arguments after
	// the context it is called with (persistent, failed, tellRecipients).
	firstArgs map[string][]string
}

func parseDir(t *testing.T, fset *token.FileSet, dir string) []*ast.File {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	require.NoError(t, err)
	var out []*ast.File
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		require.NoError(t, err)
		out = append(out, f)
	}
	require.NotEmpty(t, out, dir)
	return out
}

func literal(e ast.Expr) (string, bool) {
	lit, ok := e.(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(lit.Value)
	return s, err == nil
}

// mapKeys are the string keys of a map literal.
func mapKeys(e ast.Expr) map[string]bool {
	keys := map[string]bool{}
	if cl, ok := e.(*ast.CompositeLit); ok {
		for _, elt := range cl.Elts {
			if kv, ok := elt.(*ast.KeyValueExpr); ok {
				if k, ok := literal(kv.Key); ok {
					keys[k] = true
				}
			}
		}
	}
	return keys
}

func readSource(t *testing.T) source {
	fset := token.NewFileSet()
	src := source{actions: map[string]map[string]bool{}, consts: map[string][]string{}, firstArgs: map[string][]string{}}
	record := func(pos token.Pos, action ast.Expr, keys map[string]bool) {
		a, ok := literal(action)
		if !ok {
			t.Errorf("%s: the action of an audit event is not a string literal, so the test of its words cannot see it", fset.Position(pos))
			return
		}
		if src.actions[a] == nil {
			src.actions[a] = map[string]bool{}
		}
		for k := range keys {
			src.actions[a][k] = true
		}
	}
	for _, dir := range []string{"../workflows", "../activities", "../internal/rights"} {
		for _, f := range parseDir(t, fset, dir) {
			for _, decl := range f.Decls {
				switch d := decl.(type) {
				case *ast.GenDecl:
					if d.Tok != token.CONST {
						continue
					}
					for _, spec := range d.Specs {
						vs := spec.(*ast.ValueSpec)
						for i, name := range vs.Names {
							if i >= len(vs.Values) {
								continue
							}
							v, ok := literal(vs.Values[i])
							if !ok {
								continue
							}
							if typ, ok := vs.Type.(*ast.Ident); ok && dir != "../activities" {
								src.consts[typ.Name] = append(src.consts[typ.Name], v)
							}
							if dir != "../workflows" && strings.HasPrefix(name.Name, "Step") {
								src.steps = append(src.steps, v)
							}
						}
					}
				case *ast.FuncDecl:
					if d.Body == nil {
						continue
					}
					// Maps built in the function before they are recorded.
					locals := map[string]map[string]bool{}
					ast.Inspect(d.Body, func(n ast.Node) bool {
						as, ok := n.(*ast.AssignStmt)
						if !ok {
							return true
						}
						for i, lhs := range as.Lhs {
							switch l := lhs.(type) {
							case *ast.Ident:
								if i < len(as.Rhs) {
									if keys := mapKeys(as.Rhs[i]); len(keys) > 0 {
										locals[l.Name] = keys
									}
								}
							case *ast.IndexExpr:
								if id, ok := l.X.(*ast.Ident); ok {
									if k, ok := literal(l.Index); ok {
										if locals[id.Name] == nil {
											locals[id.Name] = map[string]bool{}
										}
										locals[id.Name][k] = true
									}
								}
							}
						}
						return true
					})
					dataKeys := func(e ast.Expr) map[string]bool {
						if id, ok := e.(*ast.Ident); ok {
							return locals[id.Name]
						}
						return mapKeys(e)
					}
					ast.Inspect(d.Body, func(n ast.Node) bool {
						switch x := n.(type) {
						case *ast.CallExpr:
							sel, ok := x.Fun.(*ast.SelectorExpr)
							if !ok {
								return true
							}
							switch sel.Sel.Name {
							case "change":
								if len(x.Args) == 4 {
									record(x.Pos(), x.Args[1], dataKeys(x.Args[3]))
								}
							case "persistent", "failed", "tellRecipients":
								if len(x.Args) > 1 {
									if v, ok := literal(x.Args[1]); ok {
										src.firstArgs[sel.Sel.Name] = append(src.firstArgs[sel.Sel.Name], v)
									}
								}
							}
						case *ast.CompositeLit:
							name := ""
							switch typ := x.Type.(type) {
							case *ast.Ident:
								name = typ.Name
							case *ast.SelectorExpr:
								name = typ.Sel.Name
							}
							if name != "EventInput" {
								return true
							}
							var action, data ast.Expr
							for _, elt := range x.Elts {
								if kv, ok := elt.(*ast.KeyValueExpr); ok {
									switch kv.Key.(*ast.Ident).Name {
									case "Action":
										action = kv.Value
									case "Data":
										data = kv.Value
									}
								}
							}
							// change builds its event from its parameter: the
							// calls of change are read above.
							if _, ok := literal(action); ok {
								record(x.Pos(), action, dataKeys(data))
							}
						}
						return true
					})
				}
			}
		}
	}
	return src
}

// TestEveryTimelineEventInWords: every action the workflow and the
// activities record in the audit log, read from their code, has words in
// every language of the staff pages, and so has every fact of its data the
// case view shows, with every value a worded fact can take. A new action,
// or a new key in an action's data, fails here until it has words (or, for
// an ID, is listed as hidden in eventFacts).
func TestEveryTimelineEventInWords(t *testing.T) {
	src := readSource(t)
	require.Greater(t, len(src.actions), 40, "the code was read")
	for _, a := range []string{"note.added", "decision.made", "letter.print_letter", "workflow.stopped", "subject.erased"} {
		require.Contains(t, src.actions, a, "the code was read")
	}
	values := map[string][]string{
		"right.":       nil,
		"method.":      nil,
		"purpose.":     src.consts["InformationPurpose"],
		"outcome.":     src.consts["Outcome"],
		"reason.":      src.consts["ExtensionReason"],
		"task.":        src.consts["TaskKind"],
		"attstep.":     append(src.firstArgs["persistent"], src.firstArgs["failed"]...),
		"fstep.":       src.steps,
		"recipaction.": src.firstArgs["tellRecipients"],
		// The statuses the sweeper reports (activities/sweep.go's query).
		"wfstatus.": {"FAILED", "TERMINATED", "TIMED_OUT", "CANCELED"},
		// How requests arrive (api.Channels) and letters leave (the
		// letters table's channels).
		"channel.": {"web", "email", "letter", "phone", "in_person", "digital_post", "api", "print", "se_digital_mail"},
	}
	for _, k := range rights.Kinds {
		values["right."] = append(values["right."], string(k))
	}
	for _, m := range workflows.IdentityMethods {
		values["method."] = append(values["method."], string(m))
	}
	for prefix, vs := range values {
		require.NotEmpty(t, vs, "the values of %s were found", prefix)
	}
	has := func(key, what string) {
		t.Helper()
		for _, lang := range Languages {
			if strings.TrimSpace(words[lang][key]) == "" {
				t.Errorf("%s: no words in %s for %s", what, lang, key)
			}
		}
	}
	for _, k := range []string{"fact.yes", "fact.no", "failure.failing", "failure.non_retryable"} {
		has(k, "facts")
	}
	for action, keys := range src.actions {
		has("event."+action, "action "+action)
		specs, ok := eventFacts[action]
		if !ok {
			t.Errorf("action %s: not in eventFacts", action)
			continue
		}
		for key := range keys {
			var spec *factSpec
			for i := range specs {
				if specs[i].key == key {
					spec = &specs[i]
				}
			}
			if spec == nil {
				t.Errorf("action %s: its data's %q is not in eventFacts (list it, as hidden if it is an ID)", action, key)
				continue
			}
			if spec.kind == factHidden {
				continue
			}
			has(spec.labelKey(), "action "+action+", fact "+key)
			if spec.kind == factWord {
				vs, ok := values[spec.prefix]
				if !ok {
					t.Errorf("action %s, fact %s: the values of %s are not known to the test", action, key, spec.prefix)
				}
				for _, v := range vs {
					has(spec.prefix+v, "action "+action+", fact "+key)
				}
			}
		}
	}
}

// TestEventFacts: an event's data is written in the page's language: dates
// as dates, words for values, names for staff, IDs left out.
func TestEventFacts(t *testing.T) {
	names := func(id string) string { return map[string]string{"token:cw1": "Karen"}[id] }
	got := EventFacts(words["sv"], "sv", "request.received", map[string]any{"kind": "erasure", "channel": "letter",
		"received_on": "2026-03-05", "due_on": "2026-04-07", "statutory_due_on": "2026-04-07", "forwarded_from": "3f0c…"}, names)
	require.Equal(t, []Field{{"Rättighet", "Radering av dina uppgifter"}, {"Kanal", "Brev"}, {"Mottagen", "5 mars 2026"},
		{"Frist", "7 april 2026"}, {"Lagens frist", "7 april 2026"}}, got)
	got = EventFacts(words["en"], "en", "request.assigned", map[string]any{"assignee": "token:cw1"}, names)
	require.Equal(t, []Field{{"Assignee", "Karen"}}, got)
	got = EventFacts(words["da"], "da", "attention.needed", map[string]any{"step": "project", "reason": "non_retryable:NotFound"}, names)
	require.Equal(t, []Field{{"Trin", "Opdatering af sagsoversigten"}, {"Fejl", "kan ikke løses ved at prøve igen (NotFound)"}}, got)
	got = EventFacts(words["en"], "en", "fulfilment.step", map[string]any{"system": "sag", "dataset": "case_notes", "step": "erase", "rows": 2.0}, names)
	require.Equal(t, []Field{{"System", "sag"}, {"Dataset", "case_notes"}, {"Step", "Erasure"}, {"Rows", "2"}}, got)
	got = EventFacts(words["en"], "en", "decision.made", map[string]any{"outcome": "refuse", "grounds": []any{"17(3)(b)", "12(5)"}}, names)
	require.Equal(t, []Field{{"Outcome", "Refused"}, {"Grounds", "17(3)(b), 12(5)"}}, got)
	// The requests an erasure waits for, recorded "<reference> (<right>)":
	// the right in words.
	got = EventFacts(words["da"], "da", "fulfilment.blocked", map[string]any{"by": []any{"RD-2026-000002 (access)", "RD-2026-000003 (objection)"}}, names)
	require.Equal(t, []Field{{Label: words["da"]["fact.by"], Value: "RD-2026-000002 (" + words["da"]["right.access"] + "), RD-2026-000003 (" +
		words["da"]["right.objection"] + ")"}}, got)
	require.NotContains(t, got[0].Value, "access")
	require.Empty(t, EventFacts(words["en"], "en", "letter.posted", map[string]any{"task": "x", "letter": "y"}, names))
}
