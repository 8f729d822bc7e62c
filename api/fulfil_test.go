package api_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	sdktemporal "go.temporal.io/sdk/temporal"

	"github.com/rightsdesk/rightsdesk/internal/connectors"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/devtools/testenv"
	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// sourceSystem is a controller's own database: Ida's case notes (one under
// a five-year hold), a newsletter list, and another person's rows.
func sourceSystem(t *testing.T, s *stack, edit ...func(*controllers.Controller)) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	pool, err := pgxpool.New(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	_, err = pool.Exec(ctx, `
CREATE SCHEMA src;
CREATE TABLE src.case_notes (id serial PRIMARY KEY, cpr text, note text, last_entry_at timestamptz, restricted boolean NOT NULL DEFAULT false);
CREATE TABLE src.newsletter (id serial PRIMARY KEY, email text, name text, restricted boolean NOT NULL DEFAULT false);
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
			Purposes: []string{"Beskæftigelsesindsats"}, LegalBasis: []string{"6(1)(e)"}, Recipients: []string{"Udbetaling Danmark"}, Retention: "5 år",
			Erase: policy.Erasure{Strategy: "delete"},
			Holds: []policy.Hold{{Reference: "psykologloven § 14, stk. 2", Reason: "Journaler opbevares i 5 år fra sidste notat", Column: "last_entry_at", Years: 5}}},
		{ID: "newsletter", Name: "Nyhedsbrev", Table: "src.newsletter", Keys: map[string]string{"email": "email"}, Rectify: []string{"name"}, Restrict: "restricted",
			Purposes: []string{"Nyhedsbrev om kommunens tilbud"}, LegalBasis: []string{"6(1)(a)"}, Recipients: []string{"Mailservice ApS"}, Retention: "til samtykket trækkes tilbage",
			Erase: policy.Erasure{Strategy: "anonymise", Fields: map[string]string{"email": "hash", "name": "fixed:slettet"}}},
	}}}
	c.Recipients = []policy.Recipient{{Name: "Udbetaling Danmark", Email: recipientMail},
		{Name: "Mailservice ApS", NotNotified: "The processor keeps no copy: it sends from our list."}}
	for _, e := range edit {
		e(&c)
	}
	require.NoError(t, controllers.Sync(context.Background(), s.store, []controllers.Controller{c}))
	return pool
}

// recipientMail is where the test data map sends Art. 19 notices.
const recipientMail = "persondata@udbetaling.example"

// recipientNotices are the Art. 19 notices the request's timeline logs, as
// action/recipient, or action/recipient/not_notified.
func (s *stack) recipientNotices(id string) []string {
	s.t.Helper()
	var out []string
	got := s.call(http.MethodGet, "/v1/requests/{id}", map[string]string{"id": id}, nil, tokCaseworker)
	for _, e := range got.body["timeline"].([]any) {
		e := e.(map[string]any)
		data, _ := e["data"].(map[string]any)
		switch e["action"] {
		case "recipients.notified":
			for _, r := range data["recipients"].([]any) {
				out = append(out, fmt.Sprintf("%s/%s", data["action"], r))
			}
		case "recipients.not_notified":
			out = append(out, fmt.Sprintf("%s/%s/not_notified", data["action"], data["recipient"]))
		}
	}
	return out
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

	// Art. 19: the recipient of the case notes is told, once, by the
	// outbox; the newsletter's processor is recorded as not told, and why.
	told := s.mailTo(recipientMail, "Personoplysninger slettet", 1)
	require.Len(t, told, 1)
	require.Contains(t, told[0].Text, "Test Person")
	require.Contains(t, told[0].Text, "slettet oplysningerne")
	require.Contains(t, told[0].Text, "Sagsnotater")
	require.NotContains(t, told[0].Text, "Nyhedsbrev", "only what the recipient received")
	require.NotContains(t, told[0].Text, "070761", "no CPR number by e-mail")
	require.ElementsMatch(t, []string{"erased/Udbetaling Danmark", "erased/Mailservice ApS/not_notified"}, s.recipientNotices(id))
	var logged int64
	require.NoError(t, s.store.DB.Raw("SELECT count(*) FROM letters WHERE request_id = ? AND audience = 'recipient' AND status = 'sent'", id).Scan(&logged).Error)
	require.EqualValues(t, 1, logged, "the notice is in the outbox's log")
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

// TestRestrictionInTheSourceSystem: a granted restriction flags the
// person's rows in every dataset that has a restriction column, and only
// theirs.
func TestRestrictionInTheSourceSystem(t *testing.T) {
	s := newStack(t)
	src := sourceSystem(t, s)
	id := s.identified(letter("restriction", "2026-11-01"))
	p := map[string]string{"id": id}
	d := s.call(http.MethodPost, "/v1/requests/{id}/decision", p, map[string]any{"outcome": "grant", "assessment": "Accuracy is contested."}, tokCaseworker)
	require.Equal(t, http.StatusOK, d.status, "%s", d.raw)
	s.waitStage(id, "closed")
	require.EqualValues(t, 2, rows(t, src, `SELECT count(*) FROM src.case_notes WHERE cpr = '070761-4285' AND restricted`))
	require.EqualValues(t, 0, rows(t, src, `SELECT count(*) FROM src.case_notes WHERE cpr = '010101-1234' AND restricted`))
	require.EqualValues(t, 1, rows(t, src, `SELECT count(*) FROM src.newsletter WHERE email = 'test.person@example.dk' AND restricted`))
	require.EqualValues(t, 0, rows(t, src, `SELECT count(*) FROM src.newsletter WHERE name = 'Ole' AND restricted`))
	require.Contains(t, s.mailTo(recipientMail, "Behandling af personoplysninger begrænset", 1)[0].Text, "begrænset behandlingen")
	require.ElementsMatch(t, []string{"restricted/Udbetaling Danmark", "restricted/Mailservice ApS/not_notified"}, s.recipientNotices(id))
}

// unzip reads a package into file name -> content.
func unzip(t *testing.T, b []byte) map[string]string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	require.NoError(t, err)
	out := map[string]string{}
	for _, f := range z.File {
		r, err := f.Open()
		require.NoError(t, err)
		c, err := io.ReadAll(r)
		require.NoError(t, err)
		out[f.Name] = string(c)
	}
	return out
}

// TestAccessPackage: a granted access request exports the person's rows
// from the source system into a ZIP (JSON and CSV per dataset, a summary),
// stored sealed; the reply links to it; the subject downloads it through
// the status link and the download is logged.
func TestAccessPackage(t *testing.T) {
	s := newStack(t)
	sourceSystem(t, s)
	m := letter("access", "2026-11-01")
	delete(m, "received_at")
	delete(m, "channel")
	r := s.intake(m, "")
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	id := r.str("id")
	p := map[string]string{"id": id}
	s.waitStage(id, "identity")
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/identity", p, map[string]any{"method": "mitid"}, tokCaseworker).status)
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/decision", p, map[string]any{"outcome": "grant", "assessment": "Full copy."}, tokCaseworker).status)
	s.waitStage(id, "closed")

	reply := s.mailTo("Test.Person@Example.DK", "Svar på din anmodning om indsigt", 1)[0]
	link := strings.Replace(r.str("status_url"), "/status/", "/v1/status/", 1) + "/package"
	require.Contains(t, reply.Text, link, "the reply links to the package")
	_, page := s.page(strings.TrimPrefix(r.str("status_url"), "https://rights.example"))
	require.Contains(t, page, `href="`+strings.TrimPrefix(link, "https://rights.example")+`"`, "the status page offers the package")
	require.Contains(t, page, "Hent dine oplysninger (ZIP)")

	// A HEAD is no download: the headers, nothing logged.
	head, _ := s.raw(http.MethodHead, strings.TrimPrefix(link, "https://rights.example"), "")
	require.Equal(t, http.StatusOK, head.StatusCode)
	require.Equal(t, "application/zip", head.Header.Get("Content-Type"))
	require.Empty(t, s.packageReads(id), "a HEAD is not logged as a download")
	resp, err := http.Get(s.url + strings.TrimPrefix(link, "https://rights.example"))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/zip", resp.Header.Get("Content-Type"))
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	files := unzip(t, body)
	var notes []map[string]any
	require.NoError(t, json.Unmarshal([]byte(files["sag/case_notes.json"]), &notes))
	require.Len(t, notes, 2, "both of the person's notes, no one else's")
	require.Contains(t, files["sag/case_notes.csv"], "old note")
	require.NotContains(t, files["sag/case_notes.csv"], "someone else")
	var news []map[string]any
	require.NoError(t, json.Unmarshal([]byte(files["sag/newsletter.json"]), &news))
	require.Len(t, news, 1)
	require.Contains(t, files["summary.txt"], "Sagsnotater: 2")
	require.True(t, strings.HasPrefix(files["reply.pdf"], "%PDF-"), "the reply letter as PDF")
	require.Contains(t, files["reply.txt"], "Beskæftigelsesindsats", "and as text in the subject's language, with the Art. 15 items")
	require.Contains(t, files["reply.txt"], "Datatilsynet")

	var logged int64
	require.NoError(t, s.store.DB.Model(&store.Access{}).Where("request_id = ? AND actor = 'subject' AND what = 'package'", id).Count(&logged).Error)
	require.EqualValues(t, 1, logged)
	require.Equal(t, []string{"subject/link"}, s.packageReads(id), "the link alone released it: no special categories")
	var chunk store.PackageChunk
	require.NoError(t, s.store.DB.First(&chunk, "request_id = ? AND seq = 0", id).Error)
	require.NotContains(t, string(chunk.Data), "old note", "stored sealed")
}

// TestPortabilityPackage: only consent- and contract-based datasets, the
// others named with Art. 20(3).
func TestPortabilityPackage(t *testing.T) {
	s := newStack(t)
	sourceSystem(t, s, func(c *controllers.Controller) { c.PackageDays = 7 })
	id := s.identified(letter("portability", "2026-11-01"))
	p := map[string]string{"id": id}
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/decision", p, map[string]any{"outcome": "grant", "assessment": "Newsletter data."}, tokCaseworker).status)
	s.waitStage(id, "closed")
	resp, body := s.raw(http.MethodGet, "/v1/requests/"+id+"/package", tokCaseworker)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	files := unzip(t, body)
	require.Contains(t, files, "sag/newsletter.json")
	require.NotContains(t, files, "sag/case_notes.json")
	require.Contains(t, files["summary.txt"], "20(3)")
	require.Contains(t, files["summary.txt"], "Sagssystem: Sagsnotater")
	var pkg store.Package
	require.NoError(t, s.store.DB.First(&pkg, "request_id = ?", id).Error)
	require.WithinDuration(t, time.Now().AddDate(0, 0, 7), pkg.ExpiresAt, time.Hour, "the controller's package_days")
}

// TestWorkerKilledMidErasure: the worker dies right after a step committed
// in the source system and before it reported. The retry changes nothing
// more (the anonymised e-mail is hashed once) and reports the first
// result, so the rows-touched counts in the timeline and the reply are true.
func TestWorkerKilledMidErasure(t *testing.T) {
	s := newStack(t)
	src := sourceSystem(t, s)
	var once sync.Once
	killed := false
	s.acts.AfterFulfil = func(step rights.FulfilStep) {
		if step.Dataset == "newsletter" {
			once.Do(func() { killed = true; panic("worker killed") })
		}
	}
	id := s.identified(letter("erasure", "2026-11-01"))
	p := map[string]string{"id": id}
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/decision", p, map[string]any{"outcome": "grant", "assessment": "ok"}, tokCaseworker).status)
	s.waitStage(id, "closed")
	require.True(t, killed)

	key, err := testenv.Keys().DerivedKey(testenv.Keys().CurrentKeyID(), "connector-hash")
	require.NoError(t, err)
	var email string
	require.NoError(t, src.QueryRow(context.Background(), `SELECT email FROM src.newsletter WHERE name = 'slettet'`).Scan(&email))
	require.Equal(t, connectors.KeyedHash(key, "test.person@example.dk"), email, "hashed once")

	got := s.call(http.MethodGet, "/v1/requests/{id}", p, nil, tokCaseworker)
	rowsOf := map[string]float64{}
	for _, f := range got.body["state"].(map[string]any)["fulfilment"].([]any) {
		f := f.(map[string]any)
		rowsOf[f["dataset"].(string)] = f["rows"].(float64)
	}
	require.Equal(t, map[string]float64{"case_notes": 1, "newsletter": 1}, rowsOf, "each step once, with its true count")
	require.Contains(t, s.mailTo("Test.Person@Example.DK", "Svar på din anmodning om sletning", 1)[0].Text, "Nyhedsbrev (1)")
}

// TestSourceOutageDuringFulfilment: the source system's PostgreSQL goes
// away as an erasure is carried out: the step fails and waits (the request
// stays in fulfilment, nothing is half done), and when the database is
// back the step runs once and the request closes with true counts.
func TestSourceOutageDuringFulfilment(t *testing.T) {
	s := newStack(t)
	src := sourceSystem(t, s)
	var db string
	require.NoError(t, src.QueryRow(context.Background(), "SELECT current_database()").Scan(&db))
	admin := s.admin(t)
	id := s.identified(letter("erasure", "2026-11-01"))
	require.NoError(t, admin.Exec(fmt.Sprintf(`ALTER DATABASE %q ALLOW_CONNECTIONS false`, db)).Error)
	require.NoError(t, admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ?`, db).Error)
	src.Reset()
	p := map[string]string{"id": id}
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/decision", p, map[string]any{"outcome": "grant", "assessment": "ok"}, tokCaseworker).status)
	s.waitStage(id, "fulfilment")
	// The step is tried again and again against the missing database.
	require.Eventually(t, func() bool {
		d, err := s.client.DescribeWorkflowExecution(context.Background(), "request/"+id, "")
		if err != nil {
			return false
		}
		for _, a := range d.GetPendingActivities() {
			if a.GetActivityType().GetName() == "Fulfil" && a.GetAttempt() >= 2 {
				return true
			}
		}
		return false
	}, 30*time.Second, 50*time.Millisecond, "the step retried")
	got := s.call(http.MethodGet, "/v1/requests/{id}", p, nil, tokCaseworker)
	require.Equal(t, "fulfilment", got.body["stage"], "waiting for the system")
	require.Empty(t, got.body["state"].(map[string]any)["fulfilment"], "no step recorded as done")

	require.NoError(t, admin.Exec(fmt.Sprintf(`ALTER DATABASE %q ALLOW_CONNECTIONS true`, db)).Error)
	s.waitStage(id, "closed")
	require.EqualValues(t, 0, rows(t, src, `SELECT count(*) FROM src.case_notes WHERE note = 'old note'`))
	require.EqualValues(t, 1, rows(t, src, `SELECT count(*) FROM src.case_notes WHERE note = 'journal'`))
	reply := s.mailTo("Test.Person@Example.DK", "Svar på din anmodning om sletning", 1)[0]
	require.Contains(t, reply.Text, "Sagsnotater (1)")
}

// TestOwnDatabaseOutageDuringFulfilment: rightsdesk's own PostgreSQL
// becomes unreachable while an erasure is being carried out. The step waits
// (the API answers 503 meanwhile), and once the database is back the
// request finishes: the rows erased once, one reply.
func TestOwnDatabaseOutageDuringFulfilment(t *testing.T) {
	ctx := context.Background()
	s := newStack(t)
	src := sourceSystem(t, s)
	var srcDB, ownDB string
	require.NoError(t, src.QueryRow(ctx, "SELECT current_database()").Scan(&srcDB))
	require.NoError(t, s.store.DB.Raw("SELECT current_database()").Scan(&ownDB).Error)
	admin := s.admin(t)
	cut := func(db string) {
		require.NoError(t, admin.Exec(fmt.Sprintf(`ALTER DATABASE %q ALLOW_CONNECTIONS false`, db)).Error)
		require.NoError(t, admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ?`, db).Error)
	}
	restore := func(db string) {
		require.NoError(t, admin.Exec(fmt.Sprintf(`ALTER DATABASE %q ALLOW_CONNECTIONS true`, db)).Error)
	}
	id := s.identified(letter("erasure", "2026-11-01"))
	// Failure messages are encrypted by the codec, as everything the worker
	// sends Temporal; the test reads them with the test keys.
	dc := crypto.Codec{Keys: testenv.Keys()}.DataConverter()
	fc := sdktemporal.NewDefaultFailureConverter(sdktemporal.DefaultFailureConverterOptions{DataConverter: dc, EncodeCommonAttributes: true})
	fulfil := func() (attempt int32, failure string) {
		d, err := s.client.DescribeWorkflowExecution(ctx, "request/"+id, "")
		if err != nil {
			return 0, ""
		}
		for _, a := range d.GetPendingActivities() {
			if a.GetActivityType().GetName() == "Fulfil" {
				if f := a.GetLastFailure(); f != nil {
					failure = fc.FailureToError(f).Error()
				}
				return a.GetAttempt(), failure
			}
		}
		return 0, ""
	}

	p := map[string]string{"id": id}
	// Hold the step first at the source, so the outage of rightsdesk's own
	// database surely falls in the middle of fulfilment.
	cut(srcDB)
	src.Reset()
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/decision", p, map[string]any{"outcome": "grant", "assessment": "ok"}, tokCaseworker).status)
	require.Eventually(t, func() bool { a, _ := fulfil(); return a >= 2 }, 30*time.Second, 20*time.Millisecond, "the step retried")
	cut(ownDB)
	restore(srcDB)

	// The step now fails on rightsdesk's own database, and waits.
	require.Eventually(t, func() bool {
		_, failure := fulfil()
		return strings.Contains(failure, ownDB)
	}, 30*time.Second, 20*time.Millisecond, "the step failed on the own database")
	got := s.call(http.MethodGet, "/v1/requests/{id}", p, nil, tokCaseworker)
	require.Equal(t, http.StatusServiceUnavailable, got.status, "%s", got.raw)
	require.EqualValues(t, 1, rows(t, src, `SELECT count(*) FROM src.case_notes WHERE note = 'old note'`), "nothing erased while the request cannot be recorded")

	restore(ownDB)
	s.waitStage(id, "closed")
	require.EqualValues(t, 0, rows(t, src, `SELECT count(*) FROM src.case_notes WHERE note = 'old note'`))
	require.EqualValues(t, 1, rows(t, src, `SELECT count(*) FROM src.case_notes WHERE note = 'journal'`))
	replies := s.mailTo("Test.Person@Example.DK", "Svar på din anmodning om sletning", 1)
	require.Len(t, replies, 1, "one reply")
	require.Contains(t, replies[0].Text, "Sagsnotater (1)")
}

