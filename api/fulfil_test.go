package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/policy"
)

// sourceSystem is a controller's own database: Ida's case notes (one under
// a five-year hold), a newsletter list, and another person's rows.
func sourceSystem(t *testing.T, s *stack) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	pool, err := pgxpool.New(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	_, err = pool.Exec(ctx, `
CREATE SCHEMA src;
CREATE TABLE src.case_notes (id serial PRIMARY KEY, cpr text, note text, last_entry_at timestamptz, restricted boolean NOT NULL DEFAULT false);
CREATE TABLE src.newsletter (id serial PRIMARY KEY, email text, name text);
INSERT INTO src.case_notes (cpr, note, last_entry_at) VALUES
  ('070761-4285', 'old note', now() - interval '8 years'),
  ('070761-4285', 'journal', now() - interval '1 year'),
  ('010101-1234', 'someone else', now() - interval '8 years');
INSERT INTO src.newsletter (email, name) VALUES ('test.person@example.dk', 'Test Person'), ('ole@example.dk', 'Ole');
`)
	require.NoError(t, err)
	s.systems.Set("sag", dsn)
	c := controllers.Demo()[0]
	c.Systems = []policy.System{{ID: "sag", Name: "Sagssystem", Kind: "postgres", Datasets: []policy.Dataset{
		{ID: "case_notes", Name: "Sagsnotater", Table: "src.case_notes", Keys: map[string]string{"cpr": "cpr"}, Restrict: "restricted",
			Purposes: []string{"Beskæftigelsesindsats"}, LegalBasis: []string{"6(1)(e)"}, Recipients: []string{}, Retention: "5 år",
			Erase: policy.Erasure{Strategy: "delete"},
			Holds: []policy.Hold{{Reference: "psykologloven § 14, stk. 2", Reason: "Journaler opbevares i 5 år fra sidste notat", Column: "last_entry_at", Years: 5}}},
		{ID: "newsletter", Name: "Nyhedsbrev", Table: "src.newsletter", Keys: map[string]string{"email": "email"},
			Purposes: []string{"Nyhedsbrev om kommunens tilbud"}, LegalBasis: []string{"6(1)(a)"}, Recipients: []string{}, Retention: "til samtykket trækkes tilbage",
			Erase: policy.Erasure{Strategy: "anonymise", Fields: map[string]string{"email": "hash", "name": "fixed:slettet"}}},
	}}}
	require.NoError(t, controllers.Sync(context.Background(), s.store, []controllers.Controller{c}))
	return pool
}

func rows(t *testing.T, pool *pgxpool.Pool, sql string) int64 {
	var n int64
	require.NoError(t, pool.QueryRow(context.Background(), sql).Scan(&n))
	return n
}

// TestErasureInTheSourceSystem: a granted erasure is carried out in the
// controller's own database: the old note deleted, the journal under its
// hold kept, the newsletter entry anonymised, another person untouched;
// the reply says what was erased and what stays, and why.
func TestErasureInTheSourceSystem(t *testing.T) {
	s := newStack(t)
	src := sourceSystem(t, s)
	id := s.identified(letter("erasure", "2026-11-01"))
	p := map[string]string{"id": id}
	d := s.call(http.MethodPost, "/v1/requests/{id}/decision", p, map[string]any{"outcome": "grant", "assessment": "No duty keeps the old notes."}, tokCaseworker)
	require.Equal(t, http.StatusOK, d.status, "%s", d.raw)
	s.waitStage(id, "closed")

	require.EqualValues(t, 0, rows(t, src, `SELECT count(*) FROM src.case_notes WHERE note = 'old note'`), "really gone")
	require.EqualValues(t, 1, rows(t, src, `SELECT count(*) FROM src.case_notes WHERE note = 'journal'`), "held, so kept")
	require.EqualValues(t, 1, rows(t, src, `SELECT count(*) FROM src.case_notes WHERE note = 'someone else'`))
	require.EqualValues(t, 0, rows(t, src, `SELECT count(*) FROM src.newsletter WHERE email = 'test.person@example.dk' OR name = 'Test Person'`), "anonymised")
	require.EqualValues(t, 1, rows(t, src, `SELECT count(*) FROM src.newsletter WHERE name = 'slettet'`))
	require.EqualValues(t, 1, rows(t, src, `SELECT count(*) FROM src.newsletter WHERE name = 'Ole'`))

	reply := s.mailTo("Test.Person@Example.DK", "Svar på din anmodning om sletning", 1)[0]
	require.Contains(t, reply.Text, "Det har vi slettet")
	require.Contains(t, reply.Text, "Sagsnotater (1)")
	require.Contains(t, reply.Text, "Nyhedsbrev (1)")
	require.Contains(t, reply.Text, "Det opbevarer vi fortsat")
	require.Contains(t, reply.Text, "Journaler opbevares i 5 år fra sidste notat (psykologloven § 14, stk. 2)")

	got := s.call(http.MethodGet, "/v1/requests/{id}", p, nil, tokCaseworker)
	var steps int
	for _, e := range got.body["timeline"].([]any) {
		if e.(map[string]any)["action"] == "fulfilment.step" {
			steps++
		}
	}
	require.Equal(t, 2, steps, "each dataset's step in the timeline")
}

