package workflows

import (
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// SweepWorkflowType is the registered name of Sweep; SweepScheduleID the
// Temporal Schedule that runs it.
const (
	SweepWorkflowType = "Sweep"
	SweepScheduleID   = "rightsdesk-sweeper"
)

// SweepBatch is how many requests one sweep starts at most.
const SweepBatch = 100

// StoppedLookback is how far back a sweep looks for request workflows that
// stopped; reporting is idempotent, so overlapping sweeps are harmless.
const StoppedLookback = 7 * 24 * time.Hour

// SweepInput tunes a sweep; the schedule sends the zero value.
type SweepInput struct {
	// OlderThan skips rows younger than this (default 10s).
	OlderThan time.Duration
}

// InputFor builds a request workflow's input from its row.
func InputFor(p rights.PendingRequest) RightsRequestInput {
	in := RightsRequestInput{
		Request: RequestInput{RequestID: p.RequestID, ControllerID: p.ControllerID, Kind: rights.Kind(p.Kind), Channel: p.Channel, ReceivedOn: p.ReceivedOn},
		Policy:  p.Policy,
	}
	if p.IdentityMethod != "" {
		in.Request.Identity = &VerifyIdentity{Method: IdentityMethod(p.IdentityMethod), By: Actor(p.IdentityBy)}
	}
	return in
}

// Sweep starts the workflow of every request whose row was written but
// whose start failed (an outage between the two steps of intake), so that
// nothing received is lost. A Temporal Schedule runs it.
func Sweep(ctx workflow.Context, in SweepInput) (int, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	if in.OlderThan == 0 {
		// Leave the intake a moment to start its own workflows.
		in.OlderThan = 10 * time.Second
	}
	var pending []rights.PendingRequest
	if err := workflow.ExecuteActivity(actx, rights.ActivityFindUnstarted, in.OlderThan, SweepBatch).Get(ctx, &pending); err != nil {
		return 0, err
	}
	var started []uuid.UUID
	for _, p := range pending {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: rights.WorkflowID(p.RequestID),
			// The request outlives the sweep that started it.
			ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
			WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		})
		err := workflow.ExecuteChildWorkflow(cctx, WorkflowType, InputFor(p)).GetChildWorkflowExecution().Get(ctx, nil)
		var exists *temporal.ChildWorkflowExecutionAlreadyStartedError
		if err != nil && !errorsAs(err, &exists) {
			workflow.GetLogger(ctx).Error("sweep: start request", "RequestID", p.RequestID.String(), "Error", err)
			continue
		}
		started = append(started, p.RequestID)
	}
	if err := workflow.ExecuteActivity(actx, rights.ActivityMarkStarted, started).Get(ctx, nil); err != nil {
		return 0, err
	}
	// A request whose workflow stopped is never left in silence.
	stopped := rights.ReportStoppedInput{WorkflowType: WorkflowType, Within: StoppedLookback}
	if err := workflow.ExecuteActivity(actx, rights.ActivityReportStopped, stopped).Get(ctx, nil); err != nil {
		return 0, err
	}
	return len(started), nil
}
