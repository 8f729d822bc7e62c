package staff

import (
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/httpx"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/web"
)

// inboxLimit is how many tasks one page of the inbox shows when the URL
// asks no other number (limit, 1 to cases.MaxTaskLimit): the soonest due of
// those its filters find; the service filters and pages, so a "next page"
// link (the list's keyset cursor) leads to the rest, none missed.
const inboxLimit = 100

// staffPeople lists the staff of the controllers the person acts for who
// may act on a case (caseworker, admin), for assignment.
func (d *Door) staffPeople(c echo.Context) ([]web.Person, error) {
	members, err := d.Cases.ListStaff(c.Request().Context(), actor(c))
	if err != nil {
		return nil, err
	}
	people := make([]web.Person, 0, len(members))
	for _, m := range members {
		// Only those who may act on a case are offered as its assignee.
		if !m.MayAct() {
			continue
		}
		name := m.DisplayName
		if name == "" {
			name = m.ID
		}
		people = append(people, web.Person{ID: m.ID, Name: name})
	}
	return people, nil
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

// inboxPage is the caseworker's tasks, mine and unassigned by default,
// soonest due first; the filters live in the URL.
func (d *Door) inboxPage(c echo.Context) error {
	return d.renderInbox(c, http.StatusOK, "")
}

func (d *Door) renderInbox(c echo.Context, status int, problem string) error {
	page := web.Inbox{Page: staffBase(c, "inbox.title"), CSRF: httpx.Token(c), Key: uuid.NewString(),
		Scope: c.QueryParam("scope"), Kind: c.QueryParam("kind"), Right: c.QueryParam("right"), Kinds: cases.TaskKinds, Error: problem}
	for _, k := range rights.Kinds {
		page.Rights = append(page.Rights, string(k))
	}
	if !slices.Contains([]string{"mine", "unassigned", "all"}, page.Scope) {
		page.Scope = "mine_or_unassigned"
	}
	limit := inboxLimit
	if l := c.QueryParam("limit"); l != "" {
		var err error
		if limit, err = strconv.Atoi(l); err != nil {
			limit = -1 // refused by the service as a field error, like a bad filter
		}
	}
	ctx := c.Request().Context()
	list, err := d.Cases.ListTasks(ctx, actor(c), cases.TaskQuery{Scope: page.Scope, Kind: page.Kind, Right: page.Right,
		Cursor: c.QueryParam("cursor"), Limit: limit})
	var fields cases.FieldErrors
	if errors.As(err, &fields) {
		// A filter the page does not offer (a hand-made URL).
		page.Error, status = page.T["requests.invalid"], http.StatusUnprocessableEntity
	} else if err != nil {
		return err
	}
	if page.Staff, err = d.staffPeople(c); err != nil {
		return err
	}
	names := nameOf(page.Staff)
	me := actor(c).Actor
	for _, t := range list.Items {
		it := web.InboxTask{ID: t.ID.String(), Kind: t.Kind, RequestID: t.RequestID.String(), Reference: t.Reference, Controller: t.ControllerID,
			Right: t.RequestKind, DaysLeft: t.DaysLeft, DueOn: t.DueOn}
		if t.Assignee != nil {
			it.Assignee, it.Mine = names(*t.Assignee), *t.Assignee == me
		}
		if t.DueOn != nil && t.DaysLeft != nil {
			it.Urgency = web.Urgency(*t.DaysLeft, deadline.DaysBetween(t.ReceivedOn, *t.DueOn))
		}
		page.Tasks = append(page.Tasks, it)
	}
	if list.Next != "" {
		// The next page keeps the filters (and a page size asked for).
		next := url.Values{"scope": {page.Scope}, "cursor": {list.Next}}
		for _, k := range []string{"kind", "right", "limit"} {
			if v := c.QueryParam(k); v != "" {
				next.Set(k, v)
			}
		}
		page.NextQuery = next.Encode()
	}
	return d.render(c, status, "inbox", page)
}

// inboxClaim claims one task.
func (d *Door) inboxClaim(c echo.Context) error {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return d.inboxRefused(c, &cases.NotFoundError{Detail: "no such task"})
	}
	if _, err := d.Cases.ClaimTask(c.Request().Context(), actor(c), id, ""); err != nil {
		return d.inboxRefused(c, err)
	}
	return back(c, "/staff/inbox")
}

// inboxAssign assigns the requests of the chosen tasks to one person, each
// by the assignment action.
func (d *Door) inboxAssign(c echo.Context) error {
	form, err := c.FormParams()
	if err != nil {
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
	}
	tasks := form["task"]
	choose := web.NewPage(c, "").T["inbox.choose"]
	if len(tasks) == 0 || len(tasks) > 100 {
		return d.renderInbox(c, http.StatusUnprocessableEntity, choose)
	}
	ids := make([]uuid.UUID, 0, len(tasks))
	for _, t := range tasks {
		id, err := uuid.Parse(t)
		if err != nil {
			return d.renderInbox(c, http.StatusUnprocessableEntity, choose)
		}
		ids = append(ids, id)
	}
	n, err := d.Cases.AssignTasks(c.Request().Context(), actor(c), ids, form.Get("assignee"), form.Get("_key"))
	if err != nil {
		if n > 0 {
			d.Log.Info("bulk assignment stopped part way", "assigned", n)
		}
		return d.inboxRefused(c, err)
	}
	return back(c, "/staff/inbox")
}

// inboxRefused shows the inbox again with the refusal's words.
func (d *Door) inboxRefused(c echo.Context, err error) error {
	status := web.Status(err)
	if status == 0 || status >= 500 {
		return err
	}
	return d.renderInbox(c, status, web.Refusal(web.NewPage(c, "").T, err))
}
