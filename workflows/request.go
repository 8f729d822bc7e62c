package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
)

// a refers to the activities by method; the worker registers the real ones.
var a *activities.Activities

// Notice kinds and recipients.
const (
	NoticeReminder       = "reminder"
	NoticeEscalation     = "escalation"
	NoticeBreach         = "breach"
	NoticeExtension      = "extension"
	NoticeInformation    = "information_request"
	NoticeReply          = "reply"
	NoticeWithdrawn      = "withdrawal_confirmed"
	RecipientDPO         = "dpo"
	RecipientSubject     = "subject"
	RecipientCaseworkers = "caseworkers"
)

// WorkflowType is the registered name of RightsRequest.
const WorkflowType = "RightsRequest"

// RightsRequestInput is what starts a request: the request and its
// controller's policy, which the intake already read to answer with the dates.
type RightsRequestInput struct {
	Request RequestInput
	Policy  controllers.Policy
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
	return w.run(ctx)
}

type rightsRequest struct {
	policy controllers.Policy
	cal    *deadline.Calendar
	loc    *time.Location
	clock  deadline.Clock
	state  State
	log    log.Logger

	identityAtIntake *VerifyIdentity
	forwardedFrom    *uuid.UUID

	// changes counts state changes; the deadline loop waits on it.
	changes int
	// The outbox: what the projector writes to the read model and sends.
	dirty   bool
	events  []activities.EventInput
	notices []activities.NoticeInput
	busy    bool
	fatal   error
	// sent holds the keys of deadline notices already handled.
	sent map[string]bool
}

func newRightsRequest(ctx workflow.Context, in RightsRequestInput) (*rightsRequest, error) {
	r, p := in.Request, in.Policy
	if r.RequestID == uuid.Nil || !r.Kind.Valid() || r.ReceivedOn.IsZero() || p.ControllerID != r.ControllerID {
		return nil, temporal.NewNonRetryableApplicationError("invalid request input", ErrTypeInvalid, nil)
	}
	cal, err := deadline.CalendarFor(deadline.Country(p.Country))
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeInvalid, nil)
	}
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("unknown time zone "+p.TimeZone, ErrTypeInvalid, nil)
	}
	w := &rightsRequest{
		policy: p, cal: cal, loc: loc, clock: deadline.NewClock(r.ReceivedOn),
		log:              log.With(workflow.GetLogger(ctx), "RequestID", r.RequestID.String()),
		identityAtIntake: r.Identity, forwardedFrom: r.ForwardedFrom,
		sent: map[string]bool{},
	}
	w.state = State{
		RequestID: r.RequestID, ControllerID: r.ControllerID, Kind: r.Kind, Channel: r.Channel,
		Stage: StageReceived, ReceivedOn: deadline.Day(r.ReceivedOn), Tasks: []Task{},
	}
	w.syncDates()
	return w, nil
}

// setup enters the first stage and registers the handlers, all before the
// workflow first yields, so an Update that arrives with the start finds the
// request in its first real stage.
func (w *rightsRequest) setup(ctx workflow.Context) error {
	w.change(ctx, "request.received", ActorSystem, map[string]any{
		"kind": w.state.Kind, "channel": w.state.Channel, "received_on": w.state.ReceivedOn.Format(time.DateOnly),
		"due_on": w.state.DueOn.Format(time.DateOnly), "statutory_due_on": w.state.StatutoryDueOn.Format(time.DateOnly),
		"forwarded_from": w.forwardedFrom,
	})
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
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (State, error) { return w.snapshot(), nil }); err != nil {
		return err
	}
	type handler struct {
		name      string
		fn        any
		validator any
	}
	for _, h := range []handler{
		{UpdateVerifyIdentity, w.verifyIdentity, w.validateVerifyIdentity},
		{UpdateRequestInformation, w.requestInformation, w.validateRequestInformation},
		{UpdateInformationReceived, w.informationReceived, w.validateInformationReceived},
		{UpdateCannotIdentify, w.cannotIdentify, w.validateCannotIdentify},
		{UpdateDecide, w.decide, w.validateDecide},
		{UpdateExtend, w.extend, w.validateExtend},
		{UpdateAssign, w.assign, w.validateAssign},
		{UpdateAddNote, w.addNote, w.validateAddNote},
		{UpdateWithdraw, w.withdraw, w.validateWithdraw},
		{UpdateClaimTask, w.claimTask, w.validateClaimTask},
		{UpdateCompleteTask, w.completeTask, w.validateCompleteTask},
	} {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.fn, workflow.UpdateHandlerOptions{Validator: h.validator}); err != nil {
			return err
		}
	}
	return nil
}

