package intake

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// TestNotesSealedToTheirPlace: a note's text opens only with its subject's
// key and in its own row (its request and number); once the subject's data
// is erased the notes are listed without their texts.
func TestNotesSealedToTheirPlace(t *testing.T) {
	ctx := context.Background()
	st := pgtest.New(t)
	require.NoError(t, controllers.Sync(ctx, st, controllers.Demo()))
	keys, err := crypto.ParseKeyring("k1:"+crypto.NewKey(), crypto.NewKey())
	require.NoError(t, err)
	svc := &Service{Store: st, Keys: keys}
	res, err := svc.Register(ctx, Intake{ControllerID: "demo", Kinds: []string{"access"}, Channel: "web", Language: "da",
		ReceivedOn: time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), Subject: Subject{Name: "Anna", Email: "anna@example.dk"}, RegisteredBy: "subject"})
	require.NoError(t, err)
	r := res.Requests[0]
	_, key, err := svc.OpenSubject(ctx, *r.SubjectID)
	require.NoError(t, err)
	at := time.Date(2026, 2, 2, 9, 30, 0, 0, time.UTC)
	for i, text := range []string{"Called Anna.", "Anna sent the form."} {
		sealed, err := SealNote(key, r.ID, i+1, text)
		require.NoError(t, err)
		require.NotContains(t, string(sealed), "Anna")
		require.NoError(t, st.DB.Create(&store.Note{RequestID: r.ID, Seq: i + 1, At: at, Actor: "cw-1", Text: sealed}).Error)
	}
	notes, err := svc.OpenNotes(ctx, r)
	require.NoError(t, err)
	require.Len(t, notes, 2)
	require.Equal(t, "Called Anna.", *notes[0].Text)
	require.Equal(t, "Anna sent the form.", *notes[1].Text)
	require.Equal(t, "cw-1", notes[0].Actor)

	// The first note's text copied into the second row does not open there.
	var first store.Note
	require.NoError(t, st.DB.First(&first, "request_id = ? AND seq = 1", r.ID).Error)
	require.NoError(t, st.DB.Model(&store.Note{}).Where("request_id = ? AND seq = 2", r.ID).Update("text", first.Text).Error)
	_, err = svc.OpenNotes(ctx, r)
	require.Error(t, err)

	require.NoError(t, st.DB.Model(&store.Subject{}).Where("id = ?", *r.SubjectID).
		Updates(map[string]any{"data_key": []byte{}, "pii": []byte{}, "erased_at": time.Now()}).Error)
	notes, err = svc.OpenNotes(ctx, r)
	require.NoError(t, err)
	require.Len(t, notes, 2)
	require.Nil(t, notes[0].Text)
	require.Equal(t, 2, notes[1].Seq)
}
