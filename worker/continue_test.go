package worker_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// TestContinueAsNew runs a request on the real server past the number of
// changes one run holds: it carries on in a new run with the same workflow
// ID, and the query, the Updates, the read model, the audit log and the
// letters carry on as if nothing happened.
func TestContinueAsNew(t *testing.T) {
	defer func(n int) { workflows.ContinueAfterChanges = n }(workflows.ContinueAfterChanges)
	workflows.ContinueAfterChanges = 6
	ctx := context.Background()
	r := startRequest(t, "demo", "erasure", "letter", "RD-TEST-CAN")
	st, c, id := r.store, r.client, r.id
	firstRun := r.run.GetRunID()

	_, err := update(t, c, id, "verify", workflows.UpdateVerifyIdentity, workflows.VerifyIdentity{Method: workflows.IdentityMitID, By: "cw-1"})
	require.NoError(t, err)
	const notes = 8
	for i := range notes {
		s, err := update(t, c, id, fmt.Sprintf("note-%d", i), workflows.UpdateAddNote, workflows.AddNote{Text: fmt.Sprintf("Note %d.", i), By: "cw-1"})
		require.NoError(t, err, "note %d", i)
		require.Equal(t, i+1, s.Notes)
	}

	// The first run ends as continued once its last projection is written;
	// the workflow ID now names a newer run.
	require.Eventually(t, func() bool {
		first, err := c.DescribeWorkflowExecution(ctx, rights.WorkflowID(id), firstRun)
		require.NoError(t, err)
		return first.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW
	}, 10*time.Second, 20*time.Millisecond)
	now, err := c.DescribeWorkflowExecution(ctx, rights.WorkflowID(id), "")
	require.NoError(t, err)
	require.NotEqual(t, firstRun, now.GetWorkflowExecutionInfo().GetExecution().GetRunId())
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, now.GetWorkflowExecutionInfo().GetStatus())

	// The state carried over: the query answers from the new run.
	v, err := c.QueryWorkflow(ctx, rights.WorkflowID(id), "", workflows.QueryState)
	require.NoError(t, err)
	var s workflows.State
	require.NoError(t, v.Get(&s))
	require.Equal(t, workflows.StageAssessment, s.Stage)
	require.Equal(t, notes, s.Notes)
	require.NotNil(t, s.Identity)

	// The new run is found by its search attributes, carried over.
	require.Eventually(t, func() bool {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: fmt.Sprintf("WorkflowId = '%s' AND ExecutionStatus = 'Running' AND RequestStage = 'assessment' AND Controller = 'demo' AND RequestKind = 'erasure'", rights.WorkflowID(id)),
		})
		return err == nil && len(resp.GetExecutions()) == 1 && resp.GetExecutions()[0].GetExecution().GetRunId() != firstRun
	}, 10*time.Second, 50*time.Millisecond)

	// Updates reach the new run.
	_, err = update(t, c, id, "refuse", workflows.UpdateDecide, workflows.Decide{Outcome: workflows.OutcomeRefuse, Grounds: []string{"17(3)(b)"}, Assessment: "Kept under the archives act.", By: "cw-1"})
	require.NoError(t, err)
	var res workflows.Result
	require.NoError(t, c.GetWorkflow(ctx, rights.WorkflowID(id), "").Get(ctx, &res))
	require.Equal(t, workflows.Result{Stage: workflows.StageClosed, Outcome: workflows.OutcomeRefuse}, res)

	// The read model and the audit log went on: every change once, in order.
	require.Eventually(t, func() bool {
		var req store.Request
		return st.DB.First(&req, "id = ?", id).Error == nil && req.Stage == "closed"
	}, 10*time.Second, 50*time.Millisecond)
	var events []store.Event
	require.NoError(t, st.DB.Where("request_id = ?", id).Order("id").Find(&events).Error)
	var log []string
	for _, e := range events {
		log = append(log, e.Actor+" "+e.Action)
	}
	want := []string{"system request.received", "system stage.identity", "cw-1 identity.verified"}
	for range notes {
		want = append(want, "cw-1 note.added")
	}
	want = append(want, "cw-1 decision.made", "system reply.sent")
	require.Equal(t, want, log)

	// One receipt, one reply: nothing sent again by the new run.
	var kinds []string
	require.NoError(t, st.DB.Model(&store.Notice{}).Where("request_id = ?", id).Order("created_at").Pluck("kind", &kinds).Error)
	require.Equal(t, []string{"receipt", "reply_refuse"}, kinds)
}