func (w *rightsRequest) run(ctx workflow.Context) (Result, error) {
	workflow.Go(ctx, w.projector)
	workflow.Go(ctx, w.deadlines)

	if w.policy.Role == "processor" {
		if err := w.forward(ctx); err != nil {
			return Result{}, err
		}
	}

	for !w.state.Stage.Final() {
		stage := w.state.Stage
		if stage == StageReply {
			if err := w.reply(ctx); err != nil {
				return Result{}, err
			}
			continue
		}
		if err := workflow.Await(ctx, func() bool { return w.state.Stage != stage || w.fatal != nil }); err != nil {
			return Result{}, err
		}
		if w.fatal != nil {
			return Result{}, w.fatal
		}
	}
	// Let the projector write the last state and every handler finish.
	err := workflow.Await(ctx, func() bool {
		return w.fatal != nil || (!w.dirty && len(w.notices) == 0 && !w.busy && workflow.AllHandlersFinished(ctx))
	})
	if err != nil {
		return Result{}, err
	}
	if w.fatal != nil {
		return Result{}, w.fatal
	}
	return Result{Stage: w.state.Stage, Outcome: w.state.Outcome}, nil
}

// today is the current date in the controller's time zone.
func (w *rightsRequest) today(ctx workflow.Context) time.Time {
	return deadline.Day(workflow.Now(ctx).In(w.loc))
}

// syncDates copies the clock's dates into the state.
func (w *rightsRequest) syncDates() {
	s := &w.state
	s.DueOn = w.clock.Due()
	s.StatutoryDueOn = w.clock.StatutoryDue(w.cal)
	s.DeadlineOn = s.StatutoryDueOn
	if s.Extension != nil {
		ext := w.clock.ExtendedDue(w.cal)
		s.ExtendedDueOn = &ext
		s.DeadlineOn = ext
		// The working target follows the extension.
		s.DueOn = w.clock.ExtendedTarget
	}
	s.Paused = w.clock.Paused()
	s.PausedDays = w.clock.PausedDays
	for i := range s.Tasks {
		if s.Tasks[i].Status == TaskOpen {
			s.Tasks[i].DueOn = s.DueOn
		}
	}
}

// change records a state change: a new version, an audit event, a wake-up
// for the deadline loop and a projection to the read model.
func (w *rightsRequest) change(ctx workflow.Context, action string, actor Actor, data map[string]any) {
	w.syncDates()
	w.state.Version++
	w.changes++
	w.dirty = true
	w.events = append(w.events, activities.EventInput{
		Key:       fmt.Sprintf("%s/%d/%s", w.state.RequestID, w.state.Version, action),
		RequestID: w.state.RequestID, At: workflow.Now(ctx), Actor: string(actor), Action: action, Data: data,
	})
}

func (w *rightsRequest) notify(ctx workflow.Context, key, kind, recipient string, at time.Time) {
	w.notices = append(w.notices, activities.NoticeInput{
		Key: w.state.RequestID.String() + "/" + key, RequestID: w.state.RequestID, Kind: kind, Recipient: recipient, DueAt: at,
	})
}

// enter moves to a stage and opens its task.
func (w *rightsRequest) enter(ctx workflow.Context, stage Stage) {
	w.state.Stage = stage
	switch stage {
	case StageIdentity:
		w.openTask(ctx, TaskVerifyIdentity)
	case StageAssessment:
		w.openTask(ctx, TaskDecide)
	case StageFulfilment:
		w.openTask(ctx, TaskFulfil)
	}
}

func (w *rightsRequest) openTask(ctx workflow.Context, kind TaskKind) {
	id := uuid.NewSHA1(w.state.RequestID, fmt.Appendf(nil, "task/%d", len(w.state.Tasks)))
	w.state.Tasks = append(w.state.Tasks, Task{
		ID: id, Kind: kind, Status: TaskOpen, Assignee: w.state.Assignee, DueOn: w.state.DueOn, CreatedAt: workflow.Now(ctx),
	})
}

