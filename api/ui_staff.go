package api

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/web"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// staffRoutes mounts the staff pages: login, inbox, requests, case view,
// register, search and the DPO's dashboard (docs/UI.md).
func (s *Server) staffRoutes(csrf func(refused func(c echo.Context) error) echo.MiddlewareFunc) {
	e := s.echo
	refused := csrf(s.staffFormExpired)
	login := csrf(func(c echo.Context) error { return s.renderLogin(c, http.StatusForbidden, "form.expired") })
	anyStaff := s.staffPage(staffRoles...)
	caseworker := s.staffPage(config.RoleCaseworker, config.RoleAdmin)
	dpo := s.staffPage(config.RoleDPO, config.RoleAdmin)

	e.GET("/staff", func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/staff/inbox") })
	e.GET("/staff/login", s.loginPage, login)
	e.GET("/staff/login/start", s.loginStart)
	e.GET("/staff/callback", s.loginCallback, login)
	e.POST("/staff/login/dev", s.devLogin, login)
	e.POST("/staff/logout", s.logout, refused)

	e.GET("/staff/inbox", s.inboxPage, refused, anyStaff)
	e.POST("/staff/tasks/:id/claim", s.inboxClaim, refused, caseworker)
	e.POST("/staff/tasks/assign", s.inboxAssign, refused, caseworker)
	e.GET("/staff/requests", s.requestsPage, refused, anyStaff)
	e.GET("/staff/requests/:id", s.casePage, refused, anyStaff)
	e.POST("/staff/requests/:id/actions/:action", s.caseAction, refused, caseworker)
	e.POST("/staff/requests/:id/tasks/:task/:verb", s.caseTask, refused, caseworker)
	e.GET("/staff/requests/:id/letters/:letter/pdf", s.caseLetterPDF, anyStaff)
	e.GET("/staff/requests/:id/access-log", s.accessLogPage, refused, dpo)
	e.GET("/staff/register", s.registerPage, refused, caseworker)
	e.POST("/staff/register", s.registerPost, refused, caseworker)
	e.GET("/staff/search", s.searchPage, refused, anyStaff)
	e.POST("/staff/search", s.searchPost, refused, anyStaff)
	e.GET("/staff/dashboard", s.dashboardPage, refused, dpo)
}

// staffPeople lists the staff of the controllers the person acts for who
// may act on a case (caseworker, admin), for assignment.
func (s *Server) staffPeople(c echo.Context) ([]web.Person, error) {
	var out struct {
		Items []StaffView `json:"items"`
	}
	if err := s.callAPI(c, s.listStaff, apiCall{method: http.MethodGet}, &out); err != nil {
		return nil, err
	}
	people := make([]web.Person, 0, len(out.Items))
	for _, st := range out.Items {
		// Only those who may act on a case are offered as its assignee.
		if !slices.ContainsFunc(st.Roles, func(r string) bool { return slices.Contains(caseRoles, r) }) {
			continue
		}
		name := st.DisplayName
		if name == "" {
			name = st.ID
		}
		people = append(people, web.Person{ID: st.ID, Name: name})
	}
	return people, nil
}

// inboxPage is the caseworker's tasks, mine and unassigned by default,
// soonest due first; the filters live in the URL.
func (s *Server) inboxPage(c echo.Context) error {
	return s.renderInbox(c, http.StatusOK, "")
}

var taskKinds = []string{string(workflows.TaskVerifyIdentity), string(workflows.TaskAwaitSubject), string(workflows.TaskDecide), string(workflows.TaskFulfil),
	string(workflows.TaskPrintLetter), string(workflows.TaskConfirmDelivery), string(workflows.TaskApproveReply), string(workflows.TaskAttention)}

func (s *Server) renderInbox(c echo.Context, status int, problem string) error {
	page := web.Inbox{Page: staffBase(c, "inbox.title"), CSRF: csrfOf(c), Key: uuid.NewString(),
		Scope: c.QueryParam("scope"), Kind: c.QueryParam("kind"), Right: c.QueryParam("right"), Kinds: taskKinds}
	for _, k := range rights.Kinds {
		page.Rights = append(page.Rights, string(k))
	}
	if !slices.Contains([]string{"mine", "unassigned", "all"}, page.Scope) {
		page.Scope = "mine_or_unassigned"
	}
	if problem != "" {
		page.Error = problem
	}
	var list TaskList
	q := url.Values{"scope": {page.Scope}, "limit": {"500"}}
	if err := s.callAPI(c, s.listTasks, apiCall{method: http.MethodGet, query: q}, &list); err != nil {
		return s.staffProblem(c, err)
	}
	received, err := s.receivedOn(c, list.Items)
	if err != nil {
		return err
	}
	if page.Staff, err = s.staffPeople(c); err != nil {
		return s.staffProblem(c, err)
	}
	names := nameOf(page.Staff)
	me := principal(c).Actor
	for _, t := range list.Items {
		if (page.Kind != "" && t.Kind != page.Kind) || (page.Right != "" && t.RightKind != page.Right) {
			continue
		}
		it := web.InboxTask{ID: t.ID, Kind: t.Kind, RequestID: t.RequestID, Reference: t.Reference, Controller: t.Controller,
			Right: t.RightKind, DaysLeft: t.DaysLeft}
		if t.Assignee != nil {
			it.Assignee, it.Mine = names(*t.Assignee), *t.Assignee == me
		}
		if t.DueAt != nil {
			if d, err := deadline.ParseDate(*t.DueAt); err == nil {
				it.DueOn = &d
				if t.DaysLeft != nil {
					it.Urgency = web.Urgency(*t.DaysLeft, deadline.DaysBetween(received[t.RequestID], d))
				}
			}
		}
		page.Tasks = append(page.Tasks, it)
	}
	return c.Render(status, "inbox", page)
}

// nameOf names staff IDs by the directory, the ID itself when unknown.
func nameOf(people []web.Person) func(string) string {
	names := map[string]string{}
	for _, p := range people {
		names[p.ID] = p.Name
	}
	return func(id string) string {
		if n, ok := names[id]; ok {
			return n
		}
		return id
	}
}

// receivedOn reads the days the tasks' requests were received, for the
// share of their time left.
func (s *Server) receivedOn(c echo.Context, tasks []TaskView) (map[string]time.Time, error) {
	ids := make([]string, 0, len(tasks))
	for _, t := range tasks {
		ids = append(ids, t.RequestID)
	}
	out := map[string]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID         uuid.UUID
		ReceivedOn time.Time
	}
	if err := s.store.DB.WithContext(c.Request().Context()).Model(&store.Request{}).Select("id, received_on").
		Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, s.storeError(err)
	}
	for _, r := range rows {
		out[r.ID.String()] = r.ReceivedOn
	}
	return out, nil
}

