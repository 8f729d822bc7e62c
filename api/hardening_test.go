package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// identified registers a letter whose sender's identity was checked at
// intake, so the request waits for its decision.
func (s *stack) identified(m map[string]any) string {
	s.t.Helper()
	m["identity"] = map[string]any{"method": "mitid"}
	r := s.intake(m, tokCaseworker)
	require.Equal(s.t, http.StatusCreated, r.status, "%s", r.raw)
	id := r.str("id")
	s.waitStage(id, "assessment")
	return id
}

func taskOf(t *testing.T, state map[string]any, kind string) string {
	t.Helper()
	for _, tk := range state["tasks"].([]any) {
		if tk := tk.(map[string]any); tk["kind"] == kind && tk["status"] == "open" {
			return tk["id"].(string)
		}
	}
	t.Fatalf("no open %s task", kind)
	return ""
}

// TestErasureWaitsForPendingRequests: the same person (same CPR, another
// e-mail) has an access request open; the erasure is granted, but its
// fulfilment cannot be completed until the access request is answered, and
// the caseworker sees which request blocks it.
func TestErasureWaitsForPendingRequests(t *testing.T) {
	s := newStack(t)
	access := s.intake(letter("access", "2026-01-31"), tokCaseworker)
	require.Equal(t, http.StatusCreated, access.status)
	erasure := letter("erasure", "2026-02-02")
	erasure["subject"].(map[string]any)["email"] = "another.address@example.dk"
	id := s.identified(erasure)

	d := s.call(http.MethodPost, "/v1/requests/{id}/decision", map[string]string{"id": id}, map[string]any{"outcome": "grant", "assessment": "No retention duty."}, tokCaseworker)
	require.Equal(t, http.StatusOK, d.status, "%s", d.raw)
	fulfil := taskOf(t, d.body, "fulfil")
	blocked := s.call(http.MethodPost, "/v1/tasks/{id}/complete", map[string]string{"id": fulfil}, nil, tokCaseworker)
	require.Equal(t, http.StatusConflict, blocked.status, "%s", blocked.raw)
	require.Equal(t, "art-17-pending-request", blocked.problemRule())
	by := blocked.body["blocked_by"].([]any)
	require.Len(t, by, 1)
	require.Equal(t, access.str("reference"), by[0].(map[string]any)["reference"])
	require.Equal(t, "access", by[0].(map[string]any)["kind"])

	w := s.call(http.MethodPost, "/v1/requests/{id}/withdrawal", map[string]string{"id": access.str("id")}, map[string]any{}, tokCaseworker)
	require.Equal(t, http.StatusOK, w.status, "%s", w.raw)
	done := s.call(http.MethodPost, "/v1/tasks/{id}/complete", map[string]string{"id": fulfil}, nil, tokCaseworker)
	require.Equal(t, http.StatusOK, done.status, "%s", done.raw)
}

// TestManifestlyExcessiveNeedsFacts: Art. 12(5) is refused for a person's
// first request in a year, and allowed (with its justification) once the
// blind index finds another, however the e-mail was cased.
func TestManifestlyExcessiveNeedsFacts(t *testing.T) {
	s := newStack(t)
	refuse := map[string]any{"outcome": "refuse", "grounds": []string{"12(5)"}, "assessment": "Repeats.", "justification": "Identical to the request answered in March."}
	first := letter("access", "2026-03-02")
	delete(first["subject"].(map[string]any), "cpr")
	id1 := s.identified(first)
	r := s.call(http.MethodPost, "/v1/requests/{id}/decision", map[string]string{"id": id1}, refuse, tokCaseworker)
	require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s", r.raw)
	require.Equal(t, "art-12-5-once-a-year", r.problemRule())

	second := letter("access", "2026-04-01")
	second["subject"] = map[string]any{"name": "T. Person", "email": "test.person@example.dk"}
	id2 := s.identified(second)
	r = s.call(http.MethodPost, "/v1/requests/{id}/decision", map[string]string{"id": id2}, refuse, tokCaseworker)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)

	// Another controller's requests are not this controller's facts.
	other := letter("access", "2026-04-01")
	other["controller"] = "demo-se"
	other["subject"] = map[string]any{"name": "T. Person", "email": "test.person@example.dk"}
	id3 := s.identified(other)
	r = s.call(http.MethodPost, "/v1/requests/{id}/decision", map[string]string{"id": id3}, refuse, tokCaseworker)
	require.Equal(t, "art-12-5-once-a-year", r.problemRule())
}

