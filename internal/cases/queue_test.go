package cases_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// queue is a real PostgreSQL holding more open tasks than one page of the
// inbox (500), written by the code that writes them in production: the
// requests by the intake (intake.Service.Register, as POST /v1/requests
// does), their tasks by the workflow's projection activity
// (Activities.Project). Starting 500 workflows would take minutes on the
// test machine, so the test calls the projection activity itself, with
// the tasks a workflow at the identity stage projects.
type queue struct {
	svc *cases.Service
	// special is the one decide task, due after every other task, of a
	// request at the assessment stage.
	special uuid.UUID
	total   int
}

func newQueue(t *testing.T, n int) queue {
	t.Helper()
	ctx := context.Background()
	st := pgtest.New(t)
	require.NoError(t, controllers.Sync(ctx, st, controllers.Demo()))
	keys := crypto.InsecureTestKeyring()
	in := &intake.Service{Store: st, Keys: keys}
	acts := &activities.Activities{Store: st, Subjects: in}
	received := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	q := queue{svc: cases.New(cases.Deps{Store: st, Keys: keys, Now: func() time.Time { return received.Add(36 * time.Hour) }})}
	kinds := []string{"access", "erasure", "restriction"}
	project := func(r store.Request, stage, task string, due time.Time) uuid.UUID {
		id := uuid.New()
		err := acts.Project(ctx, rights.ProjectInput{
			Request: rights.RequestSnapshot{RequestID: r.ID, Stage: stage, DueOn: due, StatutoryDueOn: due, Version: 1},
			Tasks:   []rights.TaskSnapshot{{ID: id, Kind: task, Status: "open", DueOn: due, CreatedAt: received}},
		})
		require.NoError(t, err)
		return id
	}
	for i := 0; q.total < n; i++ {
		res, err := in.Register(ctx, intake.Intake{ControllerID: "demo", Kinds: kinds, Channel: "web", ReceivedOn: received, Language: "da",
			Subject: intake.Subject{Name: "Queue Person", Email: "queue@example.dk"}, RegisteredBy: "subject"})
		require.NoError(t, err)
		for j, r := range res.Requests {
			// Twenty days of due dates, many tasks a day: the cursor's tie
			// on the day is broken by the ID.
			project(r, "identity", "verify_identity", received.AddDate(0, 0, 10+(i*len(kinds)+j)%20))
			q.total++
		}
	}
	res, err := in.Register(ctx, intake.Intake{ControllerID: "demo", Kinds: []string{"objection"}, Channel: "web", ReceivedOn: received, Language: "da",
		Subject: intake.Subject{Name: "Late Person", Email: "late@example.dk"}, RegisteredBy: "subject"})
	require.NoError(t, err)
	q.special = project(res.Requests[0], "assessment", "decide", received.AddDate(0, 0, 40))
	q.total++
	return q
}

var admin = &cases.Principal{Actor: "token:admin1", Roles: []string{"admin"}}

// all pages through a query with the cursor, returning the tasks in order.
func (q queue) all(t *testing.T, tq cases.TaskQuery) []cases.Task {
	t.Helper()
	var out []cases.Task
	for pages := 0; ; pages++ {
		require.Less(t, pages, 1000, "the cursor does not end")
		page, err := q.svc.ListTasks(context.Background(), admin, tq)
		require.NoError(t, err)
		require.LessOrEqual(t, len(page.Items), tq.Limit)
		out = append(out, page.Items...)
		if page.Next == "" {
			return out
		}
		require.Len(t, page.Items, tq.Limit, "only the last page is short")
		tq.Cursor = page.Next
	}
}

func ids(tasks []cases.Task) []uuid.UUID {
	out := make([]uuid.UUID, len(tasks))
	for i, t := range tasks {
		out[i] = t.ID
	}
	return out
}

