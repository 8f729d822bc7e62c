package worker_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/devtools/testenv"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/worker"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// The committed histories of the scheduled workflows, replayed by
// workflows/replay_test.go; RIGHTSDESK_WRITE_HISTORY=1 writes them anew
// from TestScheduledWorkflows.
const (
	retentionHistoryFile = "../workflows/testdata/retention.json"
	digestHistoryFile    = "../workflows/testdata/digest.json"
	sweepHistoryFile     = "../workflows/testdata/sweep.json"
)

// TestScheduledWorkflows runs Retention, Digest and Sweep once each on the
// embedded Temporal server with the real activities and the private
// PostgreSQL, as their Schedules would: the sweep finds a request row whose
// workflow never started and starts it.
func TestScheduledWorkflows(t *testing.T) {
	ctx := context.Background()
	st := pgtest.New(t)
	c := testenv.Temporal(t)
	tq := testenv.TaskQueue(t)
	w := worker.New(c, tq, &activities.Activities{Store: st, Temporal: c})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	execute := func(id, workflowType string, args ...any) int {
		t.Helper()
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: tq}, workflowType, args...)
		require.NoError(t, err)
		var n int
		require.NoError(t, run.Get(ctx, &n))
		return n
	}

	// Nothing closed to erase, and no digest to send (no outbox).
	retentionID, digestID := "retention-"+uuid.NewString(), "digest-"+uuid.NewString()
	require.Equal(t, 0, execute(retentionID, workflows.RetentionWorkflowType))
	require.Equal(t, 0, execute(digestID, workflows.DigestWorkflowType))

	require.NoError(t, controllers.Sync(ctx, st, controllers.Demo()))
	row := store.Request{ID: uuid.New(), Reference: "RD-TEST-SWEEP", ControllerID: "demo", Kind: "access", Channel: "web", Language: "da",
		Stage: "received", ReceivedOn: time.Now().UTC().Truncate(24 * time.Hour)}
	require.NoError(t, st.DB.Create(&row).Error)
	sweepID := "sweep-" + uuid.NewString()
	require.Equal(t, 1, execute(sweepID, workflows.SweepWorkflowType, workflows.SweepInput{OlderThan: time.Nanosecond}))
	require.NoError(t, st.DB.First(&row, "id = ?", row.ID).Error)
	require.True(t, row.WorkflowStarted)

	if os.Getenv("RIGHTSDESK_WRITE_HISTORY") != "" {
		writeHistory(t, c, retentionID, retentionHistoryFile)
		writeHistory(t, c, digestID, digestHistoryFile)
		writeHistory(t, c, sweepID, sweepHistoryFile)
	}
}