// TestIdempotencyKeyBindsTheAction: a key replayed with the same action and
// body is applied once; reused for another body, action or request it is a
// 409, never a 200 that silently drops a decision.
func TestIdempotencyKeyBindsTheAction(t *testing.T) {
	s := newStack(t)
	id := s.identified(letter("access", "2026-01-31"))
	other := s.identified(letter("erasure", "2026-01-31"))
	p := map[string]string{"id": id}
	key := []string{"Idempotency-Key", "k-1"}
	a := s.call(http.MethodPost, "/v1/requests/{id}/notes", p, map[string]any{"text": "Called."}, tokCaseworker, key...)
	require.Equal(t, http.StatusOK, a.status, "%s", a.raw)
	b := s.call(http.MethodPost, "/v1/requests/{id}/notes", p, map[string]any{"text": "Called."}, tokCaseworker, key...)
	require.Equal(t, http.StatusOK, b.status)
	require.Equal(t, a.body["version"], b.body["version"], "a replay is applied once")
	for _, tc := range []struct {
		path string
		id   string
		body map[string]any
	}{
		{"/v1/requests/{id}/notes", id, map[string]any{"text": "Another note."}},
		{"/v1/requests/{id}/decision", id, map[string]any{"outcome": "grant", "assessment": "Fine."}},
		{"/v1/requests/{id}/notes", other, map[string]any{"text": "Called."}},
	} {
		r := s.call(http.MethodPost, tc.path, map[string]string{"id": tc.id}, tc.body, tokCaseworker, key...)
		require.Equal(t, http.StatusConflict, r.status, "%s %s", tc.path, r.raw)
		require.Equal(t, "https://rightsdesk.dev/problems/idempotency-key-reused", r.str("type"))
	}
	// The same key is another caseworker's own.
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/decision", p, map[string]any{"outcome": "grant", "assessment": "Fine."}, tokCaseworker2, key...).status)
	got := s.call(http.MethodGet, "/v1/requests/{id}", p, nil, tokCaseworker)
	require.EqualValues(t, 1, got.body["state"].(map[string]any)["notes"])
}

// TestParallelClaimsWriteOneEntry: a caseworker's claim sent eight times at
// once is one claim in the audit log.
func TestParallelClaimsWriteOneEntry(t *testing.T) {
	s := newStack(t)
	id := s.identified(letter("access", "2026-01-31"))
	got := s.call(http.MethodGet, "/v1/requests/{id}", map[string]string{"id": id}, nil, tokCaseworker)
	task := taskOf(t, got.body["state"].(map[string]any), "decide")
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Go(func() {
			codes[i] = s.call(http.MethodPost, "/v1/tasks/{id}/claim", map[string]string{"id": task}, nil, tokCaseworker).status
		})
	}
	wg.Wait()
	for _, c := range codes {
		require.Equal(t, http.StatusOK, c)
	}
	var n int64
	require.NoError(t, s.store.DB.Model(&store.Event{}).Where("request_id = ? AND action = 'task.claimed'", id).Count(&n).Error)
	require.EqualValues(t, 1, n)
}

// TestAssigneeIsStaff: an assignee is a staff member of the request's
// controller, from the directory; free text is refused and never echoed.
func TestAssigneeIsStaff(t *testing.T) {
	s := newStack(t)
	id := s.identified(letter("access", "2026-01-31"))
	p := map[string]string{"id": id}
	for _, who := range []string{"Jens Hansen, 010203-1234", "token:nobody", "token:cwo", strings.Repeat("x", 201)} {
		r := s.call(http.MethodPost, "/v1/requests/{id}/assignment", p, map[string]any{"assignee": who}, tokCaseworker)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", who, r.raw)
		require.NotContains(t, string(r.raw), "Jens")
		require.NotContains(t, string(r.raw), "010203")
	}
	r := s.call(http.MethodPost, "/v1/requests/{id}/assignment", p, map[string]any{"assignee": "token:cw2"}, tokCaseworker)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	require.Equal(t, "token:cw2", r.body["assignee"])

	staff := s.call(http.MethodGet, "/v1/staff", nil, nil, tokCaseworker)
	require.Equal(t, http.StatusOK, staff.status)
	var ids []string
	for _, it := range staff.body["items"].([]any) {
		ids = append(ids, it.(map[string]any)["id"].(string))
	}
	require.Contains(t, ids, "token:cw2")
	require.Contains(t, ids, "token:admin1", "an admin acts for every controller")
	require.NotContains(t, ids, "token:cwo", "a caseworker of another controller is not listed")
}