// closeTasks closes every open task of the given kinds (all kinds if none).
func (w *rightsRequest) closeTasks(ctx workflow.Context, status TaskStatus, by Actor, kinds ...TaskKind) {
	now := workflow.Now(ctx)
	for i := range w.state.Tasks {
		t := &w.state.Tasks[i]
		if t.Status == TaskOpen && (len(kinds) == 0 || slices.Contains(kinds, t.Kind)) {
			t.Status, t.CompletedAt, t.CompletedBy = status, &now, by
		}
	}
}

func (w *rightsRequest) task(id uuid.UUID) *Task {
	for i := range w.state.Tasks {
		if w.state.Tasks[i].ID == id {
			return &w.state.Tasks[i]
		}
	}
	return nil
}

func (w *rightsRequest) snapshot() State {
	s := w.state
	s.Tasks = slices.Clone(s.Tasks)
	s.Pauses = slices.Clone(s.Pauses)
	return s
}

// --- the projector ----------------------------------------------------------

func (w *rightsRequest) projector(ctx workflow.Context) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: time.Minute},
	})
	for {
		if err := workflow.Await(ctx, func() bool { return w.dirty || len(w.notices) > 0 }); err != nil {
			return
		}
		w.busy = true
		if w.dirty {
			s := w.snapshot()
			events := w.events
			w.events, w.dirty = nil, false
			if err := w.upsertSearchAttributes(ctx, s); err != nil {
				w.log.Error("upsert search attributes", "Error", err)
			}
			if err := workflow.ExecuteActivity(actx, a.Project, projection(s, events)).Get(ctx, nil); err != nil {
				w.fatal = fmt.Errorf("project request: %w", err)
				return
			}
		}
		for len(w.notices) > 0 {
			n := w.notices[0]
			w.notices = w.notices[1:]
			if err := workflow.ExecuteActivity(actx, a.SendNotice, n).Get(ctx, nil); err != nil {
				w.fatal = fmt.Errorf("send notice: %w", err)
				return
			}
		}
		w.busy = false
	}
}

func (w *rightsRequest) upsertSearchAttributes(ctx workflow.Context, s State) error {
	return workflow.UpsertTypedSearchAttributes(ctx,
		SARequestKind.ValueSet(string(s.Kind)),
		SAStage.ValueSet(string(s.Stage)),
		SADueDate.ValueSet(s.DueOn),
		SAStatutoryDueDate.ValueSet(s.DeadlineOn),
		SABreached.ValueSet(s.Breached),
		SAController.ValueSet(s.ControllerID),
		assigneeAttr(s.Assignee),
	)
}

func assigneeAttr(id string) temporal.SearchAttributeUpdate {
	if id == "" {
		return SAAssigneeID.ValueUnset()
	}
	return SAAssigneeID.ValueSet(id)
}

func projection(s State, events []activities.EventInput) activities.ProjectInput {
	in := activities.ProjectInput{
		Request: activities.RequestSnapshot{
			RequestID: s.RequestID, Stage: string(s.Stage), Outcome: string(s.Outcome),
			DueOn: s.DueOn, StatutoryDueOn: s.StatutoryDueOn, ExtendedDueOn: s.ExtendedDueOn,
			Assignee: s.Assignee, Breached: s.Breached, Late: s.Late, ClosedAt: s.ClosedAt, Version: s.Version,
		},
		Events: events,
	}
	if s.Paused && len(s.Pauses) > 0 {
		p := s.Pauses[len(s.Pauses)-1].PausedAt
		in.Request.PausedAt = &p
	}
	for _, t := range s.Tasks {
		in.Tasks = append(in.Tasks, activities.TaskSnapshot{
			ID: t.ID, Kind: string(t.Kind), Status: string(t.Status), Assignee: t.Assignee, DueOn: t.DueOn,
			CreatedAt: t.CreatedAt, CompletedAt: t.CompletedAt, CompletedBy: string(t.CompletedBy),
		})
	}
	return in
}

// --- stages run by the workflow itself --------------------------------------

