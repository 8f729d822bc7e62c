package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// DigestWorkflowType is the registered name of Digest; DigestScheduleID
// the Temporal Schedule that runs it every hour.
const (
	DigestWorkflowType = "Digest"
	DigestScheduleID   = "rightsdesk-digest"
)

// Digest sends the daily digests that are due this hour: each controller
// gets its own at its notice hour, in its time zone.
func Digest(ctx workflow.Context) (int, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 5 * time.Second, MaximumAttempts: 5},
	})
	var n int
	err := workflow.ExecuteActivity(workflow.WithTaskQueue(actx, LettersTaskQueue(workflow.GetInfo(ctx).TaskQueueName)), rights.ActivitySendDigests, workflow.Now(ctx)).Get(ctx, &n)
	return n, err
}
