package api_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"
	"gorm.io/gorm"

	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/devtools/testenv"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/web"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// TestLegalExamplesThroughAPI: a caseworker registers letters received on
// LEGAL.md §2's dates and gets its due dates back.
func TestLegalExamplesThroughAPI(t *testing.T) {
	s := newStack(t)
	for _, tc := range []struct{ received, due, statutory string }{
		{"2026-01-31", "2026-02-28", "2026-03-02"},
		{"2025-01-31", "2025-02-28", "2025-02-28"},
		{"2024-01-31", "2024-02-29", "2024-02-29"},
		{"2025-11-25", "2025-12-25", "2025-12-29"},
		{"2026-03-05", "2026-04-04", "2026-04-07"},
	} {
		r := s.intake(letter("access", tc.received), tokCaseworker)
		require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
		require.Equal(t, tc.received, r.str("received_at"))
		require.Equal(t, tc.due, r.str("due_at"), tc.received)
		require.Equal(t, tc.statutory, r.str("statutory_due_at"), tc.received)
		require.Regexp(t, `^RD-\d{4}-\d{6}$`, r.str("reference"))
		require.True(t, strings.HasPrefix(r.str("status_url"), "https://rights.example/status/"))
	}
}

// TestRequestLifecycleThroughAPI walks a request from public intake to the
// reply, through every caseworker endpoint, checking the read model, the
// live state, the queue and the subject's status page on the way.
func TestRequestLifecycleThroughAPI(t *testing.T) {
	s := newStack(t)
	r := s.intake(map[string]any{
		"controller": "demo", "kind": "erasure",
		"subject": map[string]any{"name": "Test Person", "email": "test@example.dk"},
		"details": map[string]any{"description": "Delete my old case file."},
	}, "")
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	id := r.str("id")
	token := strings.TrimPrefix(r.str("status_url"), "https://rights.example/status/")
	s.waitStage(id, "identity")

	st := s.call(http.MethodGet, "/v1/status/{token}", map[string]string{"token": token}, nil, "")
	require.Equal(t, http.StatusOK, st.status)
	require.NotContains(t, string(st.raw), "test@example.dk", "the status page shows nothing personal or internal")
	require.NotContains(t, string(st.raw), "assignee")

	// The queue shows the identity task, unassigned.
	q := s.call(http.MethodGet, "/v1/tasks", nil, nil, tokCaseworker)
	require.Equal(t, http.StatusOK, q.status)
	items := q.body["items"].([]any)
	require.Len(t, items, 1)
	task := items[0].(map[string]any)
	require.Equal(t, "verify_identity", task["kind"])
	require.Equal(t, r.str("reference"), task["reference"])
	require.NotNil(t, task["days_left"])
	taskID := task["id"].(string)

	claim := s.call(http.MethodPost, "/v1/tasks/{id}/claim", map[string]string{"id": taskID}, nil, tokCaseworker)
	require.Equal(t, http.StatusOK, claim.status, "%s", claim.raw)
	require.Equal(t, "token:cw1", claim.body["assignee"])
	other := s.call(http.MethodPost, "/v1/tasks/{id}/claim", map[string]string{"id": taskID}, nil, tokCaseworker2)
	require.Equal(t, http.StatusConflict, other.status)
	require.Equal(t, "task-claimed", other.problemRule())

	p := map[string]string{"id": id}
	ask := s.call(http.MethodPost, "/v1/requests/{id}/information-request", p, map[string]any{"purpose": "identity", "what": "Please log in with MitID."}, tokCaseworker)
	require.Equal(t, http.StatusOK, ask.status, "%s", ask.raw)
	require.Equal(t, true, ask.body["paused"])
	s.waitPaused(id, true)
	st = s.call(http.MethodGet, "/v1/status/{token}", map[string]string{"token": token}, nil, "")
	require.Equal(t, true, st.body["requests"].([]any)[0].(map[string]any)["waiting_for_you"])
	ans := s.call(http.MethodPost, "/v1/status/{token}/information", map[string]string{"token": token}, map[string]any{"answer": "Done, I logged in."}, "")
	require.Equal(t, http.StatusOK, ans.status, "%s", ans.raw)
	again := s.call(http.MethodPost, "/v1/status/{token}/information", map[string]string{"token": token}, map[string]any{"answer": "x"}, "")
	require.Equal(t, http.StatusConflict, again.status, "nothing is awaited any more: %s", again.raw)

	v := s.call(http.MethodPost, "/v1/requests/{id}/identity", p, map[string]any{"method": "mitid"}, tokCaseworker, "Idempotency-Key", "verify-1")
	require.Equal(t, http.StatusOK, v.status, "%s", v.raw)
	require.Equal(t, "assessment", v.body["stage"])
	// A retried call with the same key is applied once.
	v2 := s.call(http.MethodPost, "/v1/requests/{id}/identity", p, map[string]any{"method": "mitid"}, tokCaseworker, "Idempotency-Key", "verify-1")
	require.Equal(t, http.StatusOK, v2.status, "%s", v2.raw)
	require.Equal(t, v.body["version"], v2.body["version"])

	n := s.call(http.MethodPost, "/v1/requests/{id}/notes", p, map[string]any{"text": "Called the subject."}, tokCaseworker)
	require.Equal(t, http.StatusOK, n.status)
	require.EqualValues(t, 1, n.body["notes"])
	a := s.call(http.MethodPost, "/v1/requests/{id}/assignment", p, map[string]any{"assignee": "token:cw2"}, tokCaseworker)
	require.Equal(t, http.StatusOK, a.status)
	e := s.call(http.MethodPost, "/v1/requests/{id}/extension", p, map[string]any{"reason": "complexity", "explanation": "The file is in three archives."}, tokCaseworker)
	require.Equal(t, http.StatusOK, e.status, "%s", e.raw)
	require.NotNil(t, e.body["extended_due_at"])
	// Art. 12(4): the refusal deadline stays in sight beside the extended one.
	require.Equal(t, e.body["statutory_due_at"], e.body["refusal_due_at"])
	ext := s.call(http.MethodGet, "/v1/requests/{id}", p, nil, tokCaseworker)
	require.Equal(t, ext.body["statutory_due_at"], ext.body["refusal_due_at"])
	require.Greater(t, ext.body["extended_due_at"], ext.body["refusal_due_at"])

	d := s.call(http.MethodPost, "/v1/requests/{id}/decision", p, map[string]any{"outcome": "grant", "assessment": "No retention duty applies."}, tokCaseworker2)
	require.Equal(t, http.StatusOK, d.status, "%s", d.raw)
	require.Equal(t, "fulfilment", d.body["stage"])
	var fulfil string
	for _, tk := range d.body["tasks"].([]any) {
		if tk.(map[string]any)["kind"] == "fulfil" {
			fulfil = tk.(map[string]any)["id"].(string)
		}
	}
	s.waitStage(id, "fulfilment")
	done := s.call(http.MethodPost, "/v1/tasks/{id}/complete", map[string]string{"id": fulfil}, nil, tokCaseworker2)
	require.Equal(t, http.StatusOK, done.status, "%s", done.raw)
	s.waitStage(id, "closed")

	got := s.call(http.MethodGet, "/v1/requests/{id}", p, nil, tokCaseworker)
	require.Equal(t, http.StatusOK, got.status)
	require.Equal(t, "closed", got.body["stage"])
	require.Equal(t, "grant", got.body["outcome"])
	subj := got.body["subject"].(map[string]any)
	require.Equal(t, "test@example.dk", subj["email"], "staff see the subject")
	require.Equal(t, "Delete my old case file.", got.body["details"].(map[string]any)["description"])
	state := got.body["state"].(map[string]any)
	require.Equal(t, "closed", state["stage"])
	require.Equal(t, "No retention duty applies.", state["decision"].(map[string]any)["assessment"])
	require.Equal(t, "Done, I logged in.", state["pauses"].([]any)[0].(map[string]any)["answer"], "the caseworker reads the subject's answer")
	var actions []string
	for _, ev := range got.body["timeline"].([]any) {
		m := ev.(map[string]any)
		actions = append(actions, m["actor"].(string)+" "+m["action"].(string))
	}
	require.Equal(t, []string{
		"system request.received", "system stage.identity", "token:cw1 task.claimed", "token:cw1 information.requested",
		"subject information.received", "token:cw1 identity.verified", "token:cw1 note.added", "token:cw1 request.assigned",
		"token:cw1 deadline.extended", "token:cw2 decision.made", "token:cw2 fulfilment.done", "system reply.sent",
	}, actions)

	closed := s.call(http.MethodPost, "/v1/requests/{id}/notes", p, map[string]any{"text": "late"}, tokCaseworker)
	require.Equal(t, http.StatusConflict, closed.status, "a closed request takes no more actions: %s", closed.raw)
	wd := s.call(http.MethodPost, "/v1/status/{token}/withdraw", map[string]string{"token": token}, map[string]any{}, "")
	require.Equal(t, http.StatusConflict, wd.status)
}

