package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// CallbackTimeout is how long a step an http system accepted may go
// unreported before it becomes a caseworker task.
const CallbackTimeout = 24 * time.Hour

// receiveCallbacks keeps each http system's report until a step asks.
func (w *rightsRequest) receiveCallbacks(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, rights.SignalSystemCallback)
	for {
		var cb rights.Callback
		if !ch.Receive(ctx, &cb) {
			return
		}
		if w.callbacks == nil {
			w.callbacks = map[string]rights.Callback{}
		}
		w.callbacks[cb.Key] = cb
	}
}

// awaitCallback waits for the report of a step an http system accepted;
// false when none came in time, or the request left fulfilment.
func (w *rightsRequest) awaitCallback(ctx workflow.Context, key string) (rights.Callback, bool) {
	ok, err := workflow.AwaitWithTimeout(ctx, CallbackTimeout, func() bool {
		_, have := w.callbacks[key]
		return have || w.state.Stage != StageFulfilment
	})
	cb, have := w.callbacks[key]
	return cb, err == nil && ok && have
}

// blockedRecheck is how often an erasure waiting for the person's other
// requests looks again.
const blockedRecheck = time.Hour

// fulfil carries a grant out where the data lives, by the plan the
// decision made from the controller's data map: it waits while an erasure
// would touch data another open request of the person concerns, runs each
// automated step once and records what it did, and opens a task for each
// system people must handle. (Without a data map the decision opened one
// task, as before.)
func (w *rightsRequest) fulfil(ctx workflow.Context) {
	if w.plan == nil {
		return
	}
	plan := *w.plan
	if w.state.Kind == rights.KindErasure && len(plan.Steps) > 0 && !w.waitForOthers(ctx) {
		return
	}
	var done []rights.StepResult
	for _, step := range plan.Steps {
		if w.state.Stage != StageFulfilment {
			return // withdrawn meanwhile
		}
		res, ok := w.runStep(ctx, step)
		if !ok {
			return
		}
		if res.Pending {
			cb, ok := w.awaitCallback(ctx, res.Key)
			if w.state.Stage != StageFulfilment {
				return
			}
			if !ok || cb.Status != "done" {
				// Not confirmed: a person checks the system.
				why := fmt.Sprintf("%s did not report the %s of %s within %s", step.System, step.Step, step.Dataset, CallbackTimeout)
				if ok {
					why = fmt.Sprintf("%s could not carry out the %s of %s: %s", step.System, step.Step, step.Dataset, cb.Reason)
				}
				plan.Manual = append(plan.Manual, rights.ManualStep{System: step.System, Name: step.System,
					Instructions: why + ". Check it there, carry it out by hand if need be, and complete this task."})
				w.change(ctx, "fulfilment.unconfirmed", ActorSystem, map[string]any{"system": step.System, "dataset": step.Dataset})
				continue
			}
			res.Rows, res.Held, res.Pending = cb.Rows, cb.Held, false
		}
		w.state.Fulfilment = append(w.state.Fulfilment, res)
		done = append(done, res)
		data := map[string]any{"system": res.System, "dataset": res.Dataset, "step": res.Step, "rows": res.Rows}
		if res.Held > 0 {
			data["held"] = res.Held
		}
		w.change(ctx, "fulfilment.step", ActorSystem, data)
	}
	if w.state.Stage != StageFulfilment {
		return
	}
	if erased := erasedDatasets(done); len(erased) > 0 {
		w.destroyPackages(ctx, erased)
	}
	switch w.state.Kind {
	case rights.KindErasure:
		w.tellRecipients(ctx, "erased", done)
	case rights.KindRestriction:
		w.tellRecipients(ctx, "restricted", done)
	}
	for _, m := range plan.Manual {
		w.openTask(ctx, TaskFulfil)
		t := &w.state.Tasks[len(w.state.Tasks)-1]
		t.System, t.Instructions = m.System, m.Instructions
	}
	if len(plan.Manual) > 0 {
		w.change(ctx, "fulfilment.tasks", ActorSystem, map[string]any{"systems": len(plan.Manual)})
		return
	}
	w.state.Stage = StageReply
	w.change(ctx, "fulfilment.done", ActorSystem, map[string]any{"steps": len(plan.Steps)})
}

