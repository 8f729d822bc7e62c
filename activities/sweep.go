package activities

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// PendingRequest is what starting a request's workflow needs, read from its
// row: IDs and facts, no personal data.
type PendingRequest struct {
	RequestID      uuid.UUID
	ControllerID   string
	Kind           string
	Channel        string
	ReceivedOn     time.Time
	IdentityMethod string
	IdentityBy     string
	Policy         controllers.Policy
}

// PendingOf builds a PendingRequest from a row and its controller's policy.
func PendingOf(r store.Request, p controllers.Policy) PendingRequest {
	out := PendingRequest{RequestID: r.ID, ControllerID: r.ControllerID, Kind: r.Kind, Channel: r.Channel, ReceivedOn: r.ReceivedOn, Policy: p}
	if r.IntakeIdentity != nil {
		out.IdentityMethod = *r.IntakeIdentity
	}
	if r.IntakeIdentityBy != nil {
		out.IdentityBy = *r.IntakeIdentityBy
	}
	return out
}

// FindUnstarted returns requests written at least olderThan ago whose
// workflow has not started (the intake's start failed), at most limit.
func (a *Activities) FindUnstarted(ctx context.Context, olderThan time.Duration, limit int) ([]PendingRequest, error) {
	var rows []store.Request
	err := a.Store.DB.WithContext(ctx).Where("NOT workflow_started AND created_at < ?", time.Now().UTC().Add(-olderThan)).
		Order("created_at").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("find unstarted: %w", err)
	}
	policies := map[string]controllers.Policy{}
	out := make([]PendingRequest, 0, len(rows))
	for _, r := range rows {
		p, ok := policies[r.ControllerID]
		if !ok {
			if p, err = a.LoadPolicy(ctx, r.ControllerID); err != nil {
				return nil, err
			}
			policies[r.ControllerID] = p
		}
		out = append(out, PendingOf(r, p))
	}
	return out, nil
}

// MarkStarted records that requests' workflows run.
func (a *Activities) MarkStarted(ctx context.Context, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	return a.Store.DB.WithContext(ctx).Model(&store.Request{}).Where("id IN ?", ids).Update("workflow_started", true).Error
}