func (s *stack) waitPaused(id string, paused bool) {
	s.t.Helper()
	require.Eventually(s.t, func() bool {
		var r store.Request
		if err := s.store.DB.First(&r, "id = ?", uuid.MustParse(id)).Error; err != nil {
			return false
		}
		return (r.PausedAt != nil) == paused
	}, 15*time.Second, 20*time.Millisecond)
}

// TestRejectedUpdates: each rejected action answers 409 or 422 naming the rule.
func TestRejectedUpdates(t *testing.T) {
	s := newStack(t)
	r := s.intake(letter("erasure", "2026-01-31"), tokCaseworker)
	require.Equal(t, http.StatusCreated, r.status)
	id := r.str("id")
	p := map[string]string{"id": id}
	s.waitStage(id, "identity")
	for _, tc := range []struct {
		path   string
		body   any
		status int
		rule   string
	}{
		{"/v1/requests/{id}/decision", map[string]any{"outcome": "grant", "assessment": "x"}, 409, "stage"},
		{"/v1/requests/{id}/identity", map[string]any{"method": "passport_copy"}, 422, "identity-method"},
		{"/v1/requests/{id}/information-request", map[string]any{"purpose": "curiosity", "what": "x"}, 422, "information-purpose"},
		{"/v1/requests/{id}/information", map[string]any{}, 409, "not-paused"},
		// Received 2026-01-31: its statutory deadline, 2026-03-02, has passed.
		{"/v1/requests/{id}/extension", map[string]any{"reason": "complexity", "explanation": "many systems"}, 422, "art-12-3-before-deadline"},
		{"/v1/requests/{id}/notes", map[string]any{"text": ""}, 422, "note-text"},
	} {
		got := s.call(http.MethodPost, tc.path, p, tc.body, tokCaseworker)
		require.Equal(t, tc.status, got.status, "%s: %s", tc.path, got.raw)
		require.Equal(t, tc.rule, got.problemRule(), tc.path)
		require.Equal(t, "https://rightsdesk.dev/problems/rule-broken", got.str("type"))
	}
	// The subject's answer came by post: staff record it with its date.
	ask := s.call(http.MethodPost, "/v1/requests/{id}/information-request", p, map[string]any{"purpose": "identity", "what": "Send a copy of the letter you got from us."}, tokCaseworker)
	require.Equal(t, http.StatusOK, ask.status, "%s", ask.raw)
	bad := s.call(http.MethodPost, "/v1/requests/{id}/information", p, map[string]any{"received_at": "2026-13-01"}, tokCaseworker)
	require.Equal(t, http.StatusUnprocessableEntity, bad.status)
	cph, _ := time.LoadLocation("Europe/Copenhagen")
	today := time.Now().In(cph).Format(time.DateOnly)
	got := s.call(http.MethodPost, "/v1/requests/{id}/information", p, map[string]any{"received_at": today}, tokCaseworker)
	require.Equal(t, http.StatusOK, got.status, "%s", got.raw)
	require.Equal(t, false, got.body["paused"])
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/identity", p, map[string]any{"method": "in_person"}, tokCaseworker).status)
	for _, tc := range []struct {
		body any
		rule string
	}{
		{map[string]any{"outcome": "refuse", "assessment": "x", "grounds": []string{"20(3)"}}, "grounds-for-right"},
		{map[string]any{"outcome": "refuse", "assessment": "x"}, "grounds-required"},
		{map[string]any{"outcome": "refuse", "assessment": "x", "grounds": []string{"12(5)"}}, "art-12-5-justification"},
		{map[string]any{"outcome": "grant", "assessment": ""}, "assessment-required"},
	} {
		got := s.call(http.MethodPost, "/v1/requests/{id}/decision", p, tc.body, tokCaseworker)
		require.Equal(t, http.StatusUnprocessableEntity, got.status, "%s", got.raw)
		require.Equal(t, tc.rule, got.problemRule())
	}
	// Withdrawn by phone: the staff endpoint.
	w := s.call(http.MethodPost, "/v1/requests/{id}/withdrawal", p, map[string]any{}, tokCaseworker)
	require.Equal(t, http.StatusOK, w.status, "%s", w.raw)
	require.Equal(t, "withdrawn", w.body["stage"])
}

