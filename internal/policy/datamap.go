package policy

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// System is one place a controller keeps personal data, and how rightsdesk
// reaches it: a PostgreSQL database, an HTTP service, or people (manual).
// Secrets are never in the map: a postgres system's connection string is
// the environment variable RIGHTSDESK_SYSTEM_<ID>_DSN, an http system's
// signing secret RIGHTSDESK_SYSTEM_<ID>_SECRET.
type System struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// Kind is postgres, http or manual.
	Kind string `yaml:"kind" json:"kind"`
	// URL is an http system's endpoint.
	URL string `yaml:"url,omitempty" json:"url,omitempty"`
	// Instructions tell a caseworker what to do in a manual system.
	Instructions string    `yaml:"instructions,omitempty" json:"instructions,omitempty"`
	Datasets     []Dataset `yaml:"datasets" json:"datasets"`
}

// Dataset is one kind of record in a system: for postgres, one table.
type Dataset struct {
	ID   string `yaml:"id" json:"id"`
	Name string `yaml:"name" json:"name"`
	// Table is the postgres table (schema.table allowed).
	Table string `yaml:"table,omitempty" json:"table,omitempty"`
	// Keys map the identifiers a subject gives (cpr, personnummer,
	// samordningsnummer, email, phone, or a custom one) to the column that
	// holds them.
	Keys map[string]string `yaml:"keys" json:"keys"`
	// Fields are the columns an access package exports (all but the
	// restriction flag when empty).
	Fields     []string `yaml:"fields,omitempty" json:"fields,omitempty"`
	Purposes   []string `yaml:"purposes" json:"purposes"`
	LegalBasis []string `yaml:"legal_basis" json:"legal_basis"`
	// SpecialCategories marks a dataset of special categories of data
	// (Art. 9(1): health, a psychologist's notes, care records, ...). It
	// goes with an Art. 9(2) basis in LegalBasis, and the check holds the
	// two together. A package with rows of it is released only after a
	// second factor (docs/PRIVACY.md).
	SpecialCategories bool     `yaml:"special_categories,omitempty" json:"special_categories,omitempty"`
	Recipients        []string `yaml:"recipients" json:"recipients"`
	Retention         string   `yaml:"retention" json:"retention"`
	// Erase is how an erasure is carried out.
	Erase Erasure `yaml:"erase" json:"erase"`
	// Restrict names the boolean column that marks a row restricted.
	Restrict string `yaml:"restrict,omitempty" json:"restrict,omitempty"`
	// Rectify lists the columns a rectification may change.
	Rectify []string `yaml:"rectify,omitempty" json:"rectify,omitempty"`
	// Holds keep data an erasure may not touch, each with its legal reference.
	Holds []Hold `yaml:"holds,omitempty" json:"holds,omitempty"`
	// OnWithdrawal is what a consent withdrawal does to the dataset's rows:
	// restrict (the default: kept, flagged, used no more) or erase (the
	// consent was the only reason to keep them, Art. 17(1)(b)).
	OnWithdrawal string `yaml:"on_withdrawal,omitempty" json:"on_withdrawal,omitempty"`
	// Expire is a retention rule rightsdesk carries out by itself, daily,
	// with no request: rows past it are erased by the dataset's strategy
	// (holds still keep theirs). Postgres datasets only.
	Expire *Expire `yaml:"expire,omitempty" json:"expire,omitempty"`
}

// Expire erases the rows whose date Column is more than AfterDays past:
// the end of a course, of a contact, of a case.
type Expire struct {
	Column    string `yaml:"column" json:"column"`
	AfterDays int    `yaml:"after_days" json:"after_days"`
	// Reference is the rule's ground, for the log: a retention policy, a
	// law, an agreement with the controller.
	Reference string `yaml:"reference" json:"reference"`
}

