package workflows

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/rights"
)

var (
	cph, _ = time.LoadLocation("Europe/Copenhagen")
	sto, _ = time.LoadLocation("Europe/Stockholm")
)

func policyDK() policy.Policy {
	return policy.Policy{ControllerID: "demo", Role: "controller", Country: "DK", TimeZone: "Europe/Copenhagen", Language: "da", Deadlines: policy.DefaultDeadlines()}
}

func policySE() policy.Policy {
	return policy.Policy{ControllerID: "demo-se", Role: "controller", Country: "SE", TimeZone: "Europe/Stockholm", Language: "sv", Deadlines: policy.DefaultDeadlines()}
}

// patientSE waits 90 days for an answer: the IMY case paused for 63, longer
// than the default 30.
func patientSE() policy.Policy {
	p := policySE()
	p.Deadlines.PauseTimeoutDays = 90
	return p
}

type sentNotice struct {
	rights.NoticeInput
	SentAt time.Time
}

type harness struct {
	t        *testing.T
	env      *testsuite.TestWorkflowEnvironment
	input    RightsRequestInput
	name     string // the workflow type to run, when not RightsRequest
	notices  []sentNotice
	projects []rights.ProjectInput
	results  []updateResult
	// projectErr and noticeErr, when set, make the activities fail.
	projectErr func() error
	noticeErr  func(rights.NoticeInput) error
	// noticeResult, when set, says what the outbox made of a notice.
	noticeResult func(rights.NoticeInput) rights.NoticeResult
	marked       []rights.MarkLetterInput
	// plan is what PlanFulfilment answers (unmapped by default); steps
	// records the automated steps run.
	plan          rights.FulfilmentPlan
	steps         []rights.FulfilStep
	stepResult    func(rights.FulfilStep) rights.StepResult
	pendingOthers func() []string
	// destroyed records the packages an erasure destroyed.
	destroyed []rights.DestroyPackagesInput
	// mu guards what the mocked activities record: the test environment
	// runs activities on goroutines of their own.
	mu sync.Mutex
}

type updateResult struct {
	name  string
	state State
	err   error
}

func newHarness(t *testing.T, p policy.Policy, kind rights.Kind, received string, start time.Time) *harness {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))))
	h := &harness{t: t, env: suite.NewTestWorkflowEnvironment()}
	h.env.SetStartTime(start)
	h.env.RegisterWorkflow(RightsRequest)
	var acts *activities.Activities
	h.env.RegisterActivity(acts)
	h.env.OnActivity(acts.Project, mock.Anything, mock.Anything).Return(func(_ context.Context, in rights.ProjectInput) error {
		if h.projectErr != nil {
			if err := h.projectErr(); err != nil {
				return err
			}
		}
		h.mu.Lock()
		h.projects = append(h.projects, in)
		h.mu.Unlock()
		return nil
	}).Maybe()
	h.env.OnActivity(acts.SendNotice, mock.Anything, mock.Anything).Return(func(_ context.Context, in rights.NoticeInput) (rights.NoticeResult, error) {
		if h.noticeErr != nil {
			if err := h.noticeErr(in); err != nil {
				return rights.NoticeResult{}, err
			}
		}
		h.mu.Lock()
		h.notices = append(h.notices, sentNotice{in, h.env.Now()})
		h.mu.Unlock()
		res := rights.NoticeResult{Status: rights.LetterSent, LetterID: rights.LetterID(in.Key), Channel: "email"}
		if h.noticeResult != nil {
			res = h.noticeResult(in)
		}
		return res, nil
	}).Maybe()
	h.env.OnActivity(acts.PlanFulfilment, mock.Anything, mock.Anything).Return(func(_ context.Context, _ uuid.UUID) (rights.FulfilmentPlan, error) {
		return h.plan, nil
	}).Maybe()
	h.env.OnActivity(acts.Fulfil, mock.Anything, mock.Anything).Return(func(_ context.Context, in rights.FulfilStep) (rights.StepResult, error) {
		h.mu.Lock()
		h.steps = append(h.steps, in)
		h.mu.Unlock()
		if h.stepResult != nil {
			return h.stepResult(in), nil
		}
		return rights.StepResult{System: in.System, Dataset: in.Dataset, Step: in.Step, DatasetName: in.Dataset}, nil
	}).Maybe()
	h.env.OnActivity(acts.PendingOthers, mock.Anything, mock.Anything).Return(func(_ context.Context, _ uuid.UUID) ([]string, error) {
		if h.pendingOthers != nil {
			return h.pendingOthers(), nil
		}
		return nil, nil
	}).Maybe()
	h.env.OnActivity(acts.DestroyPackages, mock.Anything, mock.Anything).Return(func(_ context.Context, in rights.DestroyPackagesInput) (rights.DestroyedPackages, error) {
		h.mu.Lock()
		h.destroyed = append(h.destroyed, in)
		h.mu.Unlock()
		return rights.DestroyedPackages{References: []string{"RD-2026-000007"}}, nil
	}).Maybe()
	h.env.OnActivity(acts.MarkLetter, mock.Anything, mock.Anything).Return(func(_ context.Context, in rights.MarkLetterInput) error {
		h.mu.Lock()
		h.marked = append(h.marked, in)
		h.mu.Unlock()
		return nil
	}).Maybe()
	r, err := deadline.ParseDate(received)
	require.NoError(t, err)
	h.input = RightsRequestInput{
		Request: RequestInput{RequestID: uuid.New(), ControllerID: p.ControllerID, Kind: kind, Channel: "web", ReceivedOn: r},
		Policy:  p,
	}
	return h
}

// at runs fn when the workflow has run for d.
func (h *harness) at(d time.Duration, fn func()) { h.env.RegisterDelayedCallback(fn, d) }

