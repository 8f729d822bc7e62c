package web

import (
	"fmt"
	"math"
	"time"
)

// The staff pages' data: the caseworker's inbox, request list, case view,
// register and search forms, and the DPO's dashboard.

// StaffNav is the header of a signed-in staff page.
type StaffNav struct {
	Name            string
	DPO, Caseworker bool
	CSRF            string
}

// Login is the staff login page.
type Login struct {
	Page
	Next string
	// OIDC is set when an identity provider is configured.
	OIDC  bool
	Dev   []DevUser
	CSRF  string
	Error string
}

// DevUser is a one-click login of rightsdesk dev.
type DevUser struct{ Name, Role string }

// ProblemPage says why a page cannot be shown, in the visitor's words.
type ProblemPage struct {
	Page
	Status  int
	Message string
	// Back is the page to go back to; empty means the inbox, or the front
	// page when Public.
	Back string
	// Public is set on the pages of the public (no staff navigation).
	Public bool
	// Reference is the request ID an internal error is logged under, for
	// the visitor to quote.
	Reference string
}

// Person is a member of staff, for assignment.
type Person struct{ ID, Name string }

// Inbox is the caseworker's task list.
type Inbox struct {
	Page
	CSRF, Key string
	// Scope, Kind and Right are the filters, kept in the URL.
	Scope, Kind, Right string
	Tasks              []InboxTask
	Staff              []Person
	Kinds, Rights      []string
	Error              string
	// NextQuery is the query of the next page (filters and cursor); empty
	// on the last page.
	NextQuery string
}

// InboxTask is one open task.
type InboxTask struct {
	ID, Kind, RequestID, Reference, Controller, Right string
	Assignee                                          string
	Mine                                              bool
	DueOn                                             *time.Time
	DaysLeft                                          *int
	// Urgency is overdue, soon (under a quarter of the time left) or fine.
	Urgency string
}

// Urgency grades the days left of a period: overdue, soon when under a
// quarter of it is left, else fine.
func Urgency(daysLeft, periodDays int) string {
	switch {
	case daysLeft < 0:
		return "overdue"
	case daysLeft*4 < periodDays:
		return "soon"
	}
	return "fine"
}

// RequestsPage is the request list with the API's filters.
type RequestsPage struct {
	Page
	Filters       map[string]string
	Items         []RequestRow
	NextQuery     string
	CSVQuery      string
	Stages, Kinds []string
	Error         string
	Invalid       map[string]bool
}

// RequestRow is one request in a list.
type RequestRow struct {
	ID, Reference, Controller, Right, Stage, Outcome, Channel, Assignee string
	ReceivedOn                                                          time.Time
	DueOn                                                               *time.Time
	DaysLeft                                                            *int
	Urgency                                                             string
	Paused, Breached, Late, Attention                                   bool
}

// CasePage is one request: its stage, deadlines, person, tasks, steps,
// letters, timeline, and a form for every action.
type CasePage struct {
	Page
	CSRF, Key                                                  string
	ID, Reference, Controller, Right, Channel, Stage, Outcome  string
	Assignee, Attention, Identity                              string
	ReceivedOn, DueOn, StatutoryOn, RefusalOn                  time.Time
	ExtendedOn                                                 *time.Time
	Paused, Breached, Late, Open, Live                         bool
	PausedDays                                                 int
	DaysLeft                                                   *int
	Urgency                                                    string
	Subject                                                    []Field
	Description                                                string
	Decision                                                   *CaseDecision
	Extension                                                  string
	Tasks                                                      []CaseTask
	Fulfilment                                                 []FulfilmentRow
	Letters                                                    []CaseLetter
	Timeline                                                   []TimelineRow
	Grounds, Outcomes, Methods, Purposes, Reasons, LetterKinds []string
	Staff                                                      []Person
	DPO, Caseworker                                            bool
	// Form is the form a refusal concerns, Field its field, Error why;
	// Values are what was entered.
	Form, Field, Error string
	Values             map[string]string
	// Done names the action just taken, for the confirmation.
	Done string
	// Matches are what the person's identifiers matched, while identity
	// is being verified.
	Matches *IdentifierMatches
	// What the person gave beyond the description, what they were asked
	// and answered, and the caseworkers' notes.
	Details        *CaseDetails
	Representative []Field
	Pauses         []CasePause
	Notes          []CaseNote
}

