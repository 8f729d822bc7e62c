package workflows

import (
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/rights"
)

func needActor(by Actor) error {
	if strings.TrimSpace(string(by)) == "" {
		return invalid(rights.RuleActorRequired, "the action must name who took it")
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
	return conflict(rights.RuleStage, "not allowed while the request is in stage %s (allowed in: %s)", w.state.Stage, strings.Join(names, ", "))
}

func (w *rightsRequest) open() error {
	if w.state.Stage.Final() || w.state.Stage == StageReply || w.state.Stage == StageReceived {
		return conflict(rights.RuleStage, "not allowed while the request is in stage %s", w.state.Stage)
	}
	return nil
}

func (w *rightsRequest) validateVerifyIdentity(ctx workflow.Context, in VerifyIdentity) error {
	if err := w.inStage(StageIdentity); err != nil {
		return err
	}
	if !slices.Contains(IdentityMethods, in.Method) {
		return invalid(rights.RuleIdentityMethod, "identity method must be one of %v, not %q (record how identity was checked, never an ID copy)", IdentityMethods, in.Method)
	}
	if err := w.validateAnswerDay(ctx, in.AnswerReceivedOn); err != nil {
		return err
	}
	return needActor(in.By)
}

// validateAnswerDay checks the day a subject's answer arrived: only while
// the clock waits for one, not before it was asked for, not in the future.
func (w *rightsRequest) validateAnswerDay(ctx workflow.Context, day time.Time) error {
	if day.IsZero() {
		return nil
	}
	if !w.clock.Paused() {
		return invalid(rights.RuleAnswerDate, "no answer from the subject is awaited, so there is no date of its arrival to give")
	}
	on := deadline.Day(day)
	if on.Before(w.clock.PausedOn) || on.After(w.today(ctx)) {
		return invalid(rights.RuleAnswerDate, "the answer's date must lie between the request for information (%s) and today", w.clock.PausedOn.Format(time.DateOnly))
	}
	return nil
}

// answerDay is the day the clock restarts: the day the answer arrived as
// staff gave it, else today.
func (w *rightsRequest) answerDay(ctx workflow.Context, day time.Time) time.Time {
	if day.IsZero() {
		return w.today(ctx)
	}
	return deadline.Day(day)
}

func (w *rightsRequest) verifyIdentity(ctx workflow.Context, in VerifyIdentity) (State, error) {
	if w.clock.Paused() {
		w.resume(ctx, w.answerDay(ctx, in.AnswerReceivedOn))
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
		return invalid(rights.RuleInformationPurpose, "the clock stops only for information needed to identify the subject (identity) or to clarify a very large request (clarification), not %q", in.Purpose)
	}
	if w.clock.Paused() {
		return conflict(rights.RuleAlreadyPaused, "information was already asked for on %s and is awaited", w.clock.PausedOn.Format(time.DateOnly))
	}
	if strings.TrimSpace(in.What) == "" {
		return invalid(rights.RuleInformationWhat, "say what information is needed: it is sent to the subject")
	}
	return needActor(in.By)
}

func (w *rightsRequest) requestInformation(ctx workflow.Context, in RequestInformation) (State, error) {
	today := w.today(ctx)
	clock, err := w.clock.Pause(today)
	if err != nil {
		return w.snapshot(), conflict(rights.RuleAlreadyPaused, "%v", err)
	}
	w.clock = clock
	w.state.Pauses = append(w.state.Pauses, Pause{Purpose: in.Purpose, What: in.What, PausedAt: workflow.Now(ctx)})
	w.openTask(ctx, TaskAwaitSubject)
	w.notify(ctx, "information/"+today.Format(time.DateOnly), NoticeInformation, RecipientSubject, workflow.Now(ctx))
	w.change(ctx, "information.requested", in.By, map[string]any{"purpose": in.Purpose})
	return w.snapshot(), nil
}

func (w *rightsRequest) validateInformationReceived(ctx workflow.Context, in InformationReceived) error {
	if !w.clock.Paused() || w.state.Stage.Final() {
		return conflict(rights.RuleNotPaused, "no information is awaited from the subject")
	}
	if err := w.validateAnswerDay(ctx, in.ReceivedOn); err != nil {
		return err
	}
	return needActor(in.By)
}

func (w *rightsRequest) informationReceived(ctx workflow.Context, in InformationReceived) (State, error) {
	on := w.answerDay(ctx, in.ReceivedOn)
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
		return invalid(rights.RuleReasonRequired, "say why the subject cannot be identified (Art. 11(2)): the reply tells them")
	}
	if err := w.validateAnswerDay(ctx, in.AnswerReceivedOn); err != nil {
		return err
	}
	return needActor(in.By)
}

