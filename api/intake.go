package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/identifiers"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// IntakeBody is POST /v1/requests.
type IntakeBody struct {
	Controller     string              `json:"controller"`
	Kind           string              `json:"kind,omitempty"`
	Kinds          []string            `json:"kinds,omitempty"`
	Channel        string              `json:"channel,omitempty"`
	ReceivedAt     string              `json:"received_at,omitempty"`
	Language       string              `json:"language,omitempty"`
	Subject        SubjectBody         `json:"subject"`
	Identity       *IdentityBody       `json:"identity,omitempty"`
	Representative *RepresentativeBody `json:"representative,omitempty"`
	Details        *DetailsBody        `json:"details,omitempty"`
}

// SubjectBody is who the request is about.
type SubjectBody struct {
	Name         string `json:"name"`
	Email        string `json:"email,omitempty"`
	Phone        string `json:"phone,omitempty"`
	CPR          string `json:"cpr,omitempty"`
	Personnummer string `json:"personnummer,omitempty"`
	Address      string `json:"address,omitempty"`
}

// IdentityBody is how identity was verified at intake.
type IdentityBody struct {
	Method string `json:"method"`
}

// RepresentativeBody acts for the subject.
type RepresentativeBody struct {
	Name           string `json:"name"`
	Email          string `json:"email,omitempty"`
	Relationship   string `json:"relationship"`
	MandateChecked bool   `json:"mandate_checked"`
}

// DetailsBody is what the request asks, by right.
type DetailsBody struct {
	Description string           `json:"description,omitempty"`
	Scope       string           `json:"scope,omitempty"`
	Corrections []CorrectionBody `json:"corrections,omitempty"`
	Purposes    []string         `json:"purposes,omitempty"`
	Consents    []string         `json:"consents,omitempty"`
}

// CorrectionBody is one rectification asked for.
type CorrectionBody struct {
	Data    string `json:"data"`
	Correct string `json:"correct"`
}

// Channels a request can arrive by (LEGAL.md §1).
var Channels = []string{"web", "email", "letter", "phone", "in_person", "digital_post", "api"}

var relationships = []string{"guardian", "lawyer", "power_of_attorney", "other"}

const maxText = 10000

// maxDetailItems bounds the corrections, purposes and consents of a request.
const maxDetailItems = 100

// intakeInput is a validated intake with what the response needs.
type intakeInput struct {
	intake.Intake
	policy   controllers.Policy
	warnings []FieldError
}

