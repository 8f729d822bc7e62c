// Package workflows holds the rights-request workflow and its messages. It
// does no I/O: everything that touches the world is an activity.
package workflows

import (
	"errors"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Register registers every workflow of the package on r.
func Register(r worker.WorkflowRegistry) {
	r.RegisterWorkflowWithOptions(RightsRequest, workflow.RegisterOptions{Name: WorkflowType})
	r.RegisterWorkflowWithOptions(Sweep, workflow.RegisterOptions{Name: SweepWorkflowType})
	r.RegisterWorkflowWithOptions(Digest, workflow.RegisterOptions{Name: DigestWorkflowType})
	r.RegisterWorkflowWithOptions(Retention, workflow.RegisterOptions{Name: RetentionWorkflowType})
}

func errorsAs(err error, target any) bool { return errors.As(err, target) }
