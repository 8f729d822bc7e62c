package workflows

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// TestPauseResumesOnTheAnswerDay is LEGAL.md §2 as written: received
// 2026-01-01, information asked 01-02, the answer arrived by post on 02-01
// and was recorded on 02-05. new_due = add_months(02-01, 1) - 1 = 02-28, a
// Saturday, so statutory_due is Monday 03-02. Adding the paused days to the
// old deadline instead (the rule before) gave 03-03; resuming on the day of
// recording would give later still.
func TestPauseResumesOnTheAnswerDay(t *testing.T) {
	for _, tc := range []struct {
		name   string
		update string
		arg    any
	}{
		{"answer recorded", UpdateInformationReceived, InformationReceived{ReceivedOn: deadline.Date(2026, 2, 1), By: caseworker}},
		{"identity verified", UpdateVerifyIdentity, VerifyIdentity{Method: IdentityDocumentsSeen, AnswerReceivedOn: deadline.Date(2026, 2, 1), By: caseworker}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Date(2026, 1, 1, 10, 0, 0, 0, cph)
			p := policyDK()
			p.Deadlines.PauseTimeoutDays = 90
			h := newHarness(t, p, rights.KindAccess, "2026-01-01", start)
			h.at(day, func() {
				h.update(UpdateRequestInformation, RequestInformation{Purpose: PurposeIdentity, What: "Your address at the time", By: caseworker})
			})
			h.at(time.Date(2026, 2, 5, 9, 0, 0, 0, cph).Sub(start), func() { h.update(tc.update, tc.arg) })
			h.at(time.Date(2026, 2, 6, 9, 0, 0, 0, cph).Sub(start), func() { h.update(UpdateWithdraw, Withdraw{By: ActorSubject}) })
			h.run()
			s := requireUpdateOK(t, h.results[1])
			require.Equal(t, deadline.Date(2026, 3, 2), s.StatutoryDueOn)
			require.Equal(t, deadline.Date(2026, 2, 28), s.DueOn)
			require.Equal(t, 30, s.PausedDays, "paused from 01-02 to the day the answer arrived")
		})
	}
}

// TestManifestlyExcessiveWithFacts: with other requests in the last twelve
// months on record, a refusal under Art. 12(5) with its justification stands.
func TestManifestlyExcessiveWithFacts(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindAccess, "2026-09-01", time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
	h.input.Request.Identity = &VerifyIdentity{Method: IdentityMitID, By: "intake"}
	h.at(time.Hour, func() {
		h.update(UpdateDecide, Decide{Outcome: OutcomeRefuse, Grounds: []string{rights.Ground12_5}, Assessment: "Fourth identical request.",
			Justification: "Three identical requests since June, each answered in full.", OtherRequestsLastYear: 3, By: caseworker})
	})
	res := h.run()
	require.Equal(t, Result{Stage: StageClosed, Outcome: OutcomeRefuse}, res)
}

// TestClaimOwnTaskChangesNothing: a caseworker whose claim is sent again
// (double click, retry without a key) gets one audit entry.
func TestClaimOwnTaskChangesNothing(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindAccess, "2026-09-01", time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
	h.at(time.Hour, func() {
		task := h.state().OpenTasks()[0].ID
		for range 8 {
			h.update(UpdateClaimTask, ClaimTask{TaskID: task, By: caseworker})
		}
	})
	h.at(2*time.Hour, func() { h.update(UpdateWithdraw, Withdraw{By: ActorSubject}) })
	h.run()
	for _, r := range h.results[:8] {
		require.Equal(t, "cw-1", requireUpdateOK(t, r).Assignee)
	}
	n := 0
	for _, a := range h.actions() {
		if a == "task.claimed" {
			n++
		}
	}
	require.Equal(t, 1, n)
}

