// Package worker builds the Temporal client every rightsdesk process uses and
// the worker that runs the workflows and activities.
package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// ClientOptions configure Dial.
type ClientOptions struct {
	// Connection is where Temporal is and how to reach it: address,
	// namespace, TLS, API key, gRPC headers, as config.Config's
	// TemporalClientOptions reads them (envconfig). Its logger, data
	// converter and failure converter are replaced by rightsdesk's.
	Connection client.Options
	Logger     *slog.Logger
	// Keys, when set, encrypt every payload and failure message.
	Keys *crypto.Keyring
}

// Dial connects a Temporal client, retrying for up to a minute while the
// server comes up.
func Dial(ctx context.Context, opts ClientOptions) (client.Client, error) {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	co := opts.Connection
	co.Logger = tlog.NewStructuredLogger(logger.With("component", "temporal-client"))
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
			return nil, fmt.Errorf("worker: connect to temporal at %s: %w", co.HostPort, lastErr)
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// SetCacheSize sets how many workflows the process's workers keep in
// memory (RIGHTSDESK_WORKFLOW_CACHE). It holds for the whole process and
// takes effect only before its first worker starts.
func SetCacheSize(n int) { sdkworker.SetStickyWorkflowCacheSize(n) }

// Options are the pollers and slots of a process's two workers: the one on
// the task queue (workflow tasks and every activity but the letters'), and
// the letters worker on workflows.LettersTaskQueue. Zero takes the default.
type Options struct {
	// WorkflowPollers poll the task queue for workflow tasks (at least 2),
	// and WorkflowSlots bound the workflow tasks run at once.
	WorkflowPollers, WorkflowSlots int
	// ActivityPollers poll the task queue for activity tasks (projections,
	// fulfilment, the sweeper), and ActivitySlots bound those run at once.
	ActivityPollers, ActivitySlots int
	// LetterPollers poll the letters task queue.
	LetterPollers int
	// LetterSlots bound the letters rendered and sent at once. Each holds
	// a database connection while it works and renders a PDF on the CPU
	// the workflow tasks also need: more slots than the cores and the
	// database keep busy only lengthen the queue in the worker instead of
	// on the server, where the task priority orders it.
	LetterSlots int
}

// The defaults, as measured with `rightsdesk bench` (docs/BENCHMARKS.md):
// 2, 4 and 8 pollers and 8 or 32 letter slots carried a burst equally,
// within the noise, the cores being the limit, and the letters queue never
// held more than a few letters with 8 slots; 8 leave most of the database
// connections to the projections.
const (
	DefaultWorkflowPollers = 2
	DefaultActivityPollers = 2
	DefaultLetterPollers   = 2
	DefaultLetterSlots     = 8
)

func (o Options) withDefaults() Options {
	if o.WorkflowPollers == 0 {
		o.WorkflowPollers = DefaultWorkflowPollers
	}
	// The SDK alternates a poller between the sticky and the normal queue.
	o.WorkflowPollers = max(o.WorkflowPollers, 2)
	if o.ActivityPollers == 0 {
		o.ActivityPollers = DefaultActivityPollers
	}
	if o.LetterPollers == 0 {
		o.LetterPollers = DefaultLetterPollers
	}
	if o.LetterSlots == 0 {
		o.LetterSlots = DefaultLetterSlots
	}
	return o
}

// New builds a process's worker with the default options: every workflow
// and activity on taskQueue, and the letters on their own queue.
func New(c client.Client, taskQueue string, acts *activities.Activities) sdkworker.Worker {
	return NewWithOptions(c, taskQueue, acts, Options{})
}

// NewWithOptions builds a process's worker: on taskQueue every workflow and
// every activity (a letter scheduled there before the letters had a queue
// of their own still runs), and a second worker on
// workflows.LettersTaskQueue(taskQueue) with the activities that render
// and send letters, with slots of their own. A burst of receipts then
// waits on the letters queue, and the workflow tasks and projections of
// the task queue go on beside it. Starting, running and stopping the
// returned worker does so for both; registering registers on the first.
func NewWithOptions(c client.Client, taskQueue string, acts *activities.Activities, opts Options) sdkworker.Worker {
	if acts.Temporal == nil {
		// The sweeper looks up requests whose workflow stopped.
		acts.Temporal = c
	}
	opts = opts.withDefaults()
	w := sdkworker.New(c, taskQueue, sdkworker.Options{
		MaxConcurrentWorkflowTaskPollers:       opts.WorkflowPollers,
		MaxConcurrentWorkflowTaskExecutionSize: opts.WorkflowSlots,
		MaxConcurrentActivityTaskPollers:       opts.ActivityPollers,
		MaxConcurrentActivityExecutionSize:     opts.ActivitySlots,
	})
	Register(w, acts)
	letters := sdkworker.New(c, workflows.LettersTaskQueue(taskQueue), sdkworker.Options{
		MaxConcurrentActivityTaskPollers:   opts.LetterPollers,
		MaxConcurrentActivityExecutionSize: opts.LetterSlots,
	})
	RegisterLetters(letters, acts)
	return &pair{Worker: w, letters: letters}
}

// Register registers every workflow on r, and every activity under the
// name the workflows call it by (rights.Activity*).
func Register(r sdkworker.Registry, acts *activities.Activities) {
	workflows.Register(r)
	fns := activityFuncs(acts)
	for _, name := range rights.ActivityNames() {
		r.RegisterActivityWithOptions(fns[name], activity.RegisterOptions{Name: name})
	}
}

// RegisterLetters registers the activities of the letters queue on r: the
// notices and letters (SendNotice) and the staff's daily digests.
func RegisterLetters(r sdkworker.Registry, acts *activities.Activities) {
	fns := activityFuncs(acts)
	for _, name := range rights.LettersActivities() {
		r.RegisterActivityWithOptions(fns[name], activity.RegisterOptions{Name: name})
	}
}

// activityFuncs maps each activity's name to its method on acts.
func activityFuncs(acts *activities.Activities) map[string]any {
	return map[string]any{
		rights.ActivityLoadPolicy:      acts.LoadPolicy,
		rights.ActivityProject:         acts.Project,
		rights.ActivitySendNotice:      acts.SendNotice,
		rights.ActivityMarkLetter:      acts.MarkLetter,
		rights.ActivityForward:         acts.Forward,
		rights.ActivityPlanFulfilment:  acts.PlanFulfilment,
		rights.ActivityFulfil:          acts.Fulfil,
		rights.ActivityPendingOthers:   acts.PendingOthers,
		rights.ActivityDestroyPackages: acts.DestroyPackages,
		rights.ActivityFindUnstarted:   acts.FindUnstarted,
		rights.ActivityMarkStarted:     acts.MarkStarted,
		rights.ActivityReportStopped:   acts.ReportStopped,
		rights.ActivityEraseExpired:    acts.EraseExpired,
		rights.ActivityExpireSources:   acts.ExpireSources,
		rights.ActivitySendDigests:     acts.SendDigests,
		rights.ActivityRecordEvent:     acts.RecordEvent,
	}
}

// pair is the worker of the task queue and the letters worker, started and
// stopped together.
type pair struct {
	sdkworker.Worker
	letters sdkworker.Worker
}

func (p *pair) Start() error {
	if err := p.letters.Start(); err != nil {
		return err
	}
	if err := p.Worker.Start(); err != nil {
		p.letters.Stop()
		return err
	}
	return nil
}

func (p *pair) Run(interruptCh <-chan any) error {
	if err := p.Start(); err != nil {
		return err
	}
	<-interruptCh
	p.Stop()
	return nil
}

func (p *pair) Stop() {
	p.Worker.Stop()
	p.letters.Stop()
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