// back returns to the page a form came from: its own page, never another site.
func back(c echo.Context, fallback string) error {
	return c.Redirect(http.StatusSeeOther, staffPath(c.FormValue("back"), fallback))
}

// inboxClaim claims one task through the API's claim.
func (s *Server) inboxClaim(c echo.Context) error {
	err := s.callAPI(c, s.taskAction(workflows.UpdateClaimTask), apiCall{method: http.MethodPost, params: []string{"id", c.Param("id")}}, nil)
	if err != nil {
		return s.inboxRefused(c, err)
	}
	return back(c, "/staff/inbox")
}

// inboxAssign assigns the requests of the chosen tasks to one person, each
// through the API's assignment.
func (s *Server) inboxAssign(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	tasks := form["task"]
	if len(tasks) == 0 || len(tasks) > 100 {
		return s.renderInbox(c, http.StatusUnprocessableEntity, web.NewPage(c, "").T["inbox.choose"])
	}
	var ids []uuid.UUID
	for _, t := range tasks {
		id, err := uuid.Parse(t)
		if err != nil {
			return s.renderInbox(c, http.StatusUnprocessableEntity, web.NewPage(c, "").T["inbox.choose"])
		}
		ids = append(ids, id)
	}
	var requestIDs []uuid.UUID
	db := s.store.DB.WithContext(c.Request().Context()).Model(&store.Task{}).Distinct("request_id").Where("id IN ?", ids)
	if err := db.Pluck("request_id", &requestIDs).Error; err != nil {
		return s.storeError(err)
	}
	for i, r := range requestIDs {
		key := c.FormValue("_key")
		if key != "" {
			key += "/" + r.String()
		}
		err := s.callAPI(c, s.actions["assignment"], apiCall{method: http.MethodPost, params: []string{"id", r.String()},
			body: AssignmentBody{Assignee: c.FormValue("assignee")}, key: key}, nil)
		if err != nil {
			if i > 0 {
				s.log.Info("bulk assignment stopped part way", "assigned", i, "of", len(requestIDs))
			}
			return s.inboxRefused(c, err)
		}
	}
	return back(c, "/staff/inbox")
}

