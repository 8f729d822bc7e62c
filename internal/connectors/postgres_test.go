package connectors

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/policy"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// source is a source system: a real PostgreSQL database with a citizen's
// case notes (two under a five-year hold), a newsletter list and a
// marketing list, and another person's rows that must stay untouched.
func source(t *testing.T) *Postgres {
	t.Helper()
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, pgtest.DSN(t))
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	_, err = pool.Exec(ctx, `
CREATE SCHEMA src;
CREATE TABLE src.case_notes (id serial PRIMARY KEY, cpr text, email text, note text, last_entry_at timestamptz, restricted boolean NOT NULL DEFAULT false);
CREATE TABLE src.newsletter (id serial PRIMARY KEY, email text, name text, address text);
INSERT INTO src.case_notes (cpr, email, note, last_entry_at) VALUES
  ('070761-4285', 'Ida@Example.dk', 'old note', now() - interval '7 years'),
  ('0707614285', NULL, 'older note', now() - interval '9 years'),
  ('070761-4285', NULL, 'psychologist''s journal', now() - interval '1 year'),
  (NULL, 'ida@example.dk', 'recent letter', now() - interval '2 years'),
  ('010101-1234', 'other@example.dk', 'someone else', now() - interval '8 years');
INSERT INTO src.newsletter (email, name, address) VALUES ('IDA@example.DK', 'Ida Ærø', 'Nørregade 7'), ('other@example.dk', 'Ole', 'Vej 1');
`)
	require.NoError(t, err)
	return &Postgres{System: "sag", Pool: pool, HashKey: []byte("test-hash-key")}
}

var ida = Subject{Identifiers: map[string]string{"cpr": "0707614285", "email": "ida@example.dk"}}

func notes() policy.Dataset {
	return policy.Dataset{ID: "case_notes", Table: "src.case_notes", Keys: map[string]string{"cpr": "cpr", "email": "email"},
		Fields: []string{"id", "note", "last_entry_at"}, Erase: policy.Erasure{Strategy: "delete"}, Restrict: "restricted",
		Holds: []policy.Hold{{Reference: "psykologloven § 14, stk. 2", Reason: "journals are kept 5 years from the last entry", Column: "last_entry_at", Years: 5}}}
}

func newsletter() policy.Dataset {
	return policy.Dataset{ID: "newsletter", Table: "src.newsletter", Keys: map[string]string{"email": "email"}, Rectify: []string{"address"},
		Erase: policy.Erasure{Strategy: "anonymise", Fields: map[string]string{"email": "hash", "name": "fixed:slettet", "address": "null"}}}
}

