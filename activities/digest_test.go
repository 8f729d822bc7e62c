package activities

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/delivery"
	"github.com/rightsdesk/rightsdesk/internal/devtools/mailcatch"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/intake"
)

// TestDailyDigest: at the controller's notice hour, its caseworker mailbox
// and DPO get one digest of the overdue and soon-due requests, once a
// day; a request due in a month is not in it, and another hour sends none.
func TestDailyDigest(t *testing.T) {
	ctx := context.Background()
	st := pgtest.New(t)
	require.NoError(t, controllers.Sync(ctx, st, controllers.Demo()))
	mail, err := mailcatch.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { mail.Close() })
	smtp, err := delivery.ParseSMTPURL(mail.URL())
	require.NoError(t, err)
	subjects := &intake.Service{Store: st, Keys: crypto.InsecureTestKeyring()}
	a := &Activities{Store: st, Outbox: &Outbox{Store: st, Subjects: subjects, SMTP: smtp, MailFrom: "x <noreply@x.example>", PublicURL: "https://rights.example"}}

	// 08:30 in Copenhagen (summer time) on 2026-09-01.
	now := time.Date(2026, 9, 1, 6, 30, 0, 0, time.UTC)
	register := func(received time.Time) string {
		res, err := subjects.Register(ctx, intake.Intake{ControllerID: "demo", Kinds: []string{"access"}, Channel: "web", ReceivedOn: received,
			Language: "da", RegisteredBy: "subject", Subject: intake.Subject{Name: "X", Email: "x@example.dk"},
			DueOn: deadline.Due(received), StatutoryDueOn: deadline.StatutoryDue(received, deadline.MustCalendar(deadline.DK))})
		require.NoError(t, err)
		return res.Requests[0].Reference
	}
	overdue := register(deadline.Date(2026, 7, 20))
	soon := register(deadline.Date(2026, 8, 2)) // due 2026-09-01
	later := register(deadline.Date(2026, 8, 30))

	n, err := a.SendDigests(ctx, now)
	require.NoError(t, err)
	require.Equal(t, 2, n, "the caseworker mailbox and the DPO")
	msgs := mail.Messages()
	require.Len(t, msgs, 2)
	require.Equal(t, []string{"sagsbehandling@demo-kommune.example"}, msgs[0].To)
	require.Equal(t, []string{"dpo@demo-kommune.example"}, msgs[1].To)
	require.Equal(t, "Dagens overblik: 2 sager kræver handling", msgs[0].Subject)
	require.Contains(t, msgs[0].Text, overdue)
	require.Contains(t, msgs[0].Text, soon)
	require.NotContains(t, msgs[0].Text, later)
	require.Contains(t, msgs[0].Text, "https://rights.example/v1/requests/")

	n, err = a.SendDigests(ctx, now.Add(20*time.Minute))
	require.NoError(t, err)
	require.Zero(t, n, "once a day")
	n, err = a.SendDigests(ctx, now.Add(3*time.Hour))
	require.NoError(t, err)
	require.Zero(t, n, "only at the notice hour")
	require.Len(t, mail.Messages(), 2)
}