// inboxRefused shows the inbox again with the refusal's words.
func (s *Server) inboxRefused(c echo.Context, err error) error {
	var p *Problem
	if !errors.As(err, &p) || p.Status >= 500 {
		return s.staffProblem(c, err)
	}
	return s.renderInbox(c, p.Status, problemText(web.NewPage(c, "").T, p))
}

// problemText is a refusal in the page's words: the rule's, when the UI
// knows it, else the API's own detail.
func problemText(w web.Words, p *Problem) string {
	if p.Rule != "" {
		if t, ok := w["rule."+p.Rule]; ok {
			return t
		}
	}
	if len(p.Errors) > 0 && p.Errors[0].Detail != "" {
		return p.Errors[0].Detail
	}
	return p.Detail
}

// requestFilters are the API's list filters the page keeps in its URL.
var requestFilters = []string{"stage", "kind", "assignee", "overdue", "due_before", "controller", "needs_attention", "cursor"}

// requestsPage is the request list with the API's filters, and its CSV.
func (s *Server) requestsPage(c echo.Context) error {
	page := web.RequestsPage{Page: staffBase(c, "requests.title"), Filters: map[string]string{}, Stages: stages, Invalid: map[string]bool{}}
	for _, k := range rights.Kinds {
		page.Kinds = append(page.Kinds, string(k))
	}
	q := url.Values{}
	for _, f := range requestFilters {
		if v := c.QueryParam(f); v != "" {
			q.Set(f, v)
			page.Filters[f] = v
		}
	}
	csvOut := c.QueryParam("format") == "csv"
	if csvOut {
		return s.requestsCSV(c, q)
	}
	var list RequestList
	if err := s.callAPI(c, s.listRequests, apiCall{method: http.MethodGet, query: q}, &list); err != nil {
		var p *Problem
		if errors.As(err, &p) && p.Status == http.StatusUnprocessableEntity {
			page.Error = page.T["requests.invalid"]
			for _, fe := range p.Errors {
				page.Invalid[strings.TrimPrefix(fe.Pointer, "/query/")] = true
			}
			return c.Render(http.StatusUnprocessableEntity, "requests", page)
		}
		return s.staffProblem(c, err)
	}
	today, err := s.todays(c)
	if err != nil {
		return err
	}
	for _, r := range list.Items {
		page.Items = append(page.Items, requestRow(r, today))
	}
	if list.NextCursor != nil {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("cursor", *list.NextCursor)
		page.NextQuery = next.Encode()
	}
	csvQ := url.Values{}
	for k, v := range q {
		if k != "cursor" {
			csvQ[k] = v
		}
	}
	csvQ.Set("format", "csv")
	page.CSVQuery = csvQ.Encode()
	return c.Render(http.StatusOK, "requests", page)
}

// todays is each controller's today, in its own time zone: a deadline's
// days left are counted from it.
func (s *Server) todays(c echo.Context) (map[string]time.Time, error) {
	var rows []store.Controller
	if err := s.store.DB.WithContext(c.Request().Context()).Select("id, time_zone").Find(&rows).Error; err != nil {
		return nil, s.storeError(err)
	}
	out := map[string]time.Time{}
	for _, r := range rows {
		loc, err := deadline.LoadLocation(r.TimeZone)
		if err != nil {
			loc = time.UTC
		}
		out[r.ID] = deadline.Today(s.now(), loc)
	}
	return out, nil
}

// requestRow is a list's request as the pages show it.
func requestRow(r RequestView, todays map[string]time.Time) web.RequestRow {
	row := web.RequestRow{ID: r.ID, Reference: r.Reference, Controller: r.Controller, Right: r.Kind, Stage: r.Stage, Channel: r.Channel,
		Paused: r.Paused, Breached: r.Breached, Late: r.Late, Attention: r.Attention != nil}
	if r.Outcome != nil {
		row.Outcome = *r.Outcome
	}
	if r.Assignee != nil {
		row.Assignee = *r.Assignee
	}
	row.ReceivedOn, _ = deadline.ParseDate(r.ReceivedAt)
	if r.DueAt != nil {
		if d, err := deadline.ParseDate(*r.DueAt); err == nil {
			row.DueOn = &d
			if r.ClosedAt == nil && !final(r.Stage) {
				n := deadline.DaysBetween(todays[r.Controller], d)
				row.DaysLeft = &n
				row.Urgency = web.Urgency(n, deadline.DaysBetween(row.ReceivedOn, d))
			}
		}
	}
	return row
}

// maxCSVRows bounds one CSV export.
const maxCSVRows = 50000