// validateIntake checks everything before anything is written.
func (s *Server) validateIntake(c echo.Context, b IntakeBody, p *Principal) (intakeInput, error) {
	var errs fieldErrors
	ctrl, err := s.controller(c, b.Controller)
	if err != nil {
		return intakeInput{}, err
	}
	if ctrl == nil || (p != nil && !p.Can(b.Controller)) {
		errs.add("/controller", "unknown controller %q", b.Controller)
		return intakeInput{}, errs.problem()
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
func checkIntake(b IntakeBody, policy controllers.Policy, p *Principal, today time.Time) (intakeInput, error) {
	var errs fieldErrors
	var in intakeInput
	in.policy = policy
	in.ControllerID = b.Controller

	kinds := b.Kinds
	switch {
	case b.Kind != "" && len(b.Kinds) > 0:
		errs.add("/kinds", "give kind or kinds, not both")
	case b.Kind != "":
		kinds = []string{b.Kind}
	case len(b.Kinds) == 0:
		errs.add("/kind", "required: the right invoked (%s), or kinds for several", kindList())
	}
	if len(kinds) > len(rights.Kinds) {
		errs.add("/kinds", "at most %d rights, each once", len(rights.Kinds))
		kinds = nil
	}
	seen := map[string]bool{}
	for i, k := range kinds {
		ptr := "/kind"
		if len(b.Kinds) > 0 {
			ptr = fmt.Sprintf("/kinds/%d", i)
		}
		if !rights.Kind(k).Valid() {
			errs.add(ptr, "unknown right %q (%s)", k, kindList())
		} else if seen[k] {
			errs.add(ptr, "%q is given twice", k)
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
			errs.add("/channel", "public intake arrives by web; staff register other channels")
		case !slices.Contains(Channels, b.Channel):
			errs.add("/channel", "unknown channel %q (%s)", b.Channel, strings.Join(Channels, ", "))
		default:
			in.Channel = b.Channel
		}
	}
	in.ReceivedOn = today
	if b.ReceivedAt != "" {
		d, err := deadline.ParseDate(b.ReceivedAt)
		switch {
		case !staff:
			errs.add("/received_at", "only staff set the date of receipt; a web request is received today")
		case err != nil:
			errs.add("/received_at", "%q is not a real date (YYYY-MM-DD)", b.ReceivedAt)
		case d.After(today):
			errs.add("/received_at", "the date of receipt cannot be in the future (today is %s)", dateOf(today))
		default:
			in.ReceivedOn = d
		}
	}
	in.Language = policy.Language
	if b.Language != "" {
		if !slices.Contains([]string{"da", "sv", "en"}, b.Language) {
			errs.add("/language", "language must be da, sv or en")
		} else {
			in.Language = b.Language
		}
	}

	// Personal data is stored exactly as given, or refused: never trimmed
	// or otherwise altered behind the sender's back.
	subj := intake.Subject{Name: b.Subject.Name, Phone: b.Subject.Phone, Address: b.Subject.Address}
	checkName(&errs, "/subject/name", subj.Name, true)
	asGiven(&errs, "/subject/phone", subj.Phone)
	asGiven(&errs, "/subject/address", subj.Address)
	asGiven(&errs, "/subject/email", b.Subject.Email)
	if e := b.Subject.Email; e != "" && e == strings.TrimSpace(e) {
		if addr, err := mail.ParseAddress(e); err != nil || addr.Address != e || !strings.Contains(e[strings.LastIndex(e, "@"):], ".") {
			errs.add("/subject/email", "not an e-mail address")
		} else {
			subj.Email = e
		}
	}
	if subj.Phone != "" && len(intake.NormalizePhone(subj.Phone)) < 6 {
		errs.add("/subject/phone", "not a phone number")
	}
	if len(subj.Address) > 1000 {
		errs.add("/subject/address", "at most 1000 characters")
	}
	if subj.Email == "" && subj.Address == "" && subj.Phone == "" && b.Subject.Email == "" {
		errs.add("/subject", "give an e-mail address, a postal address or a phone number to answer to")
	}
	switch {
	case b.Subject.CPR != "" && b.Subject.Personnummer != "":
		errs.add("/subject/personnummer", "give a CPR number or a personnummer, not both")
	case b.Subject.CPR != "":
		id, err := identifiers.ParseCPR(b.Subject.CPR, today)
		if err != nil {
			errs.add("/subject/cpr", "%s", strings.TrimPrefix(err.Error(), "CPR number: "))
		} else {
			subj.NationalID, subj.NationalIDKind, subj.NationalIDWarns = id.Normalized, id.Kind, id.Warning
			if id.Warning != "" {
				in.warnings = append(in.warnings, FieldError{Pointer: "/subject/cpr", Detail: id.Warning})
			}
		}
	case b.Subject.Personnummer != "":
		id, err := identifiers.ParsePersonnummer(b.Subject.Personnummer, today)
		if err != nil {
			errs.add("/subject/personnummer", "%s", err.Error())
		} else {
			subj.NationalID, subj.NationalIDKind = id.Normalized, id.Kind
		}
	}
	if r := b.Representative; r != nil {
		rep := intake.Representative{Name: r.Name, Email: r.Email, Relationship: r.Relationship, MandateChecked: r.MandateChecked}
		checkName(&errs, "/representative/name", rep.Name, true)
		asGiven(&errs, "/representative/email", rep.Email)
		if !slices.Contains(relationships, r.Relationship) {
			errs.add("/representative/relationship", "must be one of %s", strings.Join(relationships, ", "))
		}
		if rep.Email != "" {
			if _, err := mail.ParseAddress(rep.Email); err != nil {
				errs.add("/representative/email", "not an e-mail address")
			}
		}
		if rep.MandateChecked {
			if !staff {
				errs.add("/representative/mandate_checked", "only staff can record that the mandate was checked")
			} else {
				rep.MandateBy = p.Actor
			}
		}
		subj.Representative = &rep
	}
	in.Subject = subj

	if id := b.Identity; id != nil {
		switch {
		case !staff:
			errs.add("/identity", "public intake cannot claim a verified identity; a portal that verified it (MitID, BankID) registers with its API token")
		case !slices.Contains(workflows.IdentityMethods, workflows.IdentityMethod(id.Method)):
			errs.add("/identity/method", "must be one of %v", workflows.IdentityMethods)
		default:
			in.IdentityMethod, in.IdentityBy = id.Method, p.Actor
		}
	}
	if d := b.Details; d != nil {
		validateDetails(&errs, d, kinds)
		raw, _ := json.Marshal(d)
		in.Details = raw
	} else {
		validateDetails(&errs, &DetailsBody{}, kinds)
	}
	return in, errs.problem()
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
func checkName(errs *fieldErrors, pointer, name string, required bool) {
	switch {
	case name == "":
		if required {
			errs.add(pointer, "required")
		}
		return
	case len(name) > maxNameLength:
		errs.add(pointer, "at most %d characters", maxNameLength)
		return
	case strings.TrimSpace(name) == "":
		errs.add(pointer, "required")
		return
	}
	asGiven(errs, pointer, name)
	i := 0
	for _, r := range name {
		i++
		if what := hiddenCharacter(r); what != "" {
			*errs = append(*errs, FieldError{Pointer: pointer, code: "characters",
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
func asGiven(errs *fieldErrors, pointer, v string) {
	if v != strings.TrimSpace(v) {
		errs.add(pointer, "remove the spaces before or after the value: it is stored exactly as given")
	}
}

func validateDetails(errs *fieldErrors, d *DetailsBody, kinds []string) {
	if len(d.Description) > maxText {
		errs.add("/details/description", "at most %d characters", maxText)
	}
	if len(d.Scope) > maxText {
		errs.add("/details/scope", "at most %d characters", maxText)
	}
	if len(d.Corrections) > maxDetailItems || len(d.Purposes) > maxDetailItems || len(d.Consents) > maxDetailItems {
		errs.add("/details", "at most %d corrections, purposes or consents", maxDetailItems)
		return
	}
	for i, c := range d.Corrections {
		if strings.TrimSpace(c.Data) == "" || strings.TrimSpace(c.Correct) == "" {
			errs.add(fmt.Sprintf("/details/corrections/%d", i), "say which data is wrong (data) and what is correct (correct)")
		} else if len(c.Data) > 1000 || len(c.Correct) > 1000 {
			errs.add(fmt.Sprintf("/details/corrections/%d", i), "at most 1000 characters each")
		}
	}
	for _, list := range []struct {
		name  string
		items []string
	}{{"purposes", d.Purposes}, {"consents", d.Consents}} {
		for i, item := range list.items {
			if strings.TrimSpace(item) == "" || len(item) > 1000 {
				errs.add(fmt.Sprintf("/details/%s/%d", list.name, i), "must be non-empty text of at most 1000 characters")
			}
		}
	}
	hasText := strings.TrimSpace(d.Description) != ""
	for _, k := range kinds {
		switch rights.Kind(k) {
		case rights.KindRectification:
			if len(d.Corrections) == 0 && !hasText {
				errs.add("/details/corrections", "a rectification says what is wrong: corrections, or a description")
			}
		case rights.KindObjection:
			if len(d.Purposes) == 0 && !hasText {
				errs.add("/details/purposes", "an objection names the processing objected to: purposes, or a description")
			}
		case rights.KindConsentWithdrawal:
			if len(d.Consents) == 0 && !hasText {
				errs.add("/details/consents", "a consent withdrawal names the consents: consents, or a description")
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

// RequestCreated is the answer to an intake: one per right.
type RequestCreated struct {
	ID             string  `json:"id"`
	Reference      string  `json:"reference"`
	Kind           string  `json:"kind"`
	Stage          string  `json:"stage"`
	ReceivedAt     string  `json:"received_at"`
	DueAt          string  `json:"due_at"`
	StatutoryDueAt string  `json:"statutory_due_at"`
	GroupID        *string `json:"group_id,omitempty"`
	StatusURL      string  `json:"status_url,omitempty"`
}

// IntakeResponse answers POST /v1/requests.
type IntakeResponse struct {
	RequestCreated
	// Requests lists every request of a letter that invoked several rights.
	Requests []RequestCreated `json:"requests,omitempty"`
	Warnings []FieldError     `json:"warnings,omitempty"`
}

func (s *Server) createRequest(c echo.Context) error {
	var b IntakeBody
	if err := decode(c, &b); err != nil {
		return err
	}
	p := principal(c)
	if p != nil && !p.Has(config.RoleCaseworker, config.RoleAdmin) {
		return NewProblem(http.StatusForbidden, "forbidden", "registering a request needs the role caseworker or admin")
	}
	key := c.Request().Header.Get("Idempotency-Key")
	if len(key) > 200 {
		return NewProblem(http.StatusBadRequest, "malformed", "the Idempotency-Key is at most 200 characters")
	}
	out, replayed, err := s.register(c, b, p, key)
	if err != nil {
		return err
	}
	if replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	return c.JSON(http.StatusCreated, out)
}

// register validates an intake, writes its rows once and starts its
// workflows: the API's intake and the web form's. It reports whether the
// answer replays an earlier one (same Idempotency-Key).
func (s *Server) register(c echo.Context, b IntakeBody, p *Principal, key string) (IntakeResponse, bool, error) {
	in, err := s.validateIntake(c, b, p)
	if err != nil {
		return IntakeResponse{}, false, err
	}
	in.IdempotencyKey = key
	if in.IdentityMethod == string(workflows.IdentityKnownEmail) {
		// A known address is checked against what the controller holds.
		if err := s.checkKnownEmail(c.Request().Context(), in.ControllerID, in.Subject, nil, "intake/"+uuid.NewString()); err != nil {
			return IntakeResponse{}, false, err
		}
	}
	cal := deadline.MustCalendar(deadline.Country(in.policy.Country))
	in.DueOn, in.StatutoryDueOn = deadline.Due(in.ReceivedOn), deadline.StatutoryDue(in.ReceivedOn, cal)
	res, err := s.intake.Register(c.Request().Context(), in.Intake)
	if errors.Is(err, intake.ErrIdempotencyMismatch) {
		return IntakeResponse{}, false, NewProblem(http.StatusConflict, "idempotency-key-reused", "this Idempotency-Key was used for a request with other rights")
	}
	if err != nil {
		return IntakeResponse{}, false, s.storeError(err)
	}
	if !res.Replayed {
		// The rows are written: the request is received, whatever happens
		// next. A workflow that fails to start here is started by the sweeper.
		for _, r := range res.Requests {
			if err := s.start(c.Request().Context(), r, in.policy); err != nil {
				s.log.Warn("workflow start failed; the sweeper will start it", "request_id", r.ID, "error", err)
			}
		}
	}
	out := IntakeResponse{}
	if p != nil {
		// The modulus-11 warning is for staff; a citizen's number is valid.
		out.Warnings = in.warnings
	}
	for _, r := range res.Requests {
		rc := RequestCreated{
			ID: r.ID.String(), Reference: r.Reference, Kind: r.Kind, Stage: string(workflows.StageReceived),
			ReceivedAt: dateOf(r.ReceivedOn), DueAt: dateOf(deadline.Due(r.ReceivedOn)), StatutoryDueAt: dateOf(deadline.StatutoryDue(r.ReceivedOn, cal)),
		}
		if r.GroupID != nil {
			g := r.GroupID.String()
			rc.GroupID = &g
		}
		if res.StatusToken != "" {
			// The subject's status page; the same token opens /v1/status/{token}.
			rc.StatusURL = strings.TrimRight(s.cfg.PublicURL, "/") + "/status/" + res.StatusToken
		}
		out.Requests = append(out.Requests, rc)
	}
	out.RequestCreated = out.Requests[0]
	if len(out.Requests) == 1 {
		out.Requests = nil
	}
	return out, res.Replayed, nil
}

// controller reads a controller's row; nil when there is none.
func (s *Server) controller(c echo.Context, id string) (*store.Controller, error) {
	if id == "" {
		return nil, nil
	}
	var row store.Controller
	err := s.store.DB.WithContext(c.Request().Context()).Limit(1).Find(&row, "id = ?", id).Error
	if err != nil {
		return nil, s.storeError(err)
	}
	if row.ID == "" {
		return nil, nil
	}
	return &row, nil
}