// TestInboxFilterFindsTasksBeyondTheFirst500 is the inbox's filter above
// 500 open tasks: the decide task due last is not among the 500 soonest,
// and a queue filtered by its kind (or its right, or its stage) finds it on
// the first page, because the database filters before it limits.
func TestInboxFilterFindsTasksBeyondTheFirst500(t *testing.T) {
	q := newQueue(t, 540)
	ctx := context.Background()
	first, err := q.svc.ListTasks(ctx, admin, cases.TaskQuery{Scope: "all", Limit: cases.MaxTaskLimit})
	require.NoError(t, err)
	require.Len(t, first.Items, 500)
	require.NotContains(t, ids(first.Items), q.special, "the decide task is not among the 500 soonest")
	require.NotEmpty(t, first.Next)

	for _, tq := range []cases.TaskQuery{
		{Scope: "all", Kind: "decide"},
		{Scope: "all", Right: "objection"},
		{Scope: "all", Stage: "assessment"},
		{Scope: "unassigned", Kind: "decide", Right: "objection", Stage: "assessment", Controller: "demo"},
	} {
		page, err := q.svc.ListTasks(ctx, admin, tq)
		require.NoError(t, err)
		require.Equal(t, []uuid.UUID{q.special}, ids(page.Items), "%+v", tq)
		require.Empty(t, page.Next)
		require.Equal(t, "objection", page.Items[0].RequestKind)
		require.Equal(t, 39, *page.Items[0].DaysLeft, "days left from 3 November, today in Copenhagen, to 12 December")
	}
	none, err := q.svc.ListTasks(ctx, admin, cases.TaskQuery{Scope: "all", Kind: "decide", Right: "access"})
	require.NoError(t, err)
	require.Empty(t, none.Items)
}

// TestInboxCursorReturnsEveryTaskOnce pages through more than 500 open
// tasks, filtered and not: every task comes once, in the queue's order
// (due day, then ID), and a filtered queue holds exactly the tasks of the
// whole queue that match.
func TestInboxCursorReturnsEveryTaskOnce(t *testing.T) {
	q := newQueue(t, 510)
	every := q.all(t, cases.TaskQuery{Scope: "all", Limit: 37})
	require.Len(t, every, q.total)
	seen := map[uuid.UUID]bool{}
	for i, task := range every {
		require.False(t, seen[task.ID], "task %s twice", task.ID)
		seen[task.ID] = true
		if i > 0 {
			prev := every[i-1]
			require.False(t, task.DueOn.Before(*prev.DueOn), "sorted by due day")
			if task.DueOn.Equal(*prev.DueOn) {
				require.Negative(t, slices.Compare(prev.ID[:], task.ID[:]), "ties sorted by ID")
			}
		}
	}
	for _, tq := range []cases.TaskQuery{
		{Scope: "all", Limit: 50, Right: "erasure"},
		{Scope: "all", Limit: 500, Kind: "verify_identity"},
		{Scope: "all", Limit: 7, Kind: "verify_identity", Right: "restriction", Stage: "identity"},
	} {
		var want []uuid.UUID
		for _, task := range every {
			if (tq.Kind == "" || task.Kind == tq.Kind) && (tq.Right == "" || task.RequestKind == tq.Right) && (tq.Stage == "" || task.Stage == tq.Stage) {
				want = append(want, task.ID)
			}
		}
		require.NotEmpty(t, want)
		require.Equal(t, want, ids(q.all(t, tq)), "%+v", tq)
	}
}

// TestInboxRefusesWhatItCannotRead: unknown filters and foreign cursors are
// field errors naming the query parameter, not an empty queue.
func TestInboxRefusesWhatItCannotRead(t *testing.T) {
	svc := cases.New(cases.Deps{Keys: crypto.InsecureTestKeyring()})
	for _, c := range []struct {
		q       cases.TaskQuery
		pointer string
	}{
		{cases.TaskQuery{Kind: "sleep"}, "/query/kind"},
		{cases.TaskQuery{Right: "be_forgotten"}, "/query/right"},
		{cases.TaskQuery{Stage: "limbo"}, "/query/stage"},
		{cases.TaskQuery{Scope: "yours"}, "/query/scope"},
		{cases.TaskQuery{Limit: 501}, "/query/limit"},
		{cases.TaskQuery{Cursor: "bm90IGEgY3Vyc29y"}, "/query/cursor"},
	} {
		_, err := svc.ListTasks(context.Background(), admin, c.q)
		var fields cases.FieldErrors
		require.True(t, errors.As(err, &fields), "%+v: %v", c.q, err)
		require.Equal(t, c.pointer, fields[0].Pointer)
	}
}
