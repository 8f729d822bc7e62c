package worker_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/devtools/testenv"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/worker"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// historyFile is the committed history of RightsRequest the replay test
// runs against (workflows/replay_test.go); set RIGHTSDESK_WRITE_HISTORY=1 to
// write it anew from this test. Since 0.1.0 it is written anew only with a
// new version of the workflow (docs/WORKFLOW.md): the old one stays, so
// requests started then still replay.
const historyFile = "../workflows/testdata/rights_request.json"

func update[T any](t *testing.T, c client.Client, id uuid.UUID, updateID, name string, arg T) (workflows.State, error) {
	t.Helper()
	h, err := c.UpdateWorkflow(context.Background(), client.UpdateWorkflowOptions{
		WorkflowID: rights.WorkflowID(id), UpdateID: updateID, UpdateName: name,
		Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return workflows.State{}, err
	}
	var s workflows.State
	err = h.Get(context.Background(), &s)
	return s, err
}

// running is one request row and its workflow on the real stack.
type running struct {
	store    *store.Store
	client   client.Client
	id       uuid.UUID
	run      client.WorkflowRun
	received time.Time
}

// startRequest writes a request row of a demo controller, received today in
// its time zone, and starts its workflow the way the intake does, with a
// worker on the test's own task queue.
func startRequest(t *testing.T, controllerID, kind, channel, reference string) running {
	t.Helper()
	ctx := context.Background()
	st := pgtest.New(t)
	c := testenv.Temporal(t)
	require.NoError(t, controllers.Sync(ctx, st, controllers.Demo()))
	acts := &activities.Activities{Store: st}
	policy, err := acts.LoadPolicy(ctx, controllerID)
	require.NoError(t, err)
	loc, err := time.LoadLocation(policy.TimeZone)
	require.NoError(t, err)
	row := store.Request{ID: uuid.New(), Reference: reference, ControllerID: controllerID, Kind: kind,
		Channel: channel, Language: policy.Language, Stage: "received", ReceivedOn: deadline.Day(time.Now().In(loc))}
	require.NoError(t, st.DB.Create(&row).Error)

	tq := testenv.TaskQueue(t)
	w := worker.New(c, tq, acts)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: rights.WorkflowID(row.ID), TaskQueue: tq}, workflows.WorkflowType,
		workflows.InputFor(store.PendingOf(row, policy)))
	require.NoError(t, err)
	return running{store: st, client: c, id: row.ID, run: run, received: row.ReceivedOn}
}

// TestRequestEndToEnd runs one erasure request from receipt to reply on the
// embedded Temporal server and the private PostgreSQL, and checks the read
// model, the audit log, the notices and the search attributes.
func TestRequestEndToEnd(t *testing.T) {
	ctx := context.Background()
	r := startRequest(t, "demo", "erasure", "letter", "RD-TEST-2")
	st, c, id, run, received := r.store, r.client, r.id, r.run, r.received

	s, err := update(t, c, id, "verify-1", workflows.UpdateVerifyIdentity, workflows.VerifyIdentity{Method: workflows.IdentityMitID, By: "cw-1"})
	require.NoError(t, err)
	require.Equal(t, workflows.StageAssessment, s.Stage)
	// The same update ID again is applied once: same answer, no second event.
	again, err := update(t, c, id, "verify-1", workflows.UpdateVerifyIdentity, workflows.VerifyIdentity{Method: workflows.IdentityMitID, By: "cw-1"})
	require.NoError(t, err)
	require.Equal(t, s.Version, again.Version)

	_, err = update(t, c, id, "extend-1", workflows.UpdateExtend, workflows.Extend{Reason: "holidays", Explanation: "summer", By: "cw-1"})
	errType, rule, ok := workflows.IsRejection(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, workflows.ErrTypeInvalid, errType)
	require.Equal(t, "art-12-3-reason", string(rule.Rule))

	_, err = update(t, c, id, "assign-1", workflows.UpdateAssign, workflows.Assign{Assignee: "cw-1", By: "lead-1"})
	require.NoError(t, err)
	s, err = update(t, c, id, "decide-1", workflows.UpdateDecide, workflows.Decide{Outcome: workflows.OutcomeGrant, Assessment: "No retention duty applies.", By: "cw-1"})
	require.NoError(t, err)
	fulfil := s.OpenTasks()[0]
	require.Equal(t, workflows.TaskFulfil, fulfil.Kind)

	// The caseworker queue is read from PostgreSQL.
	require.Eventually(t, func() bool {
		var n int64
		st.DB.Model(&store.Task{}).Where("id = ? AND status = 'open' AND assignee = 'cw-1'", fulfil.ID).Count(&n)
		return n == 1
	}, 10*time.Second, 20*time.Millisecond)

	_, err = update(t, c, id, "complete-1", workflows.UpdateCompleteTask, workflows.CompleteTask{TaskID: fulfil.ID, By: "cw-1"})
	require.NoError(t, err)
	var res workflows.Result
	require.NoError(t, run.Get(ctx, &res))
	require.Equal(t, workflows.Result{Stage: workflows.StageClosed, Outcome: workflows.OutcomeGrant}, res)

	// The read model.
	var req store.Request
	require.NoError(t, st.DB.First(&req, "id = ?", id).Error)
	require.Equal(t, "closed", req.Stage)
	require.Equal(t, "grant", *req.Outcome)
	require.Equal(t, "cw-1", *req.Assignee)
	require.True(t, req.WorkflowStarted)
	require.NotNil(t, req.ClosedAt)
	require.False(t, req.Breached)
	require.Equal(t, deadline.Due(received), req.DueOn.UTC())
	require.Equal(t, deadline.StatutoryDue(received, deadline.MustCalendar(deadline.DK)), req.StatutoryDueOn.UTC())
	v, err := c.QueryWorkflow(ctx, rights.WorkflowID(id), "", workflows.QueryState)
	require.NoError(t, err)
	var final workflows.State
	require.NoError(t, v.Get(&final))
	require.Equal(t, final.Version, req.Version)

	var tasks []store.Task
	require.NoError(t, st.DB.Where("request_id = ?", id).Order("created_at, kind").Find(&tasks).Error)
	require.Len(t, tasks, 3)
	for _, task := range tasks {
		require.Equal(t, "done", task.Status, task.Kind)
	}

	// The audit log: every change, with its actor, once.
	var events []store.Event
	require.NoError(t, st.DB.Where("request_id = ?", id).Order("id").Find(&events).Error)
	var log []string
	for _, e := range events {
		log = append(log, e.Actor+" "+e.Action)
	}
	require.Equal(t, []string{
		"system request.received", "system stage.identity", "cw-1 identity.verified", "lead-1 request.assigned",
		"cw-1 decision.made", "cw-1 fulfilment.done", "system reply.sent",
	}, log)
	require.NotContains(t, string(events[4].Data), "No retention duty", "free text stays out of the audit rows")

	var notices []store.Notice
	require.NoError(t, st.DB.Where("request_id = ?", id).Order("created_at").Find(&notices).Error)
	require.Len(t, notices, 2)
	require.Equal(t, "receipt", notices[0].Kind, "a receipt at the start")
	require.Equal(t, "reply_grant", notices[1].Kind)
	require.Equal(t, "subject", notices[1].Recipient)

	// Typed search attributes make the request findable without personal data.
	require.Eventually(t, func() bool {
		resp, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Query: "RequestKind='erasure' AND RequestStage='closed' AND Breached=false AND Controller='demo' AND AssigneeID='cw-1'",
		})
		if err != nil {
			return false
		}
		for _, e := range resp.Executions {
			if e.GetExecution().GetWorkflowId() == rights.WorkflowID(id) {
				return true
			}
		}
		return false
	}, 10*time.Second, 50*time.Millisecond)

	if os.Getenv("RIGHTSDESK_WRITE_HISTORY") != "" {
		writeHistory(t, c, rights.WorkflowID(id), historyFile)
	}
}