// requestsCSV writes every request the filters find, page by page through
// the API's list, as CSV: no personal data, as in the list.
func (s *Server) requestsCSV(c echo.Context, q url.Values) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="requests.csv"`)
	var rows [][]string
	rows = append(rows, []string{"reference", "controller", "right", "channel", "stage", "outcome", "received_at", "due_at",
		"statutory_due_at", "extended_due_at", "paused", "assignee", "breached", "late", "closed_at"})
	q.Set("limit", "200")
	for n := 0; n < maxCSVRows; {
		var list RequestList
		if err := s.callAPI(c, s.listRequests, apiCall{method: http.MethodGet, query: q}, &list); err != nil {
			return s.staffProblem(c, err)
		}
		for _, r := range list.Items {
			closed := ""
			if r.ClosedAt != nil {
				closed = r.ClosedAt.UTC().Format(time.RFC3339)
			}
			rows = append(rows, []string{r.Reference, r.Controller, r.Kind, r.Channel, r.Stage, str(r.Outcome), r.ReceivedAt, str(r.DueAt),
				str(r.StatutoryDueAt), str(r.ExtendedDueAt), boolText(r.Paused), str(r.Assignee), boolText(r.Breached), boolText(r.Late), closed})
		}
		n += len(list.Items)
		if list.NextCursor == nil {
			break
		}
		q.Set("cursor", *list.NextCursor)
	}
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	for _, r := range rows {
		for i, v := range r {
			r[i] = csvSafe(v)
		}
		_ = w.Write(r)
	}
	w.Flush()
	return w.Error()
}

// csvSafe keeps a cell from being read as a formula by a spreadsheet.
func csvSafe(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// casePage is one request, read through the API's detail: reading its
// personal data is access-logged there.
func (s *Server) casePage(c echo.Context) error {
	return s.renderCase(c, http.StatusOK, "", "", "", nil)
}

func (s *Server) renderCase(c echo.Context, status int, form, field, problem string, values map[string]string) error {
	var d RequestDetail
	if err := s.callAPI(c, s.getRequest, apiCall{method: http.MethodGet, params: []string{"id", c.Param("id")}}, &d); err != nil {
		return s.staffProblem(c, err)
	}
	p := principal(c)
	page := web.CasePage{Page: staffBase(c, "case.title"), CSRF: csrfOf(c), Key: uuid.NewString(), ID: d.ID, Reference: d.Reference,
		Controller: d.Controller, Right: d.Kind, Channel: d.Channel, Stage: d.Stage, Outcome: str(d.Outcome), Assignee: str(d.Assignee),
		Paused: d.Paused, Breached: d.Breached, Late: d.Late, Open: d.ClosedAt == nil && !final(d.Stage),
		Form: form, Field: field, Error: problem, Values: values, Done: c.QueryParam("done"),
		DPO: p.Has(config.RoleDPO, config.RoleAdmin), Caseworker: p.Has(config.RoleCaseworker, config.RoleAdmin),
		Outcomes: []string{string(workflows.OutcomeGrant), string(workflows.OutcomePartial), string(workflows.OutcomeRefuse)},
		Grounds:  rights.GroundsFor(rights.Kind(d.Kind)), LetterKinds: []string{workflows.LetterPreliminary},
		Methods: []string{string(workflows.IdentityMitID), string(workflows.IdentityBankID), string(workflows.IdentityKnownEmail),
			string(workflows.IdentityDigitalPost), string(workflows.IdentityInPerson), string(workflows.IdentityDocumentsSeen), string(workflows.IdentityPhoneCallback)},
		Purposes: []string{string(workflows.PurposeIdentity), string(workflows.PurposeClarification)},
		Reasons:  []string{string(workflows.ReasonComplexity), string(workflows.ReasonNumberOfRequests)}}
	page.Title = page.T["case.title"] + " " + d.Reference
	var err error
	if page.Staff, err = s.staffPeople(c); err != nil {
		return s.staffProblem(c, err)
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
	page.Assignee = names(page.Assignee)
	if page.Values == nil {
		page.Values = map[string]string{}
	}
	if d.Attention != nil {
		page.Attention = d.Attention.Step
	}
	page.ReceivedOn, _ = deadline.ParseDate(d.ReceivedAt)
	if d.State != nil {
		st := d.State
		page.Live = true
		page.DueOn, _ = deadline.ParseDate(st.DueAt)
		page.StatutoryOn, _ = deadline.ParseDate(st.StatutoryDueAt)
		page.RefusalOn, _ = deadline.ParseDate(st.RefusalDueAt)
		if st.ExtendedDueAt != nil {
			if x, err := deadline.ParseDate(*st.ExtendedDueAt); err == nil {
				page.ExtendedOn = &x
			}
		}
		page.PausedDays = st.PausedDays
		if st.Identity != nil {
			page.Identity = st.Identity.Method
		}
		if st.Decision != nil {
			page.Decision = &web.CaseDecision{Outcome: st.Decision.Outcome, Grounds: st.Decision.Grounds, Assessment: st.Decision.Assessment,
				Justification: st.Decision.Justification, By: st.Decision.By, At: st.Decision.At}
		}
		if st.Extension != nil {
			page.Extension = st.Extension.Reason
		}
		for _, t := range st.Tasks {
			ct := web.CaseTask{ID: t.ID, Kind: t.Kind, Status: t.Status, Assignee: names(t.Assignee), Mine: t.Assignee == p.Actor, Open: t.Status == "open",
				System: t.System, Instructions: t.Instructions, Found: t.Found, CompletedBy: names(t.CompletedBy), CompletedAt: t.CompletedAt}
			if due, err := deadline.ParseDate(t.DueAt); err == nil {
				ct.DueOn = &due
			}
			page.Tasks = append(page.Tasks, ct)
		}
		for _, pz := range st.Pauses {
			page.Pauses = append(page.Pauses, web.CasePause{Purpose: pz.Purpose, What: pz.What, Answer: pz.Answer, PausedAt: pz.PausedAt, ResumedAt: pz.ResumedAt})
		}
		for _, f := range st.Fulfilment {
			page.Fulfilment = append(page.Fulfilment, web.FulfilmentRow{System: f.System, Dataset: f.Dataset, Step: f.Step, Rows: f.Rows, Held: f.Held})
		}
	} else {
		page.DueOn, _ = deadline.ParseDate(str(d.DueAt))
		page.StatutoryOn, _ = deadline.ParseDate(str(d.StatutoryDueAt))
		page.RefusalOn = page.StatutoryOn
	}
	if page.Open && !page.DueOn.IsZero() {
		todays, err := s.todays(c)
		if err != nil {
			return err
		}
		n := deadline.DaysBetween(todays[d.Controller], page.DueOn)
		page.DaysLeft = &n
		page.Urgency = web.Urgency(n, deadline.DaysBetween(page.ReceivedOn, page.DueOn))
	}
	if d.Subject != nil {
		sub := d.Subject
		for _, f := range []web.Field{{Label: "name", Value: sub.Name}, {Label: "email", Value: sub.Email}, {Label: "phone", Value: sub.Phone},
			{Label: "national_id", Value: sub.NationalID}, {Label: "address", Value: sub.Address}} {
			if f.Value != "" {
				f.Label = page.T["subject."+f.Label]
				page.Subject = append(page.Subject, f)
			}
		}
		page.Representative = representativeFields(page.T, sub.Representative, names)
	}
	var details DetailsBody
	if len(d.Details) > 0 && json.Unmarshal(d.Details, &details) == nil {
		page.Description = details.Description
		page.Details = caseDetails(details)
	}
	for _, n := range d.Notes {
		page.Notes = append(page.Notes, web.CaseNote{Number: n.Number, At: n.At, Author: names(n.Author), Text: n.Text})
	}
	for _, l := range d.Letters {
		page.Letters = append(page.Letters, web.CaseLetter{ID: l.ID, Kind: l.Kind, Audience: l.Audience, Channel: l.Channel, Status: l.Status,
			Language: l.Language, SentAt: l.SentAt, PDF: l.PDF != nil})
	}
	for _, ev := range d.Timeline {
		var data map[string]any
		_ = json.Unmarshal(ev.Data, &data)
		page.Timeline = append(page.Timeline, web.TimelineRow{At: ev.At, Actor: names(ev.Actor), Action: ev.Action,
			Facts: web.EventFacts(page.T, page.Lang, ev.Action, data, names)})
	}
	if page.Decision != nil {
		page.Decision.By = names(page.Decision.By)
	}
	if page.Stage == string(workflows.StageIdentity) && page.Open && page.Caseworker && d.Subject != nil {
		page.Matches = s.caseMatches(c, p)
	}
	return c.Render(status, "case", page)
}

// caseDetails is what the person asked, by right, beyond the description;
// nil when there is nothing more.
func caseDetails(d DetailsBody) *web.CaseDetails {
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

// caseActions are the forms of the case view: the API's action route and
// its body.
var caseActions = map[string]func() any{
	"identity":            func() any { return &IdentityActionBody{} },
	"cannot-identify":     func() any { return &CannotIdentifyBody{} },
	"information-request": func() any { return &InformationRequestBody{} },
	"information":         func() any { return &InformationBody{} },
	"decision":            func() any { return &DecisionBody{} },
	"extension":           func() any { return &ExtensionBody{} },
	"assignment":          func() any { return &AssignmentBody{} },
	"notes":               func() any { return &NoteBody{} },
	"withdrawal":          func() any { return &WithdrawalBody{} },
	"lift-restriction":    func() any { return &LiftRestrictionBody{} },
	"corrections":         func() any { return &ApplyCorrectionBody{} },
	"letters":             func() any { return &SendLetterBody{} },
}

// ruleFields names the form field a workflow rule concerns, so its
// rejection shows beside that field.
var ruleFields = map[string]string{
	"identity-method": "method", "identity-known-email-unmatched": "method", "identity-known-email-unlinked": "method", "answer-date": "answer_received_at", "information-purpose": "purpose", "information-what": "what",
	"outcome": "outcome", "grounds-required": "grounds", "grounds-for-right": "grounds", "grounds-partial-only": "grounds",
	"grant-without-grounds": "grounds", "assessment-required": "assessment", "art-12-5-justification": "justification",
	"art-12-5-once-a-year": "grounds", "art-21-3-direct-marketing": "outcome", "art-12-3-reason": "reason", "reason-required": "reason", "lift-reason": "reason",
	"note-text": "text", "assignee": "assignee", "assignee-required": "assignee", "letter-kind": "kind", "correction": "values",
	"correction-not-allowed": "values", "found": "found", "art-12-4-refusal": "outcome",
}

// caseAction takes a form of the case view through the API's own action:
// a refusal comes back as the form again, with the rule's words beside the
// field it concerns and what was entered kept.
func (s *Server) caseAction(c echo.Context) error {
	name := c.Param("action")
	mk, ok := caseActions[name]
	h := s.actions[name]
	if !ok || h == nil {
		return s.staffProblem(c, NewProblem(http.StatusNotFound, "not-found", "no such action"))
	}
	form, err := c.FormParams()
	if err != nil {
		return err
	}
	if name == "corrections" {
		// One "column: value" a line.
		for _, line := range strings.Split(form.Get("values"), "\n") {
			if col, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(col) != "" {
				form.Set("values."+strings.TrimSpace(col), strings.TrimSpace(v))
			}
		}
	}
	body := mk()
	formBody(body, form)
	err = s.callAPI(c, h, apiCall{method: http.MethodPost, params: []string{"id", c.Param("id")}, body: body, key: form.Get("_key")}, nil)
	return s.afterCaseForm(c, name, err, form)
}

// caseTask claims or completes a task from the case view.
func (s *Server) caseTask(c echo.Context) error {
	var h echo.HandlerFunc
	var body any
	switch c.Param("verb") {
	case "claim":
		h = s.taskAction(workflows.UpdateClaimTask)
	case "complete":
		h, body = s.taskAction(workflows.UpdateCompleteTask), CompleteTaskBody{Found: c.FormValue("found")}
	default:
		return s.staffProblem(c, NewProblem(http.StatusNotFound, "not-found", "no such action"))
	}
	// The task must belong to the request the page shows.
	var t store.Task
	if err := s.store.DB.WithContext(c.Request().Context()).Limit(1).Find(&t, "id::text = ? AND request_id::text = ?", c.Param("task"), c.Param("id")).Error; err != nil {
		return s.storeError(err)
	}
	if t.ID == uuid.Nil {
		return s.staffProblem(c, NewProblem(http.StatusNotFound, "not-found", "no such task"))
	}
	form, _ := c.FormParams()
	err := s.callAPI(c, h, apiCall{method: http.MethodPost, params: []string{"id", c.Param("task")}, body: body, key: c.FormValue("_key")}, nil)
	return s.afterCaseForm(c, "task-"+c.Param("verb"), err, form)
}

func (s *Server) afterCaseForm(c echo.Context, name string, err error, form url.Values) error {
	var p *Problem
	switch {
	case err == nil:
		return c.Redirect(http.StatusSeeOther, "/staff/requests/"+c.Param("id")+"?done="+url.QueryEscape(name))
	case errors.As(err, &p) && p.Status < 500 && p.Status != http.StatusNotFound:
		field := ruleFields[p.Rule]
		if field == "" && len(p.Errors) > 0 {
			field = strings.TrimPrefix(strings.SplitN(strings.TrimPrefix(p.Errors[0].Pointer, "/"), "/", 2)[0], "query")
		}
		values := map[string]string{}
		for k, v := range form {
			if !strings.HasPrefix(k, "_") {
				values[k] = strings.Join(v, "\n")
			}
		}
		return s.renderCase(c, p.Status, name, field, problemText(web.NewPage(c, "").T, p), values)
	}
	return s.staffProblem(c, err)
}

// caseLetterPDF downloads a letter's PDF through the API (access-logged there).
func (s *Server) caseLetterPDF(c echo.Context) error {
	var pdf []byte
	err := s.callAPI(c, s.letterPDF, apiCall{method: http.MethodGet, params: []string{"id", c.Param("id"), "letter", c.Param("letter")}}, &pdf)
	if err != nil {
		return s.staffProblem(c, err)
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="letter.pdf"`)
	return c.Blob(http.StatusOK, "application/pdf", pdf)
}