// TestRetentionErasesClosedRequests: a year after a request closed, its
// person's data is erased (the subject's key destroyed, the identifiers,
// details, letters and status link gone) while the DPO's figures stay the
// same; a person with an open request is kept.
func TestRetentionErasesClosedRequests(t *testing.T) {
	s := newStack(t)
	m := letter("access", "2026-11-01")
	m["details"] = map[string]any{"description": "Everything about my case."}
	closed := s.intake(m, tokCaseworker)
	require.Equal(t, http.StatusCreated, closed.status)
	id := closed.str("id")
	s.waitStage(id, "identity")
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/notes", map[string]string{"id": id}, map[string]any{"text": "Called; wants it all."}, tokCaseworker).status)
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/withdrawal", map[string]string{"id": id}, map[string]any{}, tokCaseworker).status)
	s.waitStage(id, "withdrawn")
	kept := letter("erasure", "2026-11-01")
	kept["subject"] = map[string]any{"name": "Other", "email": "other@example.dk"}
	open := s.intake(kept, tokCaseworker)
	require.Equal(t, http.StatusCreated, open.status)
	s.waitStage(open.str("id"), "identity")
	otherClosed := letter("access", "2026-10-01")
	otherClosed["subject"] = map[string]any{"name": "Other", "email": "OTHER@example.dk"}
	oc := s.intake(otherClosed, tokCaseworker)
	s.waitStage(oc.str("id"), "identity")
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/withdrawal", map[string]string{"id": oc.str("id")}, map[string]any{}, tokCaseworker).status)
	s.waitStage(oc.str("id"), "withdrawn")

	report := func() string {
		r := s.call(http.MethodGet, "/v1/reports/summary?from=2026-01-01&to=2026-12-31", nil, nil, tokDPO)
		require.Equal(t, http.StatusOK, r.status)
		return string(r.raw)
	}
	before := report()

	n, err := s.acts.EraseExpired(context.Background(), time.Now().AddDate(0, 0, 100))
	require.NoError(t, err)
	require.Zero(t, n, "within the retention period nothing is erased")
	n, err = s.acts.EraseExpired(context.Background(), time.Now().AddDate(0, 0, 400))
	require.NoError(t, err)
	require.Equal(t, 1, n, "the closed request's person; the other has an open request as the same person")

	require.Equal(t, before, report(), "the DPO's figures are unchanged")
	got := s.call(http.MethodGet, "/v1/requests/{id}", map[string]string{"id": id}, nil, tokCaseworker)
	require.Equal(t, http.StatusOK, got.status, "%s", got.raw)
	require.Nil(t, got.body["subject"])
	require.Nil(t, got.body["details"])
	require.Equal(t, "withdrawn", got.body["stage"])
	notes := got.body["notes"].([]any)
	require.Len(t, notes, 1, "the note stays, without its text")
	require.Nil(t, notes[0].(map[string]any)["text"])
	var texts int64
	require.NoError(t, s.store.DB.Model(&store.Note{}).Where("request_id = ? AND text IS NOT NULL", uuid.MustParse(id)).Count(&texts).Error)
	require.Zero(t, texts, "the note's text is erased")
	search := s.call(http.MethodPost, "/v1/requests/search", nil, map[string]any{"cpr": "070761-4285"}, tokCaseworker)
	require.Empty(t, search.body["items"], "not found by any identifier any more")
	token := strings.TrimPrefix(closed.str("status_url"), "https://rights.example/status/")
	require.Equal(t, http.StatusNotFound, s.call(http.MethodGet, "/v1/status/{token}", map[string]string{"token": token}, nil, "").status, "the status link is gone")
	var subj store.Subject
	require.NoError(t, s.store.DB.Raw("SELECT s.* FROM subjects s JOIN requests r ON r.subject_id = s.id WHERE r.id = ?", id).Scan(&subj).Error)
	require.Empty(t, subj.PII)
	require.Empty(t, subj.DataKey, "the key is destroyed: what it sealed is unreadable")
	require.NotNil(t, subj.ErasedAt)
	require.Equal(t, http.StatusOK, s.call(http.MethodGet, "/v1/requests/{id}", map[string]string{"id": oc.str("id")}, nil, tokCaseworker).status)
	other := s.call(http.MethodGet, "/v1/requests/{id}", map[string]string{"id": oc.str("id")}, nil, tokCaseworker)
	require.NotNil(t, other.body["subject"], "kept: the same person has an open request")
}

