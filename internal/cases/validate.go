package cases

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/identifiers"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// Intake is a request as it arrives: POST /v1/requests, the citizen's
// form, the staff's registration.
type Intake struct {
	Controller     string          `json:"controller"`
	Kind           string          `json:"kind,omitempty"`
	Kinds          []string        `json:"kinds,omitempty"`
	Channel        string          `json:"channel,omitempty"`
	ReceivedAt     string          `json:"received_at,omitempty"`
	Language       string          `json:"language,omitempty"`
	Subject        IntakeSubject   `json:"subject"`
	Identity       *IntakeIdentity `json:"identity,omitempty"`
	Representative *Representative `json:"representative,omitempty"`
	Details        *Details        `json:"details,omitempty"`
}

// IntakeSubject is who the request is about.
type IntakeSubject struct {
	Name         string `json:"name"`
	Email        string `json:"email,omitempty"`
	Phone        string `json:"phone,omitempty"`
	CPR          string `json:"cpr,omitempty"`
	Personnummer string `json:"personnummer,omitempty"`
	Address      string `json:"address,omitempty"`
}

// IntakeIdentity is how identity was verified at intake.
type IntakeIdentity struct {
	Method string `json:"method"`
}

// Representative acts for the subject.
type Representative struct {
	Name           string `json:"name"`
	Email          string `json:"email,omitempty"`
	Relationship   string `json:"relationship"`
	MandateChecked bool   `json:"mandate_checked"`
}

// Details is what the request asks, by right.
type Details struct {
	Description string       `json:"description,omitempty"`
	Scope       string       `json:"scope,omitempty"`
	Corrections []Correction `json:"corrections,omitempty"`
	Purposes    []string     `json:"purposes,omitempty"`
	Consents    []string     `json:"consents,omitempty"`
}

// Correction is one rectification asked for.
type Correction struct {
	Data    string `json:"data"`
	Correct string `json:"correct"`
}

// Channels a request can arrive by (LEGAL.md §1).
var Channels = []string{"web", "email", "letter", "phone", "in_person", "digital_post", "api"}

var relationships = []string{"guardian", "lawyer", "power_of_attorney", "other"}

// maxDetailItems bounds the corrections, purposes and consents of a request.
const maxDetailItems = 100

// intakeInput is a validated intake with what the response needs.
type intakeInput struct {
	intake.Intake
	policy   controllers.Policy
	warnings []FieldError
}

// validateIntake checks everything before anything is written.
func (s *Service) validateIntake(ctx context.Context, b Intake, p *Principal) (intakeInput, error) {
	var errs FieldErrors
	ctrl, err := s.store.ControllerByID(ctx, b.Controller)
	if err != nil {
		return intakeInput{}, s.storeError(err)
	}
	if ctrl == nil || (p != nil && !p.Can(b.Controller)) {
		errs.Add("/controller", "unknown controller %q", b.Controller)
		return intakeInput{}, errs.Err()
	}
	policy, err := controllers.PolicyOf(*ctrl)
	if err != nil {
		return intakeInput{}, err
	}
	loc, err := deadline.LoadLocation(policy.TimeZone)
	if err != nil {
		return intakeInput{}, err
	}
	return checkIntake(b, policy, p, deadline.Today(s.now(), loc))
}

// checkIntake is the validation of an intake for a known controller, as of
// today in its time zone: no I/O.
func checkIntake(b Intake, policy controllers.Policy, p *Principal, today time.Time) (intakeInput, error) {
	var errs FieldErrors
	var in intakeInput
	in.policy = policy
	in.ControllerID = b.Controller

	kinds := b.Kinds
	switch {
	case b.Kind != "" && len(b.Kinds) > 0:
		errs.Add("/kinds", "give kind or kinds, not both")
	case b.Kind != "":
		kinds = []string{b.Kind}
	case len(b.Kinds) == 0:
		errs.Add("/kind", "required: the right invoked (%s), or kinds for several", kindList())
	}
	if len(kinds) > len(rights.Kinds) {
		errs.Add("/kinds", "at most %d rights, each once", len(rights.Kinds))
		kinds = nil
	}
	seen := map[string]bool{}
	for i, k := range kinds {
		ptr := "/kind"
		if len(b.Kinds) > 0 {
			ptr = fmt.Sprintf("/kinds/%d", i)
		}
		if !rights.Kind(k).Valid() {
			errs.Add(ptr, "unknown right %q (%s)", k, kindList())
		} else if seen[k] {
			errs.Add(ptr, "%q is given twice", k)
		}
		seen[k] = true
	}
	in.Kinds = kinds

	staff := p != nil
	in.Channel = "web"
	in.RegisteredBy = string(workflows.ActorSubject)
	if staff {
		in.RegisteredBy = p.Actor
		in.Channel = "api"
	}
	if b.Channel != "" {
		switch {
		case !staff && b.Channel != "web":
			errs.Add("/channel", "public intake arrives by web; staff register other channels")
		case !slices.Contains(Channels, b.Channel):
			errs.Add("/channel", "unknown channel %q (%s)", b.Channel, strings.Join(Channels, ", "))
		default:
			in.Channel = b.Channel
		}
	}
	in.ReceivedOn = today
	if b.ReceivedAt != "" {
		d, err := deadline.ParseDate(b.ReceivedAt)
		switch {
		case !staff:
			errs.Add("/received_at", "only staff set the date of receipt; a web request is received today")
		case err != nil:
			errs.Add("/received_at", "%q is not a real date (YYYY-MM-DD)", b.ReceivedAt)
		case d.After(today):
			errs.Add("/received_at", "the date of receipt cannot be in the future (today is %s)", today.Format(time.DateOnly))
		default:
			in.ReceivedOn = d
		}
	}
	in.Language = policy.Language
	if b.Language != "" {
		if !slices.Contains([]string{"da", "sv", "en"}, b.Language) {
			errs.Add("/language", "language must be da, sv or en")
		} else {
			in.Language = b.Language
		}
	}

	in.Subject = checkSubject(&errs, &in, b, p, today)

	if id := b.Identity; id != nil {
		switch {
		case !staff:
			errs.Add("/identity", "public intake cannot claim a verified identity; a portal that verified it (MitID, BankID) registers with its API token")
		case !slices.Contains(workflows.IdentityMethods, workflows.IdentityMethod(id.Method)):
			errs.Add("/identity/method", "must be one of %v", workflows.IdentityMethods)
		default:
			in.IdentityMethod, in.IdentityBy = id.Method, p.Actor
		}
	}
	if d := b.Details; d != nil {
		validateDetails(&errs, d, kinds)
		raw, _ := json.Marshal(d)
		in.Details = raw
	} else {
		validateDetails(&errs, &Details{}, kinds)
	}
	return in, errs.Err()
}

