package activities

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func setup(t *testing.T) (*Activities, uuid.UUID) {
	t.Helper()
	st := pgtest.New(t)
	require.NoError(t, controllers.Sync(context.Background(), st, controllers.Demo()))
	id := uuid.New()
	require.NoError(t, st.DB.Create(&store.Request{ID: id, Reference: "RD-TEST-1", ControllerID: "demo", Kind: "access",
		Channel: "web", Language: "da", Stage: "received", ReceivedOn: time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)}).Error)
	return &Activities{Store: st}, id
}

func TestProjectMovesOnlyForward(t *testing.T) {
	ctx := context.Background()
	a, id := setup(t)
	due := time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC)
	task := rights.TaskSnapshot{ID: uuid.New(), Kind: "decide", Status: "open", DueOn: due, CreatedAt: time.Now()}
	v2 := rights.ProjectInput{
		Request: rights.RequestSnapshot{RequestID: id, Stage: "assessment", DueOn: due, StatutoryDueOn: due, Version: 2},
		Tasks:   []rights.TaskSnapshot{task},
		Events:  []rights.EventInput{{Key: id.String() + "/2/a", RequestID: id, At: time.Now(), Actor: "cw-1", Action: "identity.verified"}},
	}
	require.NoError(t, a.Project(ctx, v2))
	require.NoError(t, a.Project(ctx, v2), "a retried projection changes nothing")

	stale := v2
	stale.Request.Stage, stale.Request.Version = "identity", 1
	stale.Tasks = []rights.TaskSnapshot{{ID: task.ID, Kind: "decide", Status: "cancelled", DueOn: due, CreatedAt: task.CreatedAt}}
	stale.Events = []rights.EventInput{{Key: id.String() + "/1/x", RequestID: id, At: time.Now(), Actor: "system", Action: "stage.identity"}}
	require.NoError(t, a.Project(ctx, stale))

	var r store.Request
	require.NoError(t, a.Store.DB.First(&r, "id = ?", id).Error)
	require.Equal(t, "assessment", r.Stage, "a stale version does not regress the row")
	require.Equal(t, int64(2), r.Version)
	require.True(t, r.WorkflowStarted)
	var tk store.Task
	require.NoError(t, a.Store.DB.First(&tk, "id = ?", task.ID).Error)
	require.Equal(t, "open", tk.Status)
	var n int64
	a.Store.DB.Model(&store.Event{}).Where("request_id = ?", id).Count(&n)
	require.Equal(t, int64(2), n, "each event once; a stale projection's events still belong in the log")

	missing := v2
	missing.Request.RequestID = uuid.New()
	err := a.Project(ctx, missing)
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr))
	require.Equal(t, ErrTypeNotFound, appErr.Type())
	require.True(t, appErr.NonRetryable())
}

func TestSendNoticeOnce(t *testing.T) {
	ctx := context.Background()
	a, id := setup(t)
	n := rights.NoticeInput{Key: id.String() + "/reminder-7/2026-02-28", RequestID: id, Kind: "reminder", Recipient: "caseworkers", DueAt: time.Now()}
	for range 2 {
		res, err := a.SendNotice(ctx, n)
		require.NoError(t, err)
		require.Equal(t, "recorded", res.Status, "without an outbox a notice is only recorded")
	}
	var count int64
	a.Store.DB.Model(&store.Notice{}).Where("request_id = ?", id).Count(&count)
	require.Equal(t, int64(1), count)
}

func TestForwardOnce(t *testing.T) {
	ctx := context.Background()
	a, id := setup(t)
	in := rights.ForwardInput{From: id, NewID: uuid.New(), ToController: "demo-se"}
	ref1, err := a.Forward(ctx, in)
	require.NoError(t, err)
	ref2, err := a.Forward(ctx, in)
	require.NoError(t, err)
	require.Equal(t, ref1, ref2)
	require.Regexp(t, `^RD-2026-\d{6}$`, ref1)
	var r store.Request
	require.NoError(t, a.Store.DB.First(&r, "id = ?", in.NewID).Error)
	require.Equal(t, "demo-se", r.ControllerID)
	require.Equal(t, "forwarded", r.Channel)
	require.Equal(t, time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), r.ReceivedOn.UTC(), "the first date of receipt")
}

func TestLoadPolicy(t *testing.T) {
	ctx := context.Background()
	a, _ := setup(t)
	p, err := a.LoadPolicy(ctx, "demo-se")
	require.NoError(t, err)
	require.Equal(t, "SE", p.Country)
	require.Equal(t, []int{7, 2}, p.Deadlines.ReminderDaysBefore)
	_, err = a.LoadPolicy(ctx, "nobody")
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr))
	require.True(t, appErr.NonRetryable())
}
