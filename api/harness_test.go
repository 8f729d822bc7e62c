package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/client"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/api"
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

// Tokens of the test stack.
const (
	tokCaseworker  = "cw-token-0123456789"    // caseworker for demo and demo-se
	tokDPO         = "dpo-token-0123456789"   // dpo for demo
	tokOther       = "other-token-0123456789" // caseworker for other only
	tokAdmin       = "admin-token-0123456789" // admin, every controller
	tokCaseworker2 = "cw2-token-0123456789"   // a second caseworker for demo
)

const apiTokens = "cw1:caseworker@demo+demo-se:" + tokCaseworker + ",dpo1:dpo@demo:" + tokDPO +
	",cwo:caseworker@other:" + tokOther + ",admin1:admin:" + tokAdmin + ",cw2:caseworker@demo:" + tokCaseworker2

// stack is the API over real HTTP, with a worker, on the embedded Temporal
// server and a fresh PostgreSQL database.
type stack struct {
	t      testing.TB
	url    string
	store  *store.Store
	client client.Client
	server *api.Server
	// taskQueue is where this stack's worker polls.
	taskQueue string
	// mail receives what the stack sends by e-mail; outbox is the worker's.
	mail    *mailcatch.Server
	outbox  *activities.Outbox
	systems *activities.Systems
	acts    *activities.Activities
	// secrets are the http systems' signing secrets the API verifies.
	secrets map[string]string
}

// webhookSecret signs the stack's calls to mail gateways.
const webhookSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

type stackOptions struct {
	temporal client.Client // instead of the shared client (to inject failures)
	rate     int
	oidc     *testIssuer
	// temporalTimeout bounds the API's calls into Temporal.
	temporalTimeout time.Duration
	now             func() time.Time
	codecAnonymous  bool
	adminAll        bool
	// devLogin offers the one-click staff login of rightsdesk dev.
	devLogin bool
	// liveURL makes the stack's public URL its own server's, for flows that
	// come back to it (the OIDC login's redirect).
	liveURL bool
}

func newStack(t testing.TB, opts ...stackOptions) *stack {
	t.Helper()
	var o stackOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	ctx := context.Background()
	st := pgtest.New(t)
	cs := append(controllers.Demo(), controllers.Controller{ID: "other", Name: "Other", Role: "controller", Country: "DK",
		TimeZone: "Europe/Copenhagen", Language: "da", Settings: controllers.Settings{Deadlines: controllers.DefaultDeadlines()}},
		controllers.Controller{ID: "processor", Name: "Processor ApS", Role: "processor", ForwardsTo: "demo", Country: "DK",
			TimeZone: "Europe/Copenhagen", Language: "da", Settings: controllers.Settings{Deadlines: controllers.DefaultDeadlines()}})
	require.NoError(t, controllers.Sync(ctx, st, cs))
	tc := testenv.Temporal(t)
	// Unique per stack: a benchmark builds one per run under the same name.
	tq := testenv.TaskQueue(t) + "-" + uuid.NewString()[:8]
	// Letters go through a real outbox to a real SMTP server in the test,
	// and to a gateway webhook when a test configures one.
	mail, err := mailcatch.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { mail.Close() })
	smtpServer, err := delivery.ParseSMTPURL(mail.URL())
	require.NoError(t, err)
	webhook, err := delivery.NewWebhook(webhookSecret)
	require.NoError(t, err)
	outbox := &activities.Outbox{Store: st, Subjects: &intake.Service{Store: st, Keys: testenv.Keys()}, SMTP: smtpServer,
		MailFrom: "Demo <noreply@demo.example>", Webhook: webhook, PublicURL: "https://rights.example"}
	systems := &activities.Systems{Keys: testenv.Keys()}
	t.Cleanup(systems.Close)
	acts := &activities.Activities{Store: st, Outbox: outbox, Subjects: outbox.Subjects, Systems: systems}
	w := worker.New(tc, tq, acts)
	require.NoError(t, w.Start())
	t.Cleanup(w.Stop)
	cfg := config.Config{BodyLimit: "1M", TaskQueue: tq, APITokens: apiTokens, IntakeRatePerMinute: 1000,
		PublicURL: "https://rights.example", ShutdownTimeout: time.Second, OIDCRolesClaim: "roles", OIDCControllersClaim: "controllers"}
	if o.rate > 0 {
		cfg.IntakeRatePerMinute = o.rate
	}
	if o.oidc != nil {
		cfg.OIDCIssuer, cfg.OIDCAudience = o.oidc.url, "rightsdesk"
	}
	cfg.TemporalTimeout, cfg.CodecAnonymous, cfg.OIDCAdminAllControllers = o.temporalTimeout, o.codecAnonymous, o.adminAll
	apiClient := tc
	if o.temporal != nil {
		apiClient = o.temporal
	}
	cfg.DevLogin = o.devLogin
	srv := httptest.NewUnstartedServer(nil)
	if o.liveURL {
		cfg.PublicURL = "http://" + srv.Listener.Addr().String()
	}
	secrets := map[string]string{}
	s, err := api.New(api.Deps{Config: cfg, Store: st, Temporal: apiClient, Keys: testenv.Keys(), Logger: testenv.Logger(), Now: o.now, SystemSecrets: secrets,
		Outbox: outbox, Systems: systems})
	require.NoError(t, err)
	srv.Config.Handler = s.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	systems.PublicURL = srv.URL
	return &stack{t: t, url: srv.URL, store: st, client: tc, server: s, taskQueue: tq, mail: mail, outbox: outbox, systems: systems, acts: acts, secrets: secrets}
}