// TestIntakeValidation: every validation error is problem+json naming the
// field, and nothing is written.
func TestIntakeValidation(t *testing.T) {
	s := newStack(t)
	today := time.Now().In(time.UTC).AddDate(0, 0, 2).Format(time.DateOnly)
	good := func() map[string]any { return letter("access", "2026-01-31") }
	with := func(mut func(m map[string]any)) map[string]any { m := good(); mut(m); return m }
	subj := func(m map[string]any) map[string]any { return m["subject"].(map[string]any) }
	for _, tc := range []struct {
		name    string
		body    any
		token   string
		status  int
		pointer string
	}{
		{"unknown controller", with(func(m map[string]any) { m["controller"] = "nobody" }), tokCaseworker, 422, "/controller"},
		{"another controller's", with(func(m map[string]any) { m["controller"] = "other" }), tokCaseworker, 422, "/controller"},
		{"no kind", with(func(m map[string]any) { delete(m, "kind") }), tokCaseworker, 422, "/kind"},
		{"unknown kind", with(func(m map[string]any) { m["kind"] = "forget_me" }), tokCaseworker, 422, "/kind"},
		{"kind and kinds", with(func(m map[string]any) { m["kinds"] = []string{"access"} }), tokCaseworker, 422, "/kinds"},
		{"kinds twice", with(func(m map[string]any) { delete(m, "kind"); m["kinds"] = []string{"access", "access"} }), tokCaseworker, 422, "/kinds/1"},
		{"impossible date", with(func(m map[string]any) { m["received_at"] = "2025-02-30" }), tokCaseworker, 422, "/received_at"},
		{"future date", with(func(m map[string]any) { m["received_at"] = today }), tokCaseworker, 422, "/received_at"},
		{"public sets date", with(func(m map[string]any) { delete(m, "channel") }), "", 422, "/received_at"},
		{"public channel", with(func(m map[string]any) { delete(m, "received_at") }), "", 422, "/channel"},
		{"unknown channel", with(func(m map[string]any) { m["channel"] = "pigeon" }), tokCaseworker, 422, "/channel"},
		{"language", with(func(m map[string]any) { m["language"] = "de" }), tokCaseworker, 422, "/language"},
		{"no name", with(func(m map[string]any) { subj(m)["name"] = " " }), tokCaseworker, 422, "/subject/name"},
		{"bad email", with(func(m map[string]any) { subj(m)["email"] = "not-an-address" }), tokCaseworker, 422, "/subject/email"},
		{"no way to answer", with(func(m map[string]any) { delete(subj(m), "email") }), tokCaseworker, 422, "/subject"},
		{"bad CPR date", with(func(m map[string]any) { subj(m)["cpr"] = "310261-4285" }), tokCaseworker, 422, "/subject/cpr"},
		{"CPR century", with(func(m map[string]any) { subj(m)["cpr"] = "010150-5001" }), tokCaseworker, 422, "/subject/cpr"},
		{"both IDs", with(func(m map[string]any) { subj(m)["personnummer"] = "811228-9874" }), tokCaseworker, 422, "/subject/personnummer"},
		{"bad Luhn", with(func(m map[string]any) { delete(subj(m), "cpr"); subj(m)["personnummer"] = "811228-9875" }), tokCaseworker, 422, "/subject/personnummer"},
		{"public identity", with(func(m map[string]any) {
			delete(m, "received_at")
			delete(m, "channel")
			m["identity"] = map[string]any{"method": "mitid"}
		}), "", 422, "/identity"},
		{"identity method", with(func(m map[string]any) { m["identity"] = map[string]any{"method": "passport_copy"} }), tokCaseworker, 422, "/identity/method"},
		{"rectification says what", with(func(m map[string]any) { m["kind"] = "rectification" }), tokCaseworker, 422, "/details/corrections"},
		{"objection says what", with(func(m map[string]any) { m["kind"] = "objection" }), tokCaseworker, 422, "/details/purposes"},
		{"consents", with(func(m map[string]any) { m["kind"] = "consent_withdrawal" }), tokCaseworker, 422, "/details/consents"},
		{"correction half", with(func(m map[string]any) {
			m["kind"] = "rectification"
			m["details"] = map[string]any{"corrections": []any{map[string]any{"data": "address", "correct": ""}}}
		}), tokCaseworker, 422, "/details/corrections/0"},
		{"representative", with(func(m map[string]any) { m["representative"] = map[string]any{"name": "R", "relationship": "friend"} }), tokCaseworker, 422, "/representative/relationship"},
		{"unknown field", with(func(m map[string]any) { m["priority"] = "high" }), tokCaseworker, 400, "/priority"},
		{"unknown nested field", with(func(m map[string]any) { subj(m)["shoe_size"] = 44 }), tokCaseworker, 400, "/shoe_size"},
		{"wrong type", with(func(m map[string]any) { m["kind"] = 7 }), tokCaseworker, 400, "/kind"},
		{"not JSON", "{\"controller\":", tokCaseworker, 400, ""},
		{"two values", `{"controller":"demo"} {}`, tokCaseworker, 400, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := s.call(http.MethodPost, "/v1/requests", nil, tc.body, tc.token)
			require.Equal(t, tc.status, r.status, "%s", r.raw)
			require.Equal(t, "application/problem+json", r.header.Get("Content-Type"))
			errs, _ := r.body["errors"].([]any)
			require.NotEmpty(t, errs, "%s", r.raw)
			var pointers []string
			for _, e := range errs {
				pointers = append(pointers, e.(map[string]any)["pointer"].(string))
			}
			require.Contains(t, pointers, tc.pointer, "%s", r.raw)
		})
	}
	var n int64
	require.NoError(t, s.store.DB.Model(&store.Request{}).Count(&n).Error)
	require.Zero(t, n, "nothing is written when validation fails")
	require.NoError(t, s.store.DB.Model(&store.Subject{}).Count(&n).Error)
	require.Zero(t, n)

	// Other content types and oversized bodies.
	r := s.call(http.MethodPost, "/v1/requests", nil, nil, tokCaseworker)
	require.Equal(t, http.StatusUnsupportedMediaType, r.status)
	big := `{"controller":"demo","kind":"access","subject":{"name":"` + strings.Repeat("x", 1<<20) + `"}}`
	r = s.call(http.MethodPost, "/v1/requests", nil, big, tokCaseworker)
	require.Equal(t, http.StatusRequestEntityTooLarge, r.status)
}