// checkSubject is the validation of whom an intake is about, and of who
// acts for them. Personal data is stored exactly as given, or refused:
// never trimmed or otherwise altered behind the sender's back.
func checkSubject(errs *FieldErrors, in *intakeInput, b Intake, p *Principal, today time.Time) intake.Subject {
	staff := p != nil
	subj := intake.Subject{Name: b.Subject.Name, Phone: b.Subject.Phone, Address: b.Subject.Address}
	checkName(errs, "/subject/name", subj.Name, true)
	asGiven(errs, "/subject/phone", subj.Phone)
	asGiven(errs, "/subject/address", subj.Address)
	asGiven(errs, "/subject/email", b.Subject.Email)
	if e := b.Subject.Email; e != "" && e == strings.TrimSpace(e) {
		if addr, err := mail.ParseAddress(e); err != nil || addr.Address != e || !strings.Contains(e[strings.LastIndex(e, "@"):], ".") {
			errs.Add("/subject/email", "not an e-mail address")
		} else {
			subj.Email = e
		}
	}
	if subj.Phone != "" && len(intake.NormalizePhone(subj.Phone)) < 6 {
		errs.Add("/subject/phone", "not a phone number")
	}
	if len(subj.Address) > 1000 {
		errs.Add("/subject/address", "at most 1000 characters")
	}
	if subj.Email == "" && subj.Address == "" && subj.Phone == "" && b.Subject.Email == "" {
		errs.Add("/subject", "give an e-mail address, a postal address or a phone number to answer to")
	}
	switch {
	case b.Subject.CPR != "" && b.Subject.Personnummer != "":
		errs.Add("/subject/personnummer", "give a CPR number or a personnummer, not both")
	case b.Subject.CPR != "":
		id, err := identifiers.ParseCPR(b.Subject.CPR, today)
		if err != nil {
			errs.Add("/subject/cpr", "%s", strings.TrimPrefix(err.Error(), "CPR number: "))
		} else {
			subj.NationalID, subj.NationalIDKind, subj.NationalIDWarns = id.Normalized, id.Kind, id.Warning
			if id.Warning != "" {
				in.warnings = append(in.warnings, FieldError{Pointer: "/subject/cpr", Detail: id.Warning})
			}
		}
	case b.Subject.Personnummer != "":
		id, err := identifiers.ParsePersonnummer(b.Subject.Personnummer, today)
		if err != nil {
			errs.Add("/subject/personnummer", "%s", err.Error())
		} else {
			subj.NationalID, subj.NationalIDKind = id.Normalized, id.Kind
		}
	}
	if r := b.Representative; r != nil {
		rep := intake.Representative{Name: r.Name, Email: r.Email, Relationship: r.Relationship, MandateChecked: r.MandateChecked}
		checkName(errs, "/representative/name", rep.Name, true)
		asGiven(errs, "/representative/email", rep.Email)
		if !slices.Contains(relationships, r.Relationship) {
			errs.Add("/representative/relationship", "must be one of %s", strings.Join(relationships, ", "))
		}
		if rep.Email != "" {
			if _, err := mail.ParseAddress(rep.Email); err != nil {
				errs.Add("/representative/email", "not an e-mail address")
			}
		}
		if rep.MandateChecked {
			if !staff {
				errs.Add("/representative/mandate_checked", "only staff can record that the mandate was checked")
			} else {
				rep.MandateBy = p.Actor
			}
		}
		subj.Representative = &rep
	}
	return subj
}

