package cases

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// TaskKinds are the kinds of task the queue can be filtered by.
var TaskKinds = []string{string(workflows.TaskVerifyIdentity), string(workflows.TaskAwaitSubject), string(workflows.TaskDecide), string(workflows.TaskFulfil),
	string(workflows.TaskPrintLetter), string(workflows.TaskConfirmDelivery), string(workflows.TaskApproveReply), string(workflows.TaskAttention)}

// Stages are the stages of a request, for filters.
var Stages = []string{"received", "identity", "assessment", "fulfilment", "reply", "closed", "withdrawn", "forwarded"}

// TaskScopes are the queue's scopes; the default is mine_or_unassigned.
var TaskScopes = []string{"mine", "unassigned", "mine_or_unassigned", "all"}

// TaskQuery asks for a page of the caseworker queue. Every filter is
// applied by the database, so a filtered queue finds every match.
type TaskQuery struct {
	// Scope is mine, unassigned, mine_or_unassigned (default) or all.
	Scope string
	// Kind is a task kind (TaskKinds); empty means any.
	Kind string
	// Right is the right of the task's request (rights.Kinds); empty means any.
	Right string
	// Stage is the stage of the task's request; empty means any.
	Stage string
	// Controller is one controller; empty means every one the caller may see.
	Controller string
	// Cursor continues a list: a TaskPage's Next.
	Cursor string
	// Limit is the page's size: 1 to MaxTaskLimit, 0 meaning DefaultTaskLimit.
	Limit int
}

// The queue's page sizes.
const (
	DefaultTaskLimit = 100
	MaxTaskLimit     = 500
)

// Task is one open task of the queue.
type Task struct {
	store.QueueTask
	// DaysLeft are the days until it is due, in its controller's today;
	// nil without a due day.
	DaysLeft *int
}

// TaskPage is a page of the queue.
type TaskPage struct {
	Items []Task
	// Next continues the list; empty on the last page.
	Next string
}

// ListTasks is the caseworker queue: open tasks of the controllers p acts
// for, in the scope and filters asked, soonest due first.
func (s *Service) ListTasks(ctx context.Context, p *Principal, q TaskQuery) (TaskPage, error) {
	var errs FieldErrors
	if q.Scope == "" {
		q.Scope = string(store.TasksMineOrUnassigned)
	}
	if !slices.Contains(TaskScopes, q.Scope) {
		errs.Add("/query/scope", "mine, unassigned, mine_or_unassigned or all")
	}
	if q.Kind != "" && !slices.Contains(TaskKinds, q.Kind) {
		errs.Add("/query/kind", "one of %s", strings.Join(TaskKinds, ", "))
	}
	if q.Right != "" && !rights.Kind(q.Right).Valid() {
		errs.Add("/query/right", "unknown right %q", q.Right)
	}
	if q.Stage != "" && !slices.Contains(Stages, q.Stage) {
		errs.Add("/query/stage", "unknown stage %q", q.Stage)
	}
	if q.Limit == 0 {
		q.Limit = DefaultTaskLimit
	}
	if q.Limit < 1 || q.Limit > MaxTaskLimit {
		errs.Add("/query/limit", "a number from 1 to %d", MaxTaskLimit)
	}
	f := store.TaskFilter{Controllers: p.Controllers, Actor: p.Actor, Scope: store.TaskScope(q.Scope), Kind: q.Kind,
		RequestKind: q.Right, Stage: q.Stage, Controller: q.Controller, Limit: q.Limit + 1}
	if q.Cursor != "" {
		k, err := parseTaskCursor(q.Cursor)
		if err != nil {
			errs.Add("/query/cursor", "not a cursor from this list")
		}
		f.After = &k
	}
	if err := errs.Err(); err != nil {
		return TaskPage{}, err
	}
	rows, err := s.store.ListTasks(ctx, f)
	if err != nil {
		return TaskPage{}, s.storeError(err)
	}
	out := TaskPage{Items: make([]Task, 0, len(rows))}
	today := map[string]time.Time{} // per controller time zone
	for i, r := range rows {
		if i == q.Limit {
			out.Next = taskCursor(rows[i-1].Key())
			break
		}
		t := Task{QueueTask: r}
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
			t.DaysLeft = &n
		}
		out.Items = append(out.Items, t)
	}
	return out, nil
}

// taskCursor is a task's place in the queue as an opaque string.
func taskCursor(k store.TaskKey) string {
	due := "none"
	if k.DueOn != nil {
		due = k.DueOn.UTC().Format(time.DateOnly)
	}
	return base64.RawURLEncoding.EncodeToString([]byte("t|" + due + "|" + k.ID.String()))
}

func parseTaskCursor(s string) (store.TaskKey, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return store.TaskKey{}, err
	}
	parts := strings.Split(string(b), "|")
	if len(parts) != 3 || parts[0] != "t" {
		return store.TaskKey{}, errBadCursor
	}
	var k store.TaskKey
	if parts[1] != "none" {
		d, err := deadline.ParseDate(parts[1])
		if err != nil {
			return k, err
		}
		k.DueOn = &d
	}
	k.ID, err = uuid.Parse(parts[2])
	return k, err
}
