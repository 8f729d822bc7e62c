package staff

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/web"
)

// actionOf reads a case form into the service's action of that name (the
// one registry of actions, cases.Actions): each field by its name, which
// is the action's JSON name. false when there is no such action.
func actionOf(name string, form url.Values) (cases.Action, bool) {
	mk, ok := cases.Actions[name]
	if !ok {
		return nil, false
	}
	get := form.Get
	switch a := mk().(type) {
	case *cases.VerifyIdentity:
		a.Method, a.AnswerReceivedAt = get("method"), get("answer_received_at")
		return a, true
	case *cases.CannotIdentify:
		a.Reason, a.AnswerReceivedAt = get("reason"), get("answer_received_at")
		return a, true
	case *cases.RequestInformation:
		a.Purpose, a.What = get("purpose"), get("what")
		return a, true
	case *cases.InformationReceived:
		a.ReceivedAt, a.Answer = get("received_at"), get("answer")
		return a, true
	case *cases.Decide:
		a.Outcome, a.Grounds, a.Assessment, a.Justification = get("outcome"), nonEmpty(form["grounds"]), get("assessment"), get("justification")
		return a, true
	case *cases.Extend:
		a.Reason, a.Explanation = get("reason"), get("explanation")
		return a, true
	case *cases.Assign:
		a.Assignee = get("assignee")
		return a, true
	case *cases.AddNote:
		a.Text = get("text")
		return a, true
	case *cases.LiftRestriction:
		a.Reason = get("reason")
		return a, true
	case *cases.ApplyCorrection:
		a.System, a.Dataset, a.Values = get("system"), get("dataset"), correctionValues(form)
		return a, true
	case *cases.SendLetter:
		a.Kind = get("kind")
		return a, true
	case *cases.Withdraw:
		return a, true
	}
	return nil, false
}

// nonEmpty are a repeated field's values that were filled in.
func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// correctionValues reads the corrected values: the field values, one
// "column: value" a line, and any field named values.<column>.
func correctionValues(form url.Values) map[string]string {
	out := map[string]string{}
	for k, v := range form {
		if col, ok := strings.CutPrefix(k, "values."); ok && len(v) > 0 && v[0] != "" {
			out[col] = v[0]
		}
	}
	for _, line := range strings.Split(form.Get("values"), "\n") {
		if col, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(col) != "" {
			if v = strings.TrimSpace(v); v != "" {
				out[strings.TrimSpace(col)] = v
			}
		}
	}
	return out
}

// ruleFields names the form field a workflow rule concerns, so its
// rejection shows beside that field.
var ruleFields = map[rights.Rule]string{
	"identity-method": "method", "identity-known-email-unmatched": "method", "identity-known-email-unlinked": "method", "answer-date": "answer_received_at", "information-purpose": "purpose", "information-what": "what",
	"outcome": "outcome", "grounds-required": "grounds", "grounds-for-right": "grounds", "grounds-partial-only": "grounds",
	"grant-without-grounds": "grounds", "assessment-required": "assessment", "art-12-5-justification": "justification",
	"art-12-5-once-a-year": "grounds", "art-21-3-direct-marketing": "outcome", "art-12-3-reason": "reason", "reason-required": "reason", "lift-reason": "reason",
	"note-text": "text", "assignee": "assignee", "assignee-required": "assignee", "letter-kind": "kind", "correction": "values",
	"correction-not-allowed": "values", "found": "found", "art-12-4-refusal": "outcome",
}

// caseAction takes a form of the case view to the service's action: a
// refusal comes back as the form again, with the rule's words beside the
// field it concerns and what was entered kept.
func (d *Door) caseAction(c echo.Context) error {
	name := c.Param("action")
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
	}
	a, ok := actionOf(name, form)
	id, err := uuid.Parse(c.Param("id"))
	if !ok || err != nil {
		return d.problem(c, http.StatusNotFound, "problem.notfound")
	}
	_, err = d.Cases.Act(c.Request().Context(), actor(c), id, form.Get("_key"), a)
	return d.afterCaseForm(c, name, err, form)
}

