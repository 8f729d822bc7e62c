// Package worker builds the Temporal client every rightsdesk process uses and
// the worker that runs the workflows and activities.
package worker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// ClientOptions configure Dial.
type ClientOptions struct {
	HostPort  string
	Namespace string
	Logger    *slog.Logger
}

// Dial connects a Temporal client, retrying for up to a minute while the
// server comes up.
func Dial(ctx context.Context, opts ClientOptions) (client.Client, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	co := client.Options{
		HostPort:  opts.HostPort,
		Namespace: opts.Namespace,
		Logger:    tlog.NewStructuredLogger(logger.With("component", "temporal-client")),
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var lastErr error
	for {
		c, err := client.DialContext(ctx, co)
		if err == nil {
			return c, nil
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("worker: connect to temporal at %s: %w", opts.HostPort, lastErr)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// New builds a worker on taskQueue with every workflow and activity registered.
func New(c client.Client, taskQueue string, acts *activities.Activities) sdkworker.Worker {
	w := sdkworker.New(c, taskQueue, sdkworker.Options{})
	Register(w, acts)
	return w
}

// Register registers every workflow and activity on r.
func Register(r sdkworker.Registry, acts *activities.Activities) {
	workflows.Register(r)
	r.RegisterActivity(acts)
}
