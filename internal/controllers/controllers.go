// Package controllers reads the controllers an installation serves from one
// YAML file, checks them, and stores them in the controllers table. Each
// controller's deadline policy comes with LEGAL.md's defaults.
package controllers

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"gopkg.in/yaml.v3"
	"gorm.io/gorm/clause"

	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// The controller's types live in internal/policy, which does no I/O.
type (
	// Controller is one organisation that decides requests.
	Controller = policy.Controller
	// Settings are the parts of a controller kept as JSON in the table.
	Settings = policy.Settings
	// Deadlines is the per-controller deadline policy.
	Deadlines = policy.Deadlines
	// Contact is a person or function reached by e-mail.
	Contact = policy.Contact
	// Authority is the supervisory authority named in every reply.
	Authority = policy.Authority
	// Policy is what a request's workflow needs of its controller.
	Policy = policy.Policy
)

// DefaultDeadlines are LEGAL.md §2's policy defaults.
func DefaultDeadlines() Deadlines { return policy.DefaultDeadlines() }

//go:embed demo.yaml
var demo []byte

// Demo returns the controllers `rightsdesk dev` seeds: demo (DK) and demo-se (SE).
func Demo() []Controller {
	cs, err := Parse(demo)
	if err != nil {
		panic(err)
	}
	return cs
}

type file struct {
	Controllers []yaml.Node `yaml:"controllers"`
}

// Load reads and checks a controllers file.
func Load(path string) ([]Controller, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("controllers: %w", err)
	}
	cs, err := parse(b, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cs, nil
}

// Parse reads and checks controllers from YAML. Every error names its line.
// A processing_file needs Load, which knows where the file is.
func Parse(b []byte) ([]Controller, error) { return parse(b, "") }