// blackhole accepts connections and never answers: a Temporal that hangs.
func blackhole(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// TestNoCallHangs: with Temporal unreachable behind a silent socket, an
// action answers 503 with Retry-After once the configured time is up.
func TestNoCallHangs(t *testing.T) {
	hung, err := client.NewLazyClient(client.Options{HostPort: blackhole(t)})
	require.NoError(t, err)
	t.Cleanup(hung.Close)
	s := newStack(t, stackOptions{temporal: hung, temporalTimeout: 500 * time.Millisecond})
	r := s.intake(letter("access", "2026-01-31"), tokCaseworker)
	require.Equal(t, http.StatusCreated, r.status, "the request is received; the sweeper starts it later: %s", r.raw)
	n := s.call(http.MethodPost, "/v1/requests/{id}/notes", map[string]string{"id": r.str("id")}, map[string]any{"text": "x"}, tokCaseworker)
	require.Equal(t, http.StatusServiceUnavailable, n.status, "%s", n.raw)
	require.Equal(t, "5", n.header.Get("Retry-After"))
	got := s.call(http.MethodGet, "/v1/requests/{id}", map[string]string{"id": r.str("id")}, nil, tokCaseworker)
	require.Equal(t, http.StatusOK, got.status, "the read model answers while Temporal is away")
}

// TestReadYourWrites: right after a 200, the request, the queue and the
// status page show the action.
func TestReadYourWrites(t *testing.T) {
	s := newStack(t)
	for i := range 8 {
		r := s.intake(letter("access", "2026-01-31"), tokCaseworker)
		require.Equal(t, http.StatusCreated, r.status)
		id := r.str("id")
		s.waitStage(id, "identity")
		p := map[string]string{"id": id}
		v := s.call(http.MethodPost, "/v1/requests/{id}/identity", p, map[string]any{"method": "mitid"}, tokCaseworker)
		require.Equal(t, http.StatusOK, v.status)

		got := s.call(http.MethodGet, "/v1/requests/{id}", p, nil, tokCaseworker)
		require.Equal(t, "assessment", got.body["stage"], "try %d", i)
		require.Equal(t, got.body["state"].(map[string]any)["stage"], got.body["stage"])
		var row store.Request
		require.NoError(t, s.store.DB.First(&row, "id = ?", uuid.MustParse(id)).Error)
		require.Equal(t, "assessment", row.Stage, "the read model (lists, queue, status page), try %d", i)
		q := s.call(http.MethodGet, "/v1/tasks?scope=all", nil, nil, tokCaseworker)
		kinds := map[string]string{}
		for _, it := range q.body["items"].([]any) {
			kinds[it.(map[string]any)["request_id"].(string)] = it.(map[string]any)["kind"].(string)
		}
		require.Equal(t, "decide", kinds[id], "try %d", i)
	}
}

// TestOverdueInTheControllersTimeZone: at 23:30 UTC on 28 February it is
// already 1 March in Copenhagen, so a request due 28 February is overdue
// there, though UTC's calendar still says the 28th.
func TestOverdueInTheControllersTimeZone(t *testing.T) {
	now := time.Date(2026, 2, 28, 23, 30, 0, 0, time.UTC)
	s := newStack(t, stackOptions{now: func() time.Time { return now }})
	r := s.intake(letter("access", "2026-01-31"), tokCaseworker) // due 2026-02-28
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	require.Equal(t, "2026-02-28", r.str("due_at"))
	s.waitStage(r.str("id"), "identity")
	list := s.call(http.MethodGet, "/v1/requests?overdue=true&controller=demo", nil, nil, tokCaseworker)
	require.Equal(t, http.StatusOK, list.status, "%s", list.raw)
	require.Len(t, list.body["items"], 1)
	q := s.call(http.MethodGet, "/v1/tasks", nil, nil, tokCaseworker)
	require.EqualValues(t, -1, q.body["items"].([]any)[0].(map[string]any)["days_left"])
}

// TestStoppedWorkflowIsReported: a request whose workflow was terminated by
// hand is flagged by the sweeper, logged, and the DPO told, once.
func TestStoppedWorkflowIsReported(t *testing.T) {
	s := newStack(t)
	r := s.intake(letter("access", "2026-01-31"), tokCaseworker)
	id := uuid.MustParse(r.str("id"))
	s.waitStage(id.String(), "identity")
	ctx := context.Background()
	require.NoError(t, s.client.TerminateWorkflow(ctx, rights.WorkflowID(id), "", "by hand"))
	sweep := func() {
		run, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "sweep-" + uuid.NewString(), TaskQueue: s.taskQueue},
			workflows.SweepWorkflowType, workflows.SweepInput{})
		require.NoError(t, err)
		require.NoError(t, run.Get(ctx, nil))
	}
	require.Eventually(t, func() bool {
		sweep()
		var row store.Request
		require.NoError(t, s.store.DB.First(&row, "id = ?", id).Error)
		return row.Attention != nil && *row.Attention == "workflow"
	}, 20*time.Second, 200*time.Millisecond, "visibility lists the terminated workflow")
	sweep()
	var notices, events int64
	require.NoError(t, s.store.DB.Model(&store.Notice{}).Where("request_id = ? AND kind = 'attention' AND recipient = 'dpo'", id).Count(&notices).Error)
	require.NoError(t, s.store.DB.Model(&store.Event{}).Where("request_id = ? AND action = 'workflow.stopped'", id).Count(&events).Error)
	require.EqualValues(t, 1, notices, "told once")
	require.EqualValues(t, 1, events)
	list := s.call(http.MethodGet, "/v1/requests?needs_attention=true", nil, nil, tokCaseworker)
	require.Equal(t, http.StatusOK, list.status, "%s", list.raw)
	items := list.body["items"].([]any)
	require.Len(t, items, 1)
	require.Equal(t, "workflow", items[0].(map[string]any)["attention"].(map[string]any)["step"])
}