// Erasure is a dataset's erasure strategy: delete the rows, anonymise
// them field by field, or deliver them to an archive table and then delete
// them.
type Erasure struct {
	// Strategy is delete, anonymise or archive.
	Strategy string `yaml:"strategy" json:"strategy"`
	// Archive, for archive: the table (schema.table, the same columns) the
	// rows are copied to, in the same transaction, before they are deleted:
	// the delivery to a public archive the law requires first (arkivloven).
	Archive string `yaml:"archive,omitempty" json:"archive,omitempty"`
	// ArchiveReference is the law that requires the delivery, for the reply.
	ArchiveReference string `yaml:"archive_reference,omitempty" json:"archive_reference,omitempty"`
	// Fields, for anonymise: each column's treatment, null (or YAML's
	// bare null), hash (a keyed hash, so the same person still joins up)
	// or fixed:<text>.
	Fields map[string]string `yaml:"fields,omitempty" json:"fields,omitempty"`
}

// Hold keeps data that the law requires kept.
type Hold struct {
	// Reference is the legal reference, e.g. "psykologloven § 14, stk. 2".
	Reference string `yaml:"reference" json:"reference"`
	// Reason says why, in the controller's language; the reply quotes it.
	Reason string `yaml:"reason" json:"reason"`
	// Column and Years hold the rows whose Column (a date) is less than
	// Years old; without them the whole dataset is held.
	Column string `yaml:"column,omitempty" json:"column,omitempty"`
	Years  int    `yaml:"years,omitempty" json:"years,omitempty"`
}

// Identifier kinds a dataset can be keyed by, besides custom ones.
var IdentifierKinds = []string{"cpr", "personnummer", "samordningsnummer", "email", "phone"}

var (
	systemID   = regexp.MustCompile(`^[a-z][a-z0-9_]{0,40}$`)
	sqlName    = regexp.MustCompile(`^[a-z_][a-z0-9_]{0,62}$`)
	tableName  = regexp.MustCompile(`^([a-z_][a-z0-9_]{0,62}\.)?[a-z_][a-z0-9_]{0,62}$`)
	customKind = regexp.MustCompile(`^[a-z][a-z0-9_]{0,40}$`)
)

// CheckSystems checks a data map; each error names its key below the
// controller (systems.0.datasets.1.keys).
func CheckSystems(systems []System, record *Record) []FieldError {
	c := &systemsCheck{purposes: map[string]bool{}}
	if record != nil {
		c.record = true
		for _, p := range record.Purposes {
			c.purposes[p.Name] = true
		}
	}
	seen := map[string]bool{}
	for i, s := range systems {
		at := func(k string) string { return fmt.Sprintf("systems.%d.%s", i, k) }
		if !systemID.MatchString(s.ID) {
			c.bad(at("id"), "a system's id is lower-case letters, digits and _, not %q", s.ID)
		} else if seen[s.ID] {
			c.bad(at("id"), "system %q is defined twice", s.ID)
		}
		seen[s.ID] = true
		if strings.TrimSpace(s.Name) == "" {
			c.bad(at("name"), "a system needs a name")
		}
		switch s.Kind {
		case "postgres":
		case "http":
			if !validURL(s.URL) {
				c.bad(at("url"), "an http system needs its url")
			}
		case "manual":
			if strings.TrimSpace(s.Instructions) == "" {
				c.bad(at("instructions"), "a manual system needs instructions for the caseworker")
			}
		default:
			c.bad(at("kind"), "kind must be postgres, http or manual, not %q", s.Kind)
		}
		if len(s.Datasets) == 0 {
			c.bad(at("datasets"), "a system needs at least one dataset")
		}
		dsSeen := map[string]bool{}
		for j, d := range s.Datasets {
			prefix := fmt.Sprintf("systems.%d.datasets.%d.", i, j)
			if !sqlName.MatchString(d.ID) || dsSeen[d.ID] {
				c.bad(prefix+"id", "a dataset's id is unique in its system, lower-case letters, digits and _")
			}
			dsSeen[d.ID] = true
			c.dataset(prefix, s.Kind, d)
		}
	}
	return c.errs
}

// systemsCheck gathers the field errors of a data map's systems.
type systemsCheck struct {
	errs []FieldError
	// record says a record of processing was given, whose purposes are in purposes.
	record   bool
	purposes map[string]bool
}

func (c *systemsCheck) bad(field, format string, args ...any) {
	c.errs = append(c.errs, FieldError{field, fmt.Errorf(format, args...)})
}