// accessLogPage is who read a request's personal data, for the DPO.
func (s *Server) accessLogPage(c echo.Context) error {
	var r store.Request
	var err error
	if r, err = s.visibleRequest(c, principal(c)); err != nil {
		return s.staffProblem(c, err)
	}
	var out struct {
		Items []AccessView `json:"items"`
	}
	if err := s.callAPI(c, s.accessLog, apiCall{method: http.MethodGet, params: []string{"id", c.Param("id")}}, &out); err != nil {
		return s.staffProblem(c, err)
	}
	page := web.AccessLogPage{Page: staffBase(c, "access.title"), ID: r.ID.String(), Reference: r.Reference}
	for _, a := range out.Items {
		page.Items = append(page.Items, web.AccessRow{At: a.At, Actor: a.Actor, What: a.What, Factor: str(a.Factor)})
	}
	return c.Render(http.StatusOK, "accesslog", page)
}

// registerFields are the register form's fields, by the intake's pointers.
var registerFields = map[string]string{
	"/controller": "controller", "/kind": "kind", "/channel": "channel", "/received_at": "received_at", "/language": "language",
	"/subject/name": "name", "/subject/email": "email", "/subject/phone": "phone", "/subject/address": "address", "/subject": "email",
	"/subject/cpr": "national_id", "/subject/personnummer": "national_id", "/details/description": "description",
}

