package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rightsdesk/rightsdesk/internal/rights"
)

func (w *rightsRequest) upsertSearchAttributes(ctx workflow.Context, s State) error {
	attrs := []temporal.SearchAttributeUpdate{
		SARequestKind.ValueSet(string(s.Kind)),
		SAStage.ValueSet(string(s.Stage)),
		SADueDate.ValueSet(s.DueOn),
		SAStatutoryDueDate.ValueSet(s.DeadlineOn),
		SABreached.ValueSet(s.Breached),
		SAController.ValueSet(s.ControllerID),
		assigneeAttr(s.Assignee),
		SANeedsAttention.ValueSet(s.Attention != nil),
	}
	return workflow.UpsertTypedSearchAttributes(ctx, attrs...)
}

// How a step that keeps failing is retried: a few quick attempts by the
// activity itself, then by the workflow, waiting longer each time up to an
// hour. A step failing for attentionAfter, or failing in a way a retry
// cannot mend, flags the request while the deadlines run on.
var stepOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 30 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second, MaximumAttempts: 4,
	},
}

const (
	stepFirstWait  = 30 * time.Second
	stepMaxWait    = time.Hour
	attentionAfter = 10 * time.Minute
)

// retry is the state of a step that keeps failing.
type retry struct {
	since time.Time
	wait  time.Duration
}

// persistent runs a step until it succeeds and never gives up: the request
// must not stop without anyone knowing. call builds the activity anew on
// each attempt, so a retry carries the latest state.
func (w *rightsRequest) persistent(ctx workflow.Context, step string, call func(actx workflow.Context) workflow.Future) error {
	actx := workflow.WithActivityOptions(ctx, stepOptions)
	var r retry
	for {
		err := call(actx).Get(ctx, nil)
		if err == nil {
			w.succeeded(ctx, step, &r)
			return nil
		}
		if err := w.failed(ctx, step, &r, err); err != nil {
			return err
		}
	}
}

// failed records a failed attempt, flags the request once the step has
// failed long enough (or in a way no retry mends), and waits before the
// next attempt, longer each time.
func (w *rightsRequest) failed(ctx workflow.Context, step string, r *retry, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	now := workflow.Now(ctx)
	if r.since.IsZero() {
		r.since, r.wait = now, stepFirstWait
	}
	reason := failureReason(err)
	w.log.Warn("step failed; it is tried again", "Step", step, "Reason", reason)
	if w.state.Attention == nil && (reason != "failing" || now.Sub(r.since) >= attentionAfter) {
		w.needsAttention(ctx, step, r.since, reason)
	}
	if err := workflow.Sleep(ctx, r.wait); err != nil {
		return err
	}
	r.wait = min(r.wait*2, stepMaxWait)
	return nil
}

func (w *rightsRequest) succeeded(ctx workflow.Context, step string, r *retry) {
	*r = retry{}
	w.recovered(ctx, step)
}

// failureReason classifies a failed step without its message, which may
// quote data: "failing" may mend itself; anything else needs a person.
func failureReason(err error) string {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) && appErr.NonRetryable() {
		return "non_retryable:" + appErr.Type()
	}
	return "failing"
}

// needsAttention makes a failing step visible: the state and its search
// attribute, a task for the caseworkers and a notice to the DPO.
func (w *rightsRequest) needsAttention(ctx workflow.Context, step string, since time.Time, reason string) {
	w.state.Attention = &Attention{Step: step, Reason: reason, Since: since}
	w.openTask(ctx, TaskAttention)
	w.notify(ctx, fmt.Sprintf("attention/%s/%d", step, since.Unix()), NoticeAttention, RecipientDPO, workflow.Now(ctx))
	w.change(ctx, "attention.needed", ActorSystem, map[string]any{"step": step, "reason": reason})
	// The projection may be what fails: the search attribute shows it anyway.
	if err := w.upsertSearchAttributes(ctx, w.snapshot()); err != nil {
		w.log.Error("upsert search attributes", "Error", err)
	}
}

// recovered clears the flag a step set once it succeeds.
func (w *rightsRequest) recovered(ctx workflow.Context, step string) {
	if w.state.Attention == nil || w.state.Attention.Step != step {
		return
	}
	w.state.Attention = nil
	w.closeTasks(ctx, TaskDone, ActorSystem, TaskAttention)
	w.change(ctx, "attention.resolved", ActorSystem, map[string]any{"step": step})
}

