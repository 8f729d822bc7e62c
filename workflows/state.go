package workflows

import (
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/workflow"

	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/rights"
)

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
	s.RefusalDueOn = s.StatutoryDueOn
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
	w.events = append(w.events, rights.EventInput{
		Key:       fmt.Sprintf("%s/%d/%s", w.state.RequestID, w.state.Version, action),
		RequestID: w.state.RequestID, At: workflow.Now(ctx), Actor: string(actor), Action: action, Data: data,
	})
}

// keepNote gives the note.added event just recorded the note's text, for
// the projection to seal into the read model. The text stays out of State,
// which every Update answers with and every run carries over.
func (w *rightsRequest) keepNote(text string) {
	ev := &w.events[len(w.events)-1]
	ev.Note = &rights.NoteInput{Seq: w.state.Notes, Text: text}
}

func (w *rightsRequest) notify(ctx workflow.Context, key, kind, recipient string, at time.Time) {
	w.notices = append(w.notices, w.notice(key, kind, recipient, at))
}

func (w *rightsRequest) notice(key, kind, recipient string, at time.Time) rights.NoticeInput {
	return rights.NoticeInput{
		Key: w.state.RequestID.String() + "/" + key, RequestID: w.state.RequestID, Kind: kind, Recipient: recipient, DueAt: at,
		Facts: w.facts(),
	}
}

// facts are what a letter tells that only the workflow knows, as of now.
func (w *rightsRequest) facts() *rights.LetterFacts {
	s := &w.state
	f := &rights.LetterFacts{DueOn: s.DueOn, StatutoryDueOn: s.StatutoryDueOn, ExtendedDueOn: s.ExtendedDueOn, DeadlineOn: s.DeadlineOn,
		PauseTimeoutDays: w.policy.Deadlines.PauseTimeoutDays, Outcome: string(s.Outcome)}
	if d := s.Decision; d != nil {
		f.Grounds, f.Assessment = d.Grounds, d.Assessment
	}
	if e := s.Extension; e != nil {
		f.ExtensionReason, f.ExtensionExplanation = string(e.Reason), e.Explanation
	}
	if n := len(s.Pauses); n > 0 {
		f.InformationPurpose, f.InformationWhat = string(s.Pauses[n-1].Purpose), s.Pauses[n-1].What
	}
	if a := s.Attention; a != nil {
		f.Step = a.Step
	}
	w.fulfilmentFacts(f)
	return f
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

// closeTasks closes every open task of the given kinds (all kinds if none,
// but for letters to print or confirm: they close only when done).
func (w *rightsRequest) closeTasks(ctx workflow.Context, status TaskStatus, by Actor, kinds ...TaskKind) {
	now := workflow.Now(ctx)
	for i := range w.state.Tasks {
		t := &w.state.Tasks[i]
		all := len(kinds) == 0 && !slices.Contains(deliveryTasks, t.Kind)
		if t.Status == TaskOpen && (all || slices.Contains(kinds, t.Kind)) {
			t.Status, t.CompletedAt, t.CompletedBy = status, &now, by
		}
	}
}

// deliveryOpen reports whether a letter still waits to be printed or confirmed.
func (w *rightsRequest) deliveryOpen() bool {
	for _, t := range w.state.Tasks {
		if t.Status == TaskOpen && slices.Contains(deliveryTasks, t.Kind) {
			return true
		}
	}
	return false
}

// delivered handles what the outbox said of a letter: one to print, or an
// e-mail to confirm, becomes a caseworker task.
func (w *rightsRequest) delivered(ctx workflow.Context, res rights.NoticeResult) {
	var kind TaskKind
	switch res.Status {
	case rights.LetterPrint:
		kind = TaskPrintLetter
	case rights.LetterConfirm:
		kind = TaskConfirmDelivery
	default:
		return
	}
	for _, t := range w.state.Tasks {
		if t.Kind == kind && t.LetterID != nil && *t.LetterID == res.LetterID {
			return
		}
	}
	w.openTask(ctx, kind)
	id := res.LetterID
	w.state.Tasks[len(w.state.Tasks)-1].LetterID = &id
	// The actions are written out, so the test of the timeline's words
	// finds them.
	if kind == TaskPrintLetter {
		w.change(ctx, "letter.print_letter", ActorSystem, map[string]any{"letter": id.String(), "channel": res.Channel})
	} else {
		w.change(ctx, "letter.confirm_delivery", ActorSystem, map[string]any{"letter": id.String(), "channel": res.Channel})
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