// update sends an Update and records its outcome.
func (h *harness) update(name string, arg any) {
	h.updateID(name, "", arg)
}

func (h *harness) updateID(name, id string, arg any) {
	h.env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) { h.results = append(h.results, updateResult{name: name, err: err}) },
		OnComplete: func(v any, err error) {
			r := updateResult{name: name, err: err}
			if s, ok := v.(State); ok {
				r.state = s
			}
			h.results = append(h.results, r)
		},
	}, arg)
}

func (h *harness) run() Result {
	h.t.Helper()
	if h.name != "" {
		h.env.ExecuteWorkflow(h.name, h.input)
	} else {
		h.env.ExecuteWorkflow(RightsRequest, h.input)
	}
	require.True(h.t, h.env.IsWorkflowCompleted())
	require.NoError(h.t, h.env.GetWorkflowError())
	var res Result
	require.NoError(h.t, h.env.GetWorkflowResult(&res))
	return res
}

func (h *harness) state() State {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(QueryState)
	require.NoError(h.t, err)
	var s State
	require.NoError(h.t, v.Get(&s))
	return s
}

func (h *harness) actions() []string {
	var out []string
	for _, p := range h.projects {
		for _, e := range p.Events {
			out = append(out, e.Action)
		}
	}
	return out
}

// noticeLog lists the notices sent, but for the receipt every request
// starts with (TestReceiptAndDeliveryTasks checks it).
func (h *harness) noticeLog() []string {
	var out []string
	for _, n := range h.notices {
		if n.Kind == NoticeReceipt {
			continue
		}
		out = append(out, fmt.Sprintf("%s %s %s", n.SentAt.UTC().Format(time.RFC3339), n.Kind, n.Recipient))
	}
	return out
}

func requireUpdateOK(t *testing.T, r updateResult) State {
	t.Helper()
	require.NoError(t, r.err, "update %s", r.name)
	return r.state
}

func requireRejected(t *testing.T, r updateResult, errType, rule string) {
	t.Helper()
	require.Error(t, r.err, "update %s should be rejected by rule %s", r.name, rule)
	typ, rej, ok := IsRejection(r.err)
	require.True(t, ok, "not a rejection: %v", r.err)
	require.Equal(t, errType, typ, "%v", r.err)
	require.Equal(t, rule, string(rej.Rule), "%v", r.err)
	require.NotEmpty(t, rej.Detail)
}

const day = 24 * time.Hour

var caseworker = Actor("cw-1")

// TestLeftAlone40Days: a request nobody touches produces the two reminders,
// the escalation and the breach, in order, at 08:00 Copenhagen time, and then
// a daily notice to the DPO.
func TestLeftAlone40Days(t *testing.T) {
	// Received Tuesday 2026-09-01: due 2026-10-01, statutory 2026-10-01 (Thursday).
	h := newHarness(t, policyDK(), rights.KindAccess, "2026-09-01", time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
	var before40 State
	h.at(40*day-time.Minute, func() { before40 = h.state() })
	h.at(40*day, func() { h.update(UpdateWithdraw, Withdraw{By: ActorSubject}) })
	res := h.run()
	require.Equal(t, StageWithdrawn, res.Stage)

	log := h.noticeLog()
	require.GreaterOrEqual(t, len(log), 5)
	require.Equal(t, []string{
		"2026-09-24T06:00:00Z reminder caseworkers", // due-7, 08:00 CEST
		"2026-09-29T06:00:00Z reminder caseworkers", // due-2
		"2026-10-01T06:00:00Z escalation dpo",       // due
		"2026-10-02T06:00:00Z breach dpo",           // the day after statutory_due
		"2026-10-03T06:00:00Z breach dpo",
	}, log[:5])
	// Daily until the request is answered (here: withdrawn on day 40, 2026-10-11 10:00).
	require.Equal(t, "2026-10-11T06:00:00Z breach dpo", log[len(log)-2])
	require.Equal(t, "withdrawal_confirmed subject", log[len(log)-1][len("2026-10-11T08:00:00Z "):])
	require.Len(t, log, 3+10+1)

	require.True(t, before40.Breached)
	require.Equal(t, deadline.Date(2026, 10, 1), before40.StatutoryDueOn)
	require.Equal(t, deadline.Date(2026, 10, 1), before40.DueOn)
	// The breach is marked when the statutory day ends, before the notice.
	acts := h.actions()
	require.Equal(t, []string{"request.received", "stage.identity", "deadline.reminder", "deadline.reminder", "deadline.escalated", "deadline.breached"}, acts[:6])
	var breachedAt time.Time
	for _, p := range h.projects {
		for _, e := range p.Events {
			if e.Action == "deadline.breached" {
				breachedAt = e.At
			}
		}
	}
	require.Equal(t, time.Date(2026, 10, 2, 0, 0, 0, 0, cph).UTC(), breachedAt.UTC())
}

// TestRegisteredLate: a letter registered 40 days after it arrived is breached
// at once; the reminders it missed are not sent, only the latest notice.
func TestRegisteredLate(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindAccess, "2026-09-01", time.Date(2026, 10, 11, 10, 0, 0, 0, cph))
	var s State
	h.at(time.Minute, func() { s = h.state() })
	h.at(time.Hour, func() { h.update(UpdateWithdraw, Withdraw{By: caseworker}) })
	h.run()
	require.True(t, s.Breached)
	require.Equal(t, []string{"2026-10-11T08:00:00Z breach dpo", "2026-10-11T09:00:00Z withdrawal_confirmed subject"}, h.noticeLog())
}