// TestInputKeptOrRefused: what encoding/json would alter is refused, and
// nothing is written.
func TestInputKeptOrRefused(t *testing.T) {
	s := newStack(t)
	valid := `{"controller":"demo","kind":"access","subject":{"name":"Åse Østergård","email":"a@example.dk"}}`
	for _, tc := range []struct {
		name, body, contentType string
		status                  int
	}{
		{"invalid UTF-8", "{\"controller\":\"demo\",\"kind\":\"access\",\"subject\":{\"name\":\"\xff\xfe\",\"email\":\"a@example.dk\"}}", "application/json", 400},
		{"lone surrogate", `{"controller":"demo","kind":"access","subject":{"name":"A\ud800B","email":"a@example.dk"}}`, "application/json", 400},
		{"lone low surrogate", `{"controller":"demo","kind":"access","subject":{"name":"A\udc00","email":"a@example.dk"}}`, "application/json", 400},
		{"duplicate key", `{"controller":"demo","kind":"access","kind":"erasure","subject":{"name":"A","email":"a@example.dk"}}`, "application/json", 400},
		{"keys differing in case", `{"controller":"demo","kind":"access","subject":{"name":"A","Name":"B","email":"a@example.dk"}}`, "application/json", 400},
		{"a key in another case", `{"controller":"demo","Kind":"access","subject":{"name":"A","email":"a@example.dk"}}`, "application/json", 400},
		{"a nested key in another case", `{"controller":"demo","kind":"access","subject":{"Name":"A","email":"a@example.dk"}}`, "application/json", 400},
		{"latin-1", valid, "application/json; charset=iso-8859-1", 415},
		{"name with spaces around it", `{"controller":"demo","kind":"access","subject":{"name":" Anna ","email":"a@example.dk"}}`, "application/json", 422},
		{"bidi override in a name", `{"controller":"demo","kind":"access","subject":{"name":"Anna \u202eneslO","email":"a@example.dk"}}`, "application/json", 422},
		{"e-mail with a space", `{"controller":"demo","kind":"access","subject":{"name":"Anna","email":"a@example.dk "}}`, "application/json", 422},
	} {
		r := s.call(http.MethodPost, "/v1/requests", nil, tc.body, "", "Content-Type", tc.contentType)
		require.Equal(t, tc.status, r.status, "%s: %s", tc.name, r.raw)
	}
	var n int64
	require.NoError(t, s.store.DB.Model(&store.Request{}).Count(&n).Error)
	require.Zero(t, n, "nothing half-written")
	// A surrogate pair is a character, and UTF-8 names are kept as given.
	ok := s.call(http.MethodPost, "/v1/requests", nil, `{"controller":"demo","kind":"access","subject":{"name":"Åse \ud83d\ude00","email":"a@example.dk"}}`, "")
	require.Equal(t, http.StatusCreated, ok.status, "%s", ok.raw)
	got := s.call(http.MethodGet, "/v1/requests/{id}", map[string]string{"id": ok.str("id")}, nil, tokCaseworker)
	require.Equal(t, "Åse 😀", got.body["subject"].(map[string]any)["name"])
}