// registerPage is the form for a request received by letter, phone,
// e-mail or in person, with its real day of receipt.
func (s *Server) registerPage(c echo.Context) error {
	return s.renderRegister(c, http.StatusOK, map[string]string{"received_at": deadline.Today(s.now(), time.UTC).Format(time.DateOnly)}, nil)
}

func (s *Server) renderRegister(c echo.Context, status int, values map[string]string, p *Problem) error {
	page := web.RegisterPage{Page: staffBase(c, "register.title"), CSRF: csrfOf(c), Key: uuid.NewString(), Values: values,
		Invalid: map[string]bool{}, Channels: []string{"letter", "phone", "email", "in_person", "digital_post"}}
	for _, k := range rights.Kinds {
		page.Kinds = append(page.Kinds, string(k))
	}
	var rows []store.Controller
	db := scoped(s.store.DB.WithContext(c.Request().Context()), principal(c), "id")
	if err := db.Order("name").Find(&rows).Error; err != nil {
		return s.storeError(err)
	}
	for _, r := range rows {
		page.Controllers = append(page.Controllers, web.Person{ID: r.ID, Name: r.Name})
	}
	if p != nil {
		if len(p.Errors) == 0 {
			page.Errors = append(page.Errors, web.FormError{Message: problemText(page.T, p)})
		}
		for _, fe := range p.Errors {
			field := registerFields[fe.Pointer]
			page.Errors = append(page.Errors, web.FormError{Field: field, Message: fe.Detail})
			if field != "" {
				page.Invalid[field] = true
			}
		}
	}
	return c.Render(status, "register", page)
}

