package rightsdesk_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The house's limits (issue 17): a file of production code is at most 500
// lines and a function at most 120, so each has one job a newcomer can read.
const (
	maxFileLines = 500
	maxFuncLines = 120
	module       = "github.com/rightsdesk/rightsdesk/"
)

// productionFiles parses every non-test Go file of the module (examples and
// testdata aside), with the directory it is in.
func productionFiles(t *testing.T) map[string]*ast.File {
	t.Helper()
	fset := token.NewFileSet()
	files := map[string]*ast.File{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files[path] = f
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// TestHouseSizes keeps every production file within 500 lines and every
// function within 120.
func TestHouseSizes(t *testing.T) {
	fset := token.NewFileSet()
	var over []string
	for path := range productionFiles(t) {
		src, err := os.ReadFile(path)
		require.NoError(t, err)
		f, err := parser.ParseFile(fset, path, src, parser.SkipObjectResolution)
		require.NoError(t, err)
		if n := fset.Position(f.End()).Line; n > maxFileLines {
			over = append(over, path+": "+strconv.Itoa(n)+" lines")
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			lines := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
			if lines > maxFuncLines {
				over = append(over, path+": func "+fn.Name.Name+" "+strconv.Itoa(lines)+" lines")
			}
		}
	}
	slices.Sort(over)
	require.Empty(t, over, "over the house's limits (%d lines a file, %d a function)", maxFileLines, maxFuncLines)
}

// TestTwoDoors checks that the JSON API and the pages are two doors onto one
// service: api/ renders no HTML and imports no page package; web/ imports
// not the API; neither builds HTTP requests to call the other.
func TestTwoDoors(t *testing.T) {
	var wrong []string
	for path, f := range productionFiles(t) {
		dir := filepath.ToSlash(filepath.Dir(path))
		inAPI := dir == "api" || strings.HasPrefix(dir, "api/")
		inWeb := dir == "web" || strings.HasPrefix(dir, "web/")
		if !inAPI && !inWeb {
			continue
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			switch {
			case inAPI && (p == "html/template" || p == module+"web" || strings.HasPrefix(p, module+"web/")):
				wrong = append(wrong, path+" imports "+p)
			case inWeb && (p == module+"api" || strings.HasPrefix(p, module+"api/") || p == "net/http/httptest"):
				wrong = append(wrong, path+" imports "+p)
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "http" && strings.HasPrefix(sel.Sel.Name, "NewRequest") {
				wrong = append(wrong, path+" builds an HTTP request ("+fsetless(sel)+")")
			}
			if inAPI && sel.Sel.Name == "Render" {
				wrong = append(wrong, path+" renders a page ("+fsetless(sel)+")")
			}
			if inWeb && (sel.Sel.Name == "JSON" || sel.Sel.Name == "JSONBlob" || sel.Sel.Name == "JSONPretty") {
				wrong = append(wrong, path+" answers JSON ("+fsetless(sel)+")")
			}
			return true
		})
	}
	slices.Sort(wrong)
	require.Empty(t, wrong)
}

func fsetless(sel *ast.SelectorExpr) string {
	if x, ok := sel.X.(*ast.Ident); ok {
		return x.Name + "." + sel.Sel.Name
	}
	return sel.Sel.Name
}