// CaseDetails is what the request asks, by right, as the intake took it.
type CaseDetails struct {
	Scope       string
	Corrections []Correction
	Purposes    []string
	Consents    []string
}

// Correction is one rectification the person asked for.
type Correction struct{ Data, Correct string }

// CasePause is one request for information: the question and the answer.
type CasePause struct {
	Purpose, What, Answer string
	PausedAt              time.Time
	ResumedAt             *time.Time
}

// CaseNote is a caseworker's note; Text is nil once erased.
type CaseNote struct {
	Number int
	At     time.Time
	Author string
	Text   *string
}

// Field is a labelled value.
type Field struct{ Label, Value string }

// CaseDecision is the decision taken.
type CaseDecision struct {
	Outcome, Assessment, Justification, By string
	Grounds                                []string
	At                                     time.Time
}

// CaseTask is one task of a request.
type CaseTask struct {
	ID, Kind, Status, Assignee string
	DueOn                      *time.Time
	Mine, Open                 bool
	// System and Instructions say where and how a task in a system is
	// done; Found is what the caseworker recorded on completing it.
	System, Instructions, Found string
	CompletedBy                 string
	CompletedAt                 *time.Time
}

// FulfilmentRow is one automated step's result.
type FulfilmentRow struct {
	System, Dataset, Step string
	Rows, Held            int64
}

// CaseLetter is one letter of a request.
type CaseLetter struct {
	ID, Kind, Audience, Channel, Status, Language string
	SentAt                                        *time.Time
	PDF                                           bool
}

// TimelineRow is one event of the audit log, its data written as facts.
type TimelineRow struct {
	At            time.Time
	Actor, Action string
	Facts         []Field
}

// RegisterPage registers a request received by letter, phone, e-mail or
// in person.
type RegisterPage struct {
	Page
	CSRF, Key   string
	Controllers []Person
	Kinds       []string
	Channels    []string
	Values      map[string]string
	Errors      []FormError
	Invalid     map[string]bool
}

// SearchPage finds every request of a person by an identifier.
type SearchPage struct {
	Page
	CSRF     string
	Values   map[string]string
	Errors   []FormError
	Invalid  map[string]bool
	Results  []RequestRow
	Searched bool
}

// AccessLogPage is who read a request's personal data.
type AccessLogPage struct {
	Page
	ID, Reference string
	Items         []AccessRow
}

// AccessRow is one reading.
type AccessRow struct {
	At          time.Time
	Actor, What string
	// Factor is what allowed a package download.
	Factor string
}

// Dashboard is the DPO's figures for a period.
type Dashboard struct {
	Page
	From, To string
	Error    string
	Total    []Field
	Charts   []Chart
}

// Chart is a bar chart drawn as SVG on the server, with its data as a
// table beside it.
type Chart struct {
	ID, Title     string
	Label, Column string
	Bars          []Bar
	Height        int
	Empty         bool
}

// Bar is one bar of a chart, with its geometry.
type Bar struct {
	Label, Text string
	Value       float64
	Y, W        float64
}

// chart geometry: bars start after the label column and are 24 high.
const (
	barSpace  = 260.0
	barHeight = 28
)

// NewChart lays out a chart of values; text formats each value.
func NewChart(id, title, label, column string, labels []string, values []float64, text func(float64) string) Chart {
	c := Chart{ID: id, Title: title, Label: label, Column: column, Height: max(1, len(labels)) * barHeight, Empty: len(labels) == 0}
	top := 0.0
	for _, v := range values {
		top = math.Max(top, v)
	}
	for i, l := range labels {
		w := 0.0
		if top > 0 && values[i] > 0 {
			w = values[i] / top * barSpace
		}
		if r := []rune(l); len(r) > 30 {
			l = string(r[:29]) + "…"
		}
		c.Bars = append(c.Bars, Bar{Label: l, Value: values[i], Text: text(values[i]), Y: float64(i * barHeight), W: w})
	}
	return c
}

// Count formats a count.
func Count(v float64) string { return fmt.Sprintf("%.0f", v) }

// Percent formats a share as a percentage; a negative value is no share
// at all (nothing to divide).
func Percent(v float64) string {
	if v < 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f %%", v)
}
