package worker_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/worker"
)

// names records what is registered, by name.
type names struct {
	sdkworker.Registry
	activities map[string]bool
}

func (n *names) RegisterWorkflowWithOptions(any, workflow.RegisterOptions) {}

func (n *names) RegisterActivityWithOptions(fn any, o activity.RegisterOptions) {
	if fn == nil || n.activities[o.Name] {
		panic("activity " + o.Name + " registered without a function, or twice")
	}
	n.activities[o.Name] = true
}

// calledActivities returns the value of every rights.Activity* constant a
// workflow passes to workflow.ExecuteActivity, read from the source: the
// workflows call activities by name only, so no compiler ties a name to a
// registration, and this test does.
func calledActivities(t *testing.T) map[string]bool {
	t.Helper()
	fset := token.NewFileSet()
	consts := map[string]string{}
	f, err := parser.ParseFile(fset, "../internal/rights/activitynames.go", nil, 0)
	require.NoError(t, err)
	ast.Inspect(f, func(n ast.Node) bool {
		if vs, ok := n.(*ast.ValueSpec); ok && len(vs.Values) == len(vs.Names) {
			for i, id := range vs.Names {
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok {
					consts[id.Name], _ = strconv.Unquote(lit.Value)
				}
			}
		}
		return true
	})
	files, err := filepath.Glob("../workflows/*.go")
	require.NoError(t, err)
	called := map[string]bool{}
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		require.NoError(t, err)
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			fun, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || fun.Sel.Name != "ExecuteActivity" {
				return true
			}
			arg, ok := call.Args[1].(*ast.SelectorExpr)
			pkg, _ := arg.X.(*ast.Ident)
			require.True(t, ok && pkg != nil && pkg.Name == "rights", "%s: an activity is called by a rights.Activity* name", fset.Position(call.Pos()))
			v, ok := consts[arg.Sel.Name]
			require.True(t, ok, "%s: rights.%s is no activity name", fset.Position(call.Pos()), arg.Sel.Name)
			called[v] = true
			return true
		})
	}
	require.NotEmpty(t, called)
	return called
}

// TestEveryActivityTheWorkflowsCallIsRegistered: every activity name a
// workflow calls is registered by the worker on the task queue, and the
// letters' activities on the letters queue too.
func TestEveryActivityTheWorkflowsCallIsRegistered(t *testing.T) {
	acts := &activities.Activities{}
	main, letters := &names{activities: map[string]bool{}}, &names{activities: map[string]bool{}}
	worker.Register(main, acts)
	worker.RegisterLetters(letters, acts)
	for name := range calledActivities(t) {
		require.True(t, main.activities[name], "the workflows call %s, which the worker does not register", name)
	}
	for _, name := range rights.LettersActivities() {
		require.True(t, letters.activities[name], "%s is not registered on the letters queue", name)
	}
	require.Len(t, main.activities, len(rights.ActivityNames()))
}
