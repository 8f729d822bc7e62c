package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/rights"
)

func erasurePlan(h *harness) rights.FulfilmentPlan {
	id := h.input.Request.RequestID
	return rights.FulfilmentPlan{Mapped: true, Steps: []rights.FulfilStep{
		{RequestID: id, System: "sag", Dataset: "case_notes", Step: rights.StepErase},
		{RequestID: id, System: "crm", Dataset: "newsletter", Step: rights.StepErase},
	}}
}

// TestErasureCarriedOut: a granted erasure runs each system's step once,
// records what it did, and replies with what was erased and what stays.
func TestErasureCarriedOut(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindErasure, "2026-09-01", time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
	h.input.Request.Identity = &VerifyIdentity{Method: IdentityMitID, By: "intake"}
	h.plan = erasurePlan(h)
	h.stepResult = func(in rights.FulfilStep) rights.StepResult {
		r := rights.StepResult{System: in.System, Dataset: in.Dataset, Step: in.Step, DatasetName: in.Dataset, Rows: 2}
		if in.Dataset == "case_notes" {
			r.Held, r.Holds = 1, []policy.Hold{{Reference: "psykologloven § 14, stk. 2", Reason: "Journaler opbevares i 5 år"}}
		}
		return r
	}
	h.at(time.Hour, func() {
		h.update(UpdateDecide, Decide{Outcome: OutcomeGrant, Assessment: "No retention duty beyond the journal.", By: caseworker})
	})
	res := h.run()
	require.Equal(t, Result{Stage: StageClosed, Outcome: OutcomeGrant}, res)
	require.Len(t, h.steps, 2, "each step once")
	s := h.state()
	require.Len(t, s.Fulfilment, 2)
	require.Empty(t, s.OpenTasks())
	reply := h.noticesOf(NoticeReply + "_grant")
	require.Len(t, reply, 1)
	require.Equal(t, []string{"case_notes (2)", "newsletter (2)"}, reply[0].Facts.Erased)
	require.Equal(t, []rights.KeptFact{{What: "case_notes (1)", Why: "Journaler opbevares i 5 år (psykologloven § 14, stk. 2)"}}, reply[0].Facts.Kept)
	require.Contains(t, h.actions(), "fulfilment.step")
	require.Equal(t, []rights.DestroyPackagesInput{{RequestID: h.input.Request.RequestID, Datasets: []string{"sag/case_notes", "crm/newsletter"}}}, h.destroyed,
		"the person's packages holding what was erased are destroyed")
	require.Contains(t, h.actions(), "packages.destroyed")
}

// TestErasureWaitsForOthers: while the person has another open request,
// nothing is erased; the request shows what blocks it, and the erasure
// runs when that request is answered.
func TestErasureWaitsForOthers(t *testing.T) {
	start := time.Date(2026, 9, 1, 10, 0, 0, 0, cph)
	h := newHarness(t, policyDK(), rights.KindErasure, "2026-09-01", start)
	h.input.Request.Identity = &VerifyIdentity{Method: IdentityMitID, By: "intake"}
	h.plan = erasurePlan(h)
	h.pendingOthers = func() []string {
		if h.env.Now().Before(start.Add(20 * time.Hour)) {
			return []string{"RD-2026-000007 (access)"}
		}
		return nil
	}
	var waiting State
	var stepsWhileBlocked int
	h.at(time.Hour, func() { h.update(UpdateDecide, Decide{Outcome: OutcomeGrant, Assessment: "ok", By: caseworker}) })
	h.at(10*time.Hour, func() { waiting, stepsWhileBlocked = h.state(), len(h.steps) })
	res := h.run()
	require.Equal(t, StageClosed, res.Stage)
	require.Zero(t, stepsWhileBlocked, "nothing erased while another request is open")
	require.Equal(t, []string{"RD-2026-000007 (access)"}, waiting.BlockedBy)
	require.Equal(t, StageFulfilment, waiting.Stage)
	require.Len(t, h.steps, 2)
	require.Contains(t, h.actions(), "fulfilment.blocked")
	require.Contains(t, h.actions(), "fulfilment.unblocked")
}

