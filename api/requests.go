package api

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"gorm.io/gorm"

	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/rights"
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

// scoped limits a query to the controllers the principal acts for.
func scoped(db *gorm.DB, p *Principal, column string) *gorm.DB {
	if len(p.Controllers) == 0 {
		return db
	}
	return db.Where(column+" IN ?", p.Controllers)
}

// RequestList is a page of requests.
type RequestList struct {
	Items      []RequestView `json:"items"`
	NextCursor *string       `json:"next_cursor"`
}

var stages = []string{"received", "identity", "assessment", "fulfilment", "reply", "closed", "withdrawn", "forwarded"}

func (s *Server) listRequests(c echo.Context) error {
	p := principal(c)
	q := c.QueryParams()
	var errs fieldErrors
	db := scoped(s.store.DB.WithContext(c.Request().Context()).Model(&store.Request{}), p, "controller_id")
	allowed := map[string]bool{"stage": true, "kind": true, "assignee": true, "overdue": true, "due_before": true, "controller": true, "cursor": true, "limit": true, "needs_attention": true}
	for k := range q {
		if !allowed[k] {
			errs.add("/query/"+k, "unknown filter")
		}
	}
	if v := q.Get("stage"); v != "" {
		if !slices.Contains(stages, v) {
			errs.add("/query/stage", "unknown stage %q", v)
		}
		db = db.Where("stage = ?", v)
	}
	if v := q.Get("kind"); v != "" {
		if !rights.Kind(v).Valid() {
			errs.add("/query/kind", "unknown right %q", v)
		}
		db = db.Where("kind = ?", v)
	}
	if v := q.Get("controller"); v != "" {
		db = db.Where("controller_id = ?", v)
	}
	if v := q.Get("assignee"); v != "" {
		if v == "me" {
			v = p.Actor
		}
		db = db.Where("assignee = ?", v)
	}
	if v := q.Get("overdue"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs.add("/query/overdue", "true or false")
		} else if b {
			cond, args, err := s.overdueCondition(c.Request().Context())
			if err != nil {
				return err
			}
			db = db.Where("closed_at IS NULL").Where(cond, args...)
		}
	}
	if v := q.Get("needs_attention"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs.add("/query/needs_attention", "true or false")
		} else if b {
			db = db.Where("attention IS NOT NULL")
		} else {
			db = db.Where("attention IS NULL")
		}
	}
	if v := q.Get("due_before"); v != "" {
		d, err := deadline.ParseDate(v)
		if err != nil {
			errs.add("/query/due_before", "%q is not a real date (YYYY-MM-DD)", v)
		}
		db = db.Where("due_on < ?", d)
	}
	limit := errs.limit(q.Get("limit"), 50, 200)
	if v := q.Get("cursor"); v != "" {
		due, id, err := parseCursor(v)
		if err != nil {
			errs.add("/query/cursor", "not a cursor from this list")
		}
		// Keyset pagination over (due_on, id); requests without a due date sort last.
		db = db.Where("(COALESCE(due_on, 'infinity'::date), id) > (?::date, ?)", due, id)
	}
	if err := errs.problem(); err != nil {
		return err
	}
	var rows []store.Request
	if err := db.Order("COALESCE(due_on, 'infinity'::date), id").Limit(limit + 1).Find(&rows).Error; err != nil {
		return s.storeError(err)
	}
	out := RequestList{Items: []RequestView{}}
	for i, r := range rows {
		if i == limit {
			cur := makeCursor(rows[i-1])
			out.NextCursor = &cur
			break
		}
		out.Items = append(out.Items, requestView(r))
	}
	return c.JSON(http.StatusOK, out)
}

func makeCursor(r store.Request) string {
	due := "infinity"
	if r.DueOn != nil {
		due = dateOf(*r.DueOn)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(due + "|" + r.ID.String()))
}

func parseCursor(s string) (string, uuid.UUID, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return "", uuid.Nil, err
	}
	due, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return "", uuid.Nil, fmt.Errorf("bad cursor")
	}
	if due != "infinity" {
		if _, err := deadline.ParseDate(due); err != nil {
			return "", uuid.Nil, err
		}
	}
	u, err := uuid.Parse(id)
	return due, u, err
}

// overdueCondition is "due before today", with today in each controller's
// own time zone (deadline.Today, the one definition of today).
func (s *Server) overdueCondition(ctx context.Context) (string, []any, error) {
	var ctrls []store.Controller
	if err := s.store.DB.WithContext(ctx).Select("id, time_zone").Find(&ctrls).Error; err != nil {
		return "", nil, s.storeError(err)
	}
	conds := []string{"false"}
	var args []any
	now := s.now()
	for _, c := range ctrls {
		loc, err := deadline.LoadLocation(c.TimeZone)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, "(controller_id = ? AND due_on < ?)")
		args = append(args, c.ID, deadline.Today(now, loc))
	}
	return "(" + strings.Join(conds, " OR ") + ")", args, nil
}
