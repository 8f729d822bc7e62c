// Package policy holds what a controller is and decides: its identity, its
// deadline policy, its DPO and authority, and its record of processing
// (GDPR Art. 30), with the checks LEGAL.md asks. It does no I/O, so the
// workflow code can use it; internal/controllers reads and stores it.
package policy

import (
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"strings"

	"github.com/rightsdesk/rightsdesk/internal/deadline"
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
	// CaseworkerMailbox is the shared mailbox staff notices go to when a
	// request has no assignee.
	CaseworkerMailbox string `yaml:"caseworker_mailbox,omitempty" json:"caseworker_mailbox,omitempty"`
	// Processing is the record of processing (GDPR Art. 30), inline or
	// read from ProcessingFile (a path relative to the controllers file).
	Processing     *Record `yaml:"processing,omitempty" json:"processing,omitempty"`
	ProcessingFile string  `yaml:"processing_file,omitempty" json:"-"`
	// PublicAuthority is set for public bodies (municipalities, jobcentres,
	// regions): a Swedish one names the appeal to the administrative court.
	PublicAuthority bool `yaml:"public_authority,omitempty" json:"public_authority,omitempty"`
	// Delivery says how letters leave.
	Delivery Delivery `yaml:"delivery,omitempty" json:"delivery,omitempty"`
	// LettersDir holds <lang>/<kind>.html templates that replace the
	// embedded letters for this controller (relative to the controllers
	// file; made absolute when it is read).
	LettersDir string `yaml:"letters_dir,omitempty" json:"letters_dir,omitempty"`
	// Systems are the data map: where the controller keeps personal data
	// and how a decision is carried out there (docs/DATAMAP.md).
	Systems []System `yaml:"systems,omitempty" json:"systems,omitempty"`
	// RetainClosedDays is how long the personal data of closed requests is
	// kept (LEGAL.md §5; default 365).
	RetainClosedDays int `yaml:"retain_closed_days,omitempty" json:"retain_closed_days,omitempty"`
	// PackageDays is how long an access or portability package can be
	// downloaded through the status link (default 30).
	PackageDays int `yaml:"package_days,omitempty" json:"package_days,omitempty"`
	// PackageCode says which packages the status link alone does not
	// release: special_categories (the default: those with rows of a
	// dataset marked special_categories) or always (every package). Those
	// need a one-time code sent by another channel (docs/PRIVACY.md).
	PackageCode string `yaml:"package_code,omitempty" json:"package_code,omitempty"`
	// Recipients are those the data map's datasets disclose data to, and
	// how each hears of an erasure, rectification or restriction (Art. 19).
	Recipients []Recipient `yaml:"recipients,omitempty" json:"recipients,omitempty"`
}

// The values of package_code.
const (
	PackageCodeSpecial = "special_categories"
	PackageCodeAlways  = "always"
)

// Recipient is a recipient of disclosed data (processors included) and how
// it is told of an erasure, rectification or restriction (GDPR Art. 19):
// by e-mail, or not at all with the reason (impossible, or disproportionate
// effort), which the timeline records.
type Recipient struct {
	Name        string `yaml:"name" json:"name"`
	Email       string `yaml:"email,omitempty" json:"email,omitempty"`
	NotNotified string `yaml:"not_notified,omitempty" json:"not_notified,omitempty"`
	// Language of the notice (da, sv, en); default the controller's.
	Language string `yaml:"language,omitempty" json:"language,omitempty"`
}

// Delivery is how a controller's letters reach people.
type Delivery struct {
	// EmailFrom is the sender of e-mail, "Name <address>"; default the
	// installation's RIGHTSDESK_MAIL_FROM.
	EmailFrom string `yaml:"email_from,omitempty" json:"email_from,omitempty"`
	// DigitalPost is the gateway to Danish Digital Post (DK), SenderID the
	// authority's CVR number.
	DigitalPost *Gateway `yaml:"digital_post,omitempty" json:"digital_post,omitempty"`
	// SEDigitalMail is the gateway to Swedish digital mail (SE), SenderID
	// the organisation number.
	SEDigitalMail *Gateway `yaml:"se_digital_mail,omitempty" json:"se_digital_mail,omitempty"`
	// ApproveReplies holds each reply for a caseworker's approval before it
	// goes; the deadline keeps running.
	ApproveReplies bool `yaml:"approve_replies,omitempty" json:"approve_replies,omitempty"`
}