// TestForbiddenExtensionTerms: whole words, stems inside compounds, phrases;
// a month called juli is not Christmas; staff shortage however worded, but
// not a text that names staff or a lack alone.
func TestForbiddenExtensionTerms(t *testing.T) {
	for text, want := range map[string]bool{
		"Vi holder sommerferie":                     true,
		"Sagen kræver gennemgang af akter fra juli": false,
		"Records are held on an eastern server":     false,
		"The team is short staffed":                 true,
		"Kontoret holder julelukket":                true,
		"Fyra system måste gås igenom":              false,
		// Staffing in other words: a word for staff beside a word of lack
		// or absence, in en, da and sv.
		"Too few employees to finish in time":                             true,
		"Our caseworkers are overloaded this month":                       true,
		"Two colleagues are away":                                         true,
		"Not enough staff to review the files":                            true,
		"Vi har for få medarbejdere til at nå det":                        true,
		"Sagsbehandleren er væk, og vi mangler folk":                      true,
		"Der er færre ansatte i afdelingen i år":                          true,
		"Vi har för få handläggare":                                       true,
		"Handläggaren är borta och personalen räcker inte":                true,
		"Det saknas medarbetare på enheten":                               true,
		"The request covers personal data in fourteen systems":            false,
		"Records from nine years must be read by our staff, page by page": false,
		"Anmodningen omfatter 14 systemer og sagsakter fra ni år":         false,
		"Begäran omfattar journaler från nio år i fyra system":            false,
		"Few of the 40 boxes of paper files are indexed":                  false,
		"We received 38 requests in the same week from one campaign":      false,
	} {
		_, got := forbiddenExtensionTerm(text)
		require.Equal(t, want, got, text)
	}
}

// TestStepFailsPermanently: the read model refuses every write (a
// non-retryable error, as for a missing row). The request does not fail:
// it is flagged at once (state, search attribute, a task, a notice to the
// DPO), its deadlines run on, its breach is marked and notified, and once
// the fault is mended it catches up and closes normally.
func TestStepFailsPermanently(t *testing.T) {
	start := time.Date(2026, 9, 1, 10, 0, 0, 0, cph)
	h := newHarness(t, policyDK(), rights.KindAccess, "2026-09-01", start)
	mended := start.Add(45 * day)
	h.projectErr = func() error {
		if h.env.Now().Before(mended) {
			return temporal.NewNonRetryableApplicationError("request row missing", "NotFound", nil)
		}
		return nil
	}
	var during State
	h.at(40*day, func() { during = h.state() })
	h.at(46*day, func() { h.update(UpdateWithdraw, Withdraw{By: ActorSubject}) })
	res := h.run()
	require.Equal(t, StageWithdrawn, res.Stage)

	require.NotNil(t, during.Attention)
	require.Equal(t, "project", during.Attention.Step)
	require.Equal(t, "non_retryable:NotFound", during.Attention.Reason)
	require.True(t, during.Breached, "the deadline ran on while the read model was down")
	require.Equal(t, TaskAttention, during.OpenTasks()[len(during.OpenTasks())-1].Kind)
	log := h.noticeLog()
	require.Equal(t, "2026-09-01T08:00:00Z attention dpo", log[0], "the DPO is told at once")
	require.Contains(t, log, "2026-10-02T06:00:00Z breach dpo", "notices are not held up by the failing projection")

	final := h.state()
	require.Nil(t, final.Attention)
	last := h.projects[len(h.projects)-1]
	require.Equal(t, "withdrawn", last.Request.Stage)
	require.Empty(t, last.Request.Attention)
	// Every event of the 45 days reached the read model, in order.
	actions := h.actions()
	require.Equal(t, "request.received", actions[0])
	require.Contains(t, actions, "attention.needed")
	require.Contains(t, actions, "deadline.breached")
	require.Contains(t, actions, "attention.resolved")
}

// TestStepFailsForAnHour: the database is away for an hour. Quick retries
// fail, the request is flagged after ten minutes, and when the database
// returns the flag clears and nothing is lost.
func TestStepFailsForAnHour(t *testing.T) {
	start := time.Date(2026, 9, 1, 10, 0, 0, 0, cph)
	h := newHarness(t, policyDK(), rights.KindAccess, "2026-09-01", start)
	attempts := 0
	h.projectErr = func() error {
		if h.env.Now().Before(start.Add(time.Hour)) {
			attempts++
			return errors.New("connection refused")
		}
		return nil
	}
	var at5, at30 State
	h.at(5*time.Minute, func() { at5 = h.state() })
	h.at(30*time.Minute, func() { at30 = h.state() })
	h.at(3*time.Hour, func() { h.update(UpdateWithdraw, Withdraw{By: ActorSubject}) })
	res := h.run()
	require.Equal(t, StageWithdrawn, res.Stage)
	require.Greater(t, attempts, 8, "retried, not given up")
	require.Nil(t, at5.Attention, "a short outage is not flagged")
	require.NotNil(t, at30.Attention, "an outage of ten minutes and more is")
	require.Equal(t, "failing", at30.Attention.Reason)
	require.Nil(t, h.state().Attention)
	require.Equal(t, "request.received", h.actions()[0])
	require.Contains(t, h.actions(), "attention.resolved")
	require.Equal(t, "attention dpo", h.noticeLog()[0][len("2026-09-01T08:10:00Z "):])
}