// TestBoundedAnswers: a body with a hundred errors earns twenty and a count;
// an over-long array one error.
func TestBoundedAnswers(t *testing.T) {
	s := newStack(t)
	purposes := make([]string, 100)
	body := map[string]any{"controller": "demo", "kind": "objection", "subject": map[string]any{"name": "A", "email": "a@example.dk"},
		"details": map[string]any{"purposes": purposes}}
	r := s.intake(body, "")
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Len(t, r.body["errors"], 20)
	require.EqualValues(t, 100, r.body["error_count"])
	kinds := make([]string, 5000)
	for i := range kinds {
		kinds[i] = "access"
	}
	r = s.intake(map[string]any{"controller": "demo", "kinds": kinds, "subject": map[string]any{"name": "A", "email": "a@example.dk"}}, "")
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Less(t, len(r.raw), 2000, "%d bytes", len(r.raw))
}

// TestPublicCallsNeedJSON: a withdrawal needs a JSON body with its content
// type, so a cross-site form cannot send one; the modulus-11 warning is for
// staff only.
func TestPublicCallsNeedJSON(t *testing.T) {
	s := newStack(t)
	m := letter("access", "")
	delete(m, "received_at")
	delete(m, "channel")
	m["subject"].(map[string]any)["cpr"] = "010120-4001" // fails modulus 11, valid all the same
	r := s.intake(m, "")
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	require.Nil(t, r.body["warnings"], "a citizen is not warned about a valid number")
	token := strings.TrimPrefix(r.str("status_url"), "https://rights.example/status/")
	tp := map[string]string{"token": token}
	require.Equal(t, http.StatusUnsupportedMediaType, s.call(http.MethodPost, "/v1/status/{token}/withdraw", tp, nil, "").status)
	form := s.call(http.MethodPost, "/v1/status/{token}/withdraw", tp, "x=1", "", "Content-Type", "application/x-www-form-urlencoded")
	require.Equal(t, http.StatusUnsupportedMediaType, form.status)
	text := s.call(http.MethodPost, "/v1/status/{token}/withdraw", tp, "{}", "", "Content-Type", "text/plain")
	require.Equal(t, http.StatusUnsupportedMediaType, text.status)
	s.waitStage(r.str("id"), "identity")
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/status/{token}/withdraw", tp, map[string]any{}, "").status)
}

// raw sends a request outside the OpenAPI-checked helper.
func (s *stack) raw(method, path, token string) (*http.Response, []byte) {
	s.t.Helper()
	req, err := http.NewRequest(method, s.url+path, nil)
	require.NoError(s.t, err)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return resp, b
}

// TestHTTPAsClientsExpect: HEAD wherever GET is served; 405 with Allow; a
// problem's instance is its call's request ID; metric labels bounded.
func TestHTTPAsClientsExpect(t *testing.T) {
	s := newStack(t)
	id := s.intake(letter("access", "2026-01-31"), tokCaseworker).str("id")
	for _, path := range []string{"/healthz", "/v1/requests/" + id, "/v1/tasks", "/openapi.json"} {
		resp, body := s.raw(http.MethodHead, path, tokCaseworker)
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
		require.Empty(t, body, path)
		require.Contains(t, resp.Header.Get("Content-Type"), "json", path)
	}
	resp, body := s.raw(http.MethodDelete, "/v1/requests/"+id, tokCaseworker)
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode, "%s", body)
	require.Contains(t, resp.Header.Get("Allow"), http.MethodGet)
	require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	resp, _ = s.raw(http.MethodPut, "/v1/tasks", tokCaseworker)
	require.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)

	var instances []string
	for range 2 {
		resp, body := s.raw(http.MethodGet, "/v1/requests", "")
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
		var p map[string]any
		require.NoError(t, json.Unmarshal(body, &p))
		require.Equal(t, "urn:request:"+resp.Header.Get("X-Request-Id"), p["instance"])
		instances = append(instances, p["instance"].(string))
	}
	require.NotEqual(t, instances[0], instances[1])

	for i := range 5 {
		s.raw(http.MethodGet, fmt.Sprintf("/nope/%d", i), "")
		s.raw(fmt.Sprintf("BREW%d", i), "/healthz", "")
	}
	_, metrics := s.raw(http.MethodGet, "/metrics", "")
	require.Contains(t, string(metrics), `route="unmatched"`)
	require.Contains(t, string(metrics), `method="other"`)
	require.NotContains(t, string(metrics), "/nope/")
	require.NotContains(t, string(metrics), "BREW")
}