// dataset checks one dataset of a system of the given kind; prefix is its
// field path ("systems.0.datasets.1.").
func (c *systemsCheck) dataset(prefix, kind string, d Dataset) {
	dat := func(k string) string { return prefix + k }
	if kind == "postgres" {
		if !tableName.MatchString(d.Table) {
			c.bad(dat("table"), "a postgres dataset names its table (lower case, schema.table allowed)")
		}
		for _, col := range append(append(slices.Clone(d.Fields), d.Rectify...), d.Restrict) {
			if col != "" && !sqlName.MatchString(col) {
				c.bad(dat("fields"), "%q is not a column name", col)
			}
		}
	}
	if len(d.Keys) == 0 {
		c.bad(dat("keys"), "a dataset names the identifiers its rows are found by, e.g. {cpr: cpr_number, email: email}")
	}
	for k, col := range d.Keys {
		if !slices.Contains(IdentifierKinds, k) && !customKind.MatchString(k) {
			c.bad(dat("keys"), "%q is not an identifier kind", k)
		}
		if kind == "postgres" && !sqlName.MatchString(col) {
			c.bad(dat("keys"), "%q is not a column name", col)
		}
	}
	if len(d.Purposes) == 0 {
		c.bad(dat("purposes"), "a dataset names the purposes it serves")
	}
	for _, p := range d.Purposes {
		if c.record && !c.purposes[p] {
			c.bad(dat("purposes"), "purpose %q is not in the record of processing", p)
		}
	}
	c.legalBasis(dat, d)
	if d.Recipients == nil {
		c.bad(dat("recipients"), "name the recipients, or write recipients: []")
	}
	if strings.TrimSpace(d.Retention) == "" {
		c.bad(dat("retention"), "give the retention period or its criteria")
	}
	c.erase(dat, kind, d)
	switch d.OnWithdrawal {
	case "", "restrict":
	case "erase":
		if !slices.Contains(d.LegalBasis, "6(1)(a)") {
			c.bad(dat("on_withdrawal"), "on_withdrawal concerns data resting on consent (6(1)(a))")
		}
	default:
		c.bad(dat("on_withdrawal"), "on_withdrawal is restrict or erase, not %q", d.OnWithdrawal)
	}
	c.retention(dat, prefix, kind, d)
}

// legalBasis checks the dataset's legal bases and that special categories
// and an Art. 9(2) basis go together.
func (c *systemsCheck) legalBasis(dat func(string) string, d Dataset) {
	if len(d.LegalBasis) == 0 {
		c.bad(dat("legal_basis"), "a dataset needs its legal basis, e.g. [\"6(1)(e)\"]")
	}
	art9 := false
	for _, b := range d.LegalBasis {
		if !legalBasis.MatchString(b) {
			c.bad(dat("legal_basis"), "%q is not a legal basis", b)
		}
		art9 = art9 || strings.HasPrefix(b, "9(")
	}
	switch {
	case d.SpecialCategories && !art9:
		c.bad(dat("legal_basis"), "special categories of data need an Art. 9(2) basis beside the Art. 6(1) one, e.g. [\"6(1)(e)\", \"9(2)(h)\"]")
	case art9 && !d.SpecialCategories:
		c.bad(dat("special_categories"), "a dataset processed under Art. 9(2) holds special categories of data: mark it special_categories: true (its packages then need a second factor)")
	}
}