// Gateway is a signed webhook that forwards letters to a national mailbox.
type Gateway struct {
	URL      string `yaml:"url" json:"url"`
	SenderID string `yaml:"sender_id" json:"sender_id"`
}

// Record is a controller's record of processing (GDPR Art. 30). The access
// reply tells the subject its items (Art. 15(1)(a)-(h)).
type Record struct {
	// AutomatedDecisions says, explicitly, whether automated decisions,
	// profiling included, are made (Art. 15(1)(h), Art. 22): regulators
	// fined replies that said nothing about it.
	AutomatedDecisions *bool `yaml:"automated_decisions" json:"automated_decisions"`
	// AutomatedLogic is meaningful information about the logic involved and
	// its consequences; required when AutomatedDecisions is true.
	AutomatedLogic string    `yaml:"automated_logic,omitempty" json:"automated_logic,omitempty"`
	Purposes       []Purpose `yaml:"purposes" json:"purposes"`
}

// Purpose is one purpose of processing with what Art. 15(1) asks of it.
type Purpose struct {
	Name string `yaml:"name" json:"name"`
	// LegalBasis lists Art. 6(1)(a)-(f), and Art. 9(2)(a)-(j) where special
	// categories are processed, written 6(1)(e), 9(2)(h).
	LegalBasis []string `yaml:"legal_basis" json:"legal_basis"`
	// SpecialCategories is true where Art. 9 data (health, for one) is
	// processed: an Art. 9(2) basis is then required.
	SpecialCategories bool `yaml:"special_categories,omitempty" json:"special_categories,omitempty"`
	// DirectMarketing marks marketing: an objection to it is always
	// honoured (Art. 21(2)-(3)).
	DirectMarketing bool     `yaml:"direct_marketing,omitempty" json:"direct_marketing,omitempty"`
	Categories      []string `yaml:"categories" json:"categories"`
	// Recipients are named, or an explicit empty list when there are none.
	Recipients []string `yaml:"recipients" json:"recipients"`
	// Retention is the period, or the criteria that set it.
	Retention string `yaml:"retention" json:"retention"`
	// Source is where the data comes from when not from the subject.
	Source string `yaml:"source" json:"source"`
}

var legalBasis = regexp.MustCompile(`^(6\(1\)\([a-f]\)|9\(2\)\([a-j]\))$`)

// Check checks a record of processing; each error names its key below the
// record (purposes.0.legal_basis.1).
func (r *Record) Check() []FieldError {
	var errs []FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, FieldError{field, fmt.Errorf(format, args...)})
	}
	if r.AutomatedDecisions == nil {
		bad("automated_decisions", "automated_decisions must say yes (true) or no (false): every access reply states it (Art. 15(1)(h))")
	} else if *r.AutomatedDecisions && strings.TrimSpace(r.AutomatedLogic) == "" {
		bad("automated_decisions", "with automated decisions, automated_logic must explain the logic and its consequences (Art. 15(1)(h))")
	}
	if len(r.Purposes) == 0 {
		bad("purposes", "the record needs at least one purpose")
	}
	for i, p := range r.Purposes {
		at := func(k string) string { return fmt.Sprintf("purposes.%d.%s", i, k) }
		if strings.TrimSpace(p.Name) == "" {
			bad(fmt.Sprintf("purposes.%d", i), "a purpose needs a name")
		}
		if len(p.LegalBasis) == 0 {
			bad(at("legal_basis"), "a purpose needs its legal basis: Art. 6(1)(a)-(f), e.g. 6(1)(e)")
		}
		art6, art9 := false, false
		for j, b := range p.LegalBasis {
			if !legalBasis.MatchString(b) {
				bad(fmt.Sprintf("purposes.%d.legal_basis.%d", i, j), "%q is not a legal basis: write 6(1)(a) to 6(1)(f), or 9(2)(a) to 9(2)(j)", b)
			}
			art6 = art6 || strings.HasPrefix(b, "6(")
			art9 = art9 || strings.HasPrefix(b, "9(")
		}
		if len(p.LegalBasis) > 0 && !art6 {
			bad(at("legal_basis"), "every purpose needs an Art. 6(1) basis, also beside an Art. 9(2) one")
		}
		if p.SpecialCategories && !art9 {
			bad(at("legal_basis"), "special categories of data need an Art. 9(2) basis as well")
		}
		if len(p.Categories) == 0 {
			bad(at("categories"), "name the categories of data (Art. 15(1)(b))")
		}
		if p.Recipients == nil {
			bad(fmt.Sprintf("purposes.%d", i), "name the recipients (Art. 15(1)(c)), or write recipients: [] when there are none")
		}
		if strings.TrimSpace(p.Retention) == "" {
			bad(at("retention"), "give the retention period or its criteria (Art. 15(1)(d))")
		}
		if strings.TrimSpace(p.Source) == "" {
			bad(at("source"), "say where the data comes from, e.g. \"the subject\" (Art. 15(1)(g))")
		}
	}
	return errs
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

