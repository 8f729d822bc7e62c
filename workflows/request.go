package workflows

import (
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// Notice kinds and recipients.
const (
	NoticeReminder    = "reminder"
	NoticeEscalation  = "escalation"
	NoticeBreach      = "breach"
	NoticeExtension   = "extension"
	NoticeInformation = "information_request"
	NoticeReply       = "reply"
	NoticeWithdrawn   = "withdrawal_confirmed"
	NoticeReceipt     = "receipt"
	NoticePreliminary = "preliminary"
	NoticeLifting     = "restriction_lifting"
	// NoticeRecipient tells a recipient of disclosed data that it was
	// erased, rectified or restricted (Art. 19).
	NoticeRecipient = "recipient_notice"
	// NoticeRefusalReminder counts down to the refusal deadline (Art.
	// 12(4)) of an extended request that is not granted yet.
	NoticeRefusalReminder = "refusal_reminder"
	// NoticeAttention tells the DPO that a step of a request keeps failing.
	NoticeAttention      = "attention"
	RecipientDPO         = "dpo"
	RecipientSubject     = "subject"
	RecipientCaseworkers = "caseworkers"
	// RecipientOf prefixes the name of a recipient of disclosed data.
	RecipientOf = "recipient:"
)

// WorkflowType is the registered name of RightsRequest.
const WorkflowType = "RightsRequest"

// RightsRequestInput is what starts a request: the request and its
// controller's policy, which the intake already read to answer with the dates.
type RightsRequestInput struct {
	Request RequestInput
	Policy  policy.Policy
	// Resume is set when the request carries on in a new run.
	Resume *Resume `json:",omitempty"`
}

// Resume is what a request carries into its next run when its history
// grows long (continue-as-new): everything the workflow knows that its
// input does not. A request left breached for a year gets a notice a day;
// without a new run now and then its history would near Temporal's limits.
type Resume struct {
	State State
	Clock deadline.Clock
	// Sent lists the keys of the deadline events already handled.
	Sent []string
	// Run numbers the runs, the first being 1.
	Run int
}

// RightsRequest is one rights request from receipt to reply. It owns the
// request's legal deadline: its timers are the reminders, the escalation and
// the breach; its Updates are the caseworkers' decisions.
func RightsRequest(ctx workflow.Context, in RightsRequestInput) (Result, error) {
	w, err := newRightsRequest(ctx, in)
	if err != nil {
		return Result{}, err
	}
	if err := w.setup(ctx); err != nil {
		return Result{}, err
	}
	return w.run(ctx, in)
}

type rightsRequest struct {
	policy policy.Policy
	cal    *deadline.Calendar
	loc    *time.Location
	clock  deadline.Clock
	state  State
	log    log.Logger

	identityAtIntake *VerifyIdentity
	forwardedFrom    *uuid.UUID

	// changes counts state changes; the deadline loop waits on it.
	changes int
	// The outbox: what the projector writes to the read model and the
	// notifier sends.
	dirty   bool
	events  []rights.EventInput
	notices []rights.NoticeInput
	busy    bool // the projector
	sending bool // the notifier
	// sent holds the keys of deadline notices already handled.
	sent map[string]bool
	// toFulfil is set by a grant, for run to carry it out.
	toFulfil bool
	plan     *rights.FulfilmentPlan
	// callbacks hold the http systems' reports, by step key.
	callbacks map[string]rights.Callback
	// liftReason is set when a caseworker lifts a restriction.
	liftReason string
	// inFlight names an action whose handler waits for an activity before
	// it changes the state (a grant being planned, a correction being
	// applied); until it is done, the actions it excludes are refused.
	inFlight string
	// completing holds the tasks whose completion waits for the outbox.
	completing map[uuid.UUID]bool
	// resumed is what a previous run carried over, nil in the first.
	resumed *Resume
}

// ContinueAfterChanges bounds one run's history: after this many changes
// (each a projection, often a notice, and their events; a run's history at
// this bound is measured in docs/BENCHMARKS.md) a request waiting in
// identity or assessment carries on in a new run, as it does when the
// server suggests it. A variable only so tests can lower it; a worker must
// not change it while workflows run.
var ContinueAfterChanges = 250

func newRightsRequest(ctx workflow.Context, in RightsRequestInput) (*rightsRequest, error) {
	r, p := in.Request, in.Policy
	if r.RequestID == uuid.Nil || !r.Kind.Valid() || r.ReceivedOn.IsZero() || p.ControllerID != r.ControllerID {
		return nil, temporal.NewNonRetryableApplicationError("invalid request input", ErrTypeInvalid, nil)
	}
	cal, err := deadline.CalendarFor(deadline.Country(p.Country))
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInvalid, nil)
	}
	loc, err := deadline.LoadLocation(p.TimeZone)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("unknown time zone "+p.TimeZone, ErrTypeInvalid, nil)
	}
	w := &rightsRequest{
		policy: p, cal: cal, loc: loc, clock: deadline.NewClock(r.ReceivedOn),
		log:              log.With(workflow.GetLogger(ctx), "RequestID", r.RequestID.String()),
		identityAtIntake: r.Identity, forwardedFrom: r.ForwardedFrom,
		sent: map[string]bool{}, completing: map[uuid.UUID]bool{},
	}
	w.state = State{
		RequestID: r.RequestID, ControllerID: r.ControllerID, Kind: r.Kind, Channel: r.Channel,
		Stage: StageReceived, ReceivedOn: deadline.Day(r.ReceivedOn), Tasks: []Task{},
	}
	if res := in.Resume; res != nil {
		if res.State.RequestID != r.RequestID {
			return nil, temporal.NewNonRetryableApplicationError("resumed state of another request", ErrTypeInvalid, nil)
		}
		w.resumed, w.clock, w.state = res, res.Clock, res.State
		for _, k := range res.Sent {
			w.sent[k] = true
		}
	}
	w.syncDates()
	return w, nil
}