// TestRectificationInTheSourceSystem: a granted rectification opens a task
// per system; the caseworker applies the correction where the data map
// allows it, and a column it does not allow is refused, naming the rule.
func TestRectificationInTheSourceSystem(t *testing.T) {
	s := newStack(t)
	src := sourceSystem(t, s)
	m := letter("rectification", "2026-11-01")
	m["details"] = map[string]any{"corrections": []any{map[string]any{"data": "my name on the newsletter", "correct": "Test P. Person"}}}
	id := s.identified(m)
	p := map[string]string{"id": id}
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/decision", p, map[string]any{"outcome": "grant", "assessment": "The name is wrong."}, tokCaseworker).status)
	var task map[string]any
	require.Eventually(t, func() bool {
		q := s.call(http.MethodGet, "/v1/tasks?scope=all", nil, nil, tokCaseworker)
		for _, tk := range q.body["items"].([]any) {
			if tk := tk.(map[string]any); tk["kind"] == "fulfil" && tk["request_id"] == id {
				task = tk
				return true
			}
		}
		return false
	}, 20*time.Second, 50*time.Millisecond)

	ok := s.call(http.MethodPost, "/v1/requests/{id}/corrections", p, map[string]any{"system": "sag", "dataset": "newsletter", "values": map[string]any{"name": "Test P. Person"}}, tokCaseworker)
	require.Equal(t, http.StatusOK, ok.status, "%s", ok.raw)
	require.EqualValues(t, 1, rows(t, src, `SELECT count(*) FROM src.newsletter WHERE email = 'test.person@example.dk' AND name = 'Test P. Person'`), "really corrected")
	require.EqualValues(t, 1, rows(t, src, `SELECT count(*) FROM src.newsletter WHERE name = 'Ole'`))
	bad := s.call(http.MethodPost, "/v1/requests/{id}/corrections", p, map[string]any{"system": "sag", "dataset": "newsletter", "values": map[string]any{"email": "x@example.dk"}}, tokCaseworker)
	require.Equal(t, http.StatusUnprocessableEntity, bad.status, "%s", bad.raw)
	require.Equal(t, "correction-not-allowed", bad.problemRule())
	require.EqualValues(t, 1, rows(t, src, `SELECT count(*) FROM src.newsletter WHERE email = 'test.person@example.dk'`), "nothing changed")

	// The caseworker records what they did where the map allows no
	// correction; too long a record is refused and changes nothing.
	tp := map[string]string{"id": task["id"].(string)}
	long := s.call(http.MethodPost, "/v1/tasks/{id}/complete", tp, map[string]any{"found": strings.Repeat("x", 10001)}, tokCaseworker)
	require.Equal(t, http.StatusUnprocessableEntity, long.status, "%s", long.raw)
	found := "Supplerende erklæring om navnet noteret i sagsnotaterne."
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/tasks/{id}/complete", tp, map[string]any{"found": found}, tokCaseworker).status)
	s.waitStage(id, "closed")
	require.Contains(t, s.mailTo("Test.Person@Example.DK", "Svar på din anmodning om berigtigelse", 1)[0].Text, "berigtiget")
	got := s.call(http.MethodGet, "/v1/requests/{id}", p, nil, tokCaseworker)
	var recorded []string
	for _, tk := range got.body["state"].(map[string]any)["tasks"].([]any) {
		if tk := tk.(map[string]any); tk["kind"] == "fulfil" {
			recorded = append(recorded, fmt.Sprint(tk["completed_by"], ": ", tk["found"]))
		}
	}
	require.Equal(t, []string{"token:cw1: " + found}, recorded, "who did what, and what they found")
	require.Equal(t, []string{"rectified/Mailservice ApS/not_notified"}, s.recipientNotices(id), "only the corrected dataset's recipient")
}