func count(t *testing.T, p *Postgres, sql string, args ...any) int64 {
	var n int64
	require.NoError(t, p.Pool.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

// TestFindAndExport: rows are found by every identifier the person gave,
// e-mail in any case and CPR with or without its dash; an export streams
// the mapped fields and never the restriction flag.
func TestFindAndExport(t *testing.T) {
	ctx := context.Background()
	p := source(t)
	r, err := p.Find(ctx, notes(), ida)
	require.NoError(t, err)
	require.EqualValues(t, 4, r.Rows)
	var got []Row
	r, err = p.Export(ctx, notes(), ida, func(row Row) error { got = append(got, row); return nil })
	require.NoError(t, err)
	require.EqualValues(t, 4, r.Rows)
	require.Len(t, got, 4)
	require.NotContains(t, got[0], "restricted")
	require.NotContains(t, got[0], "cpr", "only the mapped fields")
	_, err = p.Find(ctx, notes(), Subject{Identifiers: map[string]string{"phone": "12345678"}})
	require.ErrorIs(t, err, ErrNoIdentifier)
}

// TestEraseKeepsHeldRows: rows younger than the hold stay and are counted
// with the hold's reference; the rest are deleted; another person's rows
// are untouched; a second run erases nothing more.
func TestEraseKeepsHeldRows(t *testing.T) {
	ctx := context.Background()
	p := source(t)
	r, err := p.Erase(ctx, notes(), ida)
	require.NoError(t, err)
	require.EqualValues(t, 2, r.Rows, "the 7- and 9-year-old notes")
	require.EqualValues(t, 2, r.Held, "the journal and the recent letter")
	require.Equal(t, "psykologloven § 14, stk. 2", r.Holds[0].Reference)
	require.EqualValues(t, 2, count(t, p, `SELECT count(*) FROM src.case_notes WHERE note IN ('psychologist''s journal', 'recent letter')`))
	require.EqualValues(t, 0, count(t, p, `SELECT count(*) FROM src.case_notes WHERE note IN ('old note', 'older note')`))
	require.EqualValues(t, 1, count(t, p, `SELECT count(*) FROM src.case_notes WHERE note = 'someone else'`))

	again, err := p.Erase(ctx, notes(), ida)
	require.NoError(t, err)
	require.Zero(t, again.Rows, "nothing is erased twice")
}

// TestAnonymise: field by field, with a keyed hash the Go side computes
// alike, a fixed value and null; the person is no longer found.
func TestAnonymise(t *testing.T) {
	ctx := context.Background()
	p := source(t)
	r, err := p.Erase(ctx, newsletter(), ida)
	require.NoError(t, err)
	require.EqualValues(t, 1, r.Rows)
	var email, name string
	var address *string
	require.NoError(t, p.Pool.QueryRow(ctx, `SELECT email, name, address FROM src.newsletter WHERE id = 1`).Scan(&email, &name, &address))
	require.Equal(t, KeyedHash([]byte("test-hash-key"), "IDA@example.DK"), email)
	require.Equal(t, "slettet", name)
	require.Nil(t, address)
	found, err := p.Find(ctx, newsletter(), ida)
	require.NoError(t, err)
	require.Zero(t, found.Rows)
	require.EqualValues(t, 1, count(t, p, `SELECT count(*) FROM src.newsletter WHERE email = 'other@example.dk' AND name = 'Ole'`))
}

// TestRestrictAndRectify: the flag is set once (a second call touches
// nothing) and cleared; only the allowed columns are corrected, and a
// field the map does not allow fails loudly.
func TestRestrictAndRectify(t *testing.T) {
	ctx := context.Background()
	p := source(t)
	r, err := p.Restrict(ctx, notes(), ida, true)
	require.NoError(t, err)
	require.EqualValues(t, 4, r.Rows)
	r, err = p.Restrict(ctx, notes(), ida, true)
	require.NoError(t, err)
	require.Zero(t, r.Rows)
	require.EqualValues(t, 4, count(t, p, `SELECT count(*) FROM src.case_notes WHERE restricted`))
	r, err = p.Restrict(ctx, notes(), ida, false)
	require.NoError(t, err)
	require.EqualValues(t, 4, r.Rows)
	_, err = p.Restrict(ctx, newsletter(), ida, true)
	require.ErrorIs(t, err, ErrUnsupported)

	r, err = p.Rectify(ctx, newsletter(), ida, map[string]string{"address": "Sølvgade 1"})
	require.NoError(t, err)
	require.EqualValues(t, 1, r.Rows)
	require.EqualValues(t, 1, count(t, p, `SELECT count(*) FROM src.newsletter WHERE address = 'Sølvgade 1'`))
	_, err = p.Rectify(ctx, newsletter(), ida, map[string]string{"name": "Someone"})
	require.ErrorIs(t, err, ErrUnsupported)
	require.EqualValues(t, 0, count(t, p, `SELECT count(*) FROM src.newsletter WHERE name = 'Someone'`))
}

// TestStepOnceByLedger: a step run again after its commit (a worker killed
// before it could report) changes nothing more and returns the first
// result: the rows are not hashed twice, and the counts stay true.
func TestStepOnceByLedger(t *testing.T) {
	ctx := context.Background()
	p := source(t)
	who := ida
	who.Key = "req-1/sag/newsletter/erase"
	first, err := p.Erase(ctx, newsletter(), who)
	require.NoError(t, err)
	require.EqualValues(t, 1, first.Rows)
	again, err := p.Erase(ctx, newsletter(), who)
	require.NoError(t, err)
	require.Equal(t, first.Rows, again.Rows, "the first result, not a new count of 0")
	var email string
	require.NoError(t, p.Pool.QueryRow(ctx, `SELECT email FROM src.newsletter WHERE id = 1`).Scan(&email))
	require.Equal(t, KeyedHash([]byte("test-hash-key"), "IDA@example.DK"), email, "hashed once, not twice")
	require.EqualValues(t, 1, count(t, p, `SELECT count(*) FROM rightsdesk_ledger WHERE step_key = 'req-1/sag/newsletter/erase'`))

	notesKey := ida
	notesKey.Key = "req-1/sag/case_notes/erase"
	r1, err := p.Erase(ctx, notes(), notesKey)
	require.NoError(t, err)
	r2, err := p.Erase(ctx, notes(), notesKey)
	require.NoError(t, err)
	require.Equal(t, r1, r2)
	require.EqualValues(t, 2, r2.Rows)
	require.EqualValues(t, 2, r2.Held)
}

// TestHoldWithoutColumn keeps a whole dataset.
func TestHoldWithoutColumn(t *testing.T) {
	p := source(t)
	ds := notes()
	ds.Holds = []policy.Hold{{Reference: "arkivloven § 21", Reason: "to the public archive first"}}
	r, err := p.Erase(context.Background(), ds, ida)
	require.NoError(t, err)
	require.Zero(t, r.Rows)
	require.EqualValues(t, 4, r.Held)
}

// TestExpire: a retention rule erases, with no request, every person's rows
// past it, except what a hold keeps; the same day's run again touches
// nothing.
func TestExpire(t *testing.T) {
	ctx := context.Background()
	p := source(t)
	ds := notes()
	ds.Expire = &policy.Expire{Column: "last_entry_at", AfterDays: 365 * 6, Reference: "agreement"}
	ds.Holds = nil
	cutoff := time.Now().AddDate(0, 0, -ds.Expire.AfterDays)
	r, err := p.Expire(ctx, ds, cutoff, "expire/x/case_notes/2026-11-23")
	require.NoError(t, err)
	require.EqualValues(t, 3, r.Rows, "the 7, 8 and 9 year old notes, anyone's")
	require.EqualValues(t, 2, count(t, p, "SELECT count(*) FROM src.case_notes"))
	require.EqualValues(t, 0, count(t, p, "SELECT count(*) FROM src.case_notes WHERE last_entry_at < $1", cutoff))
	_, err = p.Pool.Exec(ctx, `INSERT INTO src.case_notes (cpr, note, last_entry_at) VALUES ('010101-1234', 'late arrival', now() - interval '10 years')`)
	require.NoError(t, err)
	again, err := p.Expire(ctx, ds, cutoff, "expire/x/case_notes/2026-11-23")
	require.NoError(t, err)
	require.EqualValues(t, 3, again.Rows, "the same day's run reports the first run and does nothing")
	require.EqualValues(t, 3, count(t, p, "SELECT count(*) FROM src.case_notes"))

	// A hold still keeps its rows from a retention rule.
	held := notes()
	held.Expire = &policy.Expire{Column: "last_entry_at", AfterDays: 0, Reference: "agreement"}
	r, err = p.Expire(ctx, held, time.Now(), "expire/x/case_notes/2026-11-24")
	require.NoError(t, err)
	require.EqualValues(t, 1, r.Rows, "the 10 year old note")
	require.EqualValues(t, 2, r.Held, "the journal and the letter, younger than five years")
	_, err = p.Expire(ctx, newsletter(), time.Now(), "k")
	require.ErrorIs(t, err, ErrUnsupported, "no rule, no expiry")
}

// TestArchiveBeforeErase: the archive strategy delivers the rows to the
// archive table and deletes them in one statement; what a hold keeps is
// neither delivered nor deleted.
func TestArchiveBeforeErase(t *testing.T) {
	ctx := context.Background()
	p := source(t)
	_, err := p.Pool.Exec(ctx, `CREATE SCHEMA arkiv; CREATE TABLE arkiv.case_notes (LIKE src.case_notes)`)
	require.NoError(t, err)
	ds := notes()
	ds.Erase = policy.Erasure{Strategy: "archive", Archive: "arkiv.case_notes", ArchiveReference: "arkivloven § 21"}
	r, err := p.Erase(ctx, ds, Subject{Identifiers: ida.Identifiers, Key: "req/sag/case_notes/erase"})
	require.NoError(t, err)
	require.EqualValues(t, 2, r.Rows)
	require.EqualValues(t, 2, r.Held)
	require.EqualValues(t, 2, count(t, p, "SELECT count(*) FROM arkiv.case_notes WHERE note IN ('old note', 'older note')"))
	require.EqualValues(t, 0, count(t, p, "SELECT count(*) FROM src.case_notes WHERE note IN ('old note', 'older note')"))
	require.EqualValues(t, 3, count(t, p, "SELECT count(*) FROM src.case_notes"))

	// No archive table: nothing is deleted.
	ds.Erase.Archive = "arkiv.missing"
	_, err = p.Erase(ctx, ds, Subject{Identifiers: map[string]string{"cpr": "0101011234"}, Key: "other"})
	require.Error(t, err)
	require.EqualValues(t, 1, count(t, p, "SELECT count(*) FROM src.case_notes WHERE cpr = '010101-1234'"))
}