func parse(b []byte, dir string) ([]Controller, error) {
	// Decode twice: strictly into the types (unknown fields are errors, with
	// their lines), and into nodes, to name the line of each later error.
	var typed struct {
		Controllers []Controller `yaml:"controllers"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&typed); err != nil {
		return nil, fmt.Errorf("controllers: %w", err)
	}
	var f file
	if err := yaml.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("controllers: %w", err)
	}
	if len(f.Controllers) == 0 {
		return nil, errors.New("controllers: the file lists no controllers (a top-level `controllers:` list)")
	}
	if len(typed.Controllers) != len(f.Controllers) {
		// An empty item (a bare "-") decodes to nothing.
		return nil, errors.New("controllers: every item of the `controllers:` list must be a controller; one is empty")
	}
	var out []Controller
	var errs []error
	lines := map[string]int{}
	for i := range f.Controllers {
		node := &f.Controllers[i]
		c := typed.Controllers[i]
		c.ApplyDefaults()
		for _, err := range c.Check() {
			errs = append(errs, fmt.Errorf("line %d (controller %q): %w", lineOf(node, err.Field), c.ID, err.Err))
		}
		if c.LettersDir != "" {
			if dir == "" {
				errs = append(errs, fmt.Errorf("line %d (controller %q): letters_dir can only be read from a controllers file (RIGHTSDESK_CONTROLLERS_FILE)", lineOf(node, "letters_dir"), c.ID))
			} else {
				if !filepath.IsAbs(c.LettersDir) {
					c.LettersDir = filepath.Join(dir, c.LettersDir)
				}
				if st, err := os.Stat(c.LettersDir); err != nil || !st.IsDir() {
					errs = append(errs, fmt.Errorf("line %d (controller %q): letters_dir %q is not a directory", lineOf(node, "letters_dir"), c.ID, c.LettersDir))
				}
			}
		}
		switch {
		case c.Processing != nil && c.ProcessingFile == "":
			for _, err := range c.Processing.Check() {
				errs = append(errs, fmt.Errorf("line %d (controller %q): %w", lineOf(node, "processing."+err.Field), c.ID, err.Err))
			}
		case c.Processing == nil && c.ProcessingFile != "":
			rec, err := loadRecord(dir, c.ProcessingFile)
			if err != nil {
				errs = append(errs, fmt.Errorf("line %d (controller %q): %w", lineOf(node, "processing_file"), c.ID, err))
			}
			c.Processing = rec
		}
		for _, err := range append(policy.CheckSystems(c.Systems, c.Processing), policy.CheckRecipients(c.Systems, c.Recipients)...) {
			errs = append(errs, fmt.Errorf("line %d (controller %q): %w", lineOf(node, err.Field), c.ID, err.Err))
		}

		if prev, dup := lines[c.ID]; dup {
			errs = append(errs, fmt.Errorf("line %d: controller %q is already defined on line %d", node.Line, c.ID, prev))
		}
		lines[c.ID] = node.Line
		out = append(out, c)
	}
	for i := range out {
		c := out[i]
		if c.Role != "processor" {
			continue
		}
		target, ok := lines[c.ForwardsTo]
		if !ok {
			errs = append(errs, fmt.Errorf("line %d (controller %q): forwards_to names %q, which is not defined in this file", lineOf(&f.Controllers[i], "forwards_to"), c.ID, c.ForwardsTo))
		} else if byID(out, c.ForwardsTo).Role == "processor" {
			errs = append(errs, fmt.Errorf("line %d (controller %q): forwards_to must name a controller, and %q (line %d) is a processor", lineOf(&f.Controllers[i], "forwards_to"), c.ID, c.ForwardsTo, target))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("controllers: %w", err)
	}
	return out, nil
}

func byID(cs []Controller, id string) Controller {
	for _, c := range cs {
		if c.ID == id {
			return c
		}
	}
	return Controller{}
}

// loadRecord reads a record of processing from its own file, strictly,
// and checks it; its errors name the file and the line.
func loadRecord(dir, name string) (*policy.Record, error) {
	if dir == "" {
		return nil, errors.New("processing_file can only be read from a controllers file (RIGHTSDESK_CONTROLLERS_FILE)")
	}
	path := name
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, name)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("processing_file: %w", err)
	}
	var rec policy.Record
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&rec); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var node yaml.Node
	if err := yaml.Unmarshal(b, &node); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	root := &node
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	var errs []error
	for _, e := range rec.Check() {
		errs = append(errs, fmt.Errorf("%s line %d: %w", name, lineOf(root, e.Field), e.Err))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &rec, nil
}

// lineOf finds the line of a (possibly nested, dot-separated) key in a
// mapping node; a number steps into a sequence. A key that is missing is
// reported at the line of the key that holds it.
func lineOf(node *yaml.Node, field string) int { return lineIn(node, field, node.Line) }

func lineIn(node *yaml.Node, field string, missing int) int {
	if field == "" {
		return node.Line
	}
	head, rest, _ := cutDot(field)
	switch node.Kind {
	case yaml.SequenceNode:
		i, err := strconv.Atoi(head)
		if err != nil || i < 0 || i >= len(node.Content) {
			return missing
		}
		if rest == "" {
			return node.Content[i].Line
		}
		return lineIn(node.Content[i], rest, node.Content[i].Line)
	case yaml.MappingNode:
		for i := 0; i+1 < len(node.Content); i += 2 {
			if node.Content[i].Value == head {
				if rest == "" {
					return node.Content[i].Line
				}
				return lineIn(node.Content[i+1], rest, node.Content[i].Line)
			}
		}
	}
	return missing
}

func cutDot(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// Sync writes the controllers to the controllers table (insert or update).
func Sync(ctx context.Context, st *store.Store, cs []Controller) error {
	for _, c := range cs {
		settings, err := json.Marshal(c.Settings)
		if err != nil {
			return err
		}
		row := store.Controller{ID: c.ID, Name: c.Name, Role: c.Role, Country: c.Country, TimeZone: c.TimeZone, Language: c.Language, Settings: settings}
		if c.ForwardsTo != "" {
			row.ForwardsTo = &c.ForwardsTo
		}
		err = st.DB.WithContext(ctx).Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "id"}},
			DoUpdates: clause.AssignmentColumns([]string{"name", "role", "forwards_to", "country", "time_zone", "language", "settings", "updated_at"}),
		}).Create(&row).Error
		if err != nil {
			return fmt.Errorf("controllers: store %s: %w", c.ID, err)
		}
	}
	return nil
}

// SettingsOf reads the settings a controller's row keeps as JSON.
func SettingsOf(row store.Controller) (Settings, error) {
	var s Settings
	if len(row.Settings) > 0 {
		if err := json.Unmarshal(row.Settings, &s); err != nil {
			return s, fmt.Errorf("controllers: settings of %s: %w", row.ID, err)
		}
	}
	return s, nil
}

// PolicyOf reads a controller's policy from its table row.
func PolicyOf(row store.Controller) (Policy, error) {
	s, err := SettingsOf(row)
	if err != nil {
		return Policy{}, err
	}
	c := Controller{ID: row.ID, Role: row.Role, Country: row.Country, TimeZone: row.TimeZone, Language: row.Language, Settings: s}
	if row.ForwardsTo != nil {
		c.ForwardsTo = *row.ForwardsTo
	}
	return c.Policy(), nil
}