// TestGrantedEndToEnd walks every stage of a granted request.
func TestGrantedEndToEnd(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindErasure, "2026-01-31", time.Date(2026, 2, 2, 9, 0, 0, 0, cph))
	var initial State
	h.at(time.Minute, func() {
		initial = h.state()
		h.update(UpdateAssign, Assign{Assignee: "cw-1", By: "lead-1"})
	})
	h.at(day, func() { h.update(UpdateVerifyIdentity, VerifyIdentity{Method: IdentityMitID, By: caseworker}) })
	h.at(2*day, func() {
		h.update(UpdateDecide, Decide{Outcome: OutcomeGrant, Assessment: "No retention duty applies to the requested records.", By: caseworker})
	})
	h.at(3*day, func() {
		s := h.state()
		require.Equal(t, StageFulfilment, s.Stage)
		open := s.OpenTasks()
		require.Len(t, open, 1)
		require.Equal(t, TaskFulfil, open[0].Kind)
		require.Equal(t, "cw-1", open[0].Assignee)
		h.update(UpdateCompleteTask, CompleteTask{TaskID: open[0].ID, By: caseworker})
	})
	res := h.run()
	require.Equal(t, Result{Stage: StageClosed, Outcome: OutcomeGrant}, res)

	require.Equal(t, StageIdentity, initial.Stage)
	require.Equal(t, deadline.Date(2026, 2, 28), initial.DueOn)
	require.Equal(t, deadline.Date(2026, 3, 2), initial.StatutoryDueOn)
	require.Len(t, h.results, 4)
	for _, r := range h.results {
		requireUpdateOK(t, r)
	}
	require.Equal(t, StageAssessment, h.results[1].state.Stage)
	require.Equal(t, IdentityMitID, h.results[1].state.Identity.Method)
	require.Equal(t, StageFulfilment, h.results[2].state.Stage)
	require.Equal(t, StageReply, h.results[3].state.Stage)

	final := h.state()
	require.Equal(t, StageClosed, final.Stage)
	require.False(t, final.Late)
	require.False(t, final.Breached)
	require.NotNil(t, final.RepliedAt)
	require.Empty(t, final.OpenTasks())
	kinds := []TaskKind{}
	for _, task := range final.Tasks {
		require.Equal(t, TaskDone, task.Status, "task %s", task.Kind)
		kinds = append(kinds, task.Kind)
	}
	require.Equal(t, []TaskKind{TaskVerifyIdentity, TaskDecide, TaskFulfil}, kinds)
	require.Equal(t, []string{"request.received", "stage.identity", "request.assigned", "identity.verified", "decision.made", "fulfilment.done", "reply.sent"}, h.actions())
	require.Equal(t, []string{"2026-02-05T08:00:00Z reply_grant subject"}, h.noticeLog())

	// The read model got every version, in order, ending closed.
	last := h.projects[len(h.projects)-1]
	require.Equal(t, "closed", last.Request.Stage)
	require.Equal(t, final.Version, last.Request.Version)
	for i := 1; i < len(h.projects); i++ {
		require.Greater(t, h.projects[i].Request.Version, h.projects[i-1].Request.Version)
	}
}

func TestIdentityVerifiedAtIntake(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindAccess, "2026-03-05", time.Date(2026, 3, 5, 9, 0, 0, 0, cph))
	h.input.Request.Identity = &VerifyIdentity{Method: IdentityMitID, By: "intake"}
	var s State
	h.at(time.Minute, func() {
		s = h.state()
		h.update(UpdateWithdraw, Withdraw{By: ActorSubject})
	})
	h.run()
	require.Equal(t, StageAssessment, s.Stage)
	require.Equal(t, IdentityMitID, s.Identity.Method)
	// LEGAL.md: received 2026-03-05, due 04-04, statutory 04-07 (Easter).
	require.Equal(t, deadline.Date(2026, 4, 4), s.DueOn)
	require.Equal(t, deadline.Date(2026, 4, 7), s.StatutoryDueOn)
	require.Equal(t, TaskDecide, s.OpenTasks()[0].Kind)
}

// TestPauseIMY reproduces IMY-2022-9442 through the workflow: received
// 2022-02-09, information asked 02-15, answered 04-19, due 2022-05-13.
func TestPauseIMY(t *testing.T) {
	start := time.Date(2022, 2, 9, 11, 0, 0, 0, sto)
	h := newHarness(t, patientSE(), rights.KindAccess, "2022-02-09", start)
	var paused, resumed State
	h.at(time.Date(2022, 2, 15, 10, 0, 0, 0, sto).Sub(start), func() {
		h.update(UpdateRequestInformation, RequestInformation{Purpose: PurposeIdentity, What: "Your address at the time", By: caseworker})
	})
	h.at(time.Date(2022, 3, 20, 10, 0, 0, 0, sto).Sub(start), func() { paused = h.state() })
	h.at(time.Date(2022, 4, 19, 10, 0, 0, 0, sto).Sub(start), func() {
		h.update(UpdateInformationReceived, InformationReceived{By: ActorSubject})
	})
	h.at(time.Date(2022, 4, 20, 10, 0, 0, 0, sto).Sub(start), func() {
		resumed = h.state()
		h.update(UpdateWithdraw, Withdraw{By: ActorSubject})
	})
	h.run()
	require.True(t, paused.Paused)
	require.False(t, paused.Breached, "no breach while the clock is stopped, though 03-09 has passed")
	require.False(t, resumed.Paused)
	require.Equal(t, deadline.Date(2022, 5, 13), resumed.StatutoryDueOn)
	require.Equal(t, deadline.Date(2022, 5, 13), resumed.DueOn)
	require.Equal(t, 63, resumed.PausedDays)
	require.Len(t, resumed.Pauses, 1)
	require.NotNil(t, resumed.Pauses[0].ResumedAt)
	// The clock was stopped over the old due date: no reminder, escalation
	// or breach fired for it, only the information request went out.
	require.Equal(t, []string{"2022-02-15T09:00:00Z information_request subject", "2022-04-20T08:00:00Z withdrawal_confirmed subject"}, h.noticeLog())
}