// erase checks how the dataset's rows are erased.
func (c *systemsCheck) erase(dat func(string) string, kind string, d Dataset) {
	switch d.Erase.Strategy {
	case "delete":
	case "anonymise":
		if len(d.Erase.Fields) == 0 {
			c.bad(dat("erase.fields"), "anonymise names each column and how: null, hash or fixed:<text>")
		}
		for col, how := range d.Erase.Fields {
			if kind == "postgres" && !sqlName.MatchString(col) {
				c.bad(dat("erase.fields"), "%q is not a column name", col)
			}
			// YAML reads a bare null as nothing: that is the null strategy.
			if how != "" && how != "null" && how != "hash" && !strings.HasPrefix(how, "fixed:") {
				c.bad(dat("erase.fields"), "column %q: null, hash or fixed:<text>, not %q", col, how)
			}
		}
		for _, col := range d.Keys {
			if _, ok := d.Erase.Fields[col]; !ok {
				c.bad(dat("erase.fields"), "anonymising must cover the identifier column %q, or the person is still found", col)
			}
		}
	case "archive":
		if kind != "postgres" || !tableName.MatchString(d.Erase.Archive) {
			c.bad(dat("erase.archive"), "archive names the table (schema.table) of a postgres dataset the rows are delivered to before deletion")
		}
		if strings.TrimSpace(d.Erase.ArchiveReference) == "" {
			c.bad(dat("erase.archive_reference"), "archive needs the law that requires the delivery, e.g. arkivloven § 21")
		}
	default:
		c.bad(dat("erase.strategy"), "erase.strategy must be delete, anonymise or archive, not %q", d.Erase.Strategy)
	}
}

// retention checks the dataset's retention rule and its holds.
func (c *systemsCheck) retention(dat func(string) string, prefix, kind string, d Dataset) {
	if e := d.Expire; e != nil {
		switch {
		case kind != "postgres":
			c.bad(dat("expire"), "rightsdesk carries out a retention rule in postgres datasets only; describe it in retention for others")
		case !sqlName.MatchString(e.Column):
			c.bad(dat("expire.column"), "%q is not a column name", e.Column)
		case e.AfterDays < 0:
			c.bad(dat("expire.after_days"), "after_days is 0 or more")
		case strings.TrimSpace(e.Reference) == "":
			c.bad(dat("expire.reference"), "a retention rule needs its ground, e.g. the agreement with the controller")
		}
	}
	for k, h := range d.Holds {
		hat := fmt.Sprintf("%sholds.%d", prefix, k)
		if strings.TrimSpace(h.Reference) == "" || strings.TrimSpace(h.Reason) == "" {
			c.bad(hat, "a hold needs its legal reference and its reason")
		}
		if (h.Column == "") != (h.Years == 0) {
			c.bad(hat, "a hold limited in time needs both column and years")
		}
		if h.Column != "" && kind == "postgres" && !sqlName.MatchString(h.Column) {
			c.bad(hat, "%q is not a column name", h.Column)
		}
	}
}

// CheckRecipients checks that every recipient a dataset names says how it
// hears of an erasure, rectification or restriction (Art. 19): an e-mail
// address, or not_notified with the reason.
func CheckRecipients(systems []System, recipients []Recipient) []FieldError {
	var errs []FieldError
	bad := func(field, format string, args ...any) {
		errs = append(errs, FieldError{field, fmt.Errorf(format, args...)})
	}
	known := map[string]bool{}
	for i, r := range recipients {
		at := func(k string) string { return fmt.Sprintf("recipients.%d.%s", i, k) }
		switch {
		case strings.TrimSpace(r.Name) == "":
			bad(at("name"), "a recipient needs its name, as the datasets name it")
		case known[r.Name]:
			bad(at("name"), "recipient %q is listed twice", r.Name)
		}
		known[r.Name] = true
		hasMail, hasReason := strings.TrimSpace(r.Email) != "", strings.TrimSpace(r.NotNotified) != ""
		switch {
		case hasMail && hasReason:
			bad(at("email"), "give an email or not_notified, not both")
		case !hasMail && !hasReason:
			bad(at("email"), "give the address Art. 19 notices go to, or not_notified with the reason (impossible or disproportionate effort)")
		case hasMail && !validEmail(r.Email):
			bad(at("email"), "%q is not an e-mail address", r.Email)
		}
		if r.Language != "" && r.Language != "da" && r.Language != "sv" && r.Language != "en" {
			bad(at("language"), "language is da, sv or en, not %q", r.Language)
		}
	}
	for i, s := range systems {
		for j, d := range s.Datasets {
			for _, name := range d.Recipients {
				if !known[name] {
					bad(fmt.Sprintf("systems.%d.datasets.%d.recipients", i, j),
						"recipient %q is not under recipients: say how it is told of an erasure, rectification or restriction (Art. 19)", name)
				}
			}
		}
	}
	return errs
}
