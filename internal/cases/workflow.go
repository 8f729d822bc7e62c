package cases

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

var errBadCursor = errors.New("bad cursor")

// start starts a request's workflow. Starting twice is harmless: an existing
// workflow is kept.
func (s *Service) start(ctx context.Context, r store.Request, p controllers.Policy) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	in := workflows.InputFor(store.PendingOf(r, p))
	_, err := s.temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       rights.WorkflowID(r.ID),
		TaskQueue:                s.taskQueue,
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
// The update ID comes from the idempotency key (scoped to the actor), so a
// retried call is applied once.
//
// Every call into Temporal has a deadline: a slow or absent server is
// unavailable, never a hanging call. Once the Update is done, the call
// waits (briefly) for the read model to hold it, so the next read shows it.
func (s *Service) update(ctx context.Context, requestID uuid.UUID, updateID, name string, arg any) (workflows.State, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
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
func (s *Service) awaitProjection(ctx context.Context, id uuid.UUID, v int64) {
	ctx, cancel := context.WithTimeout(ctx, projectionWait)
	defer cancel()
	wait := 5 * time.Millisecond
	for {
		have, err := s.store.RequestVersion(ctx, id)
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

// liveState queries a request's workflow for its state; ok is false when
// Temporal does not answer (the read model still does).
func (s *Service) liveState(ctx context.Context, r store.Request) (workflows.State, bool) {
	var st workflows.State
	if !r.WorkflowStarted {
		return st, false
	}
	qctx, cancel := context.WithTimeout(ctx, min(5*time.Second, s.timeout))
	defer cancel()
	v, err := s.temporal.QueryWorkflow(qctx, rights.WorkflowID(r.ID), "", workflows.QueryState)
	if err != nil {
		s.log.Warn("query workflow state", "request_id", r.ID, "error", err)
		return st, false
	}
	return st, v.Get(&st) == nil
}

// temporalError turns a Temporal error into a typed one: a rejected Update
// into a RuleError naming the rule, a finished workflow into
// request-closed, an unreachable server into unavailable.
func (s *Service) temporalError(err error) error {
	if typ, rej, ok := workflows.IsRejection(err); ok {
		return &RuleError{Rule: rej.Rule, Detail: rej.Detail, Conflict: typ == workflows.ErrTypeConflict}
	}
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) {
		// Also an action that arrived with others and was still on its
		// way when one of them closed the request.
		return &RuleError{Rule: rights.RuleRequestClosed, Conflict: true, Detail: "the request is closed or its case has not started yet; nothing was changed"}
	}
	var unavailable *serviceerror.Unavailable
	var exhausted *serviceerror.ResourceExhausted
	if errors.As(err, &unavailable) || errors.As(err, &exhausted) {
		return &UnavailableError{Detail: "the workflow service is unavailable; nothing was changed", RetryAfter: 5 * time.Second}
	}
	var deadline *serviceerror.DeadlineExceeded
	if errors.As(err, &deadline) || errors.Is(err, context.DeadlineExceeded) {
		return &UnavailableError{Detail: "the workflow service did not answer in time; the action may or may not have been applied: send it again with the same Idempotency-Key", RetryAfter: 5 * time.Second}
	}
	return err
}

// storeError turns a database error into a typed one: a database that
// cannot be reached is unavailable; anything else is internal.
func (s *Service) storeError(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, store.ErrNotFound) {
		return notFound("no such request")
	}
	if unavailable(err) {
		s.log.Warn("database unavailable", "error", err)
		return &UnavailableError{Detail: "the database is unavailable; nothing was written", RetryAfter: 5 * time.Second}
	}
	return err
}

// unavailable reports whether a database error means it cannot be reached.
func unavailable(err error) bool {
	var connErr *pgconn.ConnectError
	if errors.As(err, &connErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// 08xxx connection exceptions, 53xxx insufficient resources, 57P0x shutdown.
		switch pgErr.Code[:2] {
		case "08", "53", "57":
			return true
		}
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(err.Error(), "database is closed") || strings.Contains(err.Error(), "connection refused")
}

// StoreError is storeError for the doors' own reads (sessions): a
// database that cannot be reached is an UnavailableError.
func (s *Service) StoreError(err error) error { return s.storeError(err) }

// Ready names what of the service does not answer: "postgres",
// "temporal"; none when it is ready.
func (s *Service) Ready(ctx context.Context) []string {
	var failed []string
	if err := s.store.Ping(ctx); err != nil {
		failed = append(failed, "postgres")
	}
	if _, err := s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		failed = append(failed, "temporal")
	}
	return failed
}