// DefaultAuthority is the supervisory authority of each country.
var DefaultAuthority = map[string]Authority{
	"DK": {Name: "Datatilsynet", URL: "https://www.datatilsynet.dk"},
	"SE": {Name: "Integritetsskyddsmyndigheten (IMY)", URL: "https://www.imy.se"},
}

// ApplyDefaults fills what a controller leaves out with LEGAL.md's defaults.
func (c *Controller) ApplyDefaults() {
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
		c.SupervisoryAuthority = DefaultAuthority[c.Country]
	}
}

var (
	idPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	cvr       = regexp.MustCompile(`^\d{8}$`)
	orgNumber = regexp.MustCompile(`^\d{6}-?\d{4}$`)
)

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// FieldError is a check that failed, with the (dot-separated) key at fault.
type FieldError struct {
	Field string
	Err   error
}

// Check checks a controller after ApplyDefaults.
func (c *Controller) Check() []FieldError {
	var errs []FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, FieldError{field, fmt.Errorf(format, args...)})
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
	if c.CaseworkerMailbox != "" {
		if _, err := mail.ParseAddress(c.CaseworkerMailbox); err != nil {
			bad("caseworker_mailbox", "caseworker_mailbox must be an e-mail address")
		}
	}
	if g := c.Delivery.DigitalPost; g != nil {
		if c.Country != "DK" {
			bad("delivery.digital_post", "Digital Post is Danish: only for country DK")
		}
		if !validURL(g.URL) {
			bad("delivery.digital_post.url", "the gateway's url must be an http(s) URL")
		}
		if !cvr.MatchString(g.SenderID) {
			bad("delivery.digital_post.sender_id", "sender_id is the authority's CVR number, 8 digits")
		}
	}
	if g := c.Delivery.SEDigitalMail; g != nil {
		if c.Country != "SE" {
			bad("delivery.se_digital_mail", "Swedish digital mail is for country SE")
		}
		if !validURL(g.URL) {
			bad("delivery.se_digital_mail.url", "the gateway's url must be an http(s) URL")
		}
		if !orgNumber.MatchString(g.SenderID) {
			bad("delivery.se_digital_mail.sender_id", "sender_id is the organisation number, 10 digits (NNNNNN-NNNN)")
		}
	}
	if c.RetainClosedDays < 0 || c.RetainClosedDays > 3650 {
		bad("retain_closed_days", "retain_closed_days is between 1 and 3650 (leave it out for 365)")
	}
	if c.PackageDays < 0 || c.PackageDays > 365 {
		bad("package_days", "package_days is between 1 and 365 (leave it out for 30)")
	}
	if c.PackageCode != "" && c.PackageCode != PackageCodeSpecial && c.PackageCode != PackageCodeAlways {
		bad("package_code", "package_code is special_categories (the default) or always, not %q", c.PackageCode)
	}
	if f := c.Delivery.EmailFrom; f != "" {
		if _, err := mail.ParseAddress(f); err != nil {
			bad("delivery.email_from", "email_from must be an address, e.g. Demo Kommune <noreply@demo.example>")
		}
	}
	switch {
	case c.Processing != nil && c.ProcessingFile != "":
		bad("processing_file", "give the record of processing inline (processing) or in a file (processing_file), not both")
	case c.Processing == nil && c.ProcessingFile == "" && c.Role == "controller":
		bad("processing", "a controller needs its record of processing (GDPR Art. 30): processing, or processing_file")
	}
	return errs
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
	// ApproveReplies holds each reply for a caseworker's approval.
	ApproveReplies bool `json:",omitempty"`
}

// Policy returns the controller's policy, defaults applied.
func (c Controller) Policy() Policy {
	c.ApplyDefaults()
	return Policy{ControllerID: c.ID, Role: c.Role, ForwardsTo: c.ForwardsTo, Country: c.Country, TimeZone: c.TimeZone,
		Language: c.Language, Deadlines: c.Deadlines, ApproveReplies: c.Delivery.ApproveReplies}
}

func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Name == "" && a.Address == s
}