// forward sends a processor's request on to its controller (Art. 28(3)(e)):
// a new request there, with the first date of receipt, and this one closes.
func (w *rightsRequest) forward(ctx workflow.Context) error {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second})
	var policy controllers.Policy
	if err := workflow.ExecuteActivity(actx, a.LoadPolicy, w.policy.ForwardsTo).Get(ctx, &policy); err != nil {
		return fmt.Errorf("load policy of %s: %w", w.policy.ForwardsTo, err)
	}
	newID := uuid.NewSHA1(w.state.RequestID, []byte("forwarded"))
	if err := workflow.ExecuteActivity(actx, a.Forward, activities.ForwardInput{From: w.state.RequestID, NewID: newID, ToController: policy.ControllerID}).Get(ctx, nil); err != nil {
		return fmt.Errorf("forward: %w", err)
	}
	from := w.state.RequestID
	child := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID: WorkflowID(newID),
		// The controller's request lives on after this one closes.
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
	})
	fut := workflow.ExecuteChildWorkflow(child, WorkflowType, RightsRequestInput{
		Request: RequestInput{RequestID: newID, ControllerID: policy.ControllerID, Kind: w.state.Kind, Channel: "forwarded",
			ReceivedOn: w.state.ReceivedOn, ForwardedFrom: &from},
		Policy: policy,
	})
	if err := fut.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return fmt.Errorf("start the controller's request: %w", err)
	}
	now := workflow.Now(ctx)
	w.state.Stage, w.state.Outcome, w.state.ForwardedTo, w.state.ClosedAt = StageForwarded, OutcomeForwarded, &newID, &now
	w.change(ctx, "request.forwarded", ActorSystem, map[string]any{"to_controller": policy.ControllerID, "to_request": newID.String()})
	return nil
}

// reply sends the reply and closes the request.
func (w *rightsRequest) reply(ctx workflow.Context) error {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
	n := activities.NoticeInput{
		Key: w.state.RequestID.String() + "/reply", RequestID: w.state.RequestID,
		Kind: NoticeReply + "_" + string(w.state.Outcome), Recipient: RecipientSubject, DueAt: workflow.Now(ctx),
	}
	if err := workflow.ExecuteActivity(actx, a.SendNotice, n).Get(ctx, nil); err != nil {
		return fmt.Errorf("send reply: %w", err)
	}
	now := workflow.Now(ctx)
	today := w.today(ctx)
	s := &w.state
	s.RepliedAt, s.ClosedAt, s.Stage = &now, &now, StageClosed
	refusal := s.Outcome == OutcomeRefuse || s.Outcome == OutcomePartial
	// Art. 12(4): a refusal is due within the first month, extension or not.
	s.Late = today.After(s.DeadlineOn) || (refusal && today.After(s.StatutoryDueOn))
	w.closeTasks(ctx, TaskCancelled, ActorSystem)
	w.change(ctx, "reply.sent", ActorSystem, map[string]any{"outcome": s.Outcome, "late": s.Late})
	return nil
}

// --- deadlines --------------------------------------------------------------

type deadlineEvent struct {
	at     time.Time
	key    string
	notice bool
	fire   func(ctx workflow.Context)
}

// deadlines fires the reminders, the escalation, the breach and the pause
// timeout. Every state change wakes it, so a pause or an extension moves
// every timer (the updatable-timer pattern).
func (w *rightsRequest) deadlines(ctx workflow.Context) {
	for !w.state.Stage.Final() && w.state.Stage != StageReply {
		now := workflow.Now(ctx)
		due, next := w.pending(now)
		if len(due) > 0 {
			// Catching up (a letter registered late, a worker long down):
			// apply every mark, but send only the latest notice.
			lastNotice := -1
			for i, e := range due {
				if e.notice {
					lastNotice = i
				}
			}
			for i, e := range due {
				w.sent[e.key] = true
				if !e.notice || i == lastNotice {
					e.fire(ctx)
				}
			}
			continue
		}
		seen := w.changes
		cond := func() bool { return w.changes != seen || w.state.Stage.Final() || w.state.Stage == StageReply }
		var err error
		if next.IsZero() {
			err = workflow.Await(ctx, cond)
		} else {
			_, err = workflow.AwaitWithTimeout(ctx, next.Sub(now), cond)
		}
		if err != nil {
			return
		}
	}
}