// projector writes every state change to the read model, oldest events
// first, and keeps trying while the database is away.
func (w *rightsRequest) projector(ctx workflow.Context) {
	for {
		if err := workflow.Await(ctx, func() bool { return w.dirty }); err != nil {
			return
		}
		w.busy = true
		if err := w.upsertSearchAttributes(ctx, w.snapshot()); err != nil {
			w.log.Error("upsert search attributes", "Error", err)
		}
		var sent int
		err := w.persistent(ctx, "project", func(actx workflow.Context) workflow.Future {
			w.dirty = false
			sent = len(w.events)
			return workflow.ExecuteActivity(actx, rights.ActivityProject, projection(w.snapshot(), w.events[:sent]))
		})
		if err != nil {
			return
		}
		w.events = w.events[sent:]
		w.busy = false
	}
}

// notifier sends the queued notices. A notice that fails goes to the back
// of the queue, so it never holds up the others.
func (w *rightsRequest) notifier(ctx workflow.Context) {
	actx := workflow.WithActivityOptions(ctx, stepOptions)
	var r retry
	for {
		if err := workflow.Await(ctx, func() bool { return len(w.notices) > 0 }); err != nil {
			return
		}
		w.sending = true
		n := w.notices[0]
		w.notices = w.notices[1:]
		var res rights.NoticeResult
		if err := workflow.ExecuteActivity(onLettersQueue(actx, n.Kind), rights.ActivitySendNotice, n).Get(ctx, &res); err != nil {
			w.notices = append(w.notices, n)
			if err := w.failed(ctx, "notify", &r, err); err != nil {
				return
			}
		} else {
			w.succeeded(ctx, "notify", &r)
			w.delivered(ctx, res)
		}
		w.sending = false
	}
}

// LettersTaskQueue is the task queue of the activities that render and
// send letters (SendNotice, SendDigests) for workflows on taskQueue. The
// worker polls it with slots of its own (worker.Options), so a backlog of
// letters waits there while the workflow tasks and the projections of
// taskQueue go on.
func LettersTaskQueue(taskQueue string) string { return taskQueue + "-letters" }

// PriorityReceipt is a receipt's task priority on the letters queue: after
// every other letter (the default, 3), so a caseworker's reply or a staff
// notice goes ahead of a campaign's receipts. Temporal's matching orders a
// backlog by priority; the task queue and the priority of a scheduled
// activity are not part of what a replay compares, so neither needs a
// workflow version.
const PriorityReceipt = 4

// onLettersQueue is ctx with its activities on the letters task queue, and
// a receipt at PriorityReceipt.
func onLettersQueue(ctx workflow.Context, notice string) workflow.Context {
	ctx = workflow.WithTaskQueue(ctx, LettersTaskQueue(workflow.GetInfo(ctx).TaskQueueName))
	if notice == NoticeReceipt {
		ctx = workflow.WithPriority(ctx, temporal.Priority{PriorityKey: PriorityReceipt})
	}
	return ctx
}

func assigneeAttr(id string) temporal.SearchAttributeUpdate {
	if id == "" {
		return SAAssigneeID.ValueUnset()
	}
	return SAAssigneeID.ValueSet(id)
}

func projection(s State, events []rights.EventInput) rights.ProjectInput {
	in := rights.ProjectInput{
		Request: rights.RequestSnapshot{
			RequestID: s.RequestID, Stage: string(s.Stage), Outcome: string(s.Outcome),
			DueOn: s.DueOn, StatutoryDueOn: s.StatutoryDueOn, ExtendedDueOn: s.ExtendedDueOn,
			Assignee: s.Assignee, Breached: s.Breached, Late: s.Late, ClosedAt: s.ClosedAt, Version: s.Version,
		},
		Events: events,
	}
	if s.Attention != nil {
		in.Request.Attention = s.Attention.Step
		in.Request.AttentionSince = &s.Attention.Since
	}
	if s.Paused && len(s.Pauses) > 0 {
		p := s.Pauses[len(s.Pauses)-1].PausedAt
		in.Request.PausedAt = &p
	}
	for _, t := range s.Tasks {
		in.Tasks = append(in.Tasks, rights.TaskSnapshot{
			ID: t.ID, Kind: string(t.Kind), Status: string(t.Status), Assignee: t.Assignee, DueOn: t.DueOn,
			CreatedAt: t.CreatedAt, CompletedAt: t.CompletedAt, CompletedBy: string(t.CompletedBy), LetterID: t.LetterID,
		})
	}
	return in
}
