package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/rightsdesk/rightsdesk/internal/deadline"
)

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
	// The loop runs until the reply is sent, not until it is decided: a
	// reply that cannot be sent is still breached.
	done := func() bool { return w.state.Stage.Final() || w.state.RepliedAt != nil }
	for !done() {
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
		cond := func() bool { return w.changes != seen || done() }
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
	// Once decided, only the breach is left to watch while the reply goes out.
	replying := s.Stage == StageReply
	for _, n := range d.ReminderDaysBefore {
		if replying {
			break
		}
		key := fmt.Sprintf("reminder-%d/%s", n, due)
		at := deadline.At(deadline.AddDays(s.DueOn, -n), hour, w.loc)
		out = append(out, deadlineEvent{at: at, key: key, notice: true, fire: func(ctx workflow.Context) {
			w.notify(ctx, key, NoticeReminder, assignee, at)
			w.change(ctx, "deadline.reminder", ActorSystem, map[string]any{"days_before_due": n, "due_on": due})
		}})
	}
	// After an extension a refusal is still due by the statutory deadline
	// (Art. 12(4)): until the request is granted, its reminders count down
	// to that day too.
	if s.Extension != nil && !replying && (s.Decision == nil || s.Decision.Outcome != OutcomeGrant) {
		refusalDue := s.RefusalDueOn.Format(time.DateOnly)
		for _, n := range d.ReminderDaysBefore {
			key := fmt.Sprintf("refusal-reminder-%d/%s", n, refusalDue)
			at := deadline.At(deadline.AddDays(s.RefusalDueOn, -n), hour, w.loc)
			out = append(out, deadlineEvent{at: at, key: key, notice: true, fire: func(ctx workflow.Context) {
				w.notify(ctx, key, NoticeRefusalReminder, assignee, at)
				w.change(ctx, "deadline.refusal_reminder", ActorSystem, map[string]any{"days_before_refusal_due": n, "refusal_due_on": refusalDue})
			}})
		}
	}
	if !replying {
		escKey := "escalation/" + due
		escAt := deadline.At(deadline.AddDays(s.DueOn, -d.EscalationDaysBefore), hour, w.loc)
		out = append(out, deadlineEvent{at: escAt, key: escKey, notice: true, fire: func(ctx workflow.Context) {
			w.notify(ctx, escKey, NoticeEscalation, RecipientDPO, escAt)
			w.change(ctx, "deadline.escalated", ActorSystem, map[string]any{"due_on": due})
		}})
	}
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
