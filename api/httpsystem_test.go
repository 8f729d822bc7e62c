package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/connectors"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/delivery"
	"github.com/rightsdesk/rightsdesk/internal/policy"
)

const systemSecret = "whsec_c3lzdGVtc2VjcmV0c3lzdGVtc2VjcmV0MTIzNA=="

// crmService is an http system stand-in: it verifies each call, fails the
// first ones, does each step once per key, and answers at once or later.
type crmService struct {
	t        *testing.T
	failures int
	later    bool
	mu       sync.Mutex
	calls    []string // webhook-ids
	done     map[string]bool
	last     connectors.HTTPStep
}

func (c *crmService) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := delivery.Verify(systemSecret, body, r.Header); err != nil {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	c.calls = append(c.calls, r.Header.Get("webhook-id"))
	if len(c.calls) <= c.failures {
		http.Error(w, "down", http.StatusBadGateway)
		return
	}
	var step connectors.HTTPStep
	_ = json.Unmarshal(body, &step)
	c.last = step
	if step.Step == "export" {
		// Streamed as a service with many rows would, in pieces.
		_, _ = io.WriteString(w, `{"key":"`+step.Key+`","status":"done","records":[{"name":"Test Person","email":"test.person@example.dk","visits":`)
		w.(http.Flusher).Flush()
		_, _ = io.WriteString(w, `3},{"name":"Test Person","email":"test.person@example.dk","visits":1}]}`)
		return
	}
	c.done[step.Key] = true
	if c.later {
		w.WriteHeader(http.StatusAccepted)
		return
	}
	_ = json.NewEncoder(w).Encode(connectors.HTTPResult{Key: step.Key, Status: "done", Rows: 3})
}

func httpSystem(t *testing.T, s *stack, svc *crmService) {
	t.Helper()
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	s.systems.SetSecret("crm", systemSecret)
	s.secrets["crm"] = systemSecret
	c := controllers.Demo()[0]
	c.Systems = []policy.System{{ID: "crm", Name: "CRM", Kind: "http", URL: srv.URL + "/steps", Datasets: []policy.Dataset{{
		ID: "contacts", Name: "Kontakter", Keys: map[string]string{"email": "email", "cpr": "cpr"},
		Purposes: []string{"Nyhedsbrev om kommunens tilbud"}, LegalBasis: []string{"6(1)(a)"}, Recipients: []string{}, Retention: "1 år",
		Erase: policy.Erasure{Strategy: "delete"},
	}}}}
	require.NoError(t, controllers.Sync(context.Background(), s.store, []controllers.Controller{c}))
}

// TestHTTPSystemFailsTwice: the service fails twice; the third call, with
// the same key, is done once and the request closes with its count.
func TestHTTPSystemFailsTwice(t *testing.T) {
	s := newStack(t)
	svc := &crmService{t: t, failures: 2, done: map[string]bool{}}
	httpSystem(t, s, svc)
	id := s.identified(letter("erasure", "2026-11-01"))
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/decision", map[string]string{"id": id}, map[string]any{"outcome": "grant", "assessment": "ok"}, tokCaseworker).status)
	s.waitStage(id, "closed")
	svc.mu.Lock()
	defer svc.mu.Unlock()
	require.Len(t, svc.calls, 3)
	require.Equal(t, svc.calls[0], svc.calls[2], "the same idempotency key each time")
	require.Len(t, svc.done, 1, "done once")
	require.Equal(t, map[string]string{"cpr": "0707614285", "email": "test.person@example.dk"}, svc.last.Subject)
	got := s.call(http.MethodGet, "/v1/requests/{id}", map[string]string{"id": id}, nil, tokCaseworker)
	f := got.body["state"].(map[string]any)["fulfilment"].([]any)[0].(map[string]any)
	require.EqualValues(t, 3, f["rows"])
}

