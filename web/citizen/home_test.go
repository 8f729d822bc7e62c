package citizen_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/devtools/teststack"
)

// TestFrontPage: the site's address opens a page (it was a JSON 404) in
// the visitor's language that leads to each controller's request form,
// the staff sign-in and the API's document; a processor is not offered.
func TestFrontPage(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	resp, body := s.Page("/")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/html; charset=UTF-8", resp.Header.Get("Content-Type"))
	require.Contains(t, body, `<html lang="da">`)
	require.Contains(t, body, "Vælg myndigheden")
	for _, link := range []string{`href="/request/demo"`, `href="/request/demo-se"`, `href="/request/other"`, `href="/staff/login"`, `href="/openapi.json"`} {
		require.Contains(t, body, link)
	}
	require.NotContains(t, body, `href="/request/processor"`, "a processor's requests are its controller's")
	_, body = s.Page("/?lang=en")
	require.Contains(t, body, `<html lang="en">`)
	require.Contains(t, body, "Choose the authority")
	require.Contains(t, body, "The API description (OpenAPI)")
	_, body = s.Page("/", "Accept-Language", "sv")
	require.Contains(t, body, "Logga in som handläggare eller dataskyddsombud")

	// The links lead somewhere.
	for _, path := range []string{"/request/demo", "/staff/login", "/openapi.json"} {
		resp, _ := s.Page(path)
		require.Equal(t, http.StatusOK, resp.StatusCode, path)
	}
}

// TestPublicErrorsArePages: what the public pages cannot do is a page in
// the visitor's language, never JSON: a page that does not exist, a wrong
// method, a body over the limit, a status form of an unknown link, and a
// database that does not answer.
func TestPublicErrorsArePages(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	page := func(resp *http.Response, body string, status int, words string) {
		t.Helper()
		require.Equal(t, status, resp.StatusCode, body)
		require.Equal(t, "text/html; charset=UTF-8", resp.Header.Get("Content-Type"), body)
		require.Contains(t, body, words)
	}
	resp, body := s.Page("/request/demo/more", "Accept-Language", "en")
	page(resp, body, http.StatusNotFound, "We do not know this organisation")
	resp, body = s.Page("/status/x/y/z")
	page(resp, body, http.StatusNotFound, `<html lang="da">`)

	b := s.Browserless(t)
	b.Get("/request/demo?lang=sv")
	resp, body = b.Do(http.MethodPut, "/request/demo", url.Values{"_csrf": {b.CSRF}})
	page(resp, body, http.StatusMethodNotAllowed, "Sidan kan inte användas så")
	require.Contains(t, body, `href="/"`, "a way back to the front page")
	resp, body = b.Post("/request/demo", url.Values{"description": {strings.Repeat("x", 1<<21)}})
	page(resp, body, http.StatusRequestEntityTooLarge, "Det du skickade är för stort")
	// A package form of a link that opens nothing (this was problem+json).
	resp, body = b.Post("/status/"+strings.Repeat("x", 43)+"/package", url.Values{"code": {"12345678"}})
	page(resp, body, http.StatusNotFound, "Sidan finns inte")
	resp, body = b.Post("/status/"+strings.Repeat("x", 43)+"/package/code", nil)
	page(resp, body, http.StatusNotFound, "Sidan finns inte")

	r := s.Intake(map[string]any{"controller": "demo", "kind": "access", "subject": map[string]any{"name": "Test Person", "email": "test@example.dk"}}, "")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
	status := strings.TrimPrefix(r.Str("status_url"), "https://rights.example")
	// The database stops answering (this was problem+json).
	require.NoError(t, s.Store.SQL().Close())
	resp, body = s.Page(status + "?lang=en")
	page(resp, body, http.StatusServiceUnavailable, "Part of the system does not answer just now")
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
	resp, body = s.Page("/request/demo?lang=en")
	page(resp, body, http.StatusServiceUnavailable, "Part of the system does not answer just now")
}