// registerPost registers the request through the same intake as POST
// /v1/requests, as the signed-in caseworker.
func (s *Server) registerPost(c echo.Context) error {
	values := map[string]string{}
	for _, f := range []string{"controller", "kind", "channel", "received_at", "language", "name", "email", "phone", "address", "national_id", "description"} {
		values[f] = c.FormValue(f)
	}
	b := IntakeBody{Controller: values["controller"], Kind: values["kind"], Channel: values["channel"], ReceivedAt: values["received_at"],
		Language: values["language"], Subject: SubjectBody{Name: values["name"], Email: values["email"], Phone: values["phone"], Address: values["address"]}}
	if id := values["national_id"]; id != "" {
		var row store.Controller
		if err := s.store.DB.WithContext(c.Request().Context()).Limit(1).Find(&row, "id = ?", b.Controller).Error; err != nil {
			return s.storeError(err)
		}
		if row.Country == "SE" {
			b.Subject.Personnummer = id
		} else {
			b.Subject.CPR = id
		}
	}
	if d := values["description"]; d != "" {
		b.Details = &DetailsBody{Description: d}
	}
	var out IntakeResponse
	err := s.callAPI(c, s.createRequest, apiCall{method: http.MethodPost, body: b, key: c.FormValue("_key")}, &out)
	var p *Problem
	if errors.As(err, &p) && p.Status < 500 {
		return s.renderRegister(c, p.Status, values, p)
	}
	if err != nil {
		return s.staffProblem(c, err)
	}
	return c.Redirect(http.StatusSeeOther, "/staff/requests/"+out.ID+"?done=registered")
}

