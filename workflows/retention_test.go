package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// TestRetentionRunsAtTheWorkflowsTime: the retention workflow measures the
// period against its own clock (time-skipped here, a year on), not the
// worker's.
func TestRetentionRunsAtTheWorkflowsTime(t *testing.T) {
	var suite testsuite.WorkflowTestSuite
	env := suite.NewTestWorkflowEnvironment()
	later := time.Date(2027, 11, 2, 2, 0, 0, 0, time.UTC)
	env.SetStartTime(later)
	env.RegisterWorkflow(Retention)
	var acts *activities.Activities
	env.RegisterActivity(acts)
	var got time.Time
	env.OnActivity(acts.EraseExpired, mock.Anything, mock.Anything).Return(func(_ context.Context, now time.Time) (int, error) {
		got = now
		return 3, nil
	})
	var expiredAt time.Time
	env.OnActivity(acts.ExpireSources, mock.Anything, mock.Anything).Return(func(_ context.Context, now time.Time) ([]rights.ExpiredRows, error) {
		expiredAt = now
		return []rights.ExpiredRows{{Controller: "c", System: "s", Dataset: "d", Rows: 2}}, nil
	})
	env.ExecuteWorkflow(Retention)
	require.NoError(t, env.GetWorkflowError())
	var n int
	require.NoError(t, env.GetWorkflowResult(&n))
	require.Equal(t, 3, n)
	require.True(t, later.Equal(got), "%s", got)
	require.True(t, later.Equal(expiredAt), "the data maps' retention rules run in the same run: %s", expiredAt)
}
