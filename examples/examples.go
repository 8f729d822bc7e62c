// Package examples holds the shipped examples: five kinds of organisation
// rightsdesk is for, each a directory with its controllers file (record of
// processing and data map), its source system's schema with fake data
// (source.sql), an http stand-in when its system is a service
// (standin.json), letter overrides where it needs them, and a README.
// `rightsdesk dev --example <name>` runs one. Every name, person and
// address in them is made up.
package examples

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/devtools/demosystem"
)

//go:embed */*.yaml */*.sql */*.md */*.json */letters
var files embed.FS

// Names lists the examples.
func Names() []string {
	entries, _ := fs.ReadDir(files, ".")
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	slices.Sort(out)
	return out
}

// Example is one example, read from its directory.
type Example struct {
	Name        string
	Dir         string
	Controllers []controllers.Controller
	// SourceSQL creates and fills the source database every postgres
	// system of the example lives in (each in a schema of its own).
	SourceSQL string
	// StandIns are the http systems' stand-ins, by system ID.
	StandIns map[string]demosystem.Spec
	// Exempt are the CPR numbers the Digital Post stand-in treats as
	// exempt from Digital Post (gateway.json).
	Exempt []string
}

// DigitalPost reports whether a controller of the example sends by
// Digital Post (then rightsdesk dev serves a gateway stand-in).
func (ex *Example) DigitalPost() bool {
	for _, c := range ex.Controllers {
		if c.Delivery.DigitalPost != nil {
			return true
		}
	}
	return false
}

// ServeGateway points the example's Digital Post at the stand-in's URL.
func (ex *Example) ServeGateway(url string) {
	for i := range ex.Controllers {
		if g := ex.Controllers[i].Delivery.DigitalPost; g != nil {
			g.URL = url
		}
	}
}

// Extract writes an example into dir (its files only), so a binary far
// from the repository runs it too; it returns the example's directory.
func Extract(name, dir string) (string, error) {
	if !slices.Contains(Names(), name) {
		return "", fmt.Errorf("no example %q; there are: %s", name, strings.Join(Names(), ", "))
	}
	target := filepath.Join(dir, name)
	err := fs.WalkDir(files, name, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		out := filepath.Join(dir, filepath.FromSlash(path))
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		b, err := files.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(out, b, 0o644)
	})
	return target, err
}

// Load reads an example from its directory: the controllers file checked
// as at start-up (an error names the line), the source SQL and stand-ins.
func Load(dir string) (*Example, error) {
	ex := &Example{Name: filepath.Base(dir), Dir: dir, StandIns: map[string]demosystem.Spec{}}
	cs, err := controllers.Load(filepath.Join(dir, "controllers.yaml"))
	if err != nil {
		return nil, err
	}
	ex.Controllers = cs
	if b, err := os.ReadFile(filepath.Join(dir, "source.sql")); err == nil {
		ex.SourceSQL = string(b)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if b, err := os.ReadFile(filepath.Join(dir, "standin.json")); err == nil {
		if err := json.Unmarshal(b, &ex.StandIns); err != nil {
			return nil, fmt.Errorf("%s/standin.json: %w", ex.Name, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if b, err := os.ReadFile(filepath.Join(dir, "gateway.json")); err == nil {
		var g struct{ Exempt []string }
		if err := json.Unmarshal(b, &g); err != nil {
			return nil, fmt.Errorf("%s/gateway.json: %w", ex.Name, err)
		}
		ex.Exempt = g.Exempt
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	for id := range ex.StandIns {
		if ex.system(id) == nil {
			return nil, fmt.Errorf("%s/standin.json: no http system %q in the data map", ex.Name, id)
		}
	}
	for _, c := range ex.Controllers {
		for _, s := range c.Systems {
			if s.Kind == "http" {
				if _, ok := ex.StandIns[s.ID]; !ok {
					return nil, fmt.Errorf("%s: http system %q has no stand-in in standin.json", ex.Name, s.ID)
				}
			}
			if s.Kind == "postgres" && ex.SourceSQL == "" {
				return nil, fmt.Errorf("%s: postgres system %q but no source.sql", ex.Name, s.ID)
			}
		}
	}
	return ex, nil
}

func (ex *Example) system(id string) *controllers.Controller {
	for i, c := range ex.Controllers {
		for _, s := range c.Systems {
			if s.ID == id && s.Kind == "http" {
				return &ex.Controllers[i]
			}
		}
	}
	return nil
}

// PostgresSystems lists the example's postgres systems' IDs.
func (ex *Example) PostgresSystems() []string {
	var out []string
	for _, c := range ex.Controllers {
		for _, s := range c.Systems {
			if s.Kind == "postgres" && !slices.Contains(out, s.ID) {
				out = append(out, s.ID)
			}
		}
	}
	return out
}

// ServeStandIn points the example's http system at the stand-in's URL.
func (ex *Example) ServeStandIn(id, url string) {
	for i := range ex.Controllers {
		for j := range ex.Controllers[i].Systems {
			if ex.Controllers[i].Systems[j].ID == id {
				ex.Controllers[i].Systems[j].URL = url
			}
		}
	}
}