// erasedDatasets are the datasets (system/dataset) the steps erased rows of.
func erasedDatasets(done []rights.StepResult) []string {
	var out []string
	for _, r := range done {
		if r.Step == rights.StepErase && r.Rows > 0 && !slices.Contains(out, r.System+"/"+r.Dataset) {
			out = append(out, r.System+"/"+r.Dataset)
		}
	}
	return out
}

// destroyPackages destroys every access or portability package of the
// person that holds data the erasure erased (an earlier package must not
// go on serving erased rows), and the timeline says which.
func (w *rightsRequest) destroyPackages(ctx workflow.Context, erased []string) {
	var out rights.DestroyedPackages
	var f workflow.Future
	if w.persistent(ctx, "fulfil", func(actx workflow.Context) workflow.Future {
		f = workflow.ExecuteActivity(actx, rights.ActivityDestroyPackages, rights.DestroyPackagesInput{RequestID: w.state.RequestID, Datasets: erased})
		return f
	}) != nil || f.Get(ctx, &out) != nil {
		return
	}
	if len(out.References) > 0 {
		w.change(ctx, "packages.destroyed", ActorSystem, map[string]any{"requests": out.References})
	}
}

// runStep runs one step where the data lives until it succeeds (or fails
// for good); ok is false when it did not complete.
func (w *rightsRequest) runStep(ctx workflow.Context, step rights.FulfilStep) (res rights.StepResult, ok bool) {
	var f workflow.Future
	if w.persistent(ctx, "fulfil", func(actx workflow.Context) workflow.Future {
		f = workflow.ExecuteActivity(actx, rights.ActivityFulfil, step)
		return f
	}) != nil || f.Get(ctx, &res) != nil {
		return res, false
	}
	return res, true
}

// waitForOthers holds an erasure while the person has other open requests
// at the controller (LEGAL.md §4): data they concern must not be erased.
// It reports false when the request left fulfilment meanwhile.
func (w *rightsRequest) waitForOthers(ctx workflow.Context) bool {
	for {
		var others []string
		var f workflow.Future
		if w.persistent(ctx, "fulfil", func(actx workflow.Context) workflow.Future {
			f = workflow.ExecuteActivity(actx, rights.ActivityPendingOthers, w.state.RequestID)
			return f
		}) != nil || f.Get(ctx, &others) != nil {
			return false
		}
		if len(others) == 0 {
			if len(w.state.BlockedBy) > 0 {
				w.state.BlockedBy = nil
				w.change(ctx, "fulfilment.unblocked", ActorSystem, nil)
			}
			return true
		}
		if strings.Join(others, ",") != strings.Join(w.state.BlockedBy, ",") {
			w.state.BlockedBy = others
			w.change(ctx, "fulfilment.blocked", ActorSystem, map[string]any{"by": others})
		}
		stage := w.state.Stage
		if _, err := workflow.AwaitWithTimeout(ctx, blockedRecheck, func() bool { return w.state.Stage != stage }); err != nil {
			return false
		}
		if w.state.Stage != StageFulfilment {
			return false
		}
	}
}

