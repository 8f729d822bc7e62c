package migrations_test

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/migrations"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func tables(t *testing.T, st *store.Store) []string {
	t.Helper()
	var names []string
	require.NoError(t, st.DB.Raw(`SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_name <> 'goose_db_version' ORDER BY table_name`).Scan(&names).Error)
	return names
}

// TestUpDownUp rolls every migration back and applies it again, so each Down
// really undoes its Up.
func TestUpDownUp(t *testing.T) {
	ctx := context.Background()
	st := pgtest.New(t) // already migrated from the template
	want := []string{"access_log", "action_keys", "controllers", "digests", "events", "letters", "notes", "notices", "package_chunks", "package_codes", "packages", "requests", "staff", "staff_sessions", "subject_identifiers", "subjects", "tasks"}
	require.Equal(t, want, tables(t, st))

	var status bytes.Buffer
	require.NoError(t, migrations.Status(ctx, st.SQL(), &status))
	require.Contains(t, status.String(), "applied")
	require.NotContains(t, status.String(), "pending")

	p, err := migrations.Provider(st.SQL())
	require.NoError(t, err)
	_, err = p.DownTo(ctx, 0)
	require.NoError(t, err)
	require.Empty(t, tables(t, st))

	require.NoError(t, migrations.Up(ctx, st.SQL()))
	require.Equal(t, want, tables(t, st))
}
