package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rightsdesk/rightsdesk/activities"
)

func (w *rightsRequest) projector(ctx workflow.Context) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: time.Minute},
	})
	for {
		if err := workflow.Await(ctx, func() bool { return w.dirty || len(w.notices) > 0 }); err != nil {
			return
		}
		w.busy = true
		if w.dirty {
			s := w.snapshot()
			events := w.events
			w.events, w.dirty = nil, false
			if err := w.upsertSearchAttributes(ctx, s); err != nil {
				w.log.Error("upsert search attributes", "Error", err)
			}
			if err := workflow.ExecuteActivity(actx, a.Project, projection(s, events)).Get(ctx, nil); err != nil {
				w.fatal = fmt.Errorf("project request: %w", err)
				return
			}
		}
		for len(w.notices) > 0 {
			n := w.notices[0]
			w.notices = w.notices[1:]
			if err := workflow.ExecuteActivity(actx, a.SendNotice, n).Get(ctx, nil); err != nil {
				w.fatal = fmt.Errorf("send notice: %w", err)
				return
			}
		}
		w.busy = false
	}
}

func (w *rightsRequest) upsertSearchAttributes(ctx workflow.Context, s State) error {
	return workflow.UpsertTypedSearchAttributes(ctx,
		SARequestKind.ValueSet(string(s.Kind)),
		SAStage.ValueSet(string(s.Stage)),
		SADueDate.ValueSet(s.DueOn),
		SAStatutoryDueDate.ValueSet(s.DeadlineOn),
		SABreached.ValueSet(s.Breached),
		SAController.ValueSet(s.ControllerID),
		assigneeAttr(s.Assignee),
	)
}

func assigneeAttr(id string) temporal.SearchAttributeUpdate {
	if id == "" {
		return SAAssigneeID.ValueUnset()
	}
	return SAAssigneeID.ValueSet(id)
}

func projection(s State, events []activities.EventInput) activities.ProjectInput {
	in := activities.ProjectInput{
		Request: activities.RequestSnapshot{
			RequestID: s.RequestID, Stage: string(s.Stage), Outcome: string(s.Outcome),
			DueOn: s.DueOn, StatutoryDueOn: s.StatutoryDueOn, ExtendedDueOn: s.ExtendedDueOn,
			Assignee: s.Assignee, Breached: s.Breached, Late: s.Late, ClosedAt: s.ClosedAt, Version: s.Version,
		},
		Events: events,
	}
	if s.Paused && len(s.Pauses) > 0 {
		p := s.Pauses[len(s.Pauses)-1].PausedAt
		in.Request.PausedAt = &p
	}
	for _, t := range s.Tasks {
		in.Tasks = append(in.Tasks, activities.TaskSnapshot{
			ID: t.ID, Kind: string(t.Kind), Status: string(t.Status), Assignee: t.Assignee, DueOn: t.DueOn,
			CreatedAt: t.CreatedAt, CompletedAt: t.CompletedAt, CompletedBy: string(t.CompletedBy),
		})
	}
	return in
}