// TestObjectionAndConsentWithdrawal: the processing the person named stops
// where the data lives (the rows flagged), nothing else is touched; a
// consent withdrawal then offers erasure as a follow-up.
func TestObjectionAndConsentWithdrawal(t *testing.T) {
	for _, tc := range []struct {
		kind, field string
		followUp    bool
	}{{"objection", "purposes", false}, {"consent_withdrawal", "consents", true}} {
		t.Run(tc.kind, func(t *testing.T) {
			s := newStack(t)
			src := sourceSystem(t, s)
			m := letter(tc.kind, "2026-11-01")
			m["details"] = map[string]any{tc.field: []string{"nyhedsbrev"}}
			id := s.identified(m)
			require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/decision", map[string]string{"id": id}, map[string]any{"outcome": "grant", "assessment": "It stops."}, tokCaseworker).status)
			if tc.followUp {
				var task string
				require.Eventually(t, func() bool {
					q := s.call(http.MethodGet, "/v1/tasks?scope=all", nil, nil, tokCaseworker)
					for _, tk := range q.body["items"].([]any) {
						if tk := tk.(map[string]any); tk["kind"] == "fulfil" && tk["request_id"] == id {
							task = tk["id"].(string)
							return true
						}
					}
					return false
				}, 20*time.Second, 50*time.Millisecond)
				got := s.call(http.MethodGet, "/v1/requests/{id}", map[string]string{"id": id}, nil, tokCaseworker)
				require.Contains(t, fmt.Sprint(got.body["state"]), "Art. 17(1)(b)")
				require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/tasks/{id}/complete", map[string]string{"id": task}, nil, tokCaseworker).status)
			}
			s.waitStage(id, "closed")
			require.EqualValues(t, 1, rows(t, src, `SELECT count(*) FROM src.newsletter WHERE email = 'test.person@example.dk' AND restricted`), "stopped")
			require.EqualValues(t, 0, rows(t, src, `SELECT count(*) FROM src.newsletter WHERE name = 'Ole' AND restricted`))
			require.EqualValues(t, 0, rows(t, src, `SELECT count(*) FROM src.case_notes WHERE restricted`), "not concerned")
		})
	}
}

