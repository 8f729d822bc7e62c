package intake

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// TestKeyRotation: after a new master key is added and the data keys are
// rewrapped, the old master key can go and everything still decrypts.
func TestKeyRotation(t *testing.T) {
	ctx := context.Background()
	st := pgtest.New(t)
	require.NoError(t, controllers.Sync(ctx, st, controllers.Demo()))
	k1, k2, idx := crypto.NewKey(), crypto.NewKey(), crypto.NewKey()
	old, err := crypto.ParseKeyring("k1:"+k1, idx)
	require.NoError(t, err)
	svc := &Service{Store: st, Keys: old}
	res, err := svc.Register(ctx, Intake{ControllerID: "demo", Kinds: []string{"access"}, Channel: "web", Language: "da",
		ReceivedOn: time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), Subject: Subject{Name: "Anna", Email: "Anna@Example.dk"}, RegisteredBy: "subject"})
	require.NoError(t, err)
	subjectID := *res.Requests[0].SubjectID

	both, err := crypto.ParseKeyring("k2:"+k2+",k1:"+k1, idx)
	require.NoError(t, err)
	n, err := (&Service{Store: st, Keys: both}).Rewrap(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	n, err = (&Service{Store: st, Keys: both}).Rewrap(ctx)
	require.NoError(t, err)
	require.Zero(t, n, "nothing left to rewrap")

	only2, err := crypto.ParseKeyring("k2:"+k2, idx)
	require.NoError(t, err)
	svc2 := &Service{Store: st, Keys: only2}
	subj, err := svc2.LoadSubject(ctx, subjectID)
	require.NoError(t, err)
	require.Equal(t, "Anna", subj.Name)
	found, err := svc2.RequestsByIdentifier(ctx, "email", NormalizeEmail("ANNA@example.DK"))
	require.NoError(t, err)
	require.Len(t, found, 1)
	var row store.Subject
	require.NoError(t, st.DB.First(&row, "id = ?", subjectID).Error)
	require.Equal(t, "k2", row.KeyID)
	_, err = svc.LoadSubject(ctx, subjectID)
	require.Error(t, err, "the old keyring alone no longer opens it")
}