// fulfilmentFacts tell the reply what was erased and what stays, and why;
// an objection's, where processing stopped and what Art. 21 does not reach.
func (w *rightsRequest) fulfilmentFacts(f *rights.LetterFacts) {
	if w.state.Kind == rights.KindObjection {
		for _, r := range w.state.Fulfilment {
			if r.Step == rights.StepRestrict && r.Rows > 0 && !slices.Contains(f.Stopped, r.DatasetName) {
				f.Stopped = append(f.Stopped, r.DatasetName)
			}
		}
		if w.plan != nil {
			f.Outside = w.plan.Outside
		}
	}
	for _, r := range w.state.Fulfilment {
		if r.Step != rights.StepErase {
			continue
		}
		switch {
		case r.Rows > 0 && r.Archived != "":
			f.Erased = append(f.Erased, fmt.Sprintf("%s (%d; %s)", r.DatasetName, r.Rows, r.Archived))
		case r.Rows > 0:
			f.Erased = append(f.Erased, fmt.Sprintf("%s (%d)", r.DatasetName, r.Rows))
		}
		if r.Held > 0 {
			var why []string
			for _, h := range r.Holds {
				why = append(why, h.Reason+" ("+h.Reference+")")
			}
			f.Kept = append(f.Kept, rights.KeptFact{What: fmt.Sprintf("%s (%d)", r.DatasetName, r.Held), Why: strings.Join(why, "; ")})
		}
	}
}

// maxCorrectionValues bounds one correction.
const maxCorrectionValues = 20

func (w *rightsRequest) validateApplyCorrection(ctx workflow.Context, in ApplyCorrection) error {
	if w.state.Kind != rights.KindRectification {
		return conflict(rights.RuleCorrectionKind, "corrections are applied to rectification requests")
	}
	if err := w.inStage(StageFulfilment); err != nil {
		return err
	}
	if in.System == "" || in.Dataset == "" || len(in.Values) == 0 || len(in.Values) > maxCorrectionValues {
		return invalid(rights.RuleCorrection, "name the system, the dataset and 1 to %d corrected values", maxCorrectionValues)
	}
	return needActor(in.By)
}

// applyCorrection applies a correction where the data lives and records
// it; a column the data map does not allow is refused, naming the rule.
func (w *rightsRequest) applyCorrection(ctx workflow.Context, in ApplyCorrection) (State, error) {
	step := rights.FulfilStep{RequestID: w.state.RequestID, System: in.System, Dataset: in.Dataset, Step: rights.StepRectify,
		Values: in.Values, Seq: len(w.state.Fulfilment) + 1}
	var res rights.StepResult
	// One correction at a time: each is a step of its own (Seq), and the
	// request must not move on while one is applied.
	w.inFlight = "a correction"
	actx := workflow.WithActivityOptions(ctx, stepOptions)
	err := workflow.ExecuteActivity(actx, rights.ActivityFulfil, step).Get(ctx, &res)
	w.inFlight = ""
	if err != nil {
		var appErr *temporal.ApplicationError
		if errors.As(err, &appErr) && appErr.Type() == rights.ErrTypeFulfil {
			return w.snapshot(), invalid(rights.RuleCorrectionNotAllowed, "%s", appErr.Message())
		}
		return w.snapshot(), err
	}
	w.state.Fulfilment = append(w.state.Fulfilment, res)
	w.change(ctx, "fulfilment.corrected", in.By, map[string]any{"system": in.System, "dataset": in.Dataset, "columns": len(in.Values), "rows": res.Rows})
	w.tellRecipients(ctx, "rectified", []rights.StepResult{res})
	return w.snapshot(), nil
}

// holdsRestriction reports whether the request put a restriction in place
// that is not lifted yet.
func (w *rightsRequest) holdsRestriction() bool {
	if w.state.Kind != rights.KindRestriction || w.state.Stage != StageClosed {
		return false
	}
	restricted, lifted := false, false
	for _, f := range w.state.Fulfilment {
		restricted = restricted || (f.Step == rights.StepRestrict && f.Rows > 0)
		lifted = lifted || f.Step == rights.StepLift
	}
	return restricted && !lifted
}