// TestPauseMovesReminders: after a resume, the reminders fire before the new due date.
func TestPauseMovesReminders(t *testing.T) {
	start := time.Date(2022, 2, 9, 11, 0, 0, 0, sto)
	h := newHarness(t, patientSE(), rights.KindAccess, "2022-02-09", start)
	h.at(time.Date(2022, 2, 15, 10, 0, 0, 0, sto).Sub(start), func() {
		h.update(UpdateRequestInformation, RequestInformation{Purpose: PurposeIdentity, What: "x", By: caseworker})
	})
	h.at(time.Date(2022, 4, 19, 10, 0, 0, 0, sto).Sub(start), func() {
		h.update(UpdateInformationReceived, InformationReceived{By: ActorSubject})
	})
	h.at(time.Date(2022, 5, 13, 12, 0, 0, 0, sto).Sub(start), func() { h.update(UpdateWithdraw, Withdraw{By: ActorSubject}) })
	h.run()
	require.Equal(t, []string{
		"2022-02-15T09:00:00Z information_request subject",
		"2022-05-06T06:00:00Z reminder caseworkers",
		"2022-05-11T06:00:00Z reminder caseworkers",
		"2022-05-13T06:00:00Z escalation dpo",
		"2022-05-13T10:00:00Z withdrawal_confirmed subject",
	}, h.noticeLog())
}

// TestPauseExpires: a subject who never answers gets a closing reply after
// 30 days of pause.
func TestPauseExpires(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindAccess, "2026-09-01", time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
	h.at(day, func() {
		h.update(UpdateRequestInformation, RequestInformation{Purpose: PurposeIdentity, What: "x", By: caseworker})
	})
	res := h.run()
	require.Equal(t, Result{Stage: StageClosed, Outcome: OutcomeNoAnswer}, res)
	require.Equal(t, []string{
		"2026-09-02T08:00:00Z information_request subject",
		"2026-10-02T06:00:00Z reply_no_answer subject",
	}, h.noticeLog())
	s := h.state()
	require.Empty(t, s.OpenTasks())
	require.Contains(t, h.actions(), "information.not_received")
}

func TestCannotIdentify(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindAccess, "2026-09-01", time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
	h.at(day, func() {
		h.update(UpdateRequestInformation, RequestInformation{Purpose: PurposeIdentity, What: "x", By: caseworker})
	})
	h.at(3*day, func() {
		h.update(UpdateCannotIdentify, CannotIdentify{Reason: "No record matches the details given.", By: caseworker})
	})
	res := h.run()
	require.Equal(t, Result{Stage: StageClosed, Outcome: OutcomeCannotIdentify}, res)
	require.False(t, h.state().Paused)
	require.Equal(t, "reply_cannot_identify subject", h.noticeLog()[1][len("2026-09-04T08:00:00Z "):])
}

// TestExtension: once, before statutory_due, for a lawful reason; it moves
// the deadlines and the reminders, but not the refusal deadline (Art.
// 12(4)): until the request is granted, reminders count down to that too.
func TestExtension(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindAccess, "2026-01-31", time.Date(2026, 1, 31, 10, 0, 0, 0, cph))
	h.input.Request.Identity = &VerifyIdentity{Method: IdentityMitID, By: "intake"}
	h.at(10*day, func() {
		h.update(UpdateExtend, Extend{Reason: ReasonComplexity, Explanation: "Records in four systems must be reviewed.", By: caseworker})
	})
	h.at(11*day, func() {
		h.update(UpdateExtend, Extend{Reason: ReasonComplexity, Explanation: "again", By: caseworker})
	})
	h.at(40*day, func() { h.update(UpdateWithdraw, Withdraw{By: ActorSubject}) })
	h.run()
	s := requireUpdateOK(t, h.results[0])
	require.Equal(t, deadline.Date(2026, 4, 28), *s.ExtendedDueOn)
	require.Equal(t, deadline.Date(2026, 4, 28), s.DeadlineOn)
	require.Equal(t, deadline.Date(2026, 3, 2), s.StatutoryDueOn)
	requireRejected(t, h.results[1], ErrTypeConflict, "art-12-3-once")
	final := h.state()
	require.False(t, final.Breached, "not breached: the extended deadline has not passed")
	require.Equal(t, deadline.Date(2026, 3, 2), final.RefusalDueOn, "a refusal is still due by the statutory deadline")
	// The extension notice went to the subject; no reminder for the old due
	// date, but two for the refusal deadline, 7 and 2 days before it.
	require.Equal(t, []string{
		"2026-02-10T09:00:00Z extension subject",
		"2026-02-23T07:00:00Z refusal_reminder caseworkers",
		"2026-02-28T07:00:00Z refusal_reminder caseworkers",
		"2026-03-12T09:00:00Z withdrawal_confirmed subject",
	}, h.noticeLog())
}