// TestManualSystemsBecomeTasks: systems people handle get a task each with
// their instructions; the reply waits for all of them.
func TestManualSystemsBecomeTasks(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindRectification, "2026-09-01", time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
	h.input.Request.Identity = &VerifyIdentity{Method: IdentityMitID, By: "intake"}
	h.plan = rights.FulfilmentPlan{Mapped: true, Manual: []rights.ManualStep{
		{System: "arkiv", Name: "Papirarkiv", Instructions: "Ret i arkivkassen."},
		{System: "crm", Name: "CRM", Instructions: "Ret adressen i CRM."},
	}}
	var tasks []Task
	var between State
	h.at(time.Hour, func() { h.update(UpdateDecide, Decide{Outcome: OutcomeGrant, Assessment: "ok", By: caseworker}) })
	h.at(2*time.Hour, func() {
		tasks = h.state().OpenTasks()
		h.update(UpdateCompleteTask, CompleteTask{TaskID: tasks[0].ID, By: caseworker})
	})
	h.at(3*time.Hour, func() {
		between = h.state()
		h.update(UpdateCompleteTask, CompleteTask{TaskID: tasks[1].ID, By: caseworker})
	})
	res := h.run()
	require.Equal(t, StageClosed, res.Stage)
	require.Len(t, tasks, 2)
	require.Equal(t, "arkiv", tasks[0].System)
	require.Equal(t, "Ret i arkivkassen.", tasks[0].Instructions)
	require.Equal(t, StageFulfilment, between.Stage, "the reply waits for every system")
}

// TestWithdrawnWhileBlocked: a withdrawal while the erasure waits erases
// nothing.
func TestWithdrawnWhileBlocked(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindErasure, "2026-09-01", time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
	h.input.Request.Identity = &VerifyIdentity{Method: IdentityMitID, By: "intake"}
	h.plan = erasurePlan(h)
	h.pendingOthers = func() []string { return []string{"RD-2026-000007 (access)"} }
	h.at(time.Hour, func() { h.update(UpdateDecide, Decide{Outcome: OutcomeGrant, Assessment: "ok", By: caseworker}) })
	h.at(30*time.Hour, func() { h.update(UpdateWithdraw, Withdraw{By: ActorSubject}) })
	res := h.run()
	require.Equal(t, StageWithdrawn, res.Stage)
	require.Empty(t, h.steps)
}

// TestHTTPStepReportedByCallback: a step an http system accepted completes
// when its signed report arrives; one never reported becomes a caseworker
// task after the callback timeout.
func TestHTTPStepReportedByCallback(t *testing.T) {
	for _, tc := range []struct {
		name     string
		callback bool
	}{{"reported", true}, {"never reported", false}} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Date(2026, 9, 1, 10, 0, 0, 0, cph)
			h := newHarness(t, policyDK(), rights.KindErasure, "2026-09-01", start)
			h.input.Request.Identity = &VerifyIdentity{Method: IdentityMitID, By: "intake"}
			id := h.input.Request.RequestID
			key := id.String() + "/crm/contacts/erase"
			h.plan = rights.FulfilmentPlan{Mapped: true, Steps: []rights.FulfilStep{{RequestID: id, System: "crm", Dataset: "contacts", Step: rights.StepErase}}}
			h.stepResult = func(in rights.FulfilStep) rights.StepResult {
				return rights.StepResult{System: "crm", Dataset: "contacts", DatasetName: "Kontakter", Step: in.Step, Pending: true, Key: key}
			}
			h.at(time.Hour, func() { h.update(UpdateDecide, Decide{Outcome: OutcomeGrant, Assessment: "ok", By: caseworker}) })
			if tc.callback {
				h.at(3*time.Hour, func() {
					h.env.SignalWorkflow(rights.SignalSystemCallback, rights.Callback{Key: key, Status: "done", Rows: 4})
				})
			}
			var task Task
			h.at(CallbackTimeout+2*time.Hour, func() {
				for _, tk := range h.state().OpenTasks() {
					if tk.Kind == TaskFulfil {
						task = tk
						h.update(UpdateCompleteTask, CompleteTask{TaskID: tk.ID, By: caseworker})
					}
				}
			})
			res := h.run()
			require.Equal(t, StageClosed, res.Stage)
			s := h.state()
			if tc.callback {
				require.Len(t, s.Fulfilment, 1)
				require.EqualValues(t, 4, s.Fulfilment[0].Rows)
				require.Empty(t, task.ID, "no task when the system reported")
			} else {
				require.Empty(t, s.Fulfilment)
				require.Equal(t, "crm", task.System)
				require.Contains(t, task.Instructions, "did not report the erase of contacts")
				require.Contains(t, h.actions(), "fulfilment.unconfirmed")
			}
		})
	}
}
