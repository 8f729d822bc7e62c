package workflows

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/worker"
)

// TestReplay replays a committed history of a whole request (written by
// worker.TestRequestEndToEnd with RIGHTSDESK_WRITE_HISTORY=1). A change to
// the workflow that alters its commands fails here: put it behind
// workflow.GetVersion and keep this history.
func TestReplay(t *testing.T) {
	r := worker.NewWorkflowReplayer()
	Register(r)
	require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, "testdata/rights_request_v1.json"))
}