func (w *rightsRequest) validateLiftRestriction(ctx workflow.Context, in LiftRestriction) error {
	if !w.holdsRestriction() {
		return conflict(rights.RuleNoRestriction, "this request holds no restriction to lift")
	}
	if w.liftReason != "" {
		return conflict(rights.RuleLifting, "the restriction is being lifted")
	}
	if strings.TrimSpace(in.Reason) == "" || len(in.Reason) > MaxNoteLength {
		return invalid(rights.RuleLiftReason, "say why the restriction is lifted: the subject is told (Art. 18(3))")
	}
	return needActor(in.By)
}

func (w *rightsRequest) liftRestriction(ctx workflow.Context, in LiftRestriction) (State, error) {
	w.liftReason = in.Reason
	w.change(ctx, "restriction.lift_requested", in.By, nil)
	return w.snapshot(), nil
}

// lift tells the subject (Art. 18(3)) and, once the notice is out (sent,
// or posted by a caseworker), lifts the restriction in every dataset.
func (w *rightsRequest) lift(ctx workflow.Context) {
	n := w.notice("restriction-lifting", NoticeLifting, RecipientSubject, workflow.Now(ctx))
	n.Facts.Assessment = w.liftReason
	w.notices = append(w.notices, n)
	if err := workflow.Await(ctx, func() bool { return len(w.notices) == 0 && !w.sending && !w.deliveryOpen() }); err != nil {
		return
	}
	w.change(ctx, "restriction.lift_notified", ActorSystem, nil)
	var steps []rights.FulfilStep
	for _, f := range w.state.Fulfilment {
		if f.Step == rights.StepRestrict && f.Rows > 0 {
			steps = append(steps, rights.FulfilStep{RequestID: w.state.RequestID, System: f.System, Dataset: f.Dataset, Step: rights.StepLift})
		}
	}
	var done []rights.StepResult
	for _, step := range steps {
		res, ok := w.runStep(ctx, step)
		if !ok {
			return
		}
		w.state.Fulfilment = append(w.state.Fulfilment, res)
		done = append(done, res)
		w.change(ctx, "fulfilment.step", ActorSystem, map[string]any{"system": res.System, "dataset": res.Dataset, "step": res.Step, "rows": res.Rows})
	}
	w.change(ctx, "restriction.lifted", ActorSystem, nil)
	w.tellRecipients(ctx, "lifted", done)
}

// tellRecipients tells every recipient of the datasets the steps changed
// (Art. 19): a notice through the outbox to each with an address, once per
// change; those the data map says are not told are recorded with the
// reason. The timeline logs both.
func (w *rightsRequest) tellRecipients(ctx workflow.Context, action string, results []rights.StepResult) {
	var names []string
	var skipped []rights.RecipientRef
	datasets := map[string][]string{}
	for _, r := range results {
		if r.Rows == 0 {
			continue
		}
		for _, ref := range r.Recipients {
			switch {
			case ref.NotNotified != "":
				if !slices.ContainsFunc(skipped, func(s rights.RecipientRef) bool { return s.Name == ref.Name }) {
					skipped = append(skipped, ref)
				}
			case !slices.Contains(names, ref.Name):
				names = append(names, ref.Name)
			}
			if !slices.Contains(datasets[ref.Name], r.DatasetName) {
				datasets[ref.Name] = append(datasets[ref.Name], r.DatasetName)
			}
		}
	}
	if len(names)+len(skipped) == 0 {
		return
	}
	seq := len(w.state.Fulfilment)
	for _, name := range names {
		n := w.notice(fmt.Sprintf("recipient/%s/%d/%s", action, seq, name), NoticeRecipient, RecipientOf+name, workflow.Now(ctx))
		n.Facts = &rights.LetterFacts{Step: action, Datasets: datasets[name]}
		w.notices = append(w.notices, n)
	}
	if len(names) > 0 {
		w.change(ctx, "recipients.notified", ActorSystem, map[string]any{"action": action, "recipients": names})
	}
	for _, ref := range skipped {
		w.change(ctx, "recipients.not_notified", ActorSystem, map[string]any{"action": action, "recipient": ref.Name, "reason": ref.NotNotified})
	}
}