// TestExtensionUntilStatutoryDue: received 2026-01-31, statutory due Monday
// 2026-03-02: an extension is allowed on that day and rejected the next.
func TestExtensionUntilStatutoryDue(t *testing.T) {
	start := time.Date(2026, 1, 31, 10, 0, 0, 0, cph)
	for _, tc := range []struct {
		name string
		at   time.Time
		ok   bool
	}{
		{"on statutory due", time.Date(2026, 3, 2, 15, 0, 0, 0, cph), true},
		{"the day after", time.Date(2026, 3, 3, 9, 0, 0, 0, cph), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, policyDK(), rights.KindAccess, "2026-01-31", start)
			h.at(tc.at.Sub(start), func() {
				h.update(UpdateExtend, Extend{Reason: ReasonNumberOfRequests, Explanation: "Forty requests arrived this week.", By: caseworker})
				h.update(UpdateWithdraw, Withdraw{By: ActorSubject})
			})
			h.run()
			if tc.ok {
				requireUpdateOK(t, h.results[0])
			} else {
				requireRejected(t, h.results[0], ErrTypeInvalid, "art-12-3-before-deadline")
			}
		})
	}
}

// TestWithdrawMidway closes the request and cancels its open tasks.
func TestWithdrawMidway(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindRectification, "2026-09-01", time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
	h.at(day, func() { h.update(UpdateVerifyIdentity, VerifyIdentity{Method: IdentityKnownEmail, By: caseworker}) })
	h.at(2*day, func() { h.update(UpdateWithdraw, Withdraw{By: ActorSubject}) })
	h.at(3*day, func() { h.update(UpdateAddNote, AddNote{Text: "after", By: caseworker}) })
	res := h.run()
	require.Equal(t, Result{Stage: StageWithdrawn, Outcome: OutcomeWithdrawn}, res)
	s := h.state()
	require.NotNil(t, s.ClosedAt)
	require.Empty(t, s.OpenTasks())
	require.Equal(t, TaskCancelled, s.Tasks[1].Status)
	require.Equal(t, Actor(ActorSubject), s.Tasks[1].CompletedBy)
	require.Equal(t, "withdrawn", h.projects[len(h.projects)-1].Request.Stage)
	require.Equal(t, "cancelled", h.projects[len(h.projects)-1].Tasks[1].Status)
}

// TestLateRefusal: a refusal sent after the first month is recorded as late.
func TestLateRefusal(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindErasure, "2026-09-01", time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
	h.input.Request.Identity = &VerifyIdentity{Method: IdentityMitID, By: "intake"}
	h.at(35*day, func() {
		h.update(UpdateDecide, Decide{Outcome: OutcomeRefuse, Grounds: []string{"17(3)(b)"}, Assessment: "Journal duty under arkivloven.", By: caseworker})
	})
	res := h.run()
	require.Equal(t, OutcomeRefuse, res.Outcome)
	s := h.state()
	require.True(t, s.Late)
	require.True(t, s.Breached)
}

// TestLateRefusalAfterExtension: extended on day 10, refused on day 35,
// before the extended deadline but after the first month. Only Art. 12(4)
// makes it late: no breach, yet the refusal is recorded as late.
func TestLateRefusalAfterExtension(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindErasure, "2026-09-01", time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
	h.input.Request.Identity = &VerifyIdentity{Method: IdentityMitID, By: "intake"}
	h.at(10*day, func() {
		h.update(UpdateExtend, Extend{Reason: ReasonComplexity, Explanation: "Files in four systems must be reviewed.", By: caseworker})
	})
	h.at(35*day, func() {
		h.update(UpdateDecide, Decide{Outcome: OutcomeRefuse, Grounds: []string{"17(3)(b)"}, Assessment: "Journal duty.", By: caseworker})
	})
	res := h.run()
	require.Equal(t, OutcomeRefuse, res.Outcome)
	s := h.state()
	require.False(t, s.Breached, "the extended deadline has not passed")
	require.True(t, s.DeadlineOn.After(deadline.Date(2026, 10, 6)), "the reply is inside the deadline in force")
	require.True(t, s.Late, "a refusal is due within the first month (Art. 12(4))")
}

// TestRefusalInTime is not late.
func TestRefusalInTime(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindPortability, "2026-09-01", time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
	h.input.Request.Identity = &VerifyIdentity{Method: IdentityMitID, By: "intake"}
	h.at(5*day, func() {
		h.update(UpdateDecide, Decide{Outcome: OutcomeRefuse, Grounds: []string{"20(3)"}, Assessment: "Public task; access offered instead.", By: caseworker})
	})
	h.run()
	s := h.state()
	require.False(t, s.Late)
	require.False(t, s.Breached)
	require.Equal(t, []string{"20(3)"}, s.Decision.Grounds)
}

// TestUpdateIDAppliedOnce: a retried call with the same update ID is applied once.
func TestUpdateIDAppliedOnce(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindAccess, "2026-09-01", time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
	h.at(time.Hour, func() {
		h.updateID(UpdateAddNote, "note-1", AddNote{Text: "called the subject", By: caseworker})
		h.updateID(UpdateAddNote, "note-1", AddNote{Text: "called the subject", By: caseworker})
	})
	h.at(2*time.Hour, func() { h.update(UpdateWithdraw, Withdraw{By: ActorSubject}) })
	h.run()
	require.Equal(t, 1, h.state().Notes)
	require.Len(t, h.results, 3)
}

