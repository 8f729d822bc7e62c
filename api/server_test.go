package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/api"
	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/devtools/testenv"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func newServer(t *testing.T, st *store.Store) *api.Server {
	t.Helper()
	cfg := config.Config{BodyLimit: "1K", IntakeRatePerMinute: 100}
	s, err := api.New(api.Deps{Config: cfg, Store: st, Temporal: testenv.Temporal(t), Keys: testenv.Keys(), Logger: testenv.Logger()})
	require.NoError(t, err)
	return s
}

func do(t *testing.T, h http.Handler, method, path, body string) (*http.Response, map[string]any) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	var out map[string]any
	if b, _ := io.ReadAll(resp.Body); len(b) > 0 && strings.Contains(resp.Header.Get("Content-Type"), "json") {
		require.NoError(t, json.Unmarshal(b, &out), "body: %s", b)
	}
	return resp, out
}

func requireProblem(t *testing.T, resp *http.Response, body map[string]any, status int, typ string) {
	t.Helper()
	require.Equal(t, status, resp.StatusCode)
	require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"))
	require.Equal(t, "https://rightsdesk.dev/problems/"+typ, body["type"])
	require.EqualValues(t, status, body["status"])
	require.NotEmpty(t, body["title"])
	require.Equal(t, "urn:request:"+resp.Header.Get("X-Request-Id"), body["instance"])
}

func TestHealthAndReadiness(t *testing.T) {
	st := pgtest.New(t)
	s := newServer(t, st)

	resp, body := do(t, s.Handler(), http.MethodGet, "/healthz", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "ok", body["status"])

	resp, body = do(t, s.Handler(), http.MethodGet, "/readyz", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, map[string]any{"postgres": "ok", "temporal": "ok"}, body["checks"])

	// PostgreSQL gone: not ready, and the client is told when to retry.
	require.NoError(t, st.Close())
	resp, body = do(t, s.Handler(), http.MethodGet, "/readyz", "")
	requireProblem(t, resp, body, http.StatusServiceUnavailable, "unavailable")
	require.Equal(t, "5", resp.Header.Get("Retry-After"))
	require.Contains(t, body["detail"], "postgres")
	require.NotContains(t, body["detail"], "temporal")
}

func TestErrorsAreProblemJSON(t *testing.T) {
	s := newServer(t, pgtest.New(t))
	s.Echo().POST("/test/echo", func(c echo.Context) error {
		b, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return err
		}
		return c.String(http.StatusOK, string(b))
	})
	s.Echo().GET("/test/panic", func(echo.Context) error { panic("secret detail 0101901234") })

	resp, body := do(t, s.Handler(), http.MethodGet, "/no/such/route", "")
	requireProblem(t, resp, body, http.StatusNotFound, "not-found")

	resp, body = do(t, s.Handler(), http.MethodPost, "/test/echo", strings.Repeat("x", 2048))
	requireProblem(t, resp, body, http.StatusRequestEntityTooLarge, "body-too-large")

	resp, _ = do(t, s.Handler(), http.MethodPost, "/test/echo", "small")
	require.Equal(t, http.StatusOK, resp.StatusCode)

	resp, body = do(t, s.Handler(), http.MethodGet, "/test/panic", "")
	requireProblem(t, resp, body, http.StatusInternalServerError, "internal")
	require.NotContains(t, body["detail"], "0101901234", "internal errors never reach the client")
}

func TestMetrics(t *testing.T) {
	s := newServer(t, pgtest.New(t))
	do(t, s.Handler(), http.MethodGet, "/healthz", "")
	do(t, s.Handler(), http.MethodGet, "/nowhere/abc-secret-token", "")
	do(t, s.Handler(), http.MethodGet, "/status/def-secret-token", "")

	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code)
	metrics := rec.Body.String()
	require.Contains(t, metrics, `rightsdesk_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 1`)
	require.Contains(t, metrics, `route="unmatched",status="404"`)
	require.Contains(t, metrics, `route="/status/:token",status="404"`)
	require.NotContains(t, metrics, "abc-secret-token", "raw paths never become labels")
	require.NotContains(t, metrics, "def-secret-token")
	require.Contains(t, metrics, "go_goroutines")
}