// setup enters the first stage and registers the handlers, all before the
// workflow first yields, so an Update that arrives with the start finds the
// request in its first real stage.
func (w *rightsRequest) setup(ctx workflow.Context) error {
	if w.resumed != nil {
		// A later run: the request is where the last one left it.
		return w.handlers(ctx)
	}
	w.change(ctx, "request.received", ActorSystem, map[string]any{
		"kind": w.state.Kind, "channel": w.state.Channel, "received_on": w.state.ReceivedOn.Format(time.DateOnly),
		"due_on": w.state.DueOn.Format(time.DateOnly), "statutory_due_on": w.state.StatutoryDueOn.Format(time.DateOnly),
		"forwarded_from": w.forwardedFrom,
	})
	if w.policy.Role != "processor" {
		w.notify(ctx, "receipt", NoticeReceipt, RecipientSubject, workflow.Now(ctx))
	}
	switch {
	case w.policy.Role == "processor":
		// forwarded by run, at once
	case w.identityAtIntake != nil:
		w.state.Identity = &Identity{Method: w.identityAtIntake.Method, By: w.identityAtIntake.By, At: workflow.Now(ctx)}
		w.enter(ctx, StageAssessment)
		w.change(ctx, "identity.verified", w.identityAtIntake.By, map[string]any{"method": w.identityAtIntake.Method, "at_intake": true})
	default:
		w.enter(ctx, StageIdentity)
		w.change(ctx, "stage.identity", ActorSystem, nil)
	}
	return w.handlers(ctx)
}

// handlers registers the query and the Updates (newUpdate): one table says
// which actions exclude one in flight.
func (w *rightsRequest) handlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (State, error) { return w.snapshot(), nil }); err != nil {
		return err
	}
	// Every action but assignment, notes and claims is refused while
	// another is in flight.
	for _, h := range []updateHandler{
		newUpdate(w, UpdateVerifyIdentity, w.validateVerifyIdentity, w.verifyIdentity, true),
		newUpdate(w, UpdateRequestInformation, w.validateRequestInformation, w.requestInformation, true),
		newUpdate(w, UpdateInformationReceived, w.validateInformationReceived, w.informationReceived, true),
		newUpdate(w, UpdateCannotIdentify, w.validateCannotIdentify, w.cannotIdentify, true),
		newUpdate(w, UpdateDecide, w.validateDecide, w.decide, true),
		newUpdate(w, UpdateExtend, w.validateExtend, w.extend, true),
		newUpdate(w, UpdateAssign, w.validateAssign, w.assign, false),
		newUpdate(w, UpdateAddNote, w.validateAddNote, w.addNote, false),
		newUpdate(w, UpdateWithdraw, w.validateWithdraw, w.withdraw, true),
		newUpdate(w, UpdateClaimTask, w.validateClaimTask, w.claimTask, false),
		newUpdate(w, UpdateCompleteTask, w.validateCompleteTask, w.completeTask, true),
		newUpdate(w, UpdateSendLetter, w.validateSendLetter, w.sendLetter, true),
		newUpdate(w, UpdateApplyCorrection, w.validateApplyCorrection, w.applyCorrection, true),
		newUpdate(w, UpdateLiftRestriction, w.validateLiftRestriction, w.liftRestriction, true),
	} {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.fn, workflow.UpdateHandlerOptions{Validator: h.validator}); err != nil {
			return err
		}
	}
	return nil
}

// updateHandler is an Update's name, handler and validator.
type updateHandler struct {
	name      string
	fn        any
	validator any
}