// schedule lists the deadline events of the current state, sent or not.
func (w *rightsRequest) schedule(now time.Time) []deadlineEvent {
	s, d := &w.state, w.policy.Deadlines
	hour := d.NoticeHour
	if w.clock.Paused() {
		expires := deadline.AddDays(w.clock.PausedOn, d.PauseTimeoutDays)
		return []deadlineEvent{{
			at: deadline.At(expires, hour, w.loc), key: "pause-expired/" + w.clock.PausedOn.Format(time.DateOnly),
			fire: w.pauseExpired,
		}}
	}
	due := s.DueOn.Format(time.DateOnly)
	assignee := RecipientCaseworkers
	if s.Assignee != "" {
		assignee = "assignee:" + s.Assignee
	}
	var out []deadlineEvent
	for _, n := range d.ReminderDaysBefore {
		key := fmt.Sprintf("reminder-%d/%s", n, due)
		at := deadline.At(deadline.AddDays(s.DueOn, -n), hour, w.loc)
		out = append(out, deadlineEvent{at: at, key: key, notice: true, fire: func(ctx workflow.Context) {
			w.notify(ctx, key, NoticeReminder, assignee, at)
			w.change(ctx, "deadline.reminder", ActorSystem, map[string]any{"days_before_due": n, "due_on": due})
		}})
	}
	escKey := "escalation/" + due
	escAt := deadline.At(deadline.AddDays(s.DueOn, -d.EscalationDaysBefore), hour, w.loc)
	out = append(out, deadlineEvent{at: escAt, key: escKey, notice: true, fire: func(ctx workflow.Context) {
		w.notify(ctx, escKey, NoticeEscalation, RecipientDPO, escAt)
		w.change(ctx, "deadline.escalated", ActorSystem, map[string]any{"due_on": due})
	}})
	if !s.Breached {
		deadlineOn := s.DeadlineOn.Format(time.DateOnly)
		out = append(out, deadlineEvent{at: deadline.EndOf(s.DeadlineOn, w.loc), key: "breach/" + deadlineOn, fire: func(ctx workflow.Context) {
			w.state.Breached = true
			w.change(ctx, "deadline.breached", ActorSystem, map[string]any{"deadline_on": deadlineOn})
		}})
	}
	// Notices to the DPO every few days (policy: daily) once breached: only
	// the latest one that is due, or else the next.
	every := d.BreachNoticeEveryDays
	first := deadline.AddDays(s.DeadlineOn, 1)
	day := first
	if !now.Before(deadline.At(first, hour, w.loc)) {
		day = deadline.AddDays(first, deadline.DaysBetween(first, deadline.Day(now.In(w.loc)))/every*every)
		if deadline.At(day, hour, w.loc).After(now) {
			day = deadline.AddDays(day, -every)
		}
	}
	key := "breach-notice/" + day.Format(time.DateOnly)
	if w.sent[key] {
		day = deadline.AddDays(day, every)
		key = "breach-notice/" + day.Format(time.DateOnly)
	}
	at := deadline.At(day, hour, w.loc)
	out = append(out, deadlineEvent{at: at, key: key, notice: true, fire: func(ctx workflow.Context) {
		w.notify(ctx, key, NoticeBreach, RecipientDPO, at)
		w.change(ctx, "deadline.breach_notice", ActorSystem, map[string]any{"deadline_on": s.DeadlineOn.Format(time.DateOnly)})
	}})
	return out
}

// pending splits the unsent events into those whose time has come, in
// time order, and the time of the earliest one still to come (zero if none).
func (w *rightsRequest) pending(now time.Time) (due []deadlineEvent, next time.Time) {
	for _, e := range w.schedule(now) {
		switch {
		case w.sent[e.key]:
		case !e.at.After(now):
			due = append(due, e)
		case next.IsZero() || e.at.Before(next):
			next = e.at
		}
	}
	slices.SortStableFunc(due, func(x, y deadlineEvent) int { return x.at.Compare(y.at) })
	return due, next
}

// pauseExpired closes a request whose subject never answered (policy).
func (w *rightsRequest) pauseExpired(ctx workflow.Context) {
	w.state.Outcome = OutcomeNoAnswer
	w.closeTasks(ctx, TaskCancelled, ActorSystem)
	w.state.Stage = StageReply
	w.change(ctx, "information.not_received", ActorSystem, map[string]any{"paused_on": w.clock.PausedOn.Format(time.DateOnly), "days": w.policy.Deadlines.PauseTimeoutDays})
}

// --- Updates ----------------------------------------------------------------

func needActor(by Actor) error {
	if strings.TrimSpace(string(by)) == "" {
		return invalid("actor-required", "the action must name who took it")
	}
	return nil
}

func (w *rightsRequest) inStage(stages ...Stage) error {
	if slices.Contains(stages, w.state.Stage) {
		return nil
	}
	names := make([]string, len(stages))
	for i, s := range stages {
		names[i] = string(s)
	}
	return conflict("stage", "not allowed while the request is in stage %s (allowed in: %s)", w.state.Stage, strings.Join(names, ", "))
}

