// Package teststack is the whole of rightsdesk for the pages' integration
// tests (web/staff, web/citizen): a fresh PostgreSQL database, the shared
// embedded Temporal server, a worker, a real SMTP server, and the API and
// both page doors on one HTTP server, as internal/app serves them. Tests of
// the API keep their own harness (api/harness_test.go), which checks every
// answer against the OpenAPI document.
package teststack

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/api"
	"github.com/rightsdesk/rightsdesk/internal/app"
	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/delivery"
	"github.com/rightsdesk/rightsdesk/internal/devtools/mailcatch"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/devtools/testenv"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/worker"
)

// Tokens of the stack's static staff.
const (
	TokCaseworker  = "cw-token-0123456789"    // cw1: caseworker for demo and demo-se
	TokDPO         = "dpo-token-0123456789"   // dpo1: dpo for demo
	TokOther       = "other-token-0123456789" // cwo: caseworker for other only
	TokAdmin       = "admin-token-0123456789" // admin1: admin, every controller
	TokCaseworker2 = "cw2-token-0123456789"   // cw2: a second caseworker for demo
)

const apiTokens = "cw1:caseworker@demo+demo-se:" + TokCaseworker + ",dpo1:dpo@demo:" + TokDPO +
	",cwo:caseworker@other:" + TokOther + ",admin1:admin:" + TokAdmin + ",cw2:caseworker@demo:" + TokCaseworker2

// Options change the stack.
type Options struct {
	// Rate is the public's calls a minute per address (1000 when unset).
	Rate int
	// DevLogin offers the one-click staff login of rightsdesk dev.
	DevLogin bool
	// OIDCIssuer is an identity provider's URL, for the staff login.
	OIDCIssuer string
	// LiveURL makes the public URL the stack's own (plain HTTP: no
	// __Host- cookies), for flows that come back to it.
	LiveURL bool
	// Now is the clock of the API, the pages and the service.
	Now func() time.Time
	// Temporal replaces the API's client (to inject failures).
	Temporal client.Client
}

// Stack is the running whole.
type Stack struct {
	T         testing.TB
	URL       string
	Store     *store.Store
	Server    *api.Server
	TaskQueue string
	Mail      *mailcatch.Server
}

// New starts a stack for a test; everything stops when the test ends.
func New(t testing.TB, o Options) *Stack {
	t.Helper()
	ctx := context.Background()
	st := pgtest.New(t)
	cs := append(controllers.Demo(), controllers.Controller{ID: "other", Name: "Other", Role: "controller", Country: "DK",
		TimeZone: "Europe/Copenhagen", Language: "da", Settings: controllers.Settings{Deadlines: controllers.DefaultDeadlines()}},
		controllers.Controller{ID: "processor", Name: "Processor ApS", Role: "processor", ForwardsTo: "demo", Country: "DK",
			TimeZone: "Europe/Copenhagen", Language: "da", Settings: controllers.Settings{Deadlines: controllers.DefaultDeadlines()}})
	require.NoError(t, controllers.Sync(ctx, st, cs))
	tc := testenv.Temporal(t)
	tq := testenv.TaskQueue(t) + "-" + uuid.NewString()[:8]
	mail, err := mailcatch.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { mail.Close() })
	smtpServer, err := delivery.ParseSMTPURL(mail.URL())
	require.NoError(t, err)
	outbox := &activities.Outbox{Store: st, Subjects: &intake.Service{Store: st, Keys: testenv.Keys()}, SMTP: smtpServer,
		MailFrom: "Demo <noreply@demo.example>", PublicURL: "https://rights.example"}
	systems := &activities.Systems{Keys: testenv.Keys()}
	t.Cleanup(systems.Close)
	w := worker.New(tc, tq, &activities.Activities{Store: st, Outbox: outbox, Subjects: outbox.Subjects, Systems: systems})
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	cfg := config.Config{BodyLimit: "1M", TaskQueue: tq, APITokens: apiTokens, IntakeRatePerMinute: 1000, DevLogin: o.DevLogin,
		PublicURL: "https://rights.example", ShutdownTimeout: time.Second, OIDCRolesClaim: "roles", OIDCControllersClaim: "controllers"}
	if o.Rate > 0 {
		cfg.IntakeRatePerMinute = o.Rate
	}
	if o.OIDCIssuer != "" {
		cfg.OIDCIssuer, cfg.OIDCAudience = o.OIDCIssuer, "rightsdesk"
	}
	srv := httptest.NewUnstartedServer(nil)
	if o.LiveURL {
		cfg.PublicURL = "http://" + srv.Listener.Addr().String()
	}
	apiClient := tc
	if o.Temporal != nil {
		apiClient = o.Temporal
	}
	s, err := api.New(api.Deps{Config: cfg, Store: st, Temporal: apiClient, Keys: testenv.Keys(), Logger: testenv.Logger(), Now: o.Now,
		SystemSecrets: map[string]string{}, Outbox: outbox, Systems: systems})
	require.NoError(t, err)
	require.NoError(t, app.MountPages(s, cfg, testenv.Keys(), testenv.Logger()))
	srv.Config.Handler = s.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	systems.PublicURL = srv.URL
	return &Stack{T: t, URL: srv.URL, Store: st, Server: s, TaskQueue: tq, Mail: mail}
}

// Response is one answer of the JSON API, its body decoded.
type Response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

// Str is a string field of the body.
func (r Response) Str(key string) string {
	s, _ := r.Body[key].(string)
	return s
}

// Call sends a JSON call to a route template of the API (e.g.
// /v1/requests/{id}), its parameters filled in from params.
func (s *Stack) Call(method, template string, params map[string]string, body any, token string, headers ...string) Response {
	s.T.Helper()
	path := template
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	var rdr io.Reader
	if body != nil {
		raw, err := json.Marshal(body)
		require.NoError(s.T, err)
		rdr = strings.NewReader(string(raw))
	}
	req, err := http.NewRequest(method, s.URL+path, rdr)
	require.NoError(s.T, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.T, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(s.T, err)
	out := Response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if len(raw) > 0 && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		require.NoError(s.T, json.Unmarshal(raw, &out.Body), "body: %s", raw)
	}
	return out
}

// Intake registers a request through POST /v1/requests.
func (s *Stack) Intake(body map[string]any, token string, headers ...string) Response {
	s.T.Helper()
	return s.Call(http.MethodPost, "/v1/requests", nil, body, token, headers...)
}

// Identified registers a letter whose sender's identity was checked at
// intake, so the request waits for its decision.
func (s *Stack) Identified(m map[string]any) string {
	s.T.Helper()
	m["identity"] = map[string]any{"method": "mitid"}
	r := s.Intake(m, TokCaseworker)
	require.Equal(s.T, http.StatusCreated, r.Status, "%s", r.Raw)
	id := r.Str("id")
	s.WaitStage(id, "assessment")
	return id
}

// Letter is an intake body of a request received by letter.
func Letter(kind, received string) map[string]any {
	return map[string]any{
		"controller": "demo", "kind": kind, "channel": "letter", "received_at": received,
		"subject": map[string]any{"name": "Test Person", "email": "Test.Person@Example.DK", "cpr": "070761-4285"},
	}
}

// WaitStage waits for the read model to show a stage.
func (s *Stack) WaitStage(id, stage string) {
	s.T.Helper()
	require.Eventually(s.T, func() bool {
		var r store.Request
		if err := s.Store.DB.First(&r, "id = ?", uuid.MustParse(id)).Error; err != nil {
			return false
		}
		return r.Stage == stage
	}, 15*time.Second, 20*time.Millisecond, "request %s never reached stage %s", id, stage)
}
