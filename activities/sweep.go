package activities

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/workflowservice/v1"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// FindUnstarted returns requests written at least olderThan ago whose
// workflow has not started (the intake's start failed), at most limit.
func (a *Activities) FindUnstarted(ctx context.Context, olderThan time.Duration, limit int) ([]rights.PendingRequest, error) {
	var rows []store.Request
	err := a.Store.DB.WithContext(ctx).Where("NOT workflow_started AND created_at < ?", time.Now().UTC().Add(-olderThan)).
		Order("created_at").Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("find unstarted: %w", err)
	}
	policies := map[string]policy.Policy{}
	out := make([]rights.PendingRequest, 0, len(rows))
	for _, r := range rows {
		p, ok := policies[r.ControllerID]
		if !ok {
			if p, err = a.LoadPolicy(ctx, r.ControllerID); err != nil {
				return nil, err
			}
			policies[r.ControllerID] = p
		}
		out = append(out, store.PendingOf(r, p))
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

// maxStoppedReports bounds one sweep's reports.
const maxStoppedReports = 1000

// ReportStopped finds request workflows that stopped without closing their
// request (failed, terminated, timed out, cancelled: an operator's hand or
// a bug, since a failing step never fails a request) and makes each
// visible: the request row needs attention ("workflow"), the audit log
// says so, and the DPO gets a notice, once per stopped run. It returns how
// many it newly reported.
func (a *Activities) ReportStopped(ctx context.Context, in rights.ReportStoppedInput) (int, error) {
	if a.Temporal == nil {
		return 0, nil
	}
	since := time.Now().UTC().Add(-in.Within).Format(time.RFC3339)
	query := fmt.Sprintf("WorkflowType = '%s' AND CloseTime > '%s' AND (ExecutionStatus = 'Failed' OR ExecutionStatus = 'Terminated' OR ExecutionStatus = 'TimedOut' OR ExecutionStatus = 'Canceled')",
		in.WorkflowType, since)
	reported := 0
	var token []byte
	for seen := 0; seen < maxStoppedReports; {
		resp, err := a.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, NextPageToken: token, PageSize: 100})
		if err != nil {
			return reported, fmt.Errorf("report stopped: list workflows: %w", err)
		}
		for _, ex := range resp.GetExecutions() {
			seen++
			id, err := rights.ParseWorkflowID(ex.GetExecution().GetWorkflowId())
			if err != nil {
				continue
			}
			n, err := a.reportStopped(ctx, id, ex.GetExecution().GetRunId(), ex.GetStatus().String(), ex.GetCloseTime().AsTime())
			if err != nil {
				return reported, err
			}
			reported += n
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			break
		}
	}
	return reported, nil
}

func (a *Activities) reportStopped(ctx context.Context, id uuid.UUID, runID, status string, at time.Time) (int, error) {
	n := 0
	err := a.Store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&store.Request{}).
			Where("id = ? AND closed_at IS NULL AND attention IS DISTINCT FROM 'workflow'", id).
			Updates(map[string]any{"attention": "workflow", "attention_since": at.UTC(), "updated_at": time.Now().UTC()})
		if res.Error != nil || res.RowsAffected == 0 {
			return res.Error
		}
		n = 1
		key := id.String() + "/stopped/" + runID
		if err := insertEvent(tx, rights.EventInput{Key: key, RequestID: id, At: at, Actor: "system", Action: "workflow.stopped",
			Data: map[string]any{"status": strings.TrimPrefix(status, "WORKFLOW_EXECUTION_STATUS_")}}); err != nil {
			return err
		}
		notice := store.Notice{ID: uuid.NewSHA1(uuid.NameSpaceURL, []byte("rightsdesk/notice/"+key)), NoticeKey: key, RequestID: id,
			Kind: "attention", Recipient: "dpo", DueAt: time.Now().UTC(), SentAt: ptr(time.Now().UTC())}
		return tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "notice_key"}}, DoNothing: true}).Create(&notice).Error
	})
	if err != nil {
		return 0, fmt.Errorf("report stopped %s: %w", id, err)
	}
	return n, nil
}