func (w *rightsRequest) open() error {
	if w.state.Stage.Final() || w.state.Stage == StageReply || w.state.Stage == StageReceived {
		return conflict("stage", "not allowed while the request is in stage %s", w.state.Stage)
	}
	return nil
}

func (w *rightsRequest) validateVerifyIdentity(ctx workflow.Context, in VerifyIdentity) error {
	if err := w.inStage(StageIdentity); err != nil {
		return err
	}
	if !slices.Contains(IdentityMethods, in.Method) {
		return invalid("identity-method", "identity method must be one of %v, not %q (record how identity was checked, never an ID copy)", IdentityMethods, in.Method)
	}
	return needActor(in.By)
}

func (w *rightsRequest) verifyIdentity(ctx workflow.Context, in VerifyIdentity) (State, error) {
	if w.clock.Paused() {
		w.resume(ctx, w.today(ctx))
	}
	w.state.Identity = &Identity{Method: in.Method, By: in.By, At: workflow.Now(ctx)}
	w.closeTasks(ctx, TaskDone, in.By, TaskVerifyIdentity, TaskAwaitSubject)
	w.enter(ctx, StageAssessment)
	w.change(ctx, "identity.verified", in.By, map[string]any{"method": in.Method})
	return w.snapshot(), nil
}

func (w *rightsRequest) validateRequestInformation(ctx workflow.Context, in RequestInformation) error {
	switch in.Purpose {
	case PurposeIdentity:
		if err := w.inStage(StageIdentity); err != nil {
			return err
		}
	case PurposeClarification:
		if err := w.inStage(StageAssessment); err != nil {
			return err
		}
	default:
		return invalid("information-purpose", "the clock stops only for information needed to identify the subject (identity) or to clarify a very large request (clarification), not %q", in.Purpose)
	}
	if w.clock.Paused() {
		return conflict("already-paused", "information was already asked for on %s and is awaited", w.clock.PausedOn.Format(time.DateOnly))
	}
	if strings.TrimSpace(in.What) == "" {
		return invalid("information-what", "say what information is needed: it is sent to the subject")
	}
	return needActor(in.By)
}

func (w *rightsRequest) requestInformation(ctx workflow.Context, in RequestInformation) (State, error) {
	today := w.today(ctx)
	clock, err := w.clock.Pause(today)
	if err != nil {
		return w.snapshot(), conflict("already-paused", "%v", err)
	}
	w.clock = clock
	w.state.Pauses = append(w.state.Pauses, Pause{Purpose: in.Purpose, PausedAt: workflow.Now(ctx)})
	w.openTask(ctx, TaskAwaitSubject)
	w.notify(ctx, "information/"+today.Format(time.DateOnly), NoticeInformation, RecipientSubject, workflow.Now(ctx))
	w.change(ctx, "information.requested", in.By, map[string]any{"purpose": in.Purpose})
	return w.snapshot(), nil
}

func (w *rightsRequest) validateInformationReceived(ctx workflow.Context, in InformationReceived) error {
	if !w.clock.Paused() || w.state.Stage.Final() {
		return conflict("not-paused", "no information is awaited from the subject")
	}
	if !in.ReceivedOn.IsZero() {
		on := deadline.Day(in.ReceivedOn)
		if on.Before(w.clock.PausedOn) || on.After(w.today(ctx)) {
			return invalid("answer-date", "the answer's date must lie between the request for information (%s) and today", w.clock.PausedOn.Format(time.DateOnly))
		}
	}
	return needActor(in.By)
}

func (w *rightsRequest) informationReceived(ctx workflow.Context, in InformationReceived) (State, error) {
	on := w.today(ctx)
	if !in.ReceivedOn.IsZero() {
		on = deadline.Day(in.ReceivedOn)
	}
	w.resume(ctx, on)
	if n := len(w.state.Pauses); n > 0 {
		w.state.Pauses[n-1].Answer = in.Answer
	}
	w.closeTasks(ctx, TaskDone, in.By, TaskAwaitSubject)
	w.change(ctx, "information.received", in.By, map[string]any{"received_on": on.Format(time.DateOnly), "due_on": w.clock.Due().Format(time.DateOnly)})
	return w.snapshot(), nil
}

func (w *rightsRequest) resume(ctx workflow.Context, on time.Time) {
	clock, err := w.clock.Resume(on)
	if err != nil {
		w.log.Error("resume clock", "Error", err)
		return
	}
	w.clock = clock
	if n := len(w.state.Pauses); n > 0 {
		now := workflow.Now(ctx)
		w.state.Pauses[n-1].ResumedAt = &now
	}
}

