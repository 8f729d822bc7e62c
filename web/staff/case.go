package staff

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/httpx"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/web"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// casePage is one request, read through the service's detail: reading its
// personal data is access-logged there.
func (d *Door) casePage(c echo.Context) error {
	return d.renderCase(c, http.StatusOK, "", "", "", nil)
}

func (d *Door) renderCase(c echo.Context, status int, form, field, problem string, values map[string]string) error {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return &cases.NotFoundError{Detail: "no such request"}
	}
	ctx := c.Request().Context()
	p := actor(c)
	det, err := d.Cases.RequestDetail(ctx, p, id)
	if err != nil {
		return err
	}
	r := det.Request
	page := web.CasePage{Page: staffBase(c, "case.title"), CSRF: httpx.Token(c), Key: uuid.NewString(), ID: r.ID.String(), Reference: r.Reference,
		Controller: r.ControllerID, Right: r.Kind, Channel: r.Channel, Stage: r.Stage, Outcome: str(r.Outcome), Assignee: str(r.Assignee),
		Paused: r.PausedAt != nil, Breached: r.Breached, Late: r.Late, ReceivedOn: dateOnly(r.ReceivedOn),
		Form: form, Field: field, Error: problem, Values: values, Done: c.QueryParam("done"),
		DPO: p.Has(config.RoleDPO, config.RoleAdmin), Caseworker: p.Has(config.RoleCaseworker, config.RoleAdmin),
		Outcomes: []string{string(workflows.OutcomeGrant), string(workflows.OutcomePartial), string(workflows.OutcomeRefuse)},
		Grounds:  rights.GroundsFor(rights.Kind(r.Kind)), LetterKinds: []string{workflows.LetterPreliminary},
		Methods: []string{string(workflows.IdentityMitID), string(workflows.IdentityBankID), string(workflows.IdentityKnownEmail),
			string(workflows.IdentityDigitalPost), string(workflows.IdentityInPerson), string(workflows.IdentityDocumentsSeen), string(workflows.IdentityPhoneCallback)},
		Purposes: []string{string(workflows.PurposeIdentity), string(workflows.PurposeClarification)},
		Reasons:  []string{string(workflows.ReasonComplexity), string(workflows.ReasonNumberOfRequests)}}
	page.Title = page.T["case.title"] + " " + r.Reference
	if r.Attention != nil {
		page.Attention = *r.Attention
	}
	if page.Values == nil {
		page.Values = map[string]string{}
	}
	if page.Staff, err = d.staffPeople(c); err != nil {
		return err
	}
	staffNames := nameOf(page.Staff)
	// names writes who acted: a staff member's name, or the subject or
	// the system in words.
	names := func(id string) string {
		if w, ok := page.T["actor."+id]; ok {
			return w
		}
		return staffNames(id)
	}
	closedAt := r.ClosedAt
	if det.State != nil {
		closedAt = det.State.ClosedAt
		liveCase(&page, *det.State, p.Actor, names)
	} else {
		page.DueOn, page.StatutoryOn = dateOf(r.DueOn), dateOf(r.StatutoryDueOn)
		page.RefusalOn = page.StatutoryOn
	}
	page.Assignee = names(page.Assignee)
	page.Open = closedAt == nil && !workflows.Stage(page.Stage).Final()
	if page.Open && !page.DueOn.IsZero() {
		todays, err := d.Cases.Todays(ctx, []string{r.ControllerID})
		if err != nil {
			return err
		}
		n := deadline.DaysBetween(todays[r.ControllerID], page.DueOn)
		page.DaysLeft = &n
		page.Urgency = web.Urgency(n, deadline.DaysBetween(page.ReceivedOn, page.DueOn))
	}
	caseRecord(&page, det, names)
	if page.Decision != nil {
		page.Decision.By = names(page.Decision.By)
	}
	if page.Stage == string(workflows.StageIdentity) && page.Open && page.Caseworker && det.Subject != nil {
		page.Matches = d.caseMatches(c, r.ID)
	}
	return d.render(c, status, "case", page)
}

