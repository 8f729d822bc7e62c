package workflows

import (
	"testing"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"

	"github.com/rightsdesk/rightsdesk/internal/crypto"
)

// TestReplay replays a committed history of a whole request (written by
// worker.TestRequestEndToEnd with RIGHTSDESK_WRITE_HISTORY=1). A change to
// the workflow that alters its commands fails here: put it behind
// workflow.GetVersion and keep this history.
func TestReplay(t *testing.T) {
	// The history was written through the encrypting codec, with the
	// published test keys.
	dc := crypto.Codec{Keys: crypto.InsecureTestKeyring()}.DataConverter()
	r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
		DataConverter:    dc,
		FailureConverter: temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc, EncodeCommonAttributes: true}),
	})
	require.NoError(t, err)
	Register(r)
	// _v1: requests started before VersionHardening; _v2: before
	// VersionLetters; _v3: before VersionFulfilment; _v4: before
	// VersionContinueAsNew; _v5: since. continued_v5 is a second run, which
	// starts from what the first carried over.
	for _, f := range []string{
		"testdata/rights_request_v1.json", "testdata/rights_request_pause_extend_refuse_v1.json",
		"testdata/rights_request_v2.json", "testdata/rights_request_pause_extend_refuse_v2.json",
		"testdata/rights_request_v3.json", "testdata/rights_request_pause_extend_refuse_v3.json",
		"testdata/rights_request_v4.json", "testdata/rights_request_pause_extend_refuse_v4.json",
		"testdata/rights_request_v5.json", "testdata/rights_request_pause_extend_refuse_v5.json",
		"testdata/rights_request_continued_v5.json",
	} {
		require.NoError(t, r.ReplayWorkflowHistoryFromJSONFile(nil, f), f)
	}
}
