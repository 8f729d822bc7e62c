package workflows

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/rights"
)

func (h *harness) noticesOf(kind string) []sentNotice {
	var out []sentNotice
	for _, n := range h.notices {
		if n.Kind == kind {
			out = append(out, n)
		}
	}
	return out
}

// TestReceiptAndFacts: every request starts with a receipt to the subject;
// each notice carries the facts its letter tells (here, what is asked).
func TestReceiptAndFacts(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindAccess, "2026-09-01", time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
	h.at(time.Hour, func() {
		h.update(UpdateRequestInformation, RequestInformation{Purpose: PurposeIdentity, What: "Your address in 2019", By: caseworker})
	})
	h.at(2*time.Hour, func() { h.update(UpdateWithdraw, Withdraw{By: ActorSubject}) })
	h.run()
	require.Equal(t, NoticeReceipt, h.notices[0].Kind)
	require.Equal(t, RecipientSubject, h.notices[0].Recipient)
	require.Equal(t, "2026-10-01", h.notices[0].Facts.DueOn.Format(time.DateOnly))
	info := h.noticesOf(NoticeInformation)
	require.Len(t, info, 1)
	require.Equal(t, "Your address in 2019", info[0].Facts.InformationWhat)
	require.Equal(t, "identity", info[0].Facts.InformationPurpose)
}

// TestReplyOnPaper: a subject with no digital address gets the reply on
// paper. The request is replied when a caseworker has posted it, and the
// outbox records that.
func TestReplyOnPaper(t *testing.T) {
	start := time.Date(2026, 9, 1, 10, 0, 0, 0, cph)
	h := newHarness(t, policyDK(), rights.KindErasure, "2026-09-01", start)
	h.input.Request.Identity = &VerifyIdentity{Method: IdentityInPerson, By: "intake"}
	h.noticeResult = func(in rights.NoticeInput) rights.NoticeResult {
		return rights.NoticeResult{Status: rights.LetterPrint, LetterID: rights.LetterID(in.Key), Channel: "print"}
	}
	var waiting State
	h.at(day, func() {
		h.update(UpdateDecide, Decide{Outcome: OutcomeRefuse, Grounds: []string{"17(3)(b)"}, Assessment: "Journal duty.", By: caseworker})
	})
	h.at(2*day, func() { waiting = h.state() })
	h.at(3*day, func() {
		// The reply, and the receipt before it, were both on paper.
		for _, tk := range h.state().OpenTasks() {
			if tk.Kind == TaskPrintLetter {
				h.update(UpdateCompleteTask, CompleteTask{TaskID: tk.ID, By: caseworker})
			}
		}
	})
	res := h.run()
	require.Equal(t, StageClosed, res.Stage)
	require.Equal(t, StageReply, waiting.Stage, "not replied until it is posted")
	require.Nil(t, waiting.RepliedAt)
	final := h.state()
	require.Equal(t, start.Add(3*day).UTC(), final.RepliedAt.UTC(), "replied when posted")
	require.Len(t, h.marked, 2)
	require.Equal(t, rights.LetterPrinted, h.marked[0].Status)
	require.Contains(t, h.actions(), "letter.posted")
}

// TestUnknownEmailOutcomeIsConfirmed: an e-mail whose outcome is unknown
// becomes a task to confirm; the request does not end until it is done.
func TestUnknownEmailOutcomeIsConfirmed(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindAccess, "2026-09-01", time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
	h.noticeResult = func(in rights.NoticeInput) rights.NoticeResult {
		status := rights.LetterSent
		if in.Kind == NoticeWithdrawn {
			status = rights.LetterConfirm
		}
		return rights.NoticeResult{Status: status, LetterID: rights.LetterID(in.Key), Channel: "email"}
	}
	var open State
	h.at(time.Hour, func() { h.update(UpdateWithdraw, Withdraw{By: ActorSubject}) })
	h.at(5*day, func() {
		open = h.state()
		for _, tk := range open.OpenTasks() {
			h.update(UpdateCompleteTask, CompleteTask{TaskID: tk.ID, By: caseworker})
		}
	})
	h.run()
	require.Equal(t, StageWithdrawn, open.Stage)
	require.Len(t, open.OpenTasks(), 1, "the workflow waits for the confirmation")
	require.Equal(t, TaskConfirmDelivery, open.OpenTasks()[0].Kind)
	require.Equal(t, []rights.MarkLetterInput{{LetterID: rights.LetterID(h.input.Request.RequestID.String() + "/withdrawn"), Status: rights.LetterSent}}, h.marked)
	require.Contains(t, h.actions(), "letter.confirmed")
}

// TestApprovedReply: a controller that approves replies gets a task; no
// reply goes until it is approved, and the deadline runs meanwhile.
func TestApprovedReply(t *testing.T) {
	p := policyDK()
	p.ApproveReplies = true
	start := time.Date(2026, 9, 1, 10, 0, 0, 0, cph)
	h := newHarness(t, p, rights.KindErasure, "2026-09-01", start)
	h.input.Request.Identity = &VerifyIdentity{Method: IdentityMitID, By: "intake"}
	h.at(day, func() {
		h.update(UpdateDecide, Decide{Outcome: OutcomeRefuse, Grounds: []string{"17(3)(b)"}, Assessment: "Journal duty.", By: caseworker})
	})
	var before State
	h.at(40*day, func() {
		before = h.state()
		for _, tk := range before.OpenTasks() {
			h.update(UpdateCompleteTask, CompleteTask{TaskID: tk.ID, By: "dpo-1"})
		}
	})
	res := h.run()
	require.Equal(t, OutcomeRefuse, res.Outcome)
	require.Equal(t, TaskApproveReply, before.OpenTasks()[0].Kind)
	require.True(t, before.Breached, "the deadline ran while the reply waited")
	reply := h.noticesOf(NoticeReply + "_refuse")
	require.Len(t, reply, 1)
	require.True(t, start.Add(40*day).Equal(reply[0].SentAt), "sent when approved, not %s", reply[0].SentAt)
	require.True(t, h.state().Late)
}

// TestPreliminaryAnswer: a caseworker sends one preliminary answer.
func TestPreliminaryAnswer(t *testing.T) {
	h := newHarness(t, policyDK(), rights.KindAccess, "2026-09-01", time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
	h.at(time.Hour, func() {
		h.update(UpdateSendLetter, SendLetter{Kind: LetterPreliminary, By: caseworker})
		h.update(UpdateSendLetter, SendLetter{Kind: LetterPreliminary, By: caseworker})
		h.update(UpdateSendLetter, SendLetter{Kind: "love_letter", By: caseworker})
	})
	h.at(2*time.Hour, func() { h.update(UpdateWithdraw, Withdraw{By: ActorSubject}) })
	h.run()
	requireUpdateOK(t, h.results[0])
	requireRejected(t, h.results[1], ErrTypeConflict, "letter-sent")
	requireRejected(t, h.results[2], ErrTypeInvalid, "letter-kind")
	require.Len(t, h.noticesOf(NoticePreliminary), 1)
}