// liveCase fills the case view from the workflow's live state: the top of
// a request's view never contradicts its state.
func liveCase(page *web.CasePage, st workflows.State, me string, names func(string) string) {
	page.Live = true
	page.Stage, page.Outcome, page.Assignee = string(st.Stage), string(st.Outcome), st.Assignee
	page.Paused, page.Breached, page.Late = st.Paused, st.Breached, st.Late
	page.Attention = ""
	if st.Attention != nil {
		page.Attention = st.Attention.Step
	}
	page.DueOn, page.StatutoryOn = dateOnly(st.DueOn), dateOnly(st.StatutoryDueOn)
	page.RefusalOn = page.StatutoryOn
	if st.ExtendedDueOn != nil {
		x := dateOnly(*st.ExtendedDueOn)
		page.ExtendedOn = &x
	}
	page.PausedDays = st.PausedDays
	if st.Identity != nil {
		page.Identity = string(st.Identity.Method)
	}
	if dc := st.Decision; dc != nil {
		page.Decision = &web.CaseDecision{Outcome: string(dc.Outcome), Grounds: dc.Grounds, Assessment: dc.Assessment,
			Justification: dc.Justification, By: string(dc.By), At: dc.At}
	}
	if st.Extension != nil {
		page.Extension = string(st.Extension.Reason)
	}
	for _, t := range st.Tasks {
		ct := web.CaseTask{ID: t.ID.String(), Kind: string(t.Kind), Status: string(t.Status), Assignee: names(t.Assignee), Mine: t.Assignee == me,
			Open: t.Status == workflows.TaskOpen, System: t.System, Instructions: t.Instructions, Found: t.Found,
			CompletedBy: names(string(t.CompletedBy)), CompletedAt: t.CompletedAt}
		if !t.DueOn.IsZero() {
			due := dateOnly(t.DueOn)
			ct.DueOn = &due
		}
		page.Tasks = append(page.Tasks, ct)
	}
	for _, pz := range st.Pauses {
		page.Pauses = append(page.Pauses, web.CasePause{Purpose: string(pz.Purpose), What: pz.What, Answer: pz.Answer, PausedAt: pz.PausedAt, ResumedAt: pz.ResumedAt})
	}
	for _, f := range st.Fulfilment {
		page.Fulfilment = append(page.Fulfilment, web.FulfilmentRow{System: f.System, Dataset: f.Dataset, Step: f.Step, Rows: f.Rows, Held: f.Held})
	}
}

// caseRecord fills in what the request's record holds: the person, what
// they asked, the notes, the letters and the timeline.
func caseRecord(page *web.CasePage, det cases.Detail, names func(string) string) {
	if sub := det.Subject; sub != nil {
		for _, f := range []web.Field{{Label: "name", Value: sub.Name}, {Label: "email", Value: sub.Email}, {Label: "phone", Value: sub.Phone},
			{Label: "national_id", Value: sub.NationalID}, {Label: "address", Value: sub.Address}} {
			if f.Value != "" {
				f.Label = page.T["subject."+f.Label]
				page.Subject = append(page.Subject, f)
			}
		}
		page.Representative = representativeFields(page.T, sub.Representative, names)
	}
	var details cases.Details
	if len(det.Details) > 0 && json.Unmarshal(det.Details, &details) == nil {
		page.Description = details.Description
		page.Details = caseDetails(details)
	}
	for _, n := range det.Notes {
		page.Notes = append(page.Notes, web.CaseNote{Number: n.Seq, At: n.At, Author: names(n.Actor), Text: n.Text})
	}
	for _, l := range det.Letters {
		page.Letters = append(page.Letters, web.CaseLetter{ID: l.ID.String(), Kind: l.Kind, Audience: l.Audience, Channel: l.Channel, Status: l.Status,
			Language: l.Language, SentAt: l.SentAt, PDF: l.Audience == "subject"})
	}
	for _, ev := range det.Timeline {
		var data map[string]any
		_ = json.Unmarshal(ev.Data, &data)
		page.Timeline = append(page.Timeline, web.TimelineRow{At: ev.At, Actor: names(ev.Actor), Action: ev.Action,
			Facts: web.EventFacts(page.T, page.Lang, ev.Action, data, names)})
	}
}

// caseDetails is what the person asked, by right, beyond the description;
// nil when there is nothing more.
func caseDetails(d cases.Details) *web.CaseDetails {
	if d.Scope == "" && len(d.Corrections) == 0 && len(d.Purposes) == 0 && len(d.Consents) == 0 {
		return nil
	}
	out := &web.CaseDetails{Scope: d.Scope, Purposes: d.Purposes, Consents: d.Consents}
	for _, c := range d.Corrections {
		out.Corrections = append(out.Corrections, web.Correction{Data: c.Data, Correct: c.Correct})
	}
	return out
}

// representativeFields are who acts for the person, in words.
func representativeFields(T web.Words, r *intake.Representative, names func(string) string) []web.Field {
	if r == nil {
		return nil
	}
	mandate := T["fact.no"]
	if r.MandateChecked {
		mandate = T["fact.yes"]
		if r.MandateBy != "" {
			mandate += " (" + names(r.MandateBy) + ")"
		}
	}
	relationship := r.Relationship
	if w, ok := T["relationship."+r.Relationship]; ok {
		relationship = w
	}
	out := []web.Field{{Label: T["case.rep.name"], Value: r.Name}}
	if r.Email != "" {
		out = append(out, web.Field{Label: T["case.rep.email"], Value: r.Email})
	}
	return append(out, web.Field{Label: T["case.rep.relationship"], Value: relationship}, web.Field{Label: T["case.rep.mandate"], Value: mandate})
}

// dateOnly is a day as the pages count and write it: the day of the UTC
// date the database and the workflow keep, at midnight UTC.
func dateOnly(t time.Time) time.Time {
	u := t.UTC()
	return time.Date(u.Year(), u.Month(), u.Day(), 0, 0, 0, 0, time.UTC)
}

// dateOf is dateOnly of a day that may be missing (zero then).
func dateOf(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return dateOnly(*t)
}