// TestObjectionOutsideArticle21: an objection stops the processing it
// reaches, and processing under a legal obligation goes on, untouched; the
// reply says which is which.
func TestObjectionOutsideArticle21(t *testing.T) {
	s := newStack(t)
	src := sourceSystem(t, s, func(c *controllers.Controller) {
		c.Systems[0].Datasets[0].LegalBasis = []string{"6(1)(c)"} // case notes: a legal obligation
	})
	m := letter("objection", "2026-11-01")
	m["details"] = map[string]any{"purposes": []string{"beskæftigelsesindsats", "nyhedsbrev"}}
	id := s.identified(m)
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/decision", map[string]string{"id": id}, map[string]any{"outcome": "grant", "assessment": "The newsletter stops."}, tokCaseworker).status)
	s.waitStage(id, "closed")
	require.EqualValues(t, 1, rows(t, src, `SELECT count(*) FROM src.newsletter WHERE email = 'test.person@example.dk' AND restricted`), "stopped")
	require.Zero(t, rows(t, src, `SELECT count(*) FROM src.case_notes WHERE restricted`), "a legal obligation is outside Art. 21")
	reply := s.mailTo("Test.Person@Example.DK", "Svar på din indsigelse", 1)[0]
	require.Contains(t, reply.Text, "Behandlingen er stoppet i: Nyhedsbrev.")
	require.Contains(t, reply.Text, "Behandlingen af Sagsnotater fortsætter")
	require.Contains(t, reply.Text, "artikel 6, stk. 1, litra c")
}