// TestIntakeWarnsOnModulus11: a CPR number that fails the modulus-11 check
// is accepted with a warning.
func TestIntakeWarnsOnModulus11(t *testing.T) {
	s := newStack(t)
	m := letter("access", "2026-01-31")
	m["subject"].(map[string]any)["cpr"] = "010120-4001"
	r := s.intake(m, tokCaseworker)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	w := r.body["warnings"].([]any)[0].(map[string]any)
	require.Equal(t, "/subject/cpr", w["pointer"])
	require.Contains(t, w["detail"], "modulus-11")
}

// TestSeveralRights: one letter invoking several rights becomes a linked
// group of requests, each with its own workflow.
func TestSeveralRights(t *testing.T) {
	s := newStack(t)
	m := letter("", "2026-03-05")
	delete(m, "kind")
	m["kinds"] = []string{"access", "erasure"}
	r := s.intake(m, tokCaseworker)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	reqs := r.body["requests"].([]any)
	require.Len(t, reqs, 2)
	group := r.str("group_id")
	require.NotEmpty(t, group)
	for _, x := range reqs {
		require.Equal(t, group, x.(map[string]any)["group_id"])
		s.waitStage(x.(map[string]any)["id"].(string), "identity")
	}
	token := strings.TrimPrefix(r.str("status_url"), "https://rights.example/status/")
	st := s.call(http.MethodGet, "/v1/status/{token}", map[string]string{"token": token}, nil, "")
	require.Len(t, st.body["requests"].([]any), 2)
	w := s.call(http.MethodPost, "/v1/status/{token}/withdraw", map[string]string{"token": token}, map[string]any{}, "")
	require.Equal(t, http.StatusOK, w.status, "%s", w.raw)
	for _, x := range reqs {
		s.waitStage(x.(map[string]any)["id"].(string), "withdrawn")
	}
	require.Equal(t, http.StatusNotFound, s.call(http.MethodGet, "/v1/status/{token}", map[string]string{"token": strings.Repeat("x", 43)}, nil, "").status)
}

// TestIdempotencyKey: a repeated call returns the same request and writes nothing more.
func TestIdempotencyKey(t *testing.T) {
	s := newStack(t)
	first := s.intake(letter("access", "2026-01-31"), tokCaseworker, "Idempotency-Key", "letter-2026-0042")
	require.Equal(t, http.StatusCreated, first.status)
	second := s.intake(letter("access", "2026-01-31"), tokCaseworker, "Idempotency-Key", "letter-2026-0042")
	require.Equal(t, http.StatusCreated, second.status)
	require.Equal(t, "true", second.header.Get("Idempotent-Replayed"))
	require.Equal(t, first.str("id"), second.str("id"))
	require.Equal(t, first.str("reference"), second.str("reference"))
	var n int64
	s.store.DB.Model(&store.Request{}).Count(&n)
	require.EqualValues(t, 1, n)
	s.store.DB.Model(&store.Subject{}).Count(&n)
	require.EqualValues(t, 1, n)
	other := s.intake(letter("erasure", "2026-01-31"), tokCaseworker, "Idempotency-Key", "letter-2026-0042")
	require.Equal(t, http.StatusConflict, other.status)
	changed := letter("access", "2026-01-31")
	changed["subject"].(map[string]any)["name"] = "Someone Else"
	require.Equal(t, http.StatusConflict, s.intake(changed, tokCaseworker, "Idempotency-Key", "letter-2026-0042").status,
		"the same key with another subject is refused, not answered with the first request")
}

// failingStart is a Temporal client whose workflow starts fail, as in an
// outage between writing the row and starting the workflow.
type failingStart struct{ client.Client }

func (failingStart) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, errors.New("temporal is unavailable")
}

// TestSweeperStartsWhatFailed: the row is written, the start fails, the
// request is still received (201), and the sweeper starts its workflow.
func TestSweeperStartsWhatFailed(t *testing.T) {
	s := newStack(t, stackOptions{temporal: failingStart{testenv.Temporal(t)}})
	r := s.intake(letter("access", "2026-01-31"), tokCaseworker)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	id := uuid.MustParse(r.str("id"))
	var row store.Request
	require.NoError(t, s.store.DB.First(&row, "id = ?", id).Error)
	require.False(t, row.WorkflowStarted)
	_, err := s.client.DescribeWorkflowExecution(context.Background(), rights.WorkflowID(id), "")
	require.Error(t, err, "no workflow yet")

	ctx := context.Background()
	run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "sweep-" + uuid.NewString(), TaskQueue: s.taskQueue},
		workflows.SweepWorkflowType, workflows.SweepInput{OlderThan: time.Nanosecond})
	require.NoError(t, err)
	var started int
	require.NoError(t, run.Get(ctx, &started))
	require.Equal(t, 1, started)
	s.waitStage(id.String(), "identity")
	require.NoError(t, s.store.DB.First(&row, "id = ?", id).Error)
	require.True(t, row.WorkflowStarted)
	require.Equal(t, "2026-03-02", row.StatutoryDueOn.UTC().Format(time.DateOnly))

	// A second sweep finds nothing to do.
	run, err = s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "sweep-" + uuid.NewString(), TaskQueue: s.taskQueue},
		workflows.SweepWorkflowType, workflows.SweepInput{OlderThan: time.Nanosecond})
	require.NoError(t, err)
	require.NoError(t, run.Get(ctx, &started))
	require.Zero(t, started)
}