// TestRejections covers every validator rejection.
func TestRejections(t *testing.T) {
	grant := Decide{Outcome: OutcomeGrant, Assessment: "ok", By: caseworker}
	refuse := func(kind rights.Kind, grounds ...string) Decide {
		return Decide{Outcome: OutcomeRefuse, Grounds: grounds, Assessment: "because", By: caseworker}
	}
	type step struct {
		name string
		arg  any
	}
	verified := []step{{UpdateVerifyIdentity, VerifyIdentity{Method: IdentityMitID, By: caseworker}}}
	paused := []step{{UpdateRequestInformation, RequestInformation{Purpose: PurposeIdentity, What: "x", By: caseworker}}}
	for _, tc := range []struct {
		name    string
		kind    rights.Kind
		before  []step
		update  string
		arg     any
		errType string
		rule    string
	}{
		{"verify: bad method", rights.KindAccess, nil, UpdateVerifyIdentity, VerifyIdentity{Method: "passport_copy", By: caseworker}, ErrTypeInvalid, "identity-method"},
		{"verify: no actor", rights.KindAccess, nil, UpdateVerifyIdentity, VerifyIdentity{Method: IdentityMitID}, ErrTypeInvalid, "actor-required"},
		{"verify: twice", rights.KindAccess, verified, UpdateVerifyIdentity, VerifyIdentity{Method: IdentityMitID, By: caseworker}, ErrTypeConflict, "stage"},
		{"information: bad purpose", rights.KindAccess, nil, UpdateRequestInformation, RequestInformation{Purpose: "curiosity", What: "x", By: caseworker}, ErrTypeInvalid, "information-purpose"},
		{"information: clarification before identity", rights.KindAccess, nil, UpdateRequestInformation, RequestInformation{Purpose: PurposeClarification, What: "x", By: caseworker}, ErrTypeConflict, "stage"},
		{"information: nothing asked", rights.KindAccess, nil, UpdateRequestInformation, RequestInformation{Purpose: PurposeIdentity, By: caseworker}, ErrTypeInvalid, "information-what"},
		{"information: already paused", rights.KindAccess, paused, UpdateRequestInformation, RequestInformation{Purpose: PurposeIdentity, What: "y", By: caseworker}, ErrTypeConflict, "already-paused"},
		{"answer: not paused", rights.KindAccess, nil, UpdateInformationReceived, InformationReceived{By: ActorSubject}, ErrTypeConflict, "not-paused"},
		{"answer: before the question", rights.KindAccess, paused, UpdateInformationReceived, InformationReceived{ReceivedOn: deadline.Date(2026, 8, 1), By: ActorSubject}, ErrTypeInvalid, "answer-date"},
		{"cannot identify: no reason", rights.KindAccess, nil, UpdateCannotIdentify, CannotIdentify{By: caseworker}, ErrTypeInvalid, "reason-required"},
		{"cannot identify: after verification", rights.KindAccess, verified, UpdateCannotIdentify, CannotIdentify{Reason: "x", By: caseworker}, ErrTypeConflict, "stage"},
		{"decide: before identity", rights.KindAccess, nil, UpdateDecide, grant, ErrTypeConflict, "stage"},
		{"decide: no assessment", rights.KindAccess, verified, UpdateDecide, Decide{Outcome: OutcomeGrant, By: caseworker}, ErrTypeInvalid, "assessment-required"},
		{"decide: unknown outcome", rights.KindAccess, verified, UpdateDecide, Decide{Outcome: "maybe", Assessment: "x", By: caseworker}, ErrTypeInvalid, "outcome"},
		{"decide: grant with grounds", rights.KindAccess, verified, UpdateDecide, Decide{Outcome: OutcomeGrant, Grounds: []string{"12(5)"}, Assessment: "x", By: caseworker}, ErrTypeInvalid, "grant-without-grounds"},
		{"decide: refuse without grounds", rights.KindErasure, verified, UpdateDecide, refuse(rights.KindErasure), ErrTypeInvalid, "grounds-required"},
		{"decide: erasure ground for access", rights.KindAccess, verified, UpdateDecide, refuse(rights.KindAccess, "17(3)(b)"), ErrTypeInvalid, "grounds-for-right"},
		{"decide: portability ground for erasure", rights.KindErasure, verified, UpdateDecide, refuse(rights.KindErasure, "20(3)"), ErrTypeInvalid, "grounds-for-right"},
		{"decide: objection ground for portability", rights.KindPortability, verified, UpdateDecide, refuse(rights.KindPortability, "21(1)-claims"), ErrTypeInvalid, "grounds-for-right"},
		{"decide: duplicate ground", rights.KindErasure, verified, UpdateDecide, refuse(rights.KindErasure, "17(3)(b)", "17(3)(b)"), ErrTypeInvalid, "grounds-for-right"},
		{"decide: 15(4) refuses whole", rights.KindAccess, verified, UpdateDecide, refuse(rights.KindAccess, "15(4)"), ErrTypeInvalid, "grounds-partial-only"},
		{"decide: 12(5) without justification", rights.KindObjection, verified, UpdateDecide, refuse(rights.KindObjection, rights.Ground12_5), ErrTypeInvalid, "art-12-5-justification"},
		{"decide: objection to direct marketing refused", rights.KindObjection, verified, UpdateDecide, Decide{Outcome: OutcomeRefuse, Grounds: []string{"21(1)-compelling"}, Assessment: "x", DirectMarketing: true, By: caseworker}, ErrTypeInvalid, "art-21-3-direct-marketing"},
		{"decide: objection to direct marketing partly refused", rights.KindObjection, verified, UpdateDecide, Decide{Outcome: OutcomePartial, Grounds: []string{"21(1)-claims"}, Assessment: "x", DirectMarketing: true, By: caseworker}, ErrTypeInvalid, "art-21-3-direct-marketing"},
		{"decide: 12(5) for the first request in a year", rights.KindAccess, verified, UpdateDecide, Decide{Outcome: OutcomeRefuse, Grounds: []string{rights.Ground12_5}, Assessment: "x", Justification: "Asks the same again.", By: caseworker}, ErrTypeInvalid, "art-12-5-once-a-year"},
		{"verify: answer date while nothing awaited", rights.KindAccess, nil, UpdateVerifyIdentity, VerifyIdentity{Method: IdentityMitID, AnswerReceivedOn: deadline.Date(2026, 9, 1), By: caseworker}, ErrTypeInvalid, "answer-date"},
		{"verify: answer date in the future", rights.KindAccess, paused, UpdateVerifyIdentity, VerifyIdentity{Method: IdentityMitID, AnswerReceivedOn: deadline.Date(2026, 9, 5), By: caseworker}, ErrTypeInvalid, "answer-date"},
		{"answer: in the future", rights.KindAccess, paused, UpdateInformationReceived, InformationReceived{ReceivedOn: deadline.Date(2026, 9, 2), By: ActorSubject}, ErrTypeInvalid, "answer-date"},
		{"assign: free text", rights.KindAccess, nil, UpdateAssign, Assign{Assignee: "Jens Hansen, CPR 010203-1234", By: caseworker}, ErrTypeInvalid, "assignee"},
		{"assign: too long", rights.KindAccess, nil, UpdateAssign, Assign{Assignee: strings.Repeat("x", MaxStaffIDLength+1), By: caseworker}, ErrTypeInvalid, "assignee"},
		{"decide: while paused for clarification", rights.KindAccess, append(verified, step{UpdateRequestInformation, RequestInformation{Purpose: PurposeClarification, What: "which years?", By: caseworker}}), UpdateDecide, grant, ErrTypeConflict, "paused"},
		{"decide: twice", rights.KindAccess, append(verified, step{UpdateDecide, grant}), UpdateDecide, grant, ErrTypeConflict, "stage"},
		{"extend: holiday reason", rights.KindAccess, nil, UpdateExtend, Extend{Reason: "holidays", Explanation: "summer", By: caseworker}, ErrTypeInvalid, "art-12-3-reason"},
		{"extend: holiday in words", rights.KindAccess, nil, UpdateExtend, Extend{Reason: ReasonComplexity, Explanation: "Staff are on sommerferie", By: caseworker}, ErrTypeInvalid, "art-12-3-reason"},
		{"extend: short-staffed", rights.KindAccess, nil, UpdateExtend, Extend{Reason: ReasonComplexity, Explanation: "We are short-staffed this month.", By: caseworker}, ErrTypeInvalid, "art-12-3-reason"},
		{"extend: lack of resources", rights.KindAccess, nil, UpdateExtend, Extend{Reason: ReasonComplexity, Explanation: "Due to a lack of resources in the team.", By: caseworker}, ErrTypeInvalid, "art-12-3-reason"},
		{"extend: sygemeldt", rights.KindAccess, nil, UpdateExtend, Extend{Reason: ReasonComplexity, Explanation: "Sagsbehandleren er sygemeldt.", By: caseworker}, ErrTypeInvalid, "art-12-3-reason"},
		{"extend: barsel", rights.KindAccess, nil, UpdateExtend, Extend{Reason: ReasonComplexity, Explanation: "Medarbejderen er på barsel.", By: caseworker}, ErrTypeInvalid, "art-12-3-reason"},
		{"extend: sommerlukket", rights.KindAccess, nil, UpdateExtend, Extend{Reason: ReasonComplexity, Explanation: "Kontoret er sommerlukket.", By: caseworker}, ErrTypeInvalid, "art-12-3-reason"},
		{"extend: Christmas closure", rights.KindAccess, nil, UpdateExtend, Extend{Reason: ReasonComplexity, Explanation: "The office has its Christmas closure.", By: caseworker}, ErrTypeInvalid, "art-12-3-reason"},
		{"extend: juleferie", rights.KindAccess, nil, UpdateExtend, Extend{Reason: ReasonComplexity, Explanation: "Vi holder juleferie.", By: caseworker}, ErrTypeInvalid, "art-12-3-reason"},
		{"extend: föräldraledig", rights.KindAccess, nil, UpdateExtend, Extend{Reason: ReasonComplexity, Explanation: "Handläggaren är föräldraledig.", By: caseworker}, ErrTypeInvalid, "art-12-3-reason"},
		{"extend: sjukskriven", rights.KindAccess, nil, UpdateExtend, Extend{Reason: ReasonComplexity, Explanation: "Handläggaren är sjukskriven.", By: caseworker}, ErrTypeInvalid, "art-12-3-reason"},
		{"extend: personalbrist", rights.KindAccess, nil, UpdateExtend, Extend{Reason: ReasonComplexity, Explanation: "Vi har personalbrist.", By: caseworker}, ErrTypeInvalid, "art-12-3-reason"},
		{"extend: parental leave", rights.KindAccess, nil, UpdateExtend, Extend{Reason: ReasonComplexity, Explanation: "The caseworker is on parental leave.", By: caseworker}, ErrTypeInvalid, "art-12-3-reason"},
		{"extend: too few employees", rights.KindAccess, nil, UpdateExtend, Extend{Reason: ReasonNumberOfRequests, Explanation: "Too few employees to finish in time.", By: caseworker}, ErrTypeInvalid, "art-12-3-reason"},
		{"extend: för få handläggare", rights.KindAccess, nil, UpdateExtend, Extend{Reason: ReasonComplexity, Explanation: "Vi har för få handläggare.", By: caseworker}, ErrTypeInvalid, "art-12-3-reason"},
		{"extend: no words", rights.KindAccess, nil, UpdateExtend, Extend{Reason: ReasonComplexity, By: caseworker}, ErrTypeInvalid, "art-12-3-reason"},
		{"extend: after a refusal", rights.KindErasure, append(verified, step{UpdateDecide, Decide{Outcome: OutcomePartial, Grounds: []string{"17(3)(e)"}, Assessment: "x", By: caseworker}}), UpdateExtend, Extend{Reason: ReasonComplexity, Explanation: "many systems", By: caseworker}, ErrTypeInvalid, "art-12-4-refusal"},
		{"assign: nobody", rights.KindAccess, nil, UpdateAssign, Assign{By: caseworker}, ErrTypeInvalid, "assignee-required"},
		{"note: empty", rights.KindAccess, nil, UpdateAddNote, AddNote{Text: " ", By: caseworker}, ErrTypeInvalid, "note-text"},
		{"note: too long", rights.KindAccess, nil, UpdateAddNote, AddNote{Text: string(make([]byte, MaxNoteLength+1)), By: caseworker}, ErrTypeInvalid, "note-text"},
		{"withdraw: no actor", rights.KindAccess, nil, UpdateWithdraw, Withdraw{}, ErrTypeInvalid, "actor-required"},
		{"claim: unknown task", rights.KindAccess, nil, UpdateClaimTask, ClaimTask{TaskID: uuid.New(), By: caseworker}, ErrTypeInvalid, "task-unknown"},
		{"complete: unknown task", rights.KindAccess, nil, UpdateCompleteTask, CompleteTask{TaskID: uuid.New(), By: caseworker}, ErrTypeInvalid, "task-unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, policyDK(), tc.kind, "2026-09-01", time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
			h.at(time.Hour, func() {
				for _, s := range tc.before {
					h.update(s.name, s.arg)
				}
			})
			h.at(2*time.Hour, func() { h.update(tc.update, tc.arg) })
			h.at(3*time.Hour, func() { h.update(UpdateWithdraw, Withdraw{By: ActorSubject}) })
			h.run()
			require.Len(t, h.results, len(tc.before)+2)
			for _, r := range h.results[:len(tc.before)] {
				requireUpdateOK(t, r)
			}
			requireRejected(t, h.results[len(tc.before)], tc.errType, tc.rule)
		})
	}
}