// newUpdate registers an Update: its validator, and its handler guarded by
// the same check. An exclusive one is also refused while another action
// is in flight (settled).
func newUpdate[I any](w *rightsRequest, name string, validate func(workflow.Context, I) error, handle func(workflow.Context, I) (State, error), exclusive bool) updateHandler {
	if exclusive {
		rule := validate
		validate = func(ctx workflow.Context, in I) error {
			if err := w.settled(); err != nil {
				return err
			}
			return rule(ctx, in)
		}
	}
	return updateHandler{name: name, fn: guarded(w, validate, handle), validator: validate}
}

// guarded runs an Update's handler only if its rule still holds: the
// state may have changed since its validator ran, when it was validated
// while another Update's handler waited. A handler that then waits (for an activity) marks what it does
// first (inFlight, completing), so the validators and guards of the Updates
// after it see it.
func guarded[I any](w *rightsRequest, validate func(workflow.Context, I) error, handle func(workflow.Context, I) (State, error)) func(workflow.Context, I) (State, error) {
	return func(ctx workflow.Context, in I) (State, error) {
		if err := validate(ctx, in); err != nil {
			return w.snapshot(), err
		}
		return handle(ctx, in)
	}
}

// settled refuses an action while another one is being recorded.
func (w *rightsRequest) settled() error {
	if w.inFlight != "" {
		return conflict(rights.RuleActionInProgress, "%s is being recorded for this request; try again when it is done", w.inFlight)
	}
	return nil
}

func (w *rightsRequest) run(ctx workflow.Context, in RightsRequestInput) (Result, error) {
	workflow.Go(ctx, w.projector)
	workflow.Go(ctx, w.notifier)
	workflow.Go(ctx, w.deadlines)
	workflow.Go(ctx, w.receiveCallbacks)

	if w.policy.Role == "processor" {
		w.forward(ctx)
	}
	for !w.state.Stage.Final() {
		stage := w.state.Stage
		if stage == StageReply {
			w.reply(ctx)
			continue
		}
		if stage == StageFulfilment && w.toFulfil {
			w.toFulfil = false
			w.fulfil(ctx)
			continue
		}
		if err := workflow.Await(ctx, func() bool { return w.state.Stage != stage || w.toFulfil || w.mayContinue(ctx) }); err != nil {
			return Result{}, err
		}
		if w.state.Stage == stage && !w.toFulfil && w.mayContinue(ctx) {
			return Result{}, w.continueAsNew(ctx, in)
		}
	}
	if w.holdsRestriction() {
		// A restriction in place lives on with its request, until it is
		// lifted: the subject is told first (Art. 18(3)).
		if err := workflow.Await(ctx, func() bool { return w.liftReason != "" }); err != nil {
			return Result{}, err
		}
		w.lift(ctx)
	}
	// Let the projector write the last state, the notifier send what is
	// queued, caseworkers print or confirm what they must, and every
	// handler finish.
	err := workflow.Await(ctx, func() bool {
		return !w.dirty && len(w.notices) == 0 && !w.busy && !w.sending && !w.deliveryOpen() && workflow.AllHandlersFinished(ctx)
	})
	if err != nil {
		return Result{}, err
	}
	return Result{Stage: w.state.Stage, Outcome: w.state.Outcome}, nil
}

// mayContinue reports whether the request should carry on in a new run
// now: its history grew long (ContinueAfterChanges, or the server suggests
// it), it waits for a caseworker or the subject (identity or assessment),
// and nothing is in flight: no projection or notice unsent, no Update
// being handled.
func (w *rightsRequest) mayContinue(ctx workflow.Context) bool {
	if w.state.Stage != StageIdentity && w.state.Stage != StageAssessment {
		return false
	}
	if w.changes < ContinueAfterChanges && !workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
		return false
	}
	return !w.dirty && len(w.notices) == 0 && !w.busy && !w.sending && w.plan == nil && workflow.AllHandlersFinished(ctx)
}

// continueAsNew ends this run with a new one of the same request, carrying
// its state. Updates, queries and callbacks address the workflow ID, so
// they reach the new run.
func (w *rightsRequest) continueAsNew(ctx workflow.Context, in RightsRequestInput) error {
	run := 1
	if in.Resume != nil {
		run = in.Resume.Run
	}
	// Sorted, so the command is the same on every replay.
	sent := slices.Sorted(maps.Keys(w.sent)) //workflowcheck:ignore
	in.Resume = &Resume{
		State: w.snapshot(), Clock: w.clock, Sent: sent, Run: run + 1,
	}
	w.log.Info("request carries on in a new run", "Changes", w.changes, "Run", run+1)
	return workflow.NewContinueAsNewError(ctx, RightsRequest, in)
}
