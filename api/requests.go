package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// RequestView is a request as lists show it: no personal data.
type RequestView struct {
	ID             string  `json:"id"`
	Reference      string  `json:"reference"`
	Controller     string  `json:"controller"`
	Kind           string  `json:"kind"`
	Channel        string  `json:"channel"`
	Stage          string  `json:"stage"`
	Outcome        *string `json:"outcome"`
	ReceivedAt     string  `json:"received_at"`
	DueAt          *string `json:"due_at"`
	StatutoryDueAt *string `json:"statutory_due_at"`
	ExtendedDueAt  *string `json:"extended_due_at"`
	// RefusalDueAt is when a refusal, also a partial one, is due: the
	// statutory deadline, which an extension does not move (Art. 12(4)).
	RefusalDueAt *string    `json:"refusal_due_at"`
	Paused       bool       `json:"paused"`
	Assignee     *string    `json:"assignee"`
	Breached     bool       `json:"breached"`
	Late         bool       `json:"late"`
	GroupID      *string    `json:"group_id"`
	ClosedAt     *time.Time `json:"closed_at"`
	// Attention names the step that keeps failing (project, notify, reply,
	// forward, or workflow when the workflow stopped); null when all is well.
	Attention *AttentionView `json:"attention"`
}

// AttentionView says what of a request needs a person's attention.
type AttentionView struct {
	Step  string    `json:"step"`
	Since time.Time `json:"since"`
}

func requestView(r store.Request) RequestView {
	v := RequestView{
		ID: r.ID.String(), Reference: r.Reference, Controller: r.ControllerID, Kind: r.Kind, Channel: r.Channel, Stage: r.Stage,
		Outcome: r.Outcome, ReceivedAt: dateOf(r.ReceivedOn), DueAt: dateOfPtr(r.DueOn), StatutoryDueAt: dateOfPtr(r.StatutoryDueOn),
		ExtendedDueAt: dateOfPtr(r.ExtendedDueOn), Paused: r.PausedAt != nil, Assignee: r.Assignee, Breached: r.Breached, Late: r.Late,
		ClosedAt: r.ClosedAt, RefusalDueAt: dateOfPtr(r.StatutoryDueOn),
	}
	if r.Attention != nil {
		v.Attention = &AttentionView{Step: *r.Attention}
		if r.AttentionSince != nil {
			v.Attention.Since = *r.AttentionSince
		}
	}
	if r.GroupID != nil {
		g := r.GroupID.String()
		v.GroupID = &g
	}
	return v
}

// RequestList is a page of requests.
type RequestList struct {
	Items      []RequestView `json:"items"`
	NextCursor *string       `json:"next_cursor"`
}

func (s *Server) listRequests(c echo.Context) error {
	q := c.QueryParams()
	var errs fieldErrors
	allowed := map[string]bool{"stage": true, "kind": true, "assignee": true, "overdue": true, "due_before": true, "controller": true, "cursor": true, "limit": true, "needs_attention": true}
	for k := range q {
		if !allowed[k] {
			errs.add("/query/"+k, "unknown filter")
		}
	}
	rq := cases.RequestQuery{Stage: q.Get("stage"), Kind: q.Get("kind"), Controller: q.Get("controller"), Assignee: q.Get("assignee"),
		DueBefore: q.Get("due_before"), Cursor: q.Get("cursor"), Limit: queryLimit(q.Get("limit"))}
	if v := q.Get("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs.add("/query/overdue", "true or false")
		}
		rq.Overdue = b
	}
	if v := q.Get("needs_attention"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs.add("/query/needs_attention", "true or false")
		}
		rq.NeedsAttention = &b
	}
	if err := errs.problem(); err != nil {
		return err
	}
	page, err := s.cases.ListRequests(c.Request().Context(), principal(c), rq)
	if err != nil {
		return problem(err)
	}
	return c.JSON(http.StatusOK, requestList(page.Items, page.Next))
}

// requestList is a page of requests as the API shows it.
func requestList(rows []store.Request, next string) RequestList {
	out := RequestList{Items: make([]RequestView, 0, len(rows))}
	for _, r := range rows {
		out.Items = append(out.Items, requestView(r))
	}
	if next != "" {
		out.NextCursor = &next
	}
	return out
}