// TestBreachWhileReplyStuck: a refusal decided in time whose letter cannot
// be sent for weeks is still marked breached when the deadline passes, and
// recorded as late when it finally goes out.
func TestBreachWhileReplyStuck(t *testing.T) {
	start := time.Date(2026, 9, 1, 10, 0, 0, 0, cph)
	h := newHarness(t, policyDK(), rights.KindErasure, "2026-09-01", start)
	h.input.Request.Identity = &VerifyIdentity{Method: IdentityMitID, By: "intake"}
	h.noticeErr = func(n rights.NoticeInput) error {
		if n.Kind == NoticeReply+"_refuse" && h.env.Now().Before(start.Add(35*day)) {
			return errors.New("mail server unreachable")
		}
		return nil
	}
	h.at(5*day, func() {
		h.update(UpdateDecide, Decide{Outcome: OutcomeRefuse, Grounds: []string{"17(3)(b)"}, Assessment: "Journal duty.", By: caseworker})
	})
	var stuck State
	h.at(33*day, func() { stuck = h.state() })
	res := h.run()
	require.Equal(t, OutcomeRefuse, res.Outcome)
	require.Equal(t, StageReply, stuck.Stage)
	require.True(t, stuck.Breached)
	require.Equal(t, "reply", stuck.Attention.Step)
	final := h.state()
	require.True(t, final.Late)
	require.Nil(t, final.Attention)
}

// TestYearOfBreachNotices leaves a request breached for a year: the DPO
// gets a notice every day, at the notice hour, and the request carries on
// in new runs (continue-as-new) as its history grows, without a notice sent
// twice or missed, the receipt sent once, and an Update still taken at the
// end.
func TestYearOfBreachNotices(t *testing.T) {
	start := time.Date(2026, 1, 5, 10, 0, 0, 0, cph)
	end := start.Add(366 * day)
	in := RightsRequestInput{}
	now, runs := start, 0
	var notices []sentNotice
	var res Result
	var deadlineOn time.Time
	for {
		h := newHarness(t, policyDK(), rights.KindAccess, "2026-01-05", now)
		if runs == 0 {
			h.input.Request.Identity = &VerifyIdentity{Method: IdentityMitID, By: "intake"}
			in = h.input
		}
		h.input = in
		h.at(end.Sub(now), func() { h.update(UpdateWithdraw, Withdraw{By: ActorSubject}) })
		h.env.ExecuteWorkflow(RightsRequest, h.input)
		runs++
		notices = append(notices, h.notices...)
		require.True(t, h.env.IsWorkflowCompleted())
		var can *workflow.ContinueAsNewError
		if err := h.env.GetWorkflowError(); errors.As(err, &can) {
			require.Less(t, runs, 10, "a run ends only when its history grew long")
			var next RightsRequestInput
			require.NoError(t, converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
			require.NotNil(t, next.Resume)
			require.Equal(t, runs+1, next.Resume.Run)
			require.Equal(t, StageAssessment, next.Resume.State.Stage)
			require.True(t, next.Resume.State.Breached)
			deadlineOn = next.Resume.State.DeadlineOn
			in, now = next, h.env.Now()
			continue
		}
		require.NoError(t, h.env.GetWorkflowError())
		require.NoError(t, h.env.GetWorkflowResult(&res))
		break
	}
	require.Equal(t, OutcomeWithdrawn, res.Outcome)
	require.GreaterOrEqual(t, runs, 2, "a year of daily notices is more than one run's worth")

	days := map[string]bool{}
	receipts := 0
	for _, n := range notices {
		switch n.Kind {
		case NoticeReceipt:
			receipts++
		case NoticeBreach:
			at := n.SentAt.In(cph)
			require.Equal(t, policyDK().Deadlines.NoticeHour, at.Hour(), "notice %s", n.Key)
			d := at.Format(time.DateOnly)
			require.False(t, days[d], "two breach notices on %s", d)
			days[d] = true
		}
	}
	require.Equal(t, 1, receipts)
	// A notice every day from the day after the deadline to the day of the
	// withdrawal (sent at 08:00, before it at 10:00).
	first := time.Date(deadlineOn.Year(), deadlineOn.Month(), deadlineOn.Day()+1, 0, 0, 0, 0, cph)
	want := 0
	for d := first; !d.After(end); d = d.AddDate(0, 0, 1) {
		want++
		require.True(t, days[d.Format(time.DateOnly)], "no breach notice on %s", d.Format(time.DateOnly))
	}
	require.Equal(t, want, len(days))
}
