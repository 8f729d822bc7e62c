package cases

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// ClaimTask claims an open task of a request p may see.
func (s *Service) ClaimTask(ctx context.Context, p *Principal, taskID uuid.UUID, key string) (workflows.State, error) {
	t, err := s.visibleTask(ctx, p, taskID)
	if err != nil {
		return workflows.State{}, err
	}
	id, err := s.updateID(ctx, key, p.Actor, workflows.UpdateClaimTask, t.RequestID, taskID)
	if err != nil {
		return workflows.State{}, err
	}
	return s.update(ctx, t.RequestID, id, workflows.UpdateClaimTask, workflows.ClaimTask{TaskID: taskID, By: by(p)})
}

// CompleteTask completes a task of a request p may see; found is what a
// caseworker did and found, for a fulfilment task done by hand.
func (s *Service) CompleteTask(ctx context.Context, p *Principal, taskID uuid.UUID, key, found string) (workflows.State, error) {
	t, err := s.visibleTask(ctx, p, taskID)
	if err != nil {
		return workflows.State{}, err
	}
	if err := textLimit("/found", found); err != nil {
		return workflows.State{}, err
	}
	if err := s.mayErase(ctx, *t); err != nil {
		return workflows.State{}, err
	}
	id, err := s.updateID(ctx, key, p.Actor, workflows.UpdateCompleteTask, t.RequestID, taskID)
	if err != nil {
		return workflows.State{}, err
	}
	return s.update(ctx, t.RequestID, id, workflows.UpdateCompleteTask, workflows.CompleteTask{TaskID: taskID, By: by(p), Found: found})
}

func (s *Service) visibleTask(ctx context.Context, p *Principal, id uuid.UUID) (*store.Task, error) {
	t, err := s.store.VisibleTask(ctx, id, p.Controllers)
	if err != nil {
		return nil, s.storeError(err)
	}
	if t == nil {
		return nil, notFound("no such task")
	}
	return t, nil
}

// Task reads a task of a request p may see.
func (s *Service) Task(ctx context.Context, p *Principal, id uuid.UUID) (store.Task, error) {
	t, err := s.visibleTask(ctx, p, id)
	if err != nil {
		return store.Task{}, err
	}
	return *t, nil
}

// TaskOfRequest reads a task of a request p may see.
func (s *Service) TaskOfRequest(ctx context.Context, p *Principal, requestID, taskID uuid.UUID) (store.Task, error) {
	t, err := s.visibleTask(ctx, p, taskID)
	if err != nil {
		return store.Task{}, err
	}
	if t.RequestID != requestID {
		return store.Task{}, notFound("no such task")
	}
	return *t, nil
}

// mayErase refuses to complete an erasure's fulfilment while another
// request of the same person is open at the controller: data a pending
// request concerns must not be erased (LEGAL.md §4). The caseworker sees
// which requests block it.
func (s *Service) mayErase(ctx context.Context, t store.Task) error {
	if t.Kind != string(workflows.TaskFulfil) {
		return nil
	}
	r, err := s.store.RequestByID(ctx, t.RequestID)
	if err != nil {
		return s.storeError(err)
	}
	if r.Kind != string(rights.KindErasure) {
		return nil
	}
	pending, err := s.intake.PendingFor(ctx, r)
	if err != nil {
		return s.storeError(err)
	}
	if len(pending) == 0 {
		return nil
	}
	e := &RuleError{Rule: rights.RuleArt17PendingRequest, Conflict: true, Detail: fmt.Sprintf(
		"%d other request(s) of the same person are still open (first: %s, %s); nothing may be erased until they are answered", len(pending), pending[0].Reference, pending[0].Kind)}
	for _, o := range pending {
		e.BlockedBy = append(e.BlockedBy, Blocking{ID: o.ID.String(), Reference: o.Reference, Kind: o.Kind, Stage: o.Stage})
	}
	return e
}

// AssignTasks assigns the requests of some tasks p may see to one person,
// each by the assignment action; key, when given, makes each request's
// assignment idempotent. It stops at the first refusal, reporting how
// many requests were assigned before it.
func (s *Service) AssignTasks(ctx context.Context, p *Principal, taskIDs []uuid.UUID, assignee, key string) (int, error) {
	requestIDs, err := s.store.RequestsOfTasks(ctx, taskIDs)
	if err != nil {
		return 0, s.storeError(err)
	}
	for i, r := range requestIDs {
		k := key
		if k != "" {
			k += "/" + r.String()
		}
		if _, err := s.Act(ctx, p, r, k, &Assign{Assignee: assignee}); err != nil {
			return i, err
		}
	}
	return len(requestIDs), nil
}