// caseTask claims or completes a task of the request the page shows.
func (d *Door) caseTask(c echo.Context) error {
	verb := c.Param("verb")
	requestID, err1 := uuid.Parse(c.Param("id"))
	taskID, err2 := uuid.Parse(c.Param("task"))
	if (verb != "claim" && verb != "complete") || err1 != nil || err2 != nil {
		return d.problem(c, http.StatusNotFound, "problem.notfound")
	}
	ctx, p := c.Request().Context(), actor(c)
	// The task must belong to the request the page shows.
	if _, err := d.Cases.TaskOfRequest(ctx, p, requestID, taskID); err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
	}
	if verb == "claim" {
		_, err = d.Cases.ClaimTask(ctx, p, taskID, form.Get("_key"))
	} else {
		_, err = d.Cases.CompleteTask(ctx, p, taskID, form.Get("_key"), form.Get("found"))
	}
	return d.afterCaseForm(c, "task-"+verb, err, form)
}

// afterCaseForm sends the browser back to the case after a form was taken
// (303, so a reload sends nothing again), or shows the case with the form's
// refusal.
func (d *Door) afterCaseForm(c echo.Context, name string, err error, form url.Values) error {
	if err == nil {
		return c.Redirect(http.StatusSeeOther, "/staff/requests/"+c.Param("id")+"?done="+url.QueryEscape(name))
	}
	status := web.Status(err)
	if status == 0 || status >= 500 || status == http.StatusNotFound {
		return err
	}
	field := refusedField(err)
	values := map[string]string{}
	for k, v := range form {
		if !strings.HasPrefix(k, "_") {
			values[k] = strings.Join(v, "\n")
		}
	}
	return d.renderCase(c, status, name, field, web.Refusal(web.NewPage(c, "").T, err), values)
}

// refusedField is the form field a refusal concerns: the rule's, else the
// first field at fault.
func refusedField(err error) string {
	if rule, ok := asRule(err); ok {
		if f := ruleFields[rule.Rule]; f != "" {
			return f
		}
	}
	if fields, ok := asFields(err); ok && len(fields) > 0 {
		return strings.TrimPrefix(strings.SplitN(strings.TrimPrefix(fields[0].Pointer, "/"), "/", 2)[0], "query")
	}
	return ""
}

// caseLetterPDF downloads a letter's PDF (access-logged by the service).
func (d *Door) caseLetterPDF(c echo.Context) error {
	requestID, err1 := uuid.Parse(c.Param("id"))
	letterID, err2 := uuid.Parse(c.Param("letter"))
	if err1 != nil || err2 != nil {
		return &cases.NotFoundError{Detail: "no such letter"}
	}
	l, err := d.Cases.LetterPDF(c.Request().Context(), actor(c), requestID, letterID)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="letter.pdf"`)
	return c.Blob(http.StatusOK, "application/pdf", l.PDF)
}

// accessLogPage is who read a request's personal data, for the DPO.
func (d *Door) accessLogPage(c echo.Context) error {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return &cases.NotFoundError{Detail: "no such request"}
	}
	ctx, p := c.Request().Context(), actor(c)
	r, err := d.Cases.Request(ctx, p, id)
	if err != nil {
		return err
	}
	rows, err := d.Cases.AccessLog(ctx, p, id)
	if err != nil {
		return err
	}
	page := web.AccessLogPage{Page: staffBase(c, "access.title"), ID: r.ID.String(), Reference: r.Reference}
	for _, a := range rows {
		page.Items = append(page.Items, web.AccessRow{At: a.At, Actor: a.Actor, What: a.What, Factor: str(a.Factor)})
	}
	return d.render(c, http.StatusOK, "accesslog", page)
}

// caseMatches are what the person's identifiers matched, for the case
// view while identity is verified (searching the systems for the person is
// logged); nil when they cannot be told just now.
func (d *Door) caseMatches(c echo.Context, id uuid.UUID) *web.IdentifierMatches {
	m, err := d.Cases.IdentifierMatches(c.Request().Context(), actor(c), id)
	if err != nil {
		d.Log.Warn("identifier matches", "request_id", id, "error", err)
		return nil
	}
	out := &web.IdentifierMatches{KnownEmailHolds: m.KnownEmail.Holds, KnownEmailRule: string(m.KnownEmail.Rule), Unreachable: m.Unreachable}
	for _, im := range m.Identifiers {
		row := web.MatchRow{Kind: im.Kind}
		for _, ds := range im.Datasets {
			row.Datasets = append(row.Datasets, web.MatchDataset{System: ds.SystemName, Dataset: ds.DatasetName, Rows: ds.Rows, WithEmail: ds.WithEmail})
		}
		for _, rq := range im.Requests {
			row.Requests = append(row.Requests, web.MatchRequest{ID: rq.ID, Reference: rq.Reference, Verified: rq.Verified, WithEmail: rq.WithEmail})
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}