// searchPage is the search form: identifiers go in a POST body, never in
// a URL.
func (s *Server) searchPage(c echo.Context) error {
	page := web.SearchPage{Page: staffBase(c, "search.title"), CSRF: csrfOf(c), Values: map[string]string{}, Invalid: map[string]bool{}}
	return c.Render(http.StatusOK, "search", page)
}

// searchPost finds every request of a person through the API's search.
func (s *Server) searchPost(c echo.Context) error {
	page := web.SearchPage{Page: staffBase(c, "search.title"), CSRF: csrfOf(c), Values: map[string]string{}, Invalid: map[string]bool{}, Searched: true}
	b := SearchBody{Email: c.FormValue("email"), CPR: c.FormValue("cpr"), Personnummer: c.FormValue("personnummer"), Phone: c.FormValue("phone")}
	page.Values = map[string]string{"email": b.Email, "cpr": b.CPR, "personnummer": b.Personnummer, "phone": b.Phone}
	var out RequestList
	err := s.callAPI(c, s.searchRequests, apiCall{method: http.MethodPost, body: b}, &out)
	var p *Problem
	if errors.As(err, &p) && p.Status == http.StatusUnprocessableEntity {
		page.Searched = false
		for _, fe := range p.Errors {
			field := strings.TrimPrefix(fe.Pointer, "/")
			msg := page.T["search.field."+field]
			if field == "" {
				msg = page.T["search.none"]
			}
			page.Errors = append(page.Errors, web.FormError{Field: field, Message: msg})
			page.Invalid[field] = true
		}
		return c.Render(http.StatusUnprocessableEntity, "search", page)
	}
	if err != nil {
		return s.staffProblem(c, err)
	}
	todays, err := s.todays(c)
	if err != nil {
		return err
	}
	for _, r := range out.Items {
		page.Results = append(page.Results, requestRow(r, todays))
	}
	sort.SliceStable(page.Results, func(i, j int) bool { return page.Results[i].ReceivedOn.After(page.Results[j].ReceivedOn) })
	return c.Render(http.StatusOK, "search", page)
}

// caseMatches are what the person's identifiers matched, for the case
// view while identity is verified (searching the systems for the person is
// logged); nil when they cannot be told just now.
func (s *Server) caseMatches(c echo.Context, p *Principal) *web.IdentifierMatches {
	r, err := s.visibleRequest(c, p)
	if err != nil {
		return nil
	}
	ctx := c.Request().Context()
	m, err := s.requestMatches(ctx, r)
	if err != nil {
		s.log.Warn("identifier matches", "request_id", r.ID, "error", err)
		return nil
	}
	if err := s.store.DB.WithContext(ctx).Create(&store.Access{RequestID: r.ID, Actor: p.Actor, What: "identifier-matches"}).Error; err != nil {
		s.log.Warn("identifier matches: access log", "request_id", r.ID, "error", err)
		return nil
	}
	out := &web.IdentifierMatches{KnownEmailHolds: m.KnownEmail.Holds, KnownEmailRule: m.KnownEmail.Rule, Unreachable: m.Unreachable}
	for _, im := range m.Identifiers {
		row := web.MatchRow{Kind: im.Kind}
		for _, d := range im.Datasets {
			row.Datasets = append(row.Datasets, web.MatchDataset{System: d.SystemName, Dataset: d.DatasetName, Rows: d.Rows, WithEmail: d.WithEmail})
		}
		for _, rq := range im.Requests {
			row.Requests = append(row.Requests, web.MatchRequest{ID: rq.ID, Reference: rq.Reference, Verified: rq.Verified, WithEmail: rq.WithEmail})
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}