// TestPostgresOutage: with the database unreachable the API answers 503
// with Retry-After and writes nothing.
func TestPostgresOutage(t *testing.T) {
	s := newStack(t)
	var db string
	require.NoError(t, s.store.DB.Raw("SELECT current_database()").Scan(&db).Error)
	admin := s.admin(t)
	require.NoError(t, admin.Exec(fmt.Sprintf(`ALTER DATABASE %q ALLOW_CONNECTIONS false`, db)).Error)
	require.NoError(t, admin.Exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ?`, db).Error)

	r := s.intake(letter("access", "2026-01-31"), tokCaseworker)
	require.Equal(t, http.StatusServiceUnavailable, r.status, "%s", r.raw)
	require.Equal(t, "5", r.header.Get("Retry-After"))
	ready := s.call(http.MethodGet, "/readyz", nil, nil, "")
	require.Equal(t, http.StatusServiceUnavailable, ready.status)
	list := s.call(http.MethodGet, "/v1/requests", nil, nil, tokCaseworker)
	require.Equal(t, http.StatusServiceUnavailable, list.status)

	require.NoError(t, admin.Exec(fmt.Sprintf(`ALTER DATABASE %q ALLOW_CONNECTIONS true`, db)).Error)
	require.Eventually(t, func() bool { return s.store.Ping(context.Background()) == nil }, 10*time.Second, 50*time.Millisecond)
	var n int64
	require.NoError(t, s.store.DB.Model(&store.Request{}).Count(&n).Error)
	require.Zero(t, n)
	require.Equal(t, http.StatusCreated, s.intake(letter("access", "2026-01-31"), tokCaseworker).status, "and it recovers")
}

// TestNoReadablePersonalData: what PostgreSQL holds shows no CPR, name or
// e-mail, in any table, as psql would show it.
func TestNoReadablePersonalData(t *testing.T) {
	s := newStack(t)
	m := letter("rectification", "2026-01-31")
	m["details"] = map[string]any{"corrections": []any{map[string]any{"data": "my address", "correct": "Sølvgade 1, København"}}}
	m["subject"].(map[string]any)["address"] = "Nørregade 7, 1165 København K"
	m["subject"].(map[string]any)["phone"] = "+45 12 34 56 78"
	r := s.intake(m, tokCaseworker)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	id := r.str("id")
	s.waitStage(id, "identity")
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/notes", map[string]string{"id": id}, map[string]any{"text": "Test Person called about Sølvgade"}, tokCaseworker).status)

	var tables []string
	require.NoError(t, s.store.DB.Raw(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`).Scan(&tables).Error)
	var dump strings.Builder
	for _, tbl := range tables {
		var rows []string
		require.NoError(t, s.store.DB.Raw(fmt.Sprintf(`SELECT row_to_json(t)::text FROM %q t`, tbl)).Scan(&rows).Error)
		for _, row := range rows {
			dump.WriteString(row + "\n")
		}
	}
	all := strings.ToLower(dump.String())
	require.Contains(t, all, strings.ToLower(r.str("reference")), "the dump is real")
	for _, secret := range []string{"0707614285", "070761-4285", "test person", "test.person", "example.dk", "nørregade", "sølvgade", "12 34 56 78", "12345678"} {
		require.NotContains(t, all, secret)
	}

	// Lookups work without decrypting, case-insensitively for e-mail.
	svc := intake.Service{Store: s.store, Keys: testenv.Keys()}
	found, err := svc.RequestsByIdentifier(context.Background(), "email", intake.NormalizeEmail("TEST.person@example.dk"))
	require.NoError(t, err)
	require.Len(t, found, 1)
	found, err = svc.RequestsByIdentifier(context.Background(), "cpr", "0707614285")
	require.NoError(t, err)
	require.Len(t, found, 1)
	// Another keyring cannot read or find it.
	other, _ := crypto.ParseKeyring("x:"+crypto.NewKey(), crypto.NewKey())
	found, _ = (&intake.Service{Store: s.store, Keys: other}).RequestsByIdentifier(context.Background(), "cpr", "0707614285")
	require.Empty(t, found)
}