// TestHTTPSystemCallsBack: the service accepts the step and reports it
// later through a signed callback; a callback with a bad signature is
// refused and changes nothing.
func TestHTTPSystemCallsBack(t *testing.T) {
	s := newStack(t)
	svc := &crmService{t: t, later: true, done: map[string]bool{}}
	httpSystem(t, s, svc)
	id := s.identified(letter("erasure", "2026-11-01"))
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/decision", map[string]string{"id": id}, map[string]any{"outcome": "grant", "assessment": "ok"}, tokCaseworker).status)
	var key, callback string
	require.Eventually(t, func() bool {
		svc.mu.Lock()
		defer svc.mu.Unlock()
		key, callback = svc.last.Key, svc.last.Callback
		return key != ""
	}, 20*time.Second, 20*time.Millisecond)
	require.Equal(t, s.url+"/v1/systems/crm/callback", callback)

	post := func(secret string, r connectors.HTTPResult) int {
		body, _ := json.Marshal(r)
		wh, err := standardwebhooks.NewWebhook(secret)
		require.NoError(t, err)
		now := time.Now()
		sig, err := wh.Sign("cb-1", now, body)
		require.NoError(t, err)
		req, _ := http.NewRequest(http.MethodPost, callback, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("webhook-id", "cb-1")
		req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
		req.Header.Set("webhook-signature", sig)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	require.Equal(t, http.StatusUnauthorized, post("whsec_d3JvbmdzZWNyZXR3cm9uZ3NlY3JldDEyMzQ1Ng==", connectors.HTTPResult{Key: key, Status: "done", Rows: 9}))
	// The refused callback reached no workflow: the request is still in fulfilment.
	got := s.call(http.MethodGet, "/v1/requests/{id}", map[string]string{"id": id}, nil, tokCaseworker)
	require.Equal(t, "fulfilment", got.body["stage"])

	require.Equal(t, http.StatusAccepted, post(systemSecret, connectors.HTTPResult{Key: key, Status: "done", Rows: 5}))
	s.waitStage(id, "closed")
	// The same report delivered again, and a different one for the same
	// step: taken, and nothing changes.
	require.Equal(t, http.StatusAccepted, post(systemSecret, connectors.HTTPResult{Key: key, Status: "done", Rows: 5}))
	require.Equal(t, http.StatusAccepted, post(systemSecret, connectors.HTTPResult{Key: key, Status: "done", Rows: 7}))
	got = s.call(http.MethodGet, "/v1/requests/{id}", map[string]string{"id": id}, nil, tokCaseworker)
	f := got.body["state"].(map[string]any)["fulfilment"].([]any)
	require.Len(t, f, 1, "one step, recorded once")
	require.EqualValues(t, 5, f[0].(map[string]any)["rows"])
	require.Len(t, s.mailTo("Test.Person@Example.DK", "Svar på din anmodning om sletning", 1), 1, "one reply")
}

// TestHTTPSystemInTheAccessPackage: an access request collects the
// person's records from the http system, signed, streamed into the ZIP as
// JSON and CSV, and the summary counts them.
func TestHTTPSystemInTheAccessPackage(t *testing.T) {
	s := newStack(t)
	svc := &crmService{t: t, done: map[string]bool{}}
	httpSystem(t, s, svc)
	id := s.identified(letter("access", "2026-11-01"))
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/decision", map[string]string{"id": id}, map[string]any{"outcome": "grant", "assessment": "Full copy."}, tokCaseworker).status)
	s.waitStage(id, "closed")
	resp, body := s.raw(http.MethodGet, "/v1/requests/"+id+"/package", tokCaseworker)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	files := unzip(t, body)
	var recs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(files["crm/contacts.json"]), &recs))
	require.Len(t, recs, 2)
	require.EqualValues(t, 3, recs[0]["visits"])
	require.Contains(t, files["crm/contacts.csv"], "email,name,visits\ntest.person@example.dk,Test Person,3\n")
	require.Contains(t, files["summary.txt"], "CRM / Kontakter: 2")
	svc.mu.Lock()
	defer svc.mu.Unlock()
	require.Equal(t, "export", svc.last.Step)
	require.Equal(t, map[string]string{"cpr": "0707614285", "email": "test.person@example.dk"}, svc.last.Subject)
	require.Empty(t, svc.done, "nothing changed in the system")
}
