package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// RetentionWorkflowType is the registered name of Retention;
// RetentionScheduleID the Temporal Schedule that runs it daily.
const (
	RetentionWorkflowType = "Retention"
	RetentionScheduleID   = "rightsdesk-retention"
)

// Retention erases the personal data of closed requests past their
// controller's retention period (LEGAL.md §5).
func Retention(ctx workflow.Context) (int, error) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 10 * time.Second, MaximumAttempts: 5},
	})
	var n int
	if err := workflow.ExecuteActivity(actx, rights.ActivityEraseExpired, workflow.Now(ctx)).Get(ctx, &n); err != nil {
		return n, err
	}
	// The data maps' own retention rules, carried out with no request.
	var expired []rights.ExpiredRows
	if err := workflow.ExecuteActivity(actx, rights.ActivityExpireSources, workflow.Now(ctx)).Get(ctx, &expired); err != nil {
		return n, err
	}
	return n, nil
}