// maxNameLength bounds a name.
const maxNameLength = 300

// checkName accepts a name as given or refuses it: no spaces around it to
// trim, and no character that cannot be seen or that changes how the rest
// reads: controls (Cc), format characters (Cf: zero-width spaces and
// joiners, soft hyphens, byte order marks, the bidirectional controls that
// can make a name read as another), private use (Co), unassigned code
// points, line and paragraph separators (Zl, Zp), spaces other than the
// plain space (the no-break and ideographic spaces look like it and compare
// unlike it), and the other default-ignorable characters (variation
// selectors, the combining grapheme joiner, Hangul fillers). The problem
// names the first such character by its code point, never the name.
func checkName(errs *FieldErrors, pointer, name string, required bool) {
	switch {
	case name == "":
		if required {
			errs.Add(pointer, "required")
		}
		return
	case len(name) > maxNameLength:
		errs.Add(pointer, "at most %d characters", maxNameLength)
		return
	case strings.TrimSpace(name) == "":
		errs.Add(pointer, "required")
		return
	}
	asGiven(errs, pointer, name)
	i := 0
	for _, r := range name {
		i++
		if what := hiddenCharacter(r); what != "" {
			*errs = append(*errs, FieldError{Pointer: pointer, Code: "characters",
				Detail: fmt.Sprintf("a name may not hold %s (U+%04X, character %d): write it with letters, marks, punctuation and plain spaces", what, r, i)})
			return
		}
	}
}

// hiddenCharacter says what kind of character r is when a name may not
// hold it, else "".
func hiddenCharacter(r rune) string {
	switch {
	case r == ' ':
		return ""
	case (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f || r == 0x061c:
		return "a bidirectional control character"
	case unicode.Is(unicode.Cc, r):
		return "a control character"
	case unicode.Is(unicode.Cf, r):
		return "an invisible format character"
	case unicode.Is(unicode.Co, r):
		return "a private-use character"
	case unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r):
		return "a line or paragraph separator"
	case unicode.Is(unicode.Zs, r):
		return "a space other than the plain space"
	case unicode.Is(unicode.Variation_Selector, r), unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r):
		return "an invisible character"
	case !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S):
		return "an unassigned character"
	}
	return ""
}

// asGiven refuses a value with spaces before or after it rather than
// trimming them.
func asGiven(errs *FieldErrors, pointer, v string) {
	if v != strings.TrimSpace(v) {
		errs.Add(pointer, "remove the spaces before or after the value: it is stored exactly as given")
	}
}

func validateDetails(errs *FieldErrors, d *Details, kinds []string) {
	if len(d.Description) > MaxText {
		errs.Add("/details/description", "at most %d characters", MaxText)
	}
	if len(d.Scope) > MaxText {
		errs.Add("/details/scope", "at most %d characters", MaxText)
	}
	if len(d.Corrections) > maxDetailItems || len(d.Purposes) > maxDetailItems || len(d.Consents) > maxDetailItems {
		errs.Add("/details", "at most %d corrections, purposes or consents", maxDetailItems)
		return
	}
	for i, c := range d.Corrections {
		if strings.TrimSpace(c.Data) == "" || strings.TrimSpace(c.Correct) == "" {
			errs.Add(fmt.Sprintf("/details/corrections/%d", i), "say which data is wrong (data) and what is correct (correct)")
		} else if len(c.Data) > 1000 || len(c.Correct) > 1000 {
			errs.Add(fmt.Sprintf("/details/corrections/%d", i), "at most 1000 characters each")
		}
	}
	for _, list := range []struct {
		name  string
		items []string
	}{{"purposes", d.Purposes}, {"consents", d.Consents}} {
		for i, item := range list.items {
			if strings.TrimSpace(item) == "" || len(item) > 1000 {
				errs.Add(fmt.Sprintf("/details/%s/%d", list.name, i), "must be non-empty text of at most 1000 characters")
			}
		}
	}
	hasText := strings.TrimSpace(d.Description) != ""
	for _, k := range kinds {
		switch rights.Kind(k) {
		case rights.KindRectification:
			if len(d.Corrections) == 0 && !hasText {
				errs.Add("/details/corrections", "a rectification says what is wrong: corrections, or a description")
			}
		case rights.KindObjection:
			if len(d.Purposes) == 0 && !hasText {
				errs.Add("/details/purposes", "an objection names the processing objected to: purposes, or a description")
			}
		case rights.KindConsentWithdrawal:
			if len(d.Consents) == 0 && !hasText {
				errs.Add("/details/consents", "a consent withdrawal names the consents: consents, or a description")
			}
		}
	}
}

func kindList() string {
	names := make([]string, len(rights.Kinds))
	for i, k := range rights.Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// CheckIntake is the validation Register makes of an intake for a
// controller's policy, as of today in its time zone, before anything is
// written: no I/O (the intake fuzzer feeds it).
func CheckIntake(b Intake, policy controllers.Policy, p *Principal, today time.Time) (intake.Intake, error) {
	in, err := checkIntake(b, policy, p, today)
	return in.Intake, err
}
