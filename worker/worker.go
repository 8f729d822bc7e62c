// Package worker builds the Temporal client every rightsdesk process uses and
// the worker that runs the workflows and activities.
package worker

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// ClientOptions configure Dial.
type ClientOptions struct {
	HostPort  string
	Namespace string
	Logger    *slog.Logger
	// Keys, when set, encrypt every payload and failure message.
	Keys *crypto.Keyring
	// TLS, when set, secures the connection (mTLS with a client
	// certificate, or server TLS alone with an API key).
	TLS *tls.Config
	// APIKey authenticates to Temporal Cloud.
	APIKey string
}

// TLSConfig builds the connection's TLS from the configuration: a client
// certificate (mTLS), a CA for the server's certificate, the server name;
// nil when none is set and there is no API key (plain, as a local dev
// server).
func TLSConfig(certFile, keyFile, caFile, serverName string, apiKey bool) (*tls.Config, error) {
	if certFile == "" && caFile == "" && serverName == "" && !apiKey {
		return nil, nil
	}
	conf := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: serverName}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("temporal: client certificate: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("temporal: CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("temporal: the CA file holds no PEM certificate")
		}
		conf.RootCAs = pool
	}
	return conf, nil
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
	if opts.TLS != nil {
		co.ConnectionOptions.TLS = opts.TLS
	}
	if opts.APIKey != "" {
		co.Credentials = client.NewAPIKeyStaticCredentials(opts.APIKey)
	}
	if opts.Keys != nil {
		co.DataConverter = crypto.Codec{Keys: opts.Keys}.DataConverter()
		// Failure messages may quote free text: encrypt them too.
		co.FailureConverter = temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
			DataConverter: co.DataConverter, EncodeCommonAttributes: true,
		})
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

// SetCacheSize sets how many workflows the process's workers keep in
// memory (RIGHTSDESK_WORKFLOW_CACHE). It holds for the whole process and
// takes effect only before its first worker starts.
func SetCacheSize(n int) { sdkworker.SetStickyWorkflowCacheSize(n) }

// New builds a worker on taskQueue with every workflow and activity registered.
func New(c client.Client, taskQueue string, acts *activities.Activities) sdkworker.Worker {
	if acts.Temporal == nil {
		// The sweeper looks up requests whose workflow stopped.
		acts.Temporal = c
	}
	w := sdkworker.New(c, taskQueue, sdkworker.Options{})
	Register(w, acts)
	return w
}

// Register registers every workflow and activity on r.
func Register(r sdkworker.Registry, acts *activities.Activities) {
	workflows.Register(r)
	r.RegisterActivity(acts)
}

// EnsureDigest creates the Temporal Schedule that sends the daily digests:
// every hour, each controller's at its own notice hour.
func EnsureDigest(ctx context.Context, c client.Client, taskQueue string) error {
	return ensureSchedule(ctx, c, "digest", workflows.DigestScheduleID, client.ScheduleIntervalSpec{Every: time.Hour, Offset: 5 * time.Minute},
		client.ScheduleWorkflowAction{ID: "rightsdesk-digest", Workflow: workflows.DigestWorkflowType, TaskQueue: taskQueue})
}

// EnsureRetention creates the Temporal Schedule that erases, daily at
// 02:00 UTC, the personal data of closed requests past their retention.
func EnsureRetention(ctx context.Context, c client.Client, taskQueue string) error {
	return ensureSchedule(ctx, c, "retention", workflows.RetentionScheduleID, client.ScheduleIntervalSpec{Every: 24 * time.Hour, Offset: 2 * time.Hour},
		client.ScheduleWorkflowAction{ID: "rightsdesk-retention", Workflow: workflows.RetentionWorkflowType, TaskQueue: taskQueue})
}

// EnsureSweeper creates the Temporal Schedule that runs the sweeper every
// interval; an existing schedule is left as it is.
func EnsureSweeper(ctx context.Context, c client.Client, taskQueue string, every time.Duration) error {
	return ensureSchedule(ctx, c, "sweeper", workflows.SweepScheduleID, client.ScheduleIntervalSpec{Every: every},
		client.ScheduleWorkflowAction{ID: "rightsdesk-sweep", Workflow: workflows.SweepWorkflowType, TaskQueue: taskQueue, Args: []any{workflows.SweepInput{}}})
}

// ensureSchedule creates a schedule that never overlaps itself; an existing
// one is left as it is.
func ensureSchedule(ctx context.Context, c client.Client, name, id string, every client.ScheduleIntervalSpec, action client.ScheduleWorkflowAction) error {
	_, err := c.ScheduleClient().Create(ctx, client.ScheduleOptions{
		ID:      id,
		Spec:    client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{every}},
		Action:  &action,
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
	})
	if err != nil && !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("worker: create the %s schedule: %w", name, err)
	}
	return nil
}
