package worker_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/devtools/testenv"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/worker"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// recordTwice records the same audit event twice (as a retried activity
// would) and a second, distinct one.
func recordTwice(ctx workflow.Context, requestID uuid.UUID) error {
	var a *activities.Activities
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	at := workflow.Now(ctx)
	for _, key := range []string{"first", "first", "second"} {
		in := rights.EventInput{Key: requestID.String() + "/" + key, RequestID: requestID, At: at, Actor: "system", Action: "test." + key}
		if err := workflow.ExecuteActivity(ctx, a.RecordEvent, in).Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}

// TestWorkflowWritesToPostgres runs a workflow on the embedded Temporal
// server whose activity writes to the private PostgreSQL, and reads the rows
// back.
func TestWorkflowWritesToPostgres(t *testing.T) {
	ctx := context.Background()
	st := pgtest.New(t)
	c := testenv.Temporal(t)

	requestID := uuid.New()
	require.NoError(t, st.DB.Create(&store.Controller{ID: "demo", Name: "Demo", Role: "controller", Country: "DK", TimeZone: "Europe/Copenhagen", Language: "da", Settings: []byte("{}")}).Error)
	require.NoError(t, st.DB.Create(&store.Request{ID: requestID, Reference: "RD-TEST-1", ControllerID: "demo", Kind: "access", Channel: "web", Language: "da", Stage: "received", ReceivedOn: time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC)}).Error)

	tq := testenv.TaskQueue(t)
	w := worker.New(c, tq, &activities.Activities{Store: st})
	w.RegisterWorkflow(recordTwice)
	require.NoError(t, w.Start())
	defer w.Stop()

	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "test/" + requestID.String(), TaskQueue: tq}, recordTwice, requestID)
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, nil))

	var events []store.Event
	require.NoError(t, st.DB.Where("request_id = ?", requestID).Order("id").Find(&events).Error)
	require.Len(t, events, 2, "the repeated key must be recorded once")
	require.Equal(t, "test.first", events[0].Action)
	require.Equal(t, "test.second", events[1].Action)
	require.JSONEq(t, "{}", string(events[0].Data))

	// The audit log is append-only: the database itself refuses changes.
	err = st.DB.Model(&store.Event{}).Where("id = ?", events[0].ID).Update("action", "tampered").Error
	require.ErrorContains(t, err, "append-only")
	require.ErrorContains(t, st.DB.Delete(&store.Event{}, events[0].ID).Error, "append-only")
}