// response is one answer, its body decoded.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func (r response) problemRule() string {
	s, _ := r.body["rule"].(string)
	return s
}

func (r response) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

// call sends a request to a route template (e.g. /v1/requests/{id}), and
// checks the answer against the OpenAPI document: its status is documented
// for the operation and its body matches the schema.
func (s *stack) call(method, template string, params map[string]string, body any, token string, headers ...string) response {
	s.t.Helper()
	path := template
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	var rdr io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rdr = strings.NewReader(b)
	case []byte:
		rdr = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		require.NoError(s.t, err)
		rdr = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.url+path, rdr)
	require.NoError(s.t, err)
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
	require.NoError(s.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	out := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		require.NoError(s.t, json.Unmarshal(raw, &out.body), "body: %s", raw)
	}
	checkAgainstOpenAPI(s.t, method, template, resp, raw)
	return out
}

var (
	schemaOnce sync.Once
	compiler   *jsonschema.Compiler
	openapiDoc map[string]any
)

func pointerEscape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// checkAgainstOpenAPI fails the test when a response is not what the
// OpenAPI document says the operation answers.
func checkAgainstOpenAPI(t testing.TB, method, template string, resp *http.Response, raw []byte) {
	t.Helper()
	schemaOnce.Do(func() {
		b, err := api.OpenAPI()
		require.NoError(t, err)
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal(b, &openapiDoc))
		compiler = jsonschema.NewCompiler()
		require.NoError(t, compiler.AddResource("https://rightsdesk.dev/openapi.json", doc))
	})
	template, _, _ = strings.Cut(template, "?")
	paths := openapiDoc["paths"].(map[string]any)
	item, ok := paths[template].(map[string]any)
	require.True(t, ok, "%s is not in the OpenAPI document", template)
	op, ok := item[strings.ToLower(method)].(map[string]any)
	require.True(t, ok, "%s %s is not in the OpenAPI document", method, template)
	status := resp.Status[:3]
	responses := op["responses"].(map[string]any)
	r, ok := responses[status].(map[string]any)
	require.True(t, ok, "%s %s answered %s, which the OpenAPI document does not list: %s", method, template, status, raw)
	// The schema is addressed by its place in the document: the shared
	// response a $ref names, or the operation's own.
	base := "#/paths/" + pointerEscape(template) + "/" + strings.ToLower(method) + "/responses/" + status
	if ref, ok := r["$ref"].(string); ok {
		base = ref
		r = openapiDoc["components"].(map[string]any)["responses"].(map[string]any)[strings.TrimPrefix(ref, "#/components/responses/")].(map[string]any)
	}
	content, _ := r["content"].(map[string]any)
	if len(content) == 0 {
		return
	}
	ct := strings.Split(resp.Header.Get("Content-Type"), ";")[0]
	_, ok = content[ct]
	require.True(t, ok, "%s %s answered %s with %s, not a documented content type", method, template, status, ct)
	if !strings.Contains(ct, "json") {
		return
	}
	loc := base + "/content/" + pointerEscape(ct) + "/schema"
	sch, err := compiler.Compile("https://rightsdesk.dev/openapi.json" + loc)
	require.NoError(t, err, loc)
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	require.NoError(t, err)
	require.NoError(t, sch.Validate(inst), "%s %s %s does not match the OpenAPI document: %s", method, template, status, raw)
}

// intake registers a request and returns its ID.
func (s *stack) intake(body map[string]any, token string, headers ...string) response {
	s.t.Helper()
	return s.call(http.MethodPost, "/v1/requests", nil, body, token, headers...)
}

func letter(kind, received string) map[string]any {
	return map[string]any{
		"controller": "demo", "kind": kind, "channel": "letter", "received_at": received,
		"subject": map[string]any{"name": "Test Person", "email": "Test.Person@Example.DK", "cpr": "070761-4285"},
	}
}

// waitStage waits for the read model to show a stage.
func (s *stack) waitStage(id, stage string) {
	s.t.Helper()
	require.Eventually(s.t, func() bool {
		var r store.Request
		if err := s.store.DB.First(&r, "id = ?", uuid.MustParse(id)).Error; err != nil {
			return false
		}
		return r.Stage == stage
	}, 15*time.Second, 20*time.Millisecond, "request %s never reached stage %s", id, stage)
}