func (w *rightsRequest) validateCannotIdentify(ctx workflow.Context, in CannotIdentify) error {
	if err := w.inStage(StageIdentity); err != nil {
		return err
	}
	if strings.TrimSpace(in.Reason) == "" {
		return invalid("reason-required", "say why the subject cannot be identified (Art. 11(2)): the reply tells them")
	}
	return needActor(in.By)
}

func (w *rightsRequest) cannotIdentify(ctx workflow.Context, in CannotIdentify) (State, error) {
	if w.clock.Paused() {
		w.resume(ctx, w.today(ctx))
	}
	w.state.Outcome = OutcomeCannotIdentify
	w.closeTasks(ctx, TaskDone, in.By, TaskVerifyIdentity, TaskAwaitSubject)
	w.state.Stage = StageReply
	w.change(ctx, "identity.not_possible", in.By, nil)
	return w.snapshot(), nil
}

func (w *rightsRequest) validateDecide(ctx workflow.Context, in Decide) error {
	if err := w.inStage(StageAssessment); err != nil {
		return err
	}
	if w.clock.Paused() {
		return conflict("paused", "a clarification is awaited from the subject; record the answer first")
	}
	return validateDecision(w.state.Kind, in)
}

func (w *rightsRequest) decide(ctx workflow.Context, in Decide) (State, error) {
	w.state.Decision = &Decision{Outcome: in.Outcome, Grounds: in.Grounds, Assessment: in.Assessment, Justification: in.Justification, By: in.By, At: workflow.Now(ctx)}
	w.state.Outcome = in.Outcome
	w.closeTasks(ctx, TaskDone, in.By, TaskDecide)
	if in.Outcome == OutcomeRefuse {
		w.state.Stage = StageReply
	} else {
		w.enter(ctx, StageFulfilment)
	}
	w.change(ctx, "decision.made", in.By, map[string]any{"outcome": in.Outcome, "grounds": in.Grounds})
	return w.snapshot(), nil
}

func (w *rightsRequest) validateExtend(ctx workflow.Context, in Extend) error {
	if err := w.inStage(StageIdentity, StageAssessment, StageFulfilment); err != nil {
		return err
	}
	if w.state.Extension != nil {
		return conflict("art-12-3-once", "the deadline was already extended on %s; it can be extended only once", w.state.Extension.At.In(w.loc).Format(time.DateOnly))
	}
	if d := w.state.Decision; d != nil && d.Outcome != OutcomeGrant {
		return invalid("art-12-4-refusal", "a refusal, also a partial one, is due within the first month; an extension does not move it (Art. 12(4))")
	}
	if today := w.today(ctx); today.After(w.state.StatutoryDueOn) {
		return invalid("art-12-3-before-deadline", "an extension must reach the subject by the statutory deadline %s; today is %s (Art. 12(3))",
			w.state.StatutoryDueOn.Format(time.DateOnly), today.Format(time.DateOnly))
	}
	return validateExtensionReason(in)
}

func (w *rightsRequest) extend(ctx workflow.Context, in Extend) (State, error) {
	w.state.Extension = &Extension{Reason: in.Reason, Explanation: in.Explanation, By: in.By, At: workflow.Now(ctx)}
	w.syncDates()
	w.notify(ctx, "extension", NoticeExtension, RecipientSubject, workflow.Now(ctx))
	w.change(ctx, "deadline.extended", in.By, map[string]any{"reason": in.Reason, "extended_due_on": w.state.ExtendedDueOn.Format(time.DateOnly)})
	return w.snapshot(), nil
}

func (w *rightsRequest) validateAssign(ctx workflow.Context, in Assign) error {
	if err := w.open(); err != nil {
		return err
	}
	if strings.TrimSpace(in.Assignee) == "" {
		return invalid("assignee-required", "name the caseworker to assign")
	}
	return needActor(in.By)
}

func (w *rightsRequest) assign(ctx workflow.Context, in Assign) (State, error) {
	from := w.state.Assignee
	w.state.Assignee = in.Assignee
	for i := range w.state.Tasks {
		if w.state.Tasks[i].Status == TaskOpen {
			w.state.Tasks[i].Assignee = in.Assignee
		}
	}
	w.change(ctx, "request.assigned", in.By, map[string]any{"assignee": in.Assignee, "from": from})
	return w.snapshot(), nil
}