// TestTaskRejections covers the task rules, which need the task's ID.
func TestTaskRejections(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindAccess, "2026-09-01", time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
	var verifyTask uuid.UUID
	h.at(time.Hour, func() {
		verifyTask = h.state().OpenTasks()[0].ID
		h.update(UpdateCompleteTask, CompleteTask{TaskID: verifyTask, By: caseworker}) // identity tasks close by verification
		h.update(UpdateClaimTask, ClaimTask{TaskID: verifyTask, By: caseworker})
		h.update(UpdateClaimTask, ClaimTask{TaskID: verifyTask, By: "cw-2"}) // already claimed
	})
	h.at(2*time.Hour, func() {
		h.update(UpdateVerifyIdentity, VerifyIdentity{Method: IdentityInPerson, By: caseworker})
		h.update(UpdateClaimTask, ClaimTask{TaskID: verifyTask, By: caseworker}) // done
	})
	h.at(3*time.Hour, func() {
		h.update(UpdateWithdraw, Withdraw{By: ActorSubject})
		h.update(UpdateAssign, Assign{Assignee: "cw-2", By: caseworker})
	})
	h.run()
	requireRejected(t, h.results[0], ErrTypeInvalid, "task-kind")
	s := requireUpdateOK(t, h.results[1])
	require.Equal(t, "cw-1", s.Assignee, "claiming a task of an unassigned request assigns it")
	requireRejected(t, h.results[2], ErrTypeConflict, "task-claimed")
	requireUpdateOK(t, h.results[3])
	requireRejected(t, h.results[4], ErrTypeConflict, "task-not-open")
	requireUpdateOK(t, h.results[5])
	requireRejected(t, h.results[6], ErrTypeConflict, "stage")
}

