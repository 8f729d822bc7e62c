package worker_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/delivery"
	"github.com/rightsdesk/rightsdesk/internal/devtools/mailcatch"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/devtools/testenv"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/worker"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// scheduled returns the attributes of the activities of type name a
// workflow scheduled so far, oldest first.
func scheduled(t *testing.T, c client.Client, id uuid.UUID, name string) []*historypb.ActivityTaskScheduledEventAttributes {
	t.Helper()
	var out []*historypb.ActivityTaskScheduledEventAttributes
	iter := c.GetWorkflowHistory(context.Background(), rights.WorkflowID(id), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		if a := ev.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == name {
			out = append(out, a)
		}
	}
	return out
}

// TestLettersOnTheirOwnQueue: on the real Temporal server (its matching as
// it ships) and PostgreSQL, with one letter slot, letters run on the
// letters task queue and a receipt at a lower priority than other letters.
// While the one slot is held by a letter that cannot finish, and receipts
// wait behind it, a caseworker's decision is answered and projected (the
// workflow tasks and projections are not behind the letters), and its
// reply letter is sent before the receipts that were queued before it:
// the server's matching honours the task priority.
func TestLettersOnTheirOwnQueue(t *testing.T) {
	ctx := context.Background()
	st := pgtest.New(t)
	c := testenv.Temporal(t)
	require.NoError(t, controllers.Sync(ctx, st, controllers.Demo()))
	mail, err := mailcatch.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { mail.Close() })
	smtp, err := delivery.ParseSMTPURL(mail.URL())
	require.NoError(t, err)
	subjects := &intake.Service{Store: st, Keys: testenv.Keys()}
	// The hook holds a letter that has left, before it is recorded sent,
	// while hold is set: the slot stays taken.
	var hold atomic.Bool
	held, release := make(chan struct{}, 1), make(chan struct{})
	outbox := &activities.Outbox{Store: st, Subjects: subjects, SMTP: smtp, MailFrom: "Demo <noreply@demo.example>", PublicURL: "https://rights.example",
		AfterSend: func(uuid.UUID) {
			if hold.Load() {
				held <- struct{}{}
				<-release
			}
		}}
	acts := &activities.Activities{Store: st, Outbox: outbox, Subjects: subjects}
	policy, err := acts.LoadPolicy(ctx, "demo")
	require.NoError(t, err)
	tq := testenv.TaskQueue(t)
	w := worker.NewWithOptions(c, tq, acts, worker.Options{LetterPollers: 1, LetterSlots: 1})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)

	received := deadline.Day(time.Now())
	start := func(name, identity string) uuid.UUID {
		res, err := subjects.Register(ctx, intake.Intake{ControllerID: "demo", Kinds: []string{"erasure"}, Channel: "web", ReceivedOn: received,
			Language: "da", RegisteredBy: "subject", Subject: intake.Subject{Name: name, Email: name + "@example.dk"}, IdentityMethod: identity,
			DueOn: deadline.Due(received), StatutoryDueOn: deadline.StatutoryDue(received, deadline.MustCalendar(deadline.DK))})
		require.NoError(t, err)
		row := res.Requests[0]
		_, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: rights.WorkflowID(row.ID), TaskQueue: tq}, workflows.WorkflowType,
			workflows.InputFor(store.PendingOf(row, policy)))
		require.NoError(t, err)
		return row.ID
	}
	sentTo := func() []string {
		var to []string
		for _, m := range mail.Messages() {
			to = append(to, m.To[0])
		}
		return to
	}
	stage := func(id uuid.UUID) string {
		var s string
		require.NoError(t, st.DB.Table("requests").Where("id = ?", id).Select("stage").Scan(&s).Error)
		return s
	}

	// A request waiting for its decision, its receipt sent.
	decided := start("eva", "mitid")
	require.Eventually(t, func() bool { return stage(decided) == "assessment" && len(mail.Messages()) == 1 }, time.Minute, 50*time.Millisecond)
	receipt := scheduled(t, c, decided, "SendNotice")
	require.Len(t, receipt, 1)
	require.Equal(t, workflows.LettersTaskQueue(tq), receipt[0].GetTaskQueue().GetName(), "letters on their own queue")
	require.EqualValues(t, workflows.PriorityReceipt, receipt[0].GetPriority().GetPriorityKey(), "a receipt after other letters")
	for _, p := range scheduled(t, c, decided, "Project") {
		require.Equal(t, tq, p.GetTaskQueue().GetName(), "projections on the workflows' queue")
	}

	// The one letter slot is taken by a receipt that cannot finish; three
	// more receipts wait behind it on the server.
	hold.Store(true)
	start("ada", "")
	select {
	case <-held:
	case <-time.After(time.Minute):
		t.Fatal("the first receipt never reached the outbox")
	}
	hold.Store(false)
	for _, name := range []string{"bo", "cai", "dan"} {
		id := start(name, "")
		require.Eventually(t, func() bool { return len(scheduled(t, c, id, "SendNotice")) == 1 && stage(id) == "identity" }, time.Minute, 50*time.Millisecond,
			"started and projected while the letters wait")
	}

	// The decision is answered and projected while no letter can move.
	ctxUpdate, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	h, err := c.UpdateWorkflow(ctxUpdate, client.UpdateWorkflowOptions{
		WorkflowID: rights.WorkflowID(decided), UpdateID: "decide", UpdateName: workflows.UpdateDecide, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{workflows.Decide{Outcome: workflows.OutcomeRefuse, Grounds: []string{"17(3)(b)"}, Assessment: "Kept by law.", By: "token:cw"}},
	})
	require.NoError(t, err)
	var s workflows.State
	require.NoError(t, h.Get(ctxUpdate, &s))
	require.Equal(t, workflows.StageReply, s.Stage)
	require.Eventually(t, func() bool { return stage(decided) == "reply" }, 10*time.Second, 50*time.Millisecond, "projected while the letters wait")
	require.Eventually(t, func() bool { return len(scheduled(t, c, decided, "SendNotice")) == 2 }, 10*time.Second, 50*time.Millisecond)
	reply := scheduled(t, c, decided, "SendNotice")[1]
	require.Equal(t, workflows.LettersTaskQueue(tq), reply.GetTaskQueue().GetName())
	require.Zero(t, reply.GetPriority().GetPriorityKey(), "a reply at the default priority")
	require.Equal(t, []string{"eva@example.dk", "ada@example.dk"}, sentTo(), "nothing sent while the slot is held")

	// The slot is free: the reply goes before the receipts queued before it.
	close(release)
	require.Eventually(t, func() bool { return len(mail.Messages()) == 6 }, time.Minute, 50*time.Millisecond)
	to := sentTo()
	require.Equal(t, []string{"eva@example.dk", "ada@example.dk", "eva@example.dk"}, to[:3],
		"the reply (default priority) ahead of the receipts (priority %d) queued before it", workflows.PriorityReceipt)
	require.ElementsMatch(t, []string{"bo@example.dk", "cai@example.dk", "dan@example.dk"}, to[3:])
}