// TestListAndPagination: sorted by due date, filtered, in pages.
func TestListAndPagination(t *testing.T) {
	s := newStack(t)
	dates := []string{"2026-03-05", "2026-01-31", "2025-11-25", "2026-02-10", "2026-01-05"}
	for _, d := range dates {
		r := s.intake(letter("access", d), tokCaseworker)
		require.Equal(t, http.StatusCreated, r.status)
	}
	oe := letter("erasure", "2026-02-01")
	require.Equal(t, http.StatusCreated, s.intake(oe, tokCaseworker).status)
	oo := letter("access", "2026-02-01")
	oo["controller"] = "other"
	require.Equal(t, http.StatusCreated, s.intake(oo, tokOther).status)

	var all []string
	cursor := ""
	for pages := 0; ; pages++ {
		r := s.callQuery("/v1/requests", "limit=2&cursor="+cursor, tokCaseworker)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		for _, it := range r.body["items"].([]any) {
			all = append(all, it.(map[string]any)["due_at"].(string)+" "+it.(map[string]any)["kind"].(string))
		}
		next, _ := r.body["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = next
		require.Less(t, pages, 10)
	}
	require.Equal(t, []string{"2025-12-25 access", "2026-02-04 access", "2026-02-28 access", "2026-03-01 erasure", "2026-03-10 access", "2026-04-04 access"}, all,
		"sorted by due date; the other controller's request is not seen")

	r := s.callQuery("/v1/requests", "kind=erasure", tokCaseworker)
	require.Len(t, r.body["items"].([]any), 1)
	r = s.callQuery("/v1/requests", "due_before=2026-03-01", tokCaseworker)
	require.Len(t, r.body["items"].([]any), 3)
	r = s.callQuery("/v1/requests", "overdue=true", tokCaseworker)
	require.Len(t, r.body["items"].([]any), 6)
	r = s.callQuery("/v1/requests", "stage=pending", tokCaseworker)
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	r = s.callQuery("/v1/requests", "colour=red", tokCaseworker)
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	r = s.callQuery("/v1/requests", "cursor=garbage", tokCaseworker)
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	r = s.callQuery("/v1/requests", "", tokAdmin)
	require.Len(t, r.body["items"].([]any), 7, "an admin sees every controller")
}

func (s *stack) callQuery(template, query, token string) response {
	s.t.Helper()
	r := s.call(http.MethodGet, template+"?"+query, nil, nil, token)
	return r
}

// TestAuthorization is the matrix: no token, wrong role, another controller.
func TestAuthorization(t *testing.T) {
	s := newStack(t)
	r := s.intake(letter("access", "2026-01-31"), tokCaseworker)
	require.Equal(t, http.StatusCreated, r.status)
	id := r.str("id")
	s.waitStage(id, "identity")
	p := map[string]string{"id": id}
	var taskID string
	require.NoError(t, s.store.DB.Raw("SELECT id FROM tasks WHERE request_id = ?", id).Scan(&taskID).Error)
	tp := map[string]string{"id": taskID}
	type call struct {
		method, path string
		params       map[string]string
		body         any
	}
	calls := []call{
		{http.MethodGet, "/v1/requests", nil, nil},
		{http.MethodGet, "/v1/requests/{id}", p, nil},
		{http.MethodPost, "/v1/requests/{id}/notes", p, map[string]any{"text": "x"}},
		{http.MethodPost, "/v1/requests/{id}/assignment", p, map[string]any{"assignee": "token:cw1"}},
		{http.MethodGet, "/v1/tasks", nil, nil},
		{http.MethodPost, "/v1/tasks/{id}/claim", tp, nil},
		{http.MethodGet, "/v1/reports/summary?from=2026-01-01&to=2026-12-31", nil, nil},
	}
	expect := map[string][]int{
		// no token, wrong token, dpo, caseworker of another controller, caseworker, admin
		"GET /v1/requests":                                      {401, 401, 200, 200, 200, 200},
		"GET /v1/requests/{id}":                                 {401, 401, 200, 404, 200, 200},
		"POST /v1/requests/{id}/notes":                          {401, 401, 403, 404, 200, 200},
		"POST /v1/requests/{id}/assignment":                     {401, 401, 403, 404, 200, 200},
		"GET /v1/tasks":                                         {401, 401, 200, 200, 200, 200},
		"POST /v1/tasks/{id}/claim":                             {401, 401, 403, 404, 200, 409},
		"GET /v1/reports/summary?from=2026-01-01&to=2026-12-31": {401, 401, 200, 403, 403, 200},
	}
	for _, c := range calls {
		for i, tok := range []string{"", "not-a-token-at-all", tokDPO, tokOther, tokCaseworker, tokAdmin} {
			key := c.method + " " + c.path
			got := s.call(c.method, c.path, c.params, c.body, tok)
			require.Equal(t, expect[key][i], got.status, "%s with token %d: %s", key, i, got.raw)
		}
	}
	// The other controller's caseworker sees an empty queue and list.
	q := s.call(http.MethodGet, "/v1/tasks", nil, nil, tokOther)
	require.Empty(t, q.body["items"])
	// A DPO cannot register requests.
	require.Equal(t, http.StatusForbidden, s.intake(letter("access", "2026-01-31"), tokDPO).status)
	// Every action is recorded with its actor.
	require.Eventually(t, func() bool {
		var actors []string
		s.store.DB.Raw("SELECT DISTINCT actor FROM events WHERE request_id = ? ORDER BY 1", id).Scan(&actors)
		return contains(actors, "token:cw1") && contains(actors, "token:admin1")
	}, 10*time.Second, 20*time.Millisecond)
}

// TestPublicIntakeIsRateLimited per client address.
func TestPublicIntakeIsRateLimited(t *testing.T) {
	s := newStack(t, stackOptions{rate: 2})
	body := map[string]any{"controller": "demo", "kind": "access", "subject": map[string]any{"name": "A", "email": "a@example.dk"}}
	codes := []int{}
	for i := range 4 {
		// A forged X-Forwarded-For does not make a new client.
		codes = append(codes, s.intake(body, "", "X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i)).status)
	}
	require.Equal(t, []int{201, 201, 429, 429}, codes)
	// A caseworker's valid token is not limited by the public's calls, and
	// the scheme is case-insensitive (RFC 9110).
	require.Equal(t, http.StatusCreated, s.intake(letter("access", "2026-01-31"), "", "Authorization", "bearer "+tokCaseworker).status)
	// Any Authorization header used to skip the limit. A header that does
	// not authenticate is refused, never served as the public, and each
	// failure counts against the address's failed sign-ins: junk tokens
	// cannot be tried without end, nor JWTs verified.
	var junk []int
	for _, h := range []string{"x", "Bearer not-a-token", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"} {
		r := s.intake(body, "", "Authorization", h)
		junk = append(junk, r.status)
		if r.status == http.StatusTooManyRequests {
			require.Equal(t, "60", r.header.Get("Retry-After"))
		}
	}
	require.Equal(t, []int{401, 401, 429}, junk)

	// Failed sign-ins on staff routes use up the address's allowance;
	// then its right tokens are blocked too (TestRightTokenAfterFailedGuesses).
	fresh := newStack(t, stackOptions{rate: 3})
	var got []int
	for range 5 {
		got = append(got, fresh.call(http.MethodGet, "/v1/requests", nil, nil, "wrong-token-000000000").status)
	}
	require.Equal(t, []int{401, 401, 401, 429, 429}, got)
	require.Equal(t, http.StatusTooManyRequests, fresh.call(http.MethodGet, "/v1/requests", nil, nil, tokCaseworker).status)
}

// TestSummaryReport: LEGAL.md §6 figures.
func TestSummaryReport(t *testing.T) {
	s := newStack(t)
	// One answered in time, one refused late, one open and breached: all
	// through the workflow, none written into the read model by hand.
	today := time.Now().In(cphZone(t))
	a := s.intake(letter("access", today.AddDate(0, 0, -3).Format(time.DateOnly)), tokCaseworker).str("id")
	b := s.intake(letter("erasure", "2026-01-05"), tokCaseworker).str("id")
	c := letter("portability", "2026-01-06")
	c["channel"] = "email"
	cid := s.intake(c, tokCaseworker).str("id")
	for _, id := range []string{a, b, cid} {
		s.waitStage(id, "identity")
		require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/identity", map[string]string{"id": id}, map[string]any{"method": "mitid"}, tokCaseworker).status)
		s.waitStage(id, "assessment")
	}
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/decision", map[string]string{"id": b},
		map[string]any{"outcome": "refuse", "grounds": []string{"17(3)(b)"}, "assessment": "Archive duty."}, tokCaseworker).status)
	s.waitStage(b, "closed")
	// Request a, received three days ago, is granted and carried out now:
	// answered within the month.
	grant := s.call(http.MethodPost, "/v1/requests/{id}/decision", map[string]string{"id": a},
		map[string]any{"outcome": "grant", "assessment": "Copy sent."}, tokCaseworker)
	require.Equal(t, http.StatusOK, grant.status, "%s", grant.raw)
	for _, tk := range grant.body["tasks"].([]any) {
		if tk := tk.(map[string]any); tk["kind"] == "fulfil" {
			done := s.call(http.MethodPost, "/v1/tasks/{id}/complete", map[string]string{"id": tk["id"].(string)}, nil, tokCaseworker)
			require.Equal(t, http.StatusOK, done.status, "%s", done.raw)
		}
	}
	s.waitStage(a, "closed")

	r := s.call(http.MethodGet, "/v1/reports/summary?from=2026-01-01&to="+today.Format(time.DateOnly), nil, nil, tokDPO)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	total := r.body["total"].(map[string]any)
	require.EqualValues(t, 3, total["received"])
	require.EqualValues(t, 2, total["answered"])
	require.EqualValues(t, 1, total["answered_within_month"])
	require.EqualValues(t, 1, total["refusals"])
	require.EqualValues(t, 1, total["late"], "the refusal went out after the first month")
	require.EqualValues(t, 0.5, total["share_within_month"])
	require.EqualValues(t, 1, r.body["refusals_by_ground"].(map[string]any)["17(3)(b)"])
	require.EqualValues(t, 1, r.body["by_channel"].(map[string]any)["email"].(map[string]any)["received"])
	require.EqualValues(t, 1, r.body["by_kind"].(map[string]any)["erasure"].(map[string]any)["refusals"])
	bad := s.call(http.MethodGet, "/v1/reports/summary?from=2026-02-30&to=2026-01-01", nil, nil, tokDPO)
	require.Equal(t, http.StatusUnprocessableEntity, bad.status)
}

// TestEveryRouteIsDocumented: the OpenAPI document covers every route.
func TestEveryRouteIsDocumented(t *testing.T) {
	s := newStack(t)
	r := s.call(http.MethodGet, "/openapi.json", nil, nil, "")
	require.Equal(t, http.StatusOK, r.status)
	require.Equal(t, "3.1.0", r.body["openapi"])
	paths := r.body["paths"].(map[string]any)
	n := 0
	for _, route := range s.server.Echo().Routes() {
		if route.Method != http.MethodGet && route.Method != http.MethodPost {
			continue // the router's own catch-alls
		}
		if web.Owns(route.Path) {
			continue // a page of the web UI, not the JSON API
		}
		path := route.Path
		for _, p := range []string{"id", "token", "letter", "system"} {
			path = strings.ReplaceAll(path, ":"+p, "{"+p+"}")
		}
		item, ok := paths[path].(map[string]any)
		require.True(t, ok, "route %s %s is not in the OpenAPI document", route.Method, path)
		_, ok = item[strings.ToLower(route.Method)]
		require.True(t, ok, "route %s %s is not in the OpenAPI document", route.Method, path)
		n++
	}
	require.Greater(t, n, 20)
}

// TestCodecEndpoint: the Temporal UI's codec server decodes for the DPO only.
func TestCodecEndpoint(t *testing.T) {
	s := newStack(t)
	p, err := crypto.Codec{Keys: testenv.Keys()}.DataConverter().ToPayload("assessment text")
	require.NoError(t, err)
	body := fmt.Sprintf(`{"payloads":[{"metadata":{"encoding":"%s","encryption-key-id":"%s"},"data":"%s"}]}`,
		b64(p.Metadata["encoding"]), b64(p.Metadata["encryption-key-id"]), b64(p.Data))
	r := s.call(http.MethodPost, "/codec/decode", nil, body, tokAdmin, "X-Namespace", "default")
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	require.Contains(t, string(r.raw), b64([]byte(`"assessment text"`)))
	require.Equal(t, http.StatusUnauthorized, s.call(http.MethodPost, "/codec/decode", nil, body, "").status)
	require.Equal(t, http.StatusForbidden, s.call(http.MethodPost, "/codec/decode", nil, body, tokCaseworker).status)
	// A DPO of one controller may not decode: a payload does not say which
	// request it belongs to, and it may be another controller's.
	scoped := s.call(http.MethodPost, "/codec/decode", nil, body, tokDPO)
	require.Equal(t, http.StatusForbidden, scoped.status)
	// A plain payload where an encrypted one is expected is refused.
	plain := fmt.Sprintf(`{"payloads":[{"metadata":{"encoding":"%s"},"data":"%s"}]}`, b64([]byte("json/plain")), b64([]byte(`"x"`)))
	require.NotEqual(t, http.StatusOK, s.call(http.MethodPost, "/codec/decode", nil, plain, tokAdmin).status)

	// rightsdesk dev: its Temporal UI decodes without a token, from this
	// machine only (the test server listens on loopback).
	dev := newStack(t, stackOptions{codecAnonymous: true})
	require.Equal(t, http.StatusOK, dev.call(http.MethodPost, "/codec/decode", nil, body, "").status)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// admin is a connection to the cluster's maintenance database.
func (s *stack) admin(t *testing.T) *gorm.DB {
	st, err := store.Open(context.Background(), pgtest.Cluster(t).DSN("postgres"), 2)
	require.NoError(t, err)
	t.Cleanup(func() { st.Close() })
	return st.DB
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// TestProcessorForwards: a request a processor receives is forwarded at once
// to its controller, where the clock keeps the first date of receipt.
func TestProcessorForwards(t *testing.T) {
	s := newStack(t)
	m := letter("access", "2026-01-31")
	m["controller"] = "processor"
	r := s.intake(m, tokAdmin)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	s.waitStage(r.str("id"), "forwarded")

	var fwd store.Request
	require.Eventually(t, func() bool {
		return s.store.DB.Where("controller_id = 'demo' AND channel = 'forwarded'").Limit(1).Find(&fwd).Error == nil && fwd.Reference != ""
	}, 15*time.Second, 20*time.Millisecond)
	s.waitStage(fwd.ID.String(), "identity")
	got := s.call(http.MethodGet, "/v1/requests/{id}", map[string]string{"id": fwd.ID.String()}, nil, tokCaseworker)
	require.Equal(t, http.StatusOK, got.status, "%s", got.raw)
	require.Equal(t, "2026-01-31", got.body["received_at"], "the first receipt date")
	require.Equal(t, "2026-03-02", got.body["statutory_due_at"])
	require.Equal(t, "Test Person", got.body["subject"].(map[string]any)["name"], "the same subject")
	var from store.Request
	require.NoError(t, s.store.DB.First(&from, "id = ?", r.str("id")).Error)
	require.Equal(t, "forwarded", *from.Outcome)
}

// TestRights lists the refusal grounds each right allows.
func TestRights(t *testing.T) {
	s := newStack(t)
	r := s.call(http.MethodGet, "/v1/rights", nil, nil, tokCaseworker)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	items := r.body["items"].([]any)
	require.Len(t, items, 7)
	grounds := map[string][]string{}
	for _, it := range items {
		m := it.(map[string]any)
		for _, g := range m["grounds"].([]any) {
			gm := g.(map[string]any)
			grounds[m["kind"].(string)] = append(grounds[m["kind"].(string)], gm["ground"].(string))
			if gm["ground"] == "15(4)" {
				require.Equal(t, true, gm["partial_only"])
			}
			require.NotEmpty(t, gm["description"])
		}
	}
	require.Contains(t, grounds["erasure"], "17(3)(b)")
	require.Contains(t, grounds["portability"], "20(3)")
	require.NotContains(t, grounds["access"], "17(3)(b)")
	require.Equal(t, http.StatusUnauthorized, s.call(http.MethodGet, "/v1/rights", nil, nil, "").status)
}

// TestAccessLog: every reading of a subject's data is logged, and the DPO
// can see who read it.
func TestAccessLog(t *testing.T) {
	s := newStack(t)
	id := s.intake(letter("access", "2026-01-31"), tokCaseworker).str("id")
	p := map[string]string{"id": id}
	require.Equal(t, http.StatusOK, s.call(http.MethodGet, "/v1/requests/{id}", p, nil, tokCaseworker).status)
	require.Equal(t, http.StatusOK, s.call(http.MethodGet, "/v1/requests/{id}", p, nil, tokDPO).status)
	log := s.call(http.MethodGet, "/v1/requests/{id}/access-log", p, nil, tokDPO)
	require.Equal(t, http.StatusOK, log.status, "%s", log.raw)
	var actors []string
	for _, it := range log.body["items"].([]any) {
		actors = append(actors, it.(map[string]any)["actor"].(string))
	}
	require.Equal(t, []string{"token:cw1", "token:dpo1"}, actors)
	require.Equal(t, http.StatusForbidden, s.call(http.MethodGet, "/v1/requests/{id}/access-log", p, nil, tokCaseworker).status)
	require.ErrorContains(t, s.store.DB.Exec("DELETE FROM access_log").Error, "append-only")
}

// TestSearchByIdentifier: every request of a person, found by any identifier
// they gave, e-mail in any case, only in the caller's controllers.
func TestSearchByIdentifier(t *testing.T) {
	s := newStack(t)
	a := letter("access", "2026-01-31") // Test.Person@Example.DK, CPR 070761-4285
	b := letter("erasure", "2026-02-02")
	delete(b["subject"].(map[string]any), "cpr")
	b["subject"].(map[string]any)["email"] = "test.person@example.dk"
	c := letter("access", "2026-02-03")
	c["controller"] = "other"
	d := letter("objection", "2026-02-04")
	d["subject"] = map[string]any{"name": "Someone Else", "email": "else@example.dk"}
	d["details"] = map[string]any{"purposes": []string{"newsletter"}}
	require.Equal(t, http.StatusCreated, s.intake(a, tokCaseworker).status)
	require.Equal(t, http.StatusCreated, s.intake(b, tokCaseworker).status)
	require.Equal(t, http.StatusCreated, s.intake(c, tokOther).status)
	require.Equal(t, http.StatusCreated, s.intake(d, tokCaseworker).status)

	kinds := func(r response) []string {
		var out []string
		for _, it := range r.body["items"].([]any) {
			out = append(out, it.(map[string]any)["kind"].(string))
		}
		return out
	}
	r := s.call(http.MethodPost, "/v1/requests/search", nil, map[string]any{"email": "TEST.PERSON@example.dk"}, tokCaseworker)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	require.Equal(t, []string{"access", "erasure"}, kinds(r), "both e-mail spellings; not the other controller's")
	r = s.call(http.MethodPost, "/v1/requests/search", nil, map[string]any{"cpr": "0707614285"}, tokCaseworker)
	require.Equal(t, []string{"access"}, kinds(r))
	r = s.call(http.MethodPost, "/v1/requests/search", nil, map[string]any{"cpr": "070761-4285", "email": "else@example.dk"}, tokCaseworker)
	require.Equal(t, []string{"access", "objection"}, kinds(r), "any identifier matches")
	r = s.call(http.MethodPost, "/v1/requests/search", nil, map[string]any{"email": "test.person@example.dk"}, tokAdmin)
	require.Len(t, r.body["items"], 3, "an admin sees every controller")
	r = s.call(http.MethodPost, "/v1/requests/search", nil, map[string]any{"cpr": "310299-1234"}, tokCaseworker)
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	r = s.call(http.MethodPost, "/v1/requests/search", nil, map[string]any{}, tokCaseworker)
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Equal(t, http.StatusUnauthorized, s.call(http.MethodPost, "/v1/requests/search", nil, map[string]any{"email": "x@y.dk"}, "").status)
	var n int64
	require.NoError(t, s.store.DB.Model(&store.Access{}).Where("what = 'search'").Count(&n).Error)
	require.EqualValues(t, 2+1+2+3, n, "every request found is logged as read")
}

func cphZone(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Copenhagen")
	require.NoError(t, err)
	return loc
}