func (w *rightsRequest) cannotIdentify(ctx workflow.Context, in CannotIdentify) (State, error) {
	if w.clock.Paused() {
		w.resume(ctx, w.answerDay(ctx, in.AnswerReceivedOn))
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
		return conflict(rights.RulePaused, "a clarification is awaited from the subject; record the answer first")
	}
	return validateDecision(w.state.Kind, in)
}

func (w *rightsRequest) decide(ctx workflow.Context, in Decide) (State, error) {
	var plan rights.FulfilmentPlan
	if in.Outcome != OutcomeRefuse {
		// Planned now, so the answer already shows the tasks for people;
		// the automated steps run after it. While it is planned no other
		// decision, withdrawal or pause can be recorded.
		w.inFlight = "a decision"
		actx := workflow.WithActivityOptions(ctx, stepOptions)
		err := workflow.ExecuteActivity(actx, rights.ActivityPlanFulfilment, w.state.RequestID).Get(ctx, &plan)
		w.inFlight = ""
		if err != nil {
			return w.snapshot(), err
		}
		if err := w.inStage(StageAssessment); err != nil {
			return w.snapshot(), err
		}
	}
	w.state.Decision = &Decision{Outcome: in.Outcome, Grounds: in.Grounds, Assessment: in.Assessment, Justification: in.Justification, By: in.By, At: workflow.Now(ctx)}
	w.state.Outcome = in.Outcome
	w.closeTasks(ctx, TaskDone, in.By, TaskDecide)
	switch {
	case in.Outcome == OutcomeRefuse:
		w.state.Stage = StageReply
	case plan.Mapped:
		// Carried out in the controller's systems by run.
		w.state.Stage, w.toFulfil, w.plan = StageFulfilment, true, &plan
	default:
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
		return conflict(rights.RuleArt12_3Once, "the deadline was already extended on %s; it can be extended only once", w.state.Extension.At.In(w.loc).Format(time.DateOnly))
	}
	if d := w.state.Decision; d != nil && d.Outcome != OutcomeGrant {
		return invalid(rights.RuleArt12_4Refusal, "a refusal, also a partial one, is due within the first month; an extension does not move it (Art. 12(4))")
	}
	if today := w.today(ctx); today.After(w.state.StatutoryDueOn) {
		return invalid(rights.RuleArt12_3BeforeDeadline, "an extension must reach the subject by the statutory deadline %s; today is %s (Art. 12(3))",
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
		return invalid(rights.RuleAssigneeRequired, "name the caseworker to assign")
	}
	if !ValidStaffID(in.Assignee) {
		return invalid(rights.RuleAssignee, "the assignee must be a staff member's ID (at most %d characters, no spaces)", MaxStaffIDLength)
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
		return invalid(rights.RuleNoteText, "a note needs text")
	}
	if len(in.Text) > MaxNoteLength {
		return invalid(rights.RuleNoteText, "a note is at most %d characters", MaxNoteLength)
	}
	return needActor(in.By)
}

func (w *rightsRequest) addNote(ctx workflow.Context, in AddNote) (State, error) {
	w.state.Notes++
	w.change(ctx, "note.added", in.By, map[string]any{"note": w.state.Notes})
	w.keepNote(in.Text)
	return w.snapshot(), nil
}

func (w *rightsRequest) validateWithdraw(ctx workflow.Context, in Withdraw) error {
	if w.state.Stage.Final() || w.state.RepliedAt != nil {
		return conflict(rights.RuleStage, "the request is %s; it can be withdrawn only before the reply", w.state.Stage)
	}
	if w.state.Stage == StageReply {
		return conflict(rights.RuleStage, "the reply is being sent")
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
		return nil, invalid(rights.RuleTaskUnknown, "task %s is not a task of this request", id)
	}
	if t.Status != TaskOpen {
		return nil, conflict(rights.RuleTaskNotOpen, "task %s is %s", id, t.Status)
	}
	if w.completing[id] {
		return nil, conflict(rights.RuleTaskNotOpen, "task %s is being completed", id)
	}
	return t, nil
}

func (w *rightsRequest) validateClaimTask(ctx workflow.Context, in ClaimTask) error {
	t, err := w.openTaskOf(in.TaskID)
	if err != nil {
		return err
	}
	if t.Assignee != "" && t.Assignee != string(in.By) {
		return conflict(rights.RuleTaskClaimed, "task %s is already claimed by %s; reassign the request instead", in.TaskID, t.Assignee)
	}
	return needActor(in.By)
}

func (w *rightsRequest) claimTask(ctx workflow.Context, in ClaimTask) (State, error) {
	t := w.task(in.TaskID)
	if t.Assignee == string(in.By) {
		// Claiming what one holds already changes nothing and logs nothing.
		return w.snapshot(), nil
	}
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
	if len(in.Found) > MaxNoteLength {
		return invalid(rights.RuleFound, "what was found is at most %d characters", MaxNoteLength)
	}
	if in.Found != "" && t.Kind != TaskFulfil {
		return invalid(rights.RuleFound, "only a fulfilment task records what was found")
	}
	switch t.Kind {
	case TaskFulfil:
	case TaskVerifyIdentity:
		return invalid(rights.RuleTaskKind, "an identity task is completed by recording how identity was verified")
	case TaskDecide:
		return invalid(rights.RuleTaskKind, "a decision task is completed by recording the decision")
	case TaskAwaitSubject:
		return invalid(rights.RuleTaskKind, "this task is completed when the subject's answer is recorded")
	case TaskAttention:
		return invalid(rights.RuleTaskKind, "this task closes by itself when the failing step succeeds")
	case TaskApproveReply:
		if w.state.Stage != StageReply {
			return conflict(rights.RuleStage, "the reply can be approved only while it waits for approval")
		}
	}
	return needActor(in.By)
}

func (w *rightsRequest) completeTask(ctx workflow.Context, in CompleteTask) (State, error) {
	t := w.task(in.TaskID)
	kind, letter := t.Kind, t.LetterID
	if letter != nil {
		// The outbox records that the letter was posted, or that the
		// e-mail arrived after all.
		status := rights.LetterPrinted
		if kind == TaskConfirmDelivery {
			status = rights.LetterSent
		}
		w.completing[in.TaskID] = true
		actx := workflow.WithActivityOptions(ctx, stepOptions)
		err := workflow.ExecuteActivity(actx, rights.ActivityMarkLetter, rights.MarkLetterInput{LetterID: *letter, Status: status}).Get(ctx, nil)
		delete(w.completing, in.TaskID)
		if err != nil {
			return w.snapshot(), err
		}
		// A withdrawal may have cancelled the task while the outbox was
		// written.
		if t = w.task(in.TaskID); t.Status != TaskOpen {
			return w.snapshot(), conflict(rights.RuleTaskNotOpen, "task %s is %s", in.TaskID, t.Status)
		}
	}
	now := workflow.Now(ctx)
	t.Status, t.CompletedAt, t.CompletedBy, t.Found = TaskDone, &now, in.By, in.Found
	switch kind {
	case TaskPrintLetter:
		w.change(ctx, "letter.posted", in.By, map[string]any{"task": in.TaskID.String(), "letter": letter.String()})
	case TaskConfirmDelivery:
		w.change(ctx, "letter.confirmed", in.By, map[string]any{"task": in.TaskID.String(), "letter": letter.String()})
	case TaskApproveReply:
		w.change(ctx, "reply.approved", in.By, map[string]any{"task": in.TaskID.String()})
	default:
		if w.hasOpen(TaskFulfil) {
			// One system done by hand; others still to go.
			w.change(ctx, "fulfilment.system_done", in.By, map[string]any{"task": in.TaskID.String(), "system": t.System, "recorded": in.Found != ""})
			break
		}
		w.state.Stage = StageReply
		w.change(ctx, "fulfilment.done", in.By, map[string]any{"task": in.TaskID.String(), "system": t.System, "recorded": in.Found != ""})
	}
	return w.snapshot(), nil
}

func (w *rightsRequest) validateSendLetter(ctx workflow.Context, in SendLetter) error {
	if err := w.open(); err != nil {
		return err
	}
	if in.Kind != LetterPreliminary {
		return invalid(rights.RuleLetterKind, "a caseworker sends only a preliminary answer this way (kind %q); other letters follow from the decisions", LetterPreliminary)
	}
	if w.sent["letter/"+in.Kind] {
		return conflict(rights.RuleLetterSent, "a preliminary answer was already sent")
	}
	return needActor(in.By)
}

func (w *rightsRequest) sendLetter(ctx workflow.Context, in SendLetter) (State, error) {
	w.sent["letter/"+in.Kind] = true
	w.notify(ctx, in.Kind, NoticePreliminary, RecipientSubject, workflow.Now(ctx))
	w.change(ctx, "letter.preliminary", in.By, nil)
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
