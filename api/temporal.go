package api

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// start starts a request's workflow. Starting twice is harmless: an existing
// workflow is kept.
func (s *Server) start(ctx context.Context, r store.Request, p controllers.Policy) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.TemporalTimeout)
	defer cancel()
	in := workflows.InputFor(activities.PendingOf(r, p))
	_, err := s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       rights.WorkflowID(r.ID),
		TaskQueue:                s.cfg.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.SARequestKind.ValueSet(r.Kind),
			workflows.SAStage.ValueSet(string(workflows.StageReceived)),
			workflows.SAController.ValueSet(r.ControllerID),
		),
	}, workflows.WorkflowType, in)
	// The workflow's first projection marks the request started, so the
	// intake makes no second write; until then the sweeper may start it
	// again, which finds the running workflow and changes nothing.
	return err
}

// update sends an Update to a request's workflow and waits for its outcome.
// The update ID comes from the Idempotency-Key (scoped to the actor), so a
// retried call is applied once.
//
// Every call into Temporal has a deadline: a slow or absent server is a 503
// with Retry-After, never a hanging call. Once the Update is done, the call
// waits (briefly) for the read model to hold it, so the next read shows it.
func (s *Server) update(ctx context.Context, requestID uuid.UUID, updateID, name string, arg any) (workflows.State, error) {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.TemporalTimeout)
	defer cancel()
	h, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: rights.WorkflowID(requestID), UpdateID: updateID, UpdateName: name,
		Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var st workflows.State
	if err == nil {
		err = h.Get(ctx, &st)
	}
	if err != nil {
		return st, s.temporalError(err)
	}
	s.awaitProjection(ctx, requestID, st.Version)
	return st, nil
}

// projectionWait bounds how long an action waits for the read model.
const projectionWait = 3 * time.Second

// awaitProjection waits until the read model holds version v of a request
// (read your writes), at most projectionWait. Past that the action has
// still happened; the read model follows when its writer recovers, and the
// request is flagged if it does not.
func (s *Server) awaitProjection(ctx context.Context, id uuid.UUID, v int64) {
	ctx, cancel := context.WithTimeout(ctx, projectionWait)
	defer cancel()
	wait := 5 * time.Millisecond
	for {
		var have int64
		err := s.store.DB.WithContext(ctx).Model(&store.Request{}).Where("id = ?", id).Select("version").Scan(&have).Error
		if err == nil && have >= v {
			return
		}
		select {
		case <-ctx.Done():
			s.log.Warn("read model behind the workflow", "request_id", id, "version", v)
			return
		case <-time.After(wait):
		}
		wait = min(wait*2, 100*time.Millisecond)
	}
}

// temporalError turns a Temporal error into a problem: a rejected Update
// into 409 or 422 naming the rule, a finished workflow into 409, an
// unreachable server into 503.
func (s *Server) temporalError(err error) error {
	if typ, rej, ok := workflows.IsRejection(err); ok {
		status := http.StatusUnprocessableEntity
		if typ == workflows.ErrTypeConflict {
			status = http.StatusConflict
		}
		p := NewProblem(status, "rule-broken", rej.Detail)
		p.Rule = string(rej.Rule)
		return p
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		// Also an action that arrived with others and was still on its
		// way when one of them closed the request.
		p := NewProblem(http.StatusConflict, "request-closed", "the request is closed or its case has not started yet; nothing was changed")
		p.Rule = "request-closed"
		return p
	}
	var unavailable *serviceerror.Unavailable
	var exhausted *serviceerror.ResourceExhausted
	if errors.As(err, &unavailable) || errors.As(err, &exhausted) {
		return Unavailable("the workflow service is unavailable; nothing was changed", 5)
	}
	var deadline *serviceerror.DeadlineExceeded
	if errors.As(err, &deadline) || errors.Is(err, context.DeadlineExceeded) {
		return Unavailable("the workflow service did not answer in time; the action may or may not have been applied: send it again with the same Idempotency-Key", 5)
	}
	return err
}

// storeError turns a database error into a problem: a database that cannot
// be reached is a 503 with Retry-After; anything else is internal.
func (s *Server) storeError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return NewProblem(http.StatusNotFound, "not-found", "no such request")
	}
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		s.log.Warn("database unavailable", "error", err)
		return Unavailable("the database is unavailable; nothing was written", 5)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// 08xxx connection exceptions, 53xxx insufficient resources, 57P0x shutdown.
		switch pgErr.Code[:2] {
		case "08", "53", "57":
			return Unavailable("the database is unavailable; nothing was written", 5)
		}
		return err
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(err.Error(), "database is closed") || strings.Contains(err.Error(), "connection refused") {
		s.log.Warn("database unavailable", "error", err)
		return Unavailable("the database is unavailable; nothing was written", 5)
	}
	return err
}

func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}