// TestPauseExtendRefuse runs the other branches on the real stack: a pause
// and the answer, an extension, a refusal.
func TestPauseExtendRefuse(t *testing.T) {
	ctx := context.Background()
	r := startRequest(t, "demo-se", "portability", "email", "RD-TEST-3")
	st, c, id, run := r.store, r.client, r.id, r.run

	s, err := update(t, c, id, "ask", workflows.UpdateRequestInformation, workflows.RequestInformation{Purpose: workflows.PurposeIdentity, What: "Logga in med BankID.", By: "cw-1"})
	require.NoError(t, err)
	require.True(t, s.Paused)
	s, err = update(t, c, id, "answer", workflows.UpdateInformationReceived, workflows.InformationReceived{Answer: "Klart.", By: workflows.ActorSubject})
	require.NoError(t, err)
	require.False(t, s.Paused)
	_, err = update(t, c, id, "verify", workflows.UpdateVerifyIdentity, workflows.VerifyIdentity{Method: workflows.IdentityBankID, By: "cw-1"})
	require.NoError(t, err)
	s, err = update(t, c, id, "extend", workflows.UpdateExtend, workflows.Extend{Reason: workflows.ReasonNumberOfRequests, Explanation: "Fyrtio förfrågningar denna vecka.", By: "cw-1"})
	require.NoError(t, err)
	require.NotNil(t, s.ExtendedDueOn)
	_, err = update(t, c, id, "refuse", workflows.UpdateDecide, workflows.Decide{Outcome: workflows.OutcomeRefuse, Grounds: []string{"20(3)"}, Assessment: "Myndighetsutövning; registerutdrag erbjuds.", By: "cw-1"})
	require.NoError(t, err)
	var res workflows.Result
	require.NoError(t, run.Get(ctx, &res))
	require.Equal(t, workflows.Result{Stage: workflows.StageClosed, Outcome: workflows.OutcomeRefuse}, res)
	require.Eventually(t, func() bool {
		var n int64
		st.DB.Model(&store.Notice{}).Where("request_id = ? AND kind IN ('information_request', 'extension', 'reply_refuse')", id).Count(&n)
		return n == 3
	}, 10*time.Second, 20*time.Millisecond)
}

// writeHistory writes the history of the workflow's latest run to file.
func writeHistory(t *testing.T, c client.Client, workflowID, file string) {
	t.Helper()
	resp, err := c.WorkflowService().GetWorkflowExecutionHistory(context.Background(), &workflowservice.GetWorkflowExecutionHistoryRequest{
		Namespace: "default", Execution: &commonpb.WorkflowExecution{WorkflowId: workflowID},
	})
	require.NoError(t, err)
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(resp.GetHistory())
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll("../workflows/testdata", 0o755))
	require.NoError(t, os.WriteFile(file, b, 0o644))
}