// TestLiftingARestriction: a restriction stays in place after the reply;
// lifting it first sends the subject the Art. 18(3) notice, then clears
// the flags; a request without a restriction cannot be lifted.
func TestLiftingARestriction(t *testing.T) {
	s := newStack(t)
	src := sourceSystem(t, s)
	id := s.identified(letter("restriction", "2026-11-01"))
	p := map[string]string{"id": id}
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/decision", p, map[string]any{"outcome": "grant", "assessment": "Accuracy is contested."}, tokCaseworker).status)
	s.waitStage(id, "closed")
	require.EqualValues(t, 3, rows(t, src, `SELECT (SELECT count(*) FROM src.case_notes WHERE restricted) + (SELECT count(*) FROM src.newsletter WHERE restricted)`))

	lift := s.call(http.MethodPost, "/v1/requests/{id}/lift-restriction", p, map[string]any{"reason": "The data was checked and is accurate."}, tokCaseworker)
	require.Equal(t, http.StatusOK, lift.status, "%s", lift.raw)
	notice := s.mailTo("Test.Person@Example.DK", "Begrænsningen af behandlingen ophæves", 1)[0]
	require.Contains(t, notice.Text, "The data was checked and is accurate.")
	require.Eventually(t, func() bool {
		return rows(t, src, `SELECT (SELECT count(*) FROM src.case_notes WHERE restricted) + (SELECT count(*) FROM src.newsletter WHERE restricted)`) == 0
	}, 20*time.Second, 50*time.Millisecond, "lifted")
	var notified, lifted int64
	require.NoError(t, s.store.DB.Raw("SELECT id FROM events WHERE request_id = ? AND action = 'restriction.lift_notified'", id).Scan(&notified).Error)
	require.Eventually(t, func() bool {
		return s.store.DB.Raw("SELECT id FROM events WHERE request_id = ? AND action = 'restriction.lifted'", id).Scan(&lifted).Error == nil && lifted > 0
	}, 20*time.Second, 50*time.Millisecond)
	require.Less(t, notified, lifted, "told first, then lifted")
	require.Contains(t, s.mailTo(recipientMail, "Begrænsning af behandlingen ophævet", 1)[0].Text, "ophævet begrænsningen")
	again := s.call(http.MethodPost, "/v1/requests/{id}/lift-restriction", p, map[string]any{"reason": "again"}, tokCaseworker)
	require.NotEqual(t, http.StatusOK, again.status)

	other := s.identified(letter("access", "2026-11-01"))
	no := s.call(http.MethodPost, "/v1/requests/{id}/lift-restriction", map[string]string{"id": other}, map[string]any{"reason": "x"}, tokCaseworker)
	require.Equal(t, http.StatusConflict, no.status)
}