// TestForwarded: a processor forwards at once; the controller's request keeps
// the first date of receipt.
func TestForwarded(t *testing.T) {
	p := policyDK()
	p.ControllerID, p.Role, p.ForwardsTo = "jobcentre-processor", "processor", "demo"
	h := newHarness(t, p, rights.KindAccess, "2026-09-01", time.Date(2026, 9, 3, 10, 0, 0, 0, cph))
	var acts *activities.Activities
	h.env.OnActivity(acts.LoadPolicy, mock.Anything, "demo").Return(policyDK(), nil)
	var forwarded rights.ForwardInput
	h.env.OnActivity(acts.Forward, mock.Anything, mock.Anything).Return(func(_ context.Context, in rights.ForwardInput) (string, error) {
		forwarded = in
		return "RD-2026-000002", nil
	})
	// The parent runs under another name so that only the child is mocked.
	h.env.RegisterWorkflowWithOptions(RightsRequest, workflow.RegisterOptions{Name: "ProcessorRequest"})
	h.name = "ProcessorRequest"
	var child RightsRequestInput
	h.env.OnWorkflow("RightsRequest", mock.Anything, mock.Anything).Return(func(_ workflow.Context, in RightsRequestInput) (Result, error) {
		child = in
		return Result{Stage: StageClosed}, nil
	})
	res := h.run()
	require.Equal(t, Result{Stage: StageForwarded, Outcome: OutcomeForwarded}, res)
	require.Equal(t, "demo", forwarded.ToController)
	require.Equal(t, h.input.Request.RequestID, forwarded.From)
	require.Equal(t, forwarded.NewID, child.Request.RequestID)
	require.Equal(t, "demo", child.Request.ControllerID)
	require.Equal(t, deadline.Date(2026, 9, 1), child.Request.ReceivedOn, "the clock keeps the first receipt date")
	require.Equal(t, h.input.Request.RequestID, *child.Request.ForwardedFrom)
	require.Equal(t, *h.state().ForwardedTo, forwarded.NewID)
}

func TestWorkflowID(t *testing.T) {
	id := uuid.New()
	got, err := rights.ParseWorkflowID(rights.WorkflowID(id))
	require.NoError(t, err)
	require.Equal(t, id, got)
	_, err = rights.ParseWorkflowID("order/" + id.String())
	require.Error(t, err)
}
