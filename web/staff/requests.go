package staff

import (
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/httpx"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/web"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// requestFilters are the list's filters the page keeps in its URL.
var requestFilters = []string{"stage", "kind", "assignee", "overdue", "due_before", "controller", "needs_attention", "cursor"}

// requestQuery reads the list's filters from the URL; the fields it
// cannot read are named as the service names its own (/query/<name>).
func requestQuery(q url.Values) (cases.RequestQuery, cases.FieldErrors) {
	out := cases.RequestQuery{Stage: q.Get("stage"), Kind: q.Get("kind"), Assignee: q.Get("assignee"), DueBefore: q.Get("due_before"),
		Controller: q.Get("controller"), Cursor: q.Get("cursor")}
	var errs cases.FieldErrors
	if v := q.Get("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs.Add("/query/overdue", "true or false")
		}
		out.Overdue = b
	}
	if v := q.Get("needs_attention"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs.Add("/query/needs_attention", "true or false")
		} else {
			out.NeedsAttention = &b
		}
	}
	return out, errs
}

// requestsPage is the request list with its filters, and its CSV.
func (d *Door) requestsPage(c echo.Context) error {
	page := web.RequestsPage{Page: staffBase(c, "requests.title"), Filters: map[string]string{}, Stages: cases.Stages, Invalid: map[string]bool{}}
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
	query, errs := requestQuery(q)
	if len(errs) == 0 && c.QueryParam("format") == "csv" {
		return d.requestsCSV(c, query)
	}
	var list cases.RequestPage
	err := errs.Err()
	if err == nil {
		list, err = d.Cases.ListRequests(c.Request().Context(), actor(c), query)
	}
	var fields cases.FieldErrors
	if errors.As(err, &fields) {
		page.Error = page.T["requests.invalid"]
		for _, fe := range fields {
			page.Invalid[strings.TrimPrefix(fe.Pointer, "/query/")] = true
		}
		return d.render(c, http.StatusUnprocessableEntity, "requests", page)
	}
	if err != nil {
		return err
	}
	todays, err := d.Cases.Todays(c.Request().Context(), nil)
	if err != nil {
		return err
	}
	for _, r := range list.Items {
		page.Items = append(page.Items, requestRow(r, todays))
	}
	if list.Next != "" {
		next := url.Values{}
		for k, v := range q {
			next[k] = v
		}
		next.Set("cursor", list.Next)
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
	return d.render(c, http.StatusOK, "requests", page)
}

// requestRow is a list's request as the pages show it.
func requestRow(r store.Request, todays map[string]time.Time) web.RequestRow {
	row := web.RequestRow{ID: r.ID.String(), Reference: r.Reference, Controller: r.ControllerID, Right: r.Kind, Stage: r.Stage, Channel: r.Channel,
		Paused: r.PausedAt != nil, Breached: r.Breached, Late: r.Late, Attention: r.Attention != nil, ReceivedOn: r.ReceivedOn, DueOn: r.DueOn}
	if r.Outcome != nil {
		row.Outcome = *r.Outcome
	}
	if r.Assignee != nil {
		row.Assignee = *r.Assignee
	}
	if r.DueOn != nil && r.ClosedAt == nil && !workflows.Stage(r.Stage).Final() {
		n := deadline.DaysBetween(todays[r.ControllerID], *r.DueOn)
		row.DaysLeft = &n
		row.Urgency = web.Urgency(n, deadline.DaysBetween(r.ReceivedOn, *r.DueOn))
	}
	return row
}

// maxCSVRows bounds one CSV export.
const maxCSVRows = 50000

// requestsCSV writes every request the filters find, page by page, as
// CSV: no personal data, as in the list.
func (d *Door) requestsCSV(c echo.Context, q cases.RequestQuery) error {
	rows := [][]string{{"reference", "controller", "right", "channel", "stage", "outcome", "received_at", "due_at",
		"statutory_due_at", "extended_due_at", "paused", "assignee", "breached", "late", "closed_at"}}
	q.Limit = cases.MaxRequestLimit
	for n := 0; n < maxCSVRows; {
		list, err := d.Cases.ListRequests(c.Request().Context(), actor(c), q)
		if err != nil {
			return err
		}
		for _, r := range list.Items {
			closed := ""
			if r.ClosedAt != nil {
				closed = r.ClosedAt.UTC().Format(time.RFC3339)
			}
			rows = append(rows, []string{r.Reference, r.ControllerID, r.Kind, r.Channel, r.Stage, str(r.Outcome), day(&r.ReceivedOn), day(r.DueOn),
				day(r.StatutoryDueOn), day(r.ExtendedDueOn), strconv.FormatBool(r.PausedAt != nil), str(r.Assignee), strconv.FormatBool(r.Breached),
				strconv.FormatBool(r.Late), closed})
		}
		n += len(list.Items)
		if list.Next == "" {
			break
		}
		q.Cursor = list.Next
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, `attachment; filename="requests.csv"`)
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

// day writes a day as the CSV and the API do: YYYY-MM-DD.
func day(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// searchPage is the search form: identifiers go in a POST body, never in
// a URL.
func (d *Door) searchPage(c echo.Context) error {
	page := web.SearchPage{Page: staffBase(c, "search.title"), CSRF: httpx.Token(c), Values: map[string]string{}, Invalid: map[string]bool{}}
	return d.render(c, http.StatusOK, "search", page)
}

// searchPost finds every request of a person by their identifiers.
func (d *Door) searchPost(c echo.Context) error {
	page := web.SearchPage{Page: staffBase(c, "search.title"), CSRF: httpx.Token(c), Values: map[string]string{}, Invalid: map[string]bool{}, Searched: true}
	b := cases.Search{Email: c.FormValue("email"), CPR: c.FormValue("cpr"), Personnummer: c.FormValue("personnummer"), Phone: c.FormValue("phone")}
	page.Values = map[string]string{"email": b.Email, "cpr": b.CPR, "personnummer": b.Personnummer, "phone": b.Phone}
	found, err := d.Cases.SearchRequests(c.Request().Context(), actor(c), b)
	var fields cases.FieldErrors
	if errors.As(err, &fields) {
		page.Searched = false
		for _, fe := range fields {
			field := strings.TrimPrefix(fe.Pointer, "/")
			msg := page.T["search.field."+field]
			if field == "" {
				msg = page.T["search.none"]
			}
			page.Errors = append(page.Errors, web.FormError{Field: field, Message: msg})
			page.Invalid[field] = true
		}
		return d.render(c, http.StatusUnprocessableEntity, "search", page)
	}
	if err != nil {
		return err
	}
	todays, err := d.Cases.Todays(c.Request().Context(), nil)
	if err != nil {
		return err
	}
	for _, r := range found {
		page.Results = append(page.Results, requestRow(r, todays))
	}
	sort.SliceStable(page.Results, func(i, j int) bool { return page.Results[i].ReceivedOn.After(page.Results[j].ReceivedOn) })
	return d.render(c, http.StatusOK, "search", page)
}
