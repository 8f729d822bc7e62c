package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// TaskView is one open task in the caseworker queue.
type TaskView struct {
	ID         string  `json:"id"`
	Kind       string  `json:"kind"`
	RequestID  string  `json:"request_id"`
	Reference  string  `json:"reference"`
	Controller string  `json:"controller"`
	RightKind  string  `json:"request_kind"`
	Assignee   *string `json:"assignee"`
	DueAt      *string `json:"due_at"`
	DaysLeft   *int    `json:"days_left"`
	// LetterID is the letter to print, or to confirm, for those tasks.
	LetterID *string `json:"letter_id"`
}

type taskRow struct {
	store.Task
	Reference    string
	ControllerID string
	RequestKind  string
	TimeZone     string
}

// TaskList is the caseworker queue.
type TaskList struct {
	Items []TaskView `json:"items"`
}

// listTasks is the queue: open tasks, mine or unassigned (or all with
// scope=all), sorted by due date, with the days left.
func (s *Server) listTasks(c echo.Context) error {
	p := principal(c)
	var errs fieldErrors
	for k := range c.QueryParams() {
		if k != "scope" && k != "limit" {
			errs.add("/query/"+k, "unknown parameter")
		}
	}
	scope := c.QueryParam("scope")
	if scope == "" {
		scope = "mine_or_unassigned"
	}
	if !slices.Contains([]string{"mine", "unassigned", "mine_or_unassigned", "all"}, scope) {
		errs.add("/query/scope", "mine, unassigned, mine_or_unassigned or all")
	}
	limit := errs.limit(c.QueryParam("limit"), 100, 500)
	if err := errs.problem(); err != nil {
		return err
	}
	db := s.store.DB.WithContext(c.Request().Context()).Table("tasks").
		Select("tasks.*, requests.reference, requests.controller_id, requests.kind AS request_kind, controllers.time_zone").
		Joins("JOIN requests ON requests.id = tasks.request_id").
		Joins("JOIN controllers ON controllers.id = requests.controller_id").
		Where("tasks.status = 'open'")
	db = scoped(db, p, "requests.controller_id")
	switch scope {
	case "mine":
		db = db.Where("tasks.assignee = ?", p.Actor)
	case "unassigned":
		db = db.Where("tasks.assignee IS NULL")
	case "mine_or_unassigned":
		db = db.Where("tasks.assignee IS NULL OR tasks.assignee = ?", p.Actor)
	}
	var rows []taskRow
	if err := db.Order("tasks.due_on NULLS LAST, tasks.id").Limit(limit).Scan(&rows).Error; err != nil {
		return s.storeError(err)
	}
	out := TaskList{Items: []TaskView{}}
	today := map[string]time.Time{} // per controller time zone
	for _, r := range rows {
		v := TaskView{ID: r.ID.String(), Kind: r.Kind, RequestID: r.RequestID.String(), Reference: r.Reference, Controller: r.ControllerID,
			RightKind: r.RequestKind, Assignee: r.Assignee, DueAt: dateOfPtr(r.DueOn)}
		if r.LetterID != nil {
			l := r.LetterID.String()
			v.LetterID = &l
		}
		if r.DueOn != nil {
			d, ok := today[r.TimeZone]
			if !ok {
				loc, err := deadline.LoadLocation(r.TimeZone)
				if err != nil {
					loc = time.UTC
				}
				d = deadline.Today(s.now(), loc)
				today[r.TimeZone] = d
			}
			n := deadline.DaysBetween(d, *r.DueOn)
			v.DaysLeft = &n
		}
		out.Items = append(out.Items, v)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) taskAction(name string) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := principal(c)
		ctx := c.Request().Context()
		id, err := uuid.Parse(c.Param("id"))
		if err != nil {
			return NewProblem(http.StatusNotFound, "not-found", "no such task")
		}
		var t store.Task
		db := s.store.DB.WithContext(ctx).Table("tasks").Select("tasks.*").
			Joins("JOIN requests ON requests.id = tasks.request_id").Where("tasks.id = ?", id)
		if err := scoped(db, p, "requests.controller_id").Limit(1).Scan(&t).Error; err != nil {
			return s.storeError(err)
		}
		if t.ID == uuid.Nil {
			return NewProblem(http.StatusNotFound, "not-found", "no such task")
		}
		var body CompleteTaskBody
		if c.Request().ContentLength > 0 {
			if name == workflows.UpdateClaimTask {
				var empty struct{}
				if err := decode(c, &empty); err != nil {
					return err
				}
			} else if err := decode(c, &body); err != nil {
				return err
			}
		}
		if err := textLimit("/found", body.Found); err != nil {
			return err
		}
		var arg any
		if name == workflows.UpdateClaimTask {
			arg = workflows.ClaimTask{TaskID: id, By: workflows.Actor(p.Actor)}
		} else {
			arg = workflows.CompleteTask{TaskID: id, By: workflows.Actor(p.Actor), Found: body.Found}
			if err := s.mayErase(ctx, t); err != nil {
				return err
			}
		}
		uid, err := s.actionUpdateID(ctx, c.Request().Header.Get("Idempotency-Key"), p.Actor, name, t.RequestID, id)
		if err != nil {
			return err
		}
		st, err := s.update(ctx, t.RequestID, uid, name, arg)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, stateView(st))
	}
}

// mayErase refuses to complete an erasure's fulfilment while another
// request of the same person is open at the controller: data a pending
// request concerns must not be erased (LEGAL.md §4). The caseworker sees
// which requests block it.
func (s *Server) mayErase(ctx context.Context, t store.Task) error {
	if t.Kind != string(workflows.TaskFulfil) {
		return nil
	}
	var r store.Request
	if err := s.store.DB.WithContext(ctx).First(&r, "id = ?", t.RequestID).Error; err != nil {
		return s.storeError(err)
	}
	if r.Kind != string(rights.KindErasure) {
		return nil
	}
	pending, err := s.intake.PendingFor(ctx, r)
	if err != nil {
		return s.storeError(err)
	}
	if len(pending) == 0 {
		return nil
	}
	p := NewProblem(http.StatusConflict, "rule-broken", fmt.Sprintf(
		"%d other request(s) of the same person are still open (first: %s, %s); nothing may be erased until they are answered", len(pending), pending[0].Reference, pending[0].Kind))
	p.Rule = "art-17-pending-request"
	for _, o := range pending {
		p.BlockedBy = append(p.BlockedBy, BlockingRequest{ID: o.ID.String(), Reference: o.Reference, Kind: o.Kind, Stage: o.Stage})
	}
	return p
}
