package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/rightsdesk/rightsdesk/internal/crypto"
)

// histories are the committed histories, one per workflow type, written on
// the real server by worker.TestRequestEndToEnd and
// worker.TestScheduledWorkflows with RIGHTSDESK_WRITE_HISTORY=1. Since 0.1.0
// they stay: a change to a workflow's commands goes behind
// workflow.GetVersion and must still replay them (docs/WORKFLOW.md).
var histories = map[string]string{
	WorkflowType:          "testdata/rights_request.json",
	SweepWorkflowType:     "testdata/sweep.json",
	RetentionWorkflowType: "testdata/retention.json",
	DigestWorkflowType:    "testdata/digest.json",
}

// replayer replays histories written through the encrypting codec, with
// the published test keys.
func replayer(t *testing.T) worker.WorkflowReplayer {
	t.Helper()
	dc := crypto.Codec{Keys: crypto.InsecureTestKeyring()}.DataConverter()
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
		DataConverter:    dc,
		FailureConverter: temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc, EncodeCommonAttributes: true}),
	})
	require.NoError(t, err)
	return r
}

// TestReplay replays the committed history of every workflow type. A
// change to a workflow that alters its commands fails here: put it behind
// workflow.GetVersion and keep the history.
func TestReplay(t *testing.T) {
	r := replayer(t)
	Register(r)
	for typ, f := range histories {
		require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, f), "%s: %s", typ, f)
	}
}

// TestReplayFailsWhenCommandsChange proves TestReplay can fail: the request
// workflow with one command more before its first (a timer), registered
// under its name, does not replay the committed history.
func TestReplayFailsWhenCommandsChange(t *testing.T) {
	r := replayer(t)
	changed := func(ctx workflow.Context, in RightsRequestInput) (Result, error) {
		if err := workflow.Sleep(ctx, time.Second); err != nil {
			return Result{}, err
		}
		return RightsRequest(ctx, in)
	}
	r.RegisterWorkflowWithOptions(changed, workflow.RegisterOptions{Name: WorkflowType})
	err := r.ReplayWorkflowHistoryFromJSONFile(nil, histories[WorkflowType])
	require.Error(t, err)
	// TMPRL1100 is the SDK's code for a replay that does not match.
	require.Contains(t, err.Error(), "TMPRL1100")
}
