package workflows

import (
	"errors"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// forward sends a processor's request on to its controller (Art. 28(3)(e)):
// a new request there, with the first date of receipt, and this one closes.
// Each step is retried until it succeeds, flagged while it fails.
func (w *rightsRequest) forward(ctx workflow.Context) {
	var policy policy.Policy
	var load workflow.Future
	err := w.persistent(ctx, "forward", func(actx workflow.Context) workflow.Future {
		load = workflow.ExecuteActivity(actx, rights.ActivityLoadPolicy, w.policy.ForwardsTo)
		return load
	})
	if err != nil || load.Get(ctx, &policy) != nil {
		return
	}
	newID := uuid.NewSHA1(w.state.RequestID, []byte("forwarded"))
	err = w.persistent(ctx, "forward", func(actx workflow.Context) workflow.Future {
		return workflow.ExecuteActivity(actx, rights.ActivityForward, rights.ForwardInput{From: w.state.RequestID, NewID: newID, ToController: policy.ControllerID})
	})
	if err != nil {
		return
	}
	fut := w.startControllersRequest(ctx, newID, policy)
	var exists *temporal.ChildWorkflowExecutionAlreadyStartedError
	if err := fut.GetChildWorkflowExecution().Get(ctx, nil); err != nil && !errors.As(err, &exists) {
		// The sweeper starts a request row whose workflow never started.
		w.log.Error("start the controller's request", "Error", err)
	}
	w.forwarded(ctx, newID, policy.ControllerID)
}

// startControllersRequest starts the controller's copy of a processor's
// request, with the first date of receipt.
func (w *rightsRequest) startControllersRequest(ctx workflow.Context, newID uuid.UUID, policy policy.Policy) workflow.ChildWorkflowFuture {
	from := w.state.RequestID
	child := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: rights.WorkflowID(newID),
		// The controller's request lives on after this one closes.
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
	})
	return workflow.ExecuteChildWorkflow(child, WorkflowType, RightsRequestInput{
		Request: RequestInput{RequestID: newID, ControllerID: policy.ControllerID, Kind: w.state.Kind, Channel: "forwarded",
			ReceivedOn: w.state.ReceivedOn, ForwardedFrom: &from},
		Policy: policy,
	})
}

func (w *rightsRequest) forwarded(ctx workflow.Context, newID uuid.UUID, controllerID string) {
	now := workflow.Now(ctx)
	w.state.Stage, w.state.Outcome, w.state.ForwardedTo, w.state.ClosedAt = StageForwarded, OutcomeForwarded, &newID, &now
	w.change(ctx, "request.forwarded", ActorSystem, map[string]any{"to_controller": controllerID, "to_request": newID.String()})
}

// reply sends the reply and closes the request. While the reply cannot be
// sent the request stays in stage reply, flagged, and the deadline loop
// still marks a breach.
func (w *rightsRequest) reply(ctx workflow.Context) {
	if w.policy.ApproveReplies && !w.approved() {
		// The controller approves each reply before it goes; the deadline
		// keeps running meanwhile.
		if !w.hasOpen(TaskApproveReply) {
			w.openTask(ctx, TaskApproveReply)
			w.change(ctx, "reply.awaiting_approval", ActorSystem, nil)
		}
		if err := workflow.Await(ctx, func() bool { return w.approved() || w.state.Stage != StageReply }); err != nil || w.state.Stage != StageReply {
			return
		}
	}
	n := w.notice("reply", NoticeReply+"_"+string(w.state.Outcome), RecipientSubject, workflow.Now(ctx))
	var sent workflow.Future
	err := w.persistent(ctx, "reply", func(actx workflow.Context) workflow.Future {
		sent = workflow.ExecuteActivity(onLettersQueue(actx, n.Kind), rights.ActivitySendNotice, n)
		return sent
	})
	if err != nil {
		return
	}
	var res rights.NoticeResult
	if sent.Get(ctx, &res) == nil {
		w.delivered(ctx, res)
		// A reply on paper, or one whose e-mail may not have gone, is
		// replied when a caseworker has posted or confirmed it.
		if err := workflow.Await(ctx, func() bool { return !w.deliveryOpen() }); err != nil {
			return
		}
	}
	w.closeAfterReply(ctx)
}

// approved reports whether a caseworker approved the reply.
func (w *rightsRequest) approved() bool {
	for _, t := range w.state.Tasks {
		if t.Kind == TaskApproveReply && t.Status == TaskDone {
			return true
		}
	}
	return false
}

func (w *rightsRequest) hasOpen(kind TaskKind) bool {
	for _, t := range w.state.Tasks {
		if t.Kind == kind && t.Status == TaskOpen {
			return true
		}
	}
	return false
}

func (w *rightsRequest) closeAfterReply(ctx workflow.Context) {
	now := workflow.Now(ctx)
	today := w.today(ctx)
	s := &w.state
	s.RepliedAt, s.ClosedAt, s.Stage = &now, &now, StageClosed
	refusal := s.Outcome == OutcomeRefuse || s.Outcome == OutcomePartial
	// Art. 12(4): a refusal is due within the first month, extension or not.
	s.Late = today.After(s.DeadlineOn) || (refusal && today.After(s.StatutoryDueOn))
	w.closeTasks(ctx, TaskCancelled, ActorSystem)
	w.change(ctx, "reply.sent", ActorSystem, map[string]any{"outcome": s.Outcome, "late": s.Late})
}
