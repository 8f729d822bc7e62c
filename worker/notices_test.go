package worker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/delivery"
	"github.com/rightsdesk/rightsdesk/internal/devtools/mailcatch"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/devtools/testenv"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// TestFortyDaysOfNoticesByEmail leaves a request untouched for 40 days,
// with time skipping, while the real activities write to PostgreSQL and
// send through the real outbox to a real SMTP server. The assignee gets the
// two reminders in their own language, the DPO the escalation and a
// breach notice every day, the subject the receipt; each message is
// parsed and checked, and none carries the subject's personal data but
// the subject's own.
func TestFortyDaysOfNoticesByEmail(t *testing.T) {
	ctx := context.Background()
	st := pgtest.New(t)
	require.NoError(t, controllers.Sync(ctx, st, controllers.Demo()))
	mail, err := mailcatch.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { mail.Close() })
	smtp, err := delivery.ParseSMTPURL(mail.URL())
	require.NoError(t, err)
	subjects := &intake.Service{Store: st, Keys: testenv.Keys()}
	acts := &activities.Activities{Store: st, Outbox: &activities.Outbox{Store: st, Subjects: subjects, SMTP: smtp,
		MailFrom: "Demo Kommune <noreply@demo-kommune.example>", PublicURL: "https://rights.example"}}
	require.NoError(t, st.DB.Create(&store.Staff{ID: "token:anna", DisplayName: "Anna", Email: "anna@demo-kommune.example", Language: "en", Source: "token"}).Error)

	received := deadline.Date(2026, 9, 1)
	res, err := subjects.Register(ctx, intake.Intake{ControllerID: "demo", Kinds: []string{"access"}, Channel: "web", ReceivedOn: received,
		Language: "da", RegisteredBy: "subject", Subject: intake.Subject{Name: "Ida Ærø", Email: "ida@example.dk"},
		DueOn: deadline.Due(received), StatutoryDueOn: deadline.StatutoryDue(received, deadline.MustCalendar(deadline.DK))})
	require.NoError(t, err)
	row := res.Requests[0]
	policy, err := acts.LoadPolicy(ctx, "demo")
	require.NoError(t, err)

	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(log.NewStructuredLogger(testenv.Logger()))
	env := suite.NewTestWorkflowEnvironment()
	cph, err := deadline.LoadLocation("Europe/Copenhagen")
	require.NoError(t, err)
	env.SetStartTime(time.Date(2026, 9, 1, 10, 0, 0, 0, cph))
	env.SetTestTimeout(2 * time.Minute)
	env.RegisterWorkflowWithOptions(workflows.RightsRequest, workflow.RegisterOptions{Name: workflows.WorkflowType})
	env.RegisterActivity(acts)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateAssign, "assign", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { t.Errorf("assign: %v", err) }, OnComplete: func(any, error) {},
		}, workflows.Assign{Assignee: "token:anna", By: "token:lead"})
	}, time.Hour)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(workflows.UpdateWithdraw, "withdraw", &testsuite.TestUpdateCallback{
			OnAccept: func() {}, OnReject: func(err error) { t.Errorf("withdraw: %v", err) }, OnComplete: func(any, error) {},
		}, workflows.Withdraw{By: workflows.ActorSubject})
	}, 40*24*time.Hour)
	env.ExecuteWorkflow(workflows.RightsRequest, workflows.InputFor(store.PendingOf(row, policy)))
	require.True(t, env.IsWorkflowCompleted())
	require.NoError(t, env.GetWorkflowError())

	byTo := map[string][]mailcatch.Message{}
	ids := map[string]bool{}
	for _, m := range mail.Messages() {
		require.Len(t, m.To, 1)
		byTo[m.To[0]] = append(byTo[m.To[0]], m)
		require.False(t, ids[m.MessageID], "each message once: %s", m.Subject)
		ids[m.MessageID] = true
	}
	var subjects2 []string
	for _, m := range byTo["anna@demo-kommune.example"] {
		subjects2 = append(subjects2, m.Subject)
	}
	require.Equal(t, []string{
		"Reminder: " + row.Reference + " is due in 7 days",
		"Reminder: " + row.Reference + " is due in 2 days",
	}, subjects2, "the assignee, in English as the directory says")

	dpo := byTo["dpo@demo-kommune.example"]
	require.GreaterOrEqual(t, len(dpo), 1+9)
	require.Equal(t, "Eskalering: "+row.Reference+" skulle være besvaret i dag", dpo[0].Subject)
	require.Equal(t, "Fristoverskridelse: "+row.Reference+" er ikke besvaret", dpo[1].Subject)
	require.Contains(t, dpo[1].Text, "Lovens frist er overskredet med 1 dage")
	require.Contains(t, dpo[len(dpo)-1].Text, "Lovens frist er overskredet med 10 dage", "daily until withdrawn on day 40")
	for _, m := range append(dpo, byTo["anna@demo-kommune.example"]...) {
		require.Contains(t, m.Text, "https://rights.example/v1/requests/"+row.ID.String())
		require.NotContains(t, m.Text, "Ida", "a staff notice carries no personal data")
		require.NotContains(t, m.Text, "ida@example.dk")
		require.Empty(t, m.Attachments)
	}
	subject := byTo["ida@example.dk"]
	require.Len(t, subject, 2)
	require.True(t, strings.HasPrefix(subject[0].Subject, "Vi har modtaget din anmodning om indsigt"))
	require.Contains(t, subject[0].Text, "Kære Ida Ærø")
	require.Equal(t, "Din anmodning er trukket tilbage ("+row.Reference+")", subject[1].Subject)
	require.Len(t, subject[1].Attachments, 1)

	var sent int64
	require.NoError(t, st.DB.Model(&store.Letter{}).Where("request_id = ? AND status = 'sent'", row.ID).Count(&sent).Error)
	require.EqualValues(t, len(mail.Messages()), sent, "the outbox records every message it sent")
}
