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
	"net/mail"
	"os"
	"regexp"

	"gopkg.in/yaml.v3"
	"gorm.io/gorm/clause"

	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// Controller is one organisation that decides requests (LEGAL.md §1).
type Controller struct {
	ID         string `yaml:"id"`
	Name       string `yaml:"name"`
	Role       string `yaml:"role"`
	ForwardsTo string `yaml:"forwards_to"`
	Country    string `yaml:"country"`
	TimeZone   string `yaml:"time_zone"`
	Language   string `yaml:"language"`
	Settings   `yaml:",inline"`
}

// Settings are the parts of a controller kept as JSON in the table.
type Settings struct {
	Deadlines            Deadlines `yaml:"deadlines" json:"deadlines"`
	DPO                  Contact   `yaml:"dpo" json:"dpo"`
	SupervisoryAuthority Authority `yaml:"supervisory_authority" json:"supervisory_authority"`
}

// Deadlines is the per-controller deadline policy (LEGAL.md §2, policy).
type Deadlines struct {
	// ReminderDaysBefore are the days before `due` the assignee is reminded.
	ReminderDaysBefore []int `yaml:"reminder_days_before" json:"reminder_days_before"`
	// EscalationDaysBefore is how many days before `due` the DPO is told (0: on the day).
	EscalationDaysBefore int `yaml:"escalation_days_before" json:"escalation_days_before"`
	// BreachNoticeEveryDays is how often the DPO hears of a breached request.
	BreachNoticeEveryDays int `yaml:"breach_notice_every_days" json:"breach_notice_every_days"`
	// PauseTimeoutDays closes a request whose subject never answers.
	PauseTimeoutDays int `yaml:"pause_timeout_days" json:"pause_timeout_days"`
	// NoticeHour is the local hour notices for a day go out.
	NoticeHour int `yaml:"notice_hour" json:"notice_hour"`
}

// Contact is a person or function reached by e-mail.
type Contact struct {
	Name  string `yaml:"name" json:"name"`
	Email string `yaml:"email" json:"email"`
	Phone string `yaml:"phone,omitempty" json:"phone,omitempty"`
}

// Authority is the supervisory authority named in every reply.
type Authority struct {
	Name string `yaml:"name" json:"name"`
	URL  string `yaml:"url" json:"url"`
}

// DefaultDeadlines are LEGAL.md §2's policy defaults.
func DefaultDeadlines() Deadlines {
	return Deadlines{ReminderDaysBefore: []int{7, 2}, EscalationDaysBefore: 0, BreachNoticeEveryDays: 1, PauseTimeoutDays: 30, NoticeHour: 8}
}

var defaultAuthority = map[string]Authority{
	"DK": {Name: "Datatilsynet", URL: "https://www.datatilsynet.dk"},
	"SE": {Name: "Integritetsskyddsmyndigheten (IMY)", URL: "https://www.imy.se"},
}

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
	cs, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cs, nil
}

var idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Parse reads and checks controllers from YAML. Every error names its line.
func Parse(b []byte) ([]Controller, error) {
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
	var out []Controller
	var errs []error
	lines := map[string]int{}
	for i := range f.Controllers {
		node := &f.Controllers[i]
		c := typed.Controllers[i]
		c.applyDefaults()
		for _, err := range c.check() {
			errs = append(errs, fmt.Errorf("line %d (controller %q): %w", lineOf(node, err.field), c.ID, err.err))
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

// lineOf finds the line of a (possibly nested, dot-separated) key in a mapping node.
func lineOf(node *yaml.Node, field string) int {
	if field == "" || node.Kind != yaml.MappingNode {
		return node.Line
	}
	head, rest, _ := cutDot(field)
	for i := 0; i+1 < len(node.Content); i += 2 {
		if node.Content[i].Value == head {
			if rest == "" {
				return node.Content[i].Line
			}
			return lineOf(node.Content[i+1], rest)
		}
	}
	return node.Line
}

func cutDot(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == '.' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

func (c *Controller) applyDefaults() {
	def := DefaultDeadlines()
	d := &c.Deadlines
	if d.ReminderDaysBefore == nil {
		d.ReminderDaysBefore = def.ReminderDaysBefore
	}
	if d.BreachNoticeEveryDays == 0 {
		d.BreachNoticeEveryDays = def.BreachNoticeEveryDays
	}
	if d.PauseTimeoutDays == 0 {
		d.PauseTimeoutDays = def.PauseTimeoutDays
	}
	if d.NoticeHour == 0 {
		d.NoticeHour = def.NoticeHour
	}
	if c.Role == "" {
		c.Role = "controller"
	}
	if c.SupervisoryAuthority == (Authority{}) {
		c.SupervisoryAuthority = defaultAuthority[c.Country]
	}
}

type fieldErr struct {
	field string
	err   error
}

func (c *Controller) check() []fieldErr {
	var errs []fieldErr
	bad := func(field, format string, args ...any) {
		errs = append(errs, fieldErr{field, fmt.Errorf(format, args...)})
	}
	if !idPattern.MatchString(c.ID) {
		bad("id", "id must be lower-case letters, digits and dashes (at most 63), not %q", c.ID)
	}
	if c.Name == "" {
		bad("name", "name is required")
	}
	switch c.Role {
	case "controller":
		if c.ForwardsTo != "" {
			bad("forwards_to", "only a processor forwards requests; drop forwards_to or set role: processor")
		}
	case "processor":
		if c.ForwardsTo == "" {
			bad("forwards_to", "a processor must name the controller it forwards requests to (Art. 28(3)(e))")
		}
	default:
		bad("role", "role must be controller or processor, not %q", c.Role)
	}
	if c.Country != "DK" && c.Country != "SE" {
		bad("country", "country must be DK or SE, not %q", c.Country)
	}
	if c.TimeZone == "" {
		bad("time_zone", "time_zone is required, e.g. Europe/Copenhagen")
	} else if _, err := deadline.LoadLocation(c.TimeZone); err != nil {
		bad("time_zone", "unknown time_zone %q", c.TimeZone)
	}
	if c.Language != "da" && c.Language != "sv" && c.Language != "en" {
		bad("language", "language must be da, sv or en, not %q", c.Language)
	}
	d := c.Deadlines
	for _, n := range d.ReminderDaysBefore {
		if n < 1 || n > 28 {
			bad("deadlines.reminder_days_before", "reminder days must be between 1 and 28, not %d", n)
		}
	}
	if d.EscalationDaysBefore < 0 || d.EscalationDaysBefore > 28 {
		bad("deadlines.escalation_days_before", "escalation_days_before must be between 0 and 28")
	}
	if d.BreachNoticeEveryDays < 1 {
		bad("deadlines.breach_notice_every_days", "breach_notice_every_days must be at least 1")
	}
	if d.PauseTimeoutDays < 1 {
		bad("deadlines.pause_timeout_days", "pause_timeout_days must be at least 1")
	}
	if d.NoticeHour < 0 || d.NoticeHour > 23 {
		bad("deadlines.notice_hour", "notice_hour must be between 0 and 23")
	}
	if _, err := mail.ParseAddress(c.DPO.Email); err != nil {
		bad("dpo.email", "dpo.email must be an e-mail address")
	}
	if c.SupervisoryAuthority.Name == "" {
		bad("supervisory_authority", "supervisory_authority.name is required")
	}
	return errs
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

// Policy is what a request's workflow needs of its controller.
type Policy struct {
	ControllerID string
	Role         string
	ForwardsTo   string
	Country      string
	TimeZone     string
	Language     string
	Deadlines    Deadlines
}

// PolicyOf reads a controller's policy from its table row.
func PolicyOf(row store.Controller) (Policy, error) {
	var s Settings
	if len(row.Settings) > 0 {
		if err := json.Unmarshal(row.Settings, &s); err != nil {
			return Policy{}, fmt.Errorf("controllers: settings of %s: %w", row.ID, err)
		}
	}
	c := Controller{ID: row.ID, Role: row.Role, Country: row.Country, Settings: s}
	c.applyDefaults()
	p := Policy{ControllerID: row.ID, Role: row.Role, Country: row.Country, TimeZone: row.TimeZone, Language: row.Language, Deadlines: c.Deadlines}
	if row.ForwardsTo != nil {
		p.ForwardsTo = *row.ForwardsTo
	}
	return p, nil
}