// TestErasureBlockedByAnOpenRequest: with the person's access request
// open, a granted erasure touches nothing in the source system and says
// what it waits for.
func TestErasureBlockedByAnOpenRequest(t *testing.T) {
	s := newStack(t)
	src := sourceSystem(t, s)
	access := s.intake(letter("access", "2026-11-01"), tokCaseworker)
	require.Equal(t, http.StatusCreated, access.status)
	id := s.identified(letter("erasure", "2026-11-02"))
	p := map[string]string{"id": id}
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/decision", p, map[string]any{"outcome": "grant", "assessment": "ok"}, tokCaseworker).status)
	require.Eventually(t, func() bool {
		got := s.call(http.MethodGet, "/v1/requests/{id}", p, nil, tokCaseworker)
		st, _ := got.body["state"].(map[string]any)
		by, _ := st["blocked_by"].([]any)
		return len(by) == 1 && by[0] == access.str("reference")+" (access)"
	}, 20*time.Second, 50*time.Millisecond)
	require.EqualValues(t, 2, rows(t, src, `SELECT count(*) FROM src.case_notes WHERE cpr = '070761-4285'`), "nothing erased")
	require.EqualValues(t, 1, rows(t, src, `SELECT count(*) FROM src.newsletter WHERE name = 'Test Person'`))
}

// TestRestrictionInTheSourceSystem: a granted restriction flags the rows.
func TestRestrictionInTheSourceSystem(t *testing.T) {
	s := newStack(t)
	src := sourceSystem(t, s)
	id := s.identified(letter("restriction", "2026-11-01"))
	p := map[string]string{"id": id}
	d := s.call(http.MethodPost, "/v1/requests/{id}/decision", p, map[string]any{"outcome": "grant", "assessment": "Accuracy is contested."}, tokCaseworker)
	require.Equal(t, http.StatusOK, d.status, "%s", d.raw)
	// The newsletter has no restriction column: a task to do it by hand.
	var task string
	require.Eventually(t, func() bool {
		got := s.call(http.MethodGet, "/v1/requests/{id}", p, nil, tokCaseworker)
		for _, tk := range got.body["state"].(map[string]any)["tasks"].([]any) {
			if tk := tk.(map[string]any); tk["kind"] == "fulfil" && tk["status"] == "open" {
				task = tk["id"].(string)
				return true
			}
		}
		return false
	}, 20*time.Second, 50*time.Millisecond)
	require.EqualValues(t, 2, rows(t, src, `SELECT count(*) FROM src.case_notes WHERE cpr = '070761-4285' AND restricted`))
	require.EqualValues(t, 0, rows(t, src, `SELECT count(*) FROM src.case_notes WHERE cpr = '010101-1234' AND restricted`))
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/tasks/{id}/complete", map[string]string{"id": task}, nil, tokCaseworker).status)
	s.waitStage(id, "closed")
}
