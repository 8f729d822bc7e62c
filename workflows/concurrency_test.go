package workflows

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/testsuite"

	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// sendAs sends an Update and records its outcome under label.
func (h *harness) sendAs(label string, out map[string]updateResult, name string, arg any) {
	record := func(v any, err error) {
		r := updateResult{name: name, err: err}
		if s, ok := v.(State); ok {
			r.state = s
		}
		out[label] = r
	}
	h.env.UpdateWorkflow(name, "", &testsuite.TestUpdateCallback{
		OnAccept:   func() {},
		OnReject:   func(err error) { record(nil, err) },
		OnComplete: record,
	}, arg)
}

func (h *harness) count(action string) int {
	n := 0
	for _, a := range h.actions() {
		if a == action {
			n++
		}
	}
	return n
}

func (h *harness) openTask(kind TaskKind) Task {
	h.t.Helper()
	for _, tk := range h.state().OpenTasks() {
		if tk.Kind == kind {
			return tk
		}
	}
	h.t.Fatalf("no open %s task", kind)
	return Task{}
}

// TestConflictingUpdatesTogether: for every pair of actions that exclude
// each other, both sent at once (the second validated while the first is
// still being handled, also where the first waits for an activity before
// it changes the state): exactly one is applied, the other is refused with
// 409 naming the rule, and what the first did is recorded once.
func TestConflictingUpdatesTogether(t *testing.T) {
	grant := Decide{Outcome: OutcomeGrant, Assessment: "No duty to keep it.", By: caseworker}
	refuse := Decide{Outcome: OutcomeRefuse, Grounds: []string{"17(3)(b)"}, Assessment: "Journal duty.", By: caseworker}
	partial := Decide{Outcome: OutcomePartial, Grounds: []string{"17(3)(e)"}, Assessment: "A claim is pending.", By: caseworker}
	withdraw := Withdraw{By: ActorSubject}
	extend := Extend{Reason: ReasonComplexity, Explanation: "Fourteen systems hold records to be reviewed.", By: caseworker}
	clarify := RequestInformation{Purpose: PurposeClarification, What: "Which years?", By: caseworker}
	askIdentity := RequestInformation{Purpose: PurposeIdentity, What: "Your address?", By: caseworker}
	correct := func(v string) ApplyCorrection {
		return ApplyCorrection{System: "sag", Dataset: "people", Values: map[string]string{"address": v}, By: caseworker}
	}
	type upd struct {
		name string
		arg  any
	}
	fixed := func(name string, arg any) func(*harness) upd { return func(*harness) upd { return upd{name, arg} } }
	for _, tc := range []struct {
		name string
		kind rights.Kind
		// identified: identity verified at intake (assessment at once).
		identified bool
		// mapped: the grant is carried out in systems, so the decision
		// handler waits for PlanFulfilment before it changes the state.
		mapped bool
		// print: letters go on paper, so completing a print task waits
		// for the outbox.
		print         bool
		before        []upd
		first, second func(*harness) upd
		rule          string
		// once is the action the first Update records exactly once (the
		// printed letter is checked in the outbox instead: the clean-up
		// posts another); never an action the second would have recorded.
		once, never string
	}{
		{name: "grant (planned) and refusal", kind: rights.KindErasure, identified: true, mapped: true,
			first: fixed(UpdateDecide, grant), second: fixed(UpdateDecide, refuse), rule: "action-in-progress", once: "decision.made"},
		{name: "refusal and grant", kind: rights.KindErasure, identified: true, mapped: true,
			first: fixed(UpdateDecide, refuse), second: fixed(UpdateDecide, grant), rule: "stage", once: "decision.made"},
		{name: "grant (planned) twice", kind: rights.KindErasure, identified: true, mapped: true,
			first: fixed(UpdateDecide, grant), second: fixed(UpdateDecide, grant), rule: "action-in-progress", once: "decision.made"},
		{name: "grant (unmapped) and refusal", kind: rights.KindAccess, identified: true,
			first: fixed(UpdateDecide, grant), second: fixed(UpdateDecide, refuse), rule: "action-in-progress", once: "decision.made"},
		{name: "grant (planned) and withdrawal", kind: rights.KindErasure, identified: true, mapped: true,
			first: fixed(UpdateDecide, grant), second: fixed(UpdateWithdraw, withdraw), rule: "action-in-progress", once: "decision.made", never: "request.withdrawn"},
		{name: "withdrawal and grant", kind: rights.KindErasure, identified: true, mapped: true,
			first: fixed(UpdateWithdraw, withdraw), second: fixed(UpdateDecide, grant), rule: "stage", once: "request.withdrawn", never: "decision.made"},
		{name: "partial refusal (planned) and extension", kind: rights.KindErasure, identified: true, mapped: true,
			first: fixed(UpdateDecide, partial), second: fixed(UpdateExtend, extend), rule: "action-in-progress", once: "decision.made", never: "deadline.extended"},
		{name: "grant (planned) and clarification", kind: rights.KindErasure, identified: true, mapped: true,
			first: fixed(UpdateDecide, grant), second: fixed(UpdateRequestInformation, clarify), rule: "action-in-progress", once: "decision.made", never: "information.requested"},
		{name: "clarification and grant", kind: rights.KindErasure, identified: true, mapped: true,
			first: fixed(UpdateRequestInformation, clarify), second: fixed(UpdateDecide, grant), rule: "paused", once: "information.requested", never: "decision.made"},
		{name: "identity verified and not possible", kind: rights.KindAccess,
			first:  fixed(UpdateVerifyIdentity, VerifyIdentity{Method: IdentityMitID, By: caseworker}),
			second: fixed(UpdateCannotIdentify, CannotIdentify{Reason: "No match.", By: caseworker}), rule: "stage", once: "identity.verified", never: "identity.not_possible"},
		{name: "two extensions", kind: rights.KindAccess, identified: true,
			first: fixed(UpdateExtend, extend), second: fixed(UpdateExtend, extend), rule: "art-12-3-once", once: "deadline.extended"},
		{name: "two withdrawals", kind: rights.KindAccess,
			first: fixed(UpdateWithdraw, withdraw), second: fixed(UpdateWithdraw, withdraw), rule: "stage", once: "request.withdrawn"},
		{name: "two information requests", kind: rights.KindAccess,
			first: fixed(UpdateRequestInformation, askIdentity), second: fixed(UpdateRequestInformation, askIdentity), rule: "already-paused", once: "information.requested"},
		{name: "two answers", kind: rights.KindAccess, before: []upd{{UpdateRequestInformation, askIdentity}},
			first:  fixed(UpdateInformationReceived, InformationReceived{By: ActorSubject}),
			second: fixed(UpdateInformationReceived, InformationReceived{By: ActorSubject}), rule: "not-paused", once: "information.received"},
		{name: "two claims of one task", kind: rights.KindAccess, identified: true,
			first: func(h *harness) upd {
				return upd{UpdateClaimTask, ClaimTask{TaskID: h.openTask(TaskDecide).ID, By: caseworker}}
			},
			second: func(h *harness) upd {
				return upd{UpdateClaimTask, ClaimTask{TaskID: h.openTask(TaskDecide).ID, By: "cw-2"}}
			}, rule: "task-claimed", once: "task.claimed"},
		{name: "a printed letter recorded twice", kind: rights.KindAccess, print: true,
			first: func(h *harness) upd {
				return upd{UpdateCompleteTask, CompleteTask{TaskID: h.openTask(TaskPrintLetter).ID, By: caseworker}}
			},
			second: func(h *harness) upd {
				return upd{UpdateCompleteTask, CompleteTask{TaskID: h.openTask(TaskPrintLetter).ID, By: "cw-2"}}
			}, rule: "task-not-open"},
		{name: "two corrections", kind: rights.KindRectification, identified: true, mapped: true, before: []upd{{UpdateDecide, grant}},
			first: fixed(UpdateApplyCorrection, correct("Vejen 1")), second: fixed(UpdateApplyCorrection, correct("Vejen 2")), rule: "action-in-progress", once: "fulfilment.corrected"},
		{name: "two preliminary answers", kind: rights.KindAccess,
			first:  fixed(UpdateSendLetter, SendLetter{Kind: LetterPreliminary, By: caseworker}),
			second: fixed(UpdateSendLetter, SendLetter{Kind: LetterPreliminary, By: caseworker}), rule: "letter-sent", once: "letter.preliminary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, policyDK(), tc.kind, "2026-09-01", time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
			if tc.identified {
				h.input.Request.Identity = &VerifyIdentity{Method: IdentityMitID, By: "intake"}
			}
			if tc.mapped {
				id := h.input.Request.RequestID
				h.plan = rights.FulfilmentPlan{Mapped: true, Steps: []rights.FulfilStep{{RequestID: id, System: "sag", Dataset: "people", Step: rights.StepErase}}}
				if tc.kind == rights.KindRectification {
					// Corrections are applied by staff, one by one,
					// while the fulfilment task is open.
					h.plan.Steps = nil
					h.plan.Manual = []rights.ManualStep{{System: "sag", Name: "sag", Instructions: "Correct the address."}}
				}
			}
			if tc.print {
				h.noticeResult = func(in rights.NoticeInput) rights.NoticeResult {
					return rights.NoticeResult{Status: rights.LetterPrint, LetterID: rights.LetterID(in.Key), Channel: "print"}
				}
			}
			before := map[string]updateResult{}
			h.at(time.Hour, func() {
				for i, u := range tc.before {
					h.sendAs(string(rune('a'+i)), before, u.name, u.arg)
				}
			})
			got := map[string]updateResult{}
			h.at(2*time.Hour, func() {
				first, second := tc.first(h), tc.second(h)
				h.sendAs("first", got, first.name, first.arg)
				h.sendAs("second", got, second.name, second.arg)
			})
			h.at(3*time.Hour, func() {
				// Close what is still open, so the run ends.
				for _, tk := range h.state().OpenTasks() {
					if tk.Kind == TaskPrintLetter {
						h.update(UpdateCompleteTask, CompleteTask{TaskID: tk.ID, By: caseworker})
					}
				}
				h.update(UpdateWithdraw, withdraw)
			})
			h.at(4*time.Hour, func() {
				for _, tk := range h.state().OpenTasks() {
					if tk.Kind == TaskPrintLetter || tk.Kind == TaskFulfil {
						h.update(UpdateCompleteTask, CompleteTask{TaskID: tk.ID, By: caseworker})
					}
				}
			})
			h.run()
			for _, r := range before {
				requireUpdateOK(t, r)
			}
			require.Len(t, got, 2)
			requireUpdateOK(t, got["first"])
			requireRejected(t, got["second"], ErrTypeConflict, tc.rule)
			if tc.once != "" {
				require.Equal(t, 1, h.count(tc.once), "%s recorded once: %v", tc.once, h.actions())
			}
			if tc.never != "" {
				require.Zero(t, h.count(tc.never), "%s never recorded: %v", tc.never, h.actions())
			}
			switch tc.name {
			case "a printed letter recorded twice":
				require.Len(t, h.markedFor(got["first"].state), 1, "the outbox is told once")
			case "two corrections":
				require.Len(t, h.steps, 1, "one correction applied")
				require.Equal(t, "Vejen 1", h.steps[0].Values["address"])
			}
		})
	}
}

// markedFor lists the outbox marks of the letter the first print task held.
func (h *harness) markedFor(s State) []rights.MarkLetterInput {
	h.mu.Lock()
	defer h.mu.Unlock()
	var letter *uuid.UUID
	for _, tk := range s.Tasks {
		if tk.Kind == TaskPrintLetter && tk.Status == TaskDone {
			letter = tk.LetterID
		}
	}
	var out []rights.MarkLetterInput
	for _, m := range h.marked {
		if letter != nil && m.LetterID == *letter {
			out = append(out, m)
		}
	}
	return out
}
