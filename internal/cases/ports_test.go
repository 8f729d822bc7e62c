package cases_test

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/internal/cases"
)

// The adapters the doors wire in implement the service's ports. cases
// cannot say so itself: it does not import activities.
var (
	_ cases.CodeSender    = (*activities.Outbox)(nil)
	_ cases.SourceSystems = (*activities.Systems)(nil)
)

// TestServiceImportsNoAdapter fails when a production file of the service
// imports GORM or the activities package: the service reaches the database,
// the outbox and the source systems only through the interfaces it declares
// (storer.go, ports.go).
func TestServiceImportsNoAdapter(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			if err != nil {
				t.Fatal(err)
			}
			if path == "gorm.io" || strings.HasPrefix(path, "gorm.io/") ||
				path == "github.com/rightsdesk/rightsdesk/activities" || strings.HasPrefix(path, "github.com/rightsdesk/rightsdesk/activities/") {
				t.Errorf("%s imports %s: declare what the service needs as an interface in storer.go or ports.go", name, path)
			}
		}
	}
	if checked == 0 {
		t.Fatal("no production files of internal/cases found")
	}
}