// MaxNoteLength bounds a note.
const MaxNoteLength = 10000

func (w *rightsRequest) validateAddNote(ctx workflow.Context, in AddNote) error {
	if strings.TrimSpace(in.Text) == "" {
		return invalid("note-text", "a note needs text")
	}
	if len(in.Text) > MaxNoteLength {
		return invalid("note-text", "a note is at most %d characters", MaxNoteLength)
	}
	return needActor(in.By)
}

func (w *rightsRequest) addNote(ctx workflow.Context, in AddNote) (State, error) {
	w.state.Notes++
	w.change(ctx, "note.added", in.By, map[string]any{"note": w.state.Notes})
	return w.snapshot(), nil
}

func (w *rightsRequest) validateWithdraw(ctx workflow.Context, in Withdraw) error {
	if w.state.Stage.Final() || w.state.RepliedAt != nil {
		return conflict("stage", "the request is %s; it can be withdrawn only before the reply", w.state.Stage)
	}
	if w.state.Stage == StageReply {
		return conflict("stage", "the reply is being sent")
	}
	return needActor(in.By)
}

func (w *rightsRequest) withdraw(ctx workflow.Context, in Withdraw) (State, error) {
	now := workflow.Now(ctx)
	w.closeTasks(ctx, TaskCancelled, in.By)
	w.state.Stage, w.state.Outcome, w.state.ClosedAt = StageWithdrawn, OutcomeWithdrawn, &now
	w.notify(ctx, "withdrawn", NoticeWithdrawn, RecipientSubject, now)
	w.change(ctx, "request.withdrawn", in.By, nil)
	return w.snapshot(), nil
}

// openTaskOf returns an open task of this request, or the rule it breaks.
func (w *rightsRequest) openTaskOf(id uuid.UUID) (*Task, error) {
	t := w.task(id)
	if t == nil {
		return nil, invalid("task-unknown", "task %s is not a task of this request", id)
	}
	if t.Status != TaskOpen {
		return nil, conflict("task-not-open", "task %s is %s", id, t.Status)
	}
	return t, nil
}

func (w *rightsRequest) validateClaimTask(ctx workflow.Context, in ClaimTask) error {
	t, err := w.openTaskOf(in.TaskID)
	if err != nil {
		return err
	}
	if t.Assignee != "" && t.Assignee != string(in.By) {
		return conflict("task-claimed", "task %s is already claimed by %s; reassign the request instead", in.TaskID, t.Assignee)
	}
	return needActor(in.By)
}

func (w *rightsRequest) claimTask(ctx workflow.Context, in ClaimTask) (State, error) {
	t := w.task(in.TaskID)
	t.Assignee = string(in.By)
	data := map[string]any{"task": in.TaskID.String(), "kind": t.Kind}
	if w.state.Assignee == "" {
		w.state.Assignee = string(in.By)
		data["assignee"] = string(in.By)
	}
	w.change(ctx, "task.claimed", in.By, data)
	return w.snapshot(), nil
}

func (w *rightsRequest) validateCompleteTask(ctx workflow.Context, in CompleteTask) error {
	t, err := w.openTaskOf(in.TaskID)
	if err != nil {
		return err
	}
	switch t.Kind {
	case TaskFulfil:
	case TaskVerifyIdentity:
		return invalid("task-kind", "an identity task is completed by recording how identity was verified")
	case TaskDecide:
		return invalid("task-kind", "a decision task is completed by recording the decision")
	case TaskAwaitSubject:
		return invalid("task-kind", "this task is completed when the subject's answer is recorded")
	}
	return needActor(in.By)
}

func (w *rightsRequest) completeTask(ctx workflow.Context, in CompleteTask) (State, error) {
	t := w.task(in.TaskID)
	now := workflow.Now(ctx)
	t.Status, t.CompletedAt, t.CompletedBy = TaskDone, &now, in.By
	w.state.Stage = StageReply
	w.change(ctx, "fulfilment.done", in.By, map[string]any{"task": in.TaskID.String()})
	return w.snapshot(), nil
}

// IsRejection reports whether err is a rejected Update, and its rule.
func IsRejection(err error) (errType string, rule Rejection, ok bool) {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || (appErr.Type() != ErrTypeConflict && appErr.Type() != ErrTypeInvalid) {
		return "", Rejection{}, false
	}
	if appErr.HasDetails() {
		_ = appErr.Details(&rule)
	}
	return appErr.Type(), rule, true
}
