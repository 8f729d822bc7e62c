package api

import (
	"net/http"
	"strconv"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
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

// TaskList is a page of the caseworker queue.
type TaskList struct {
	Items []TaskView `json:"items"`
	// NextCursor continues the list (?cursor=); null on the last page.
	NextCursor *string `json:"next_cursor"`
}

// taskQuery are the task list's query parameters.
var taskQuery = map[string]bool{"scope": true, "kind": true, "right": true, "stage": true, "controller": true, "cursor": true, "limit": true}

// listTasks is the queue: open tasks, mine or unassigned (or all with
// scope=all), filtered by task kind, right and stage, sorted by due date,
// with the days left; paged by cursor.
func (s *Server) listTasks(c echo.Context) error {
	q := c.QueryParams()
	var errs fieldErrors
	for k := range q {
		if !taskQuery[k] {
			errs.add("/query/"+k, "unknown parameter")
		}
	}
	if err := errs.problem(); err != nil {
		return err
	}
	page, err := s.cases.ListTasks(c.Request().Context(), principal(c), cases.TaskQuery{Scope: q.Get("scope"), Kind: q.Get("kind"),
		Right: q.Get("right"), Stage: q.Get("stage"), Controller: q.Get("controller"), Cursor: q.Get("cursor"), Limit: queryLimit(q.Get("limit"))})
	if err != nil {
		return problem(err)
	}
	out := TaskList{Items: make([]TaskView, 0, len(page.Items))}
	for _, t := range page.Items {
		v := TaskView{ID: t.ID.String(), Kind: t.Kind, RequestID: t.RequestID.String(), Reference: t.Reference, Controller: t.ControllerID,
			RightKind: t.RequestKind, Assignee: t.Assignee, DueAt: dateOfPtr(t.DueOn), DaysLeft: t.DaysLeft}
		if t.LetterID != nil {
			l := t.LetterID.String()
			v.LetterID = &l
		}
		out.Items = append(out.Items, v)
	}
	if page.Next != "" {
		out.NextCursor = &page.Next
	}
	return c.JSON(http.StatusOK, out)
}

// queryLimit reads the limit parameter: 0 when absent (the list's
// default), -1 when not a number (which the service refuses by name).
func queryLimit(v string) int {
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return -1
	}
	return n
}

// CompleteTaskBody optionally records, for a fulfilment task done by hand,
// what the caseworker did and found.
type CompleteTaskBody struct {
	Found string `json:"found"`
}

func (s *Server) taskAction(name string) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := principal(c)
		ctx := c.Request().Context()
		id, err := uuid.Parse(c.Param("id"))
		if err != nil {
			return NewProblem(http.StatusNotFound, "not-found", "no such task")
		}
		// Visibility first: another controller's task is not found,
		// whatever the body.
		if _, err := s.cases.Task(ctx, p, id); err != nil {
			return problem(err)
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
		key := c.Request().Header.Get("Idempotency-Key")
		var st workflows.State
		if name == workflows.UpdateClaimTask {
			st, err = s.cases.ClaimTask(ctx, p, id, key)
		} else {
			st, err = s.cases.CompleteTask(ctx, p, id, key, body.Found)
		}
		if err != nil {
			return problem(err)
		}
		return c.JSON(http.StatusOK, stateView(st))
	}
}
