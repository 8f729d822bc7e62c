package citizen_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/devtools/teststack"
)

// TestUnknownPathsAreAPageForABrowser: a path no route takes outside the
// pages' own (/nope, /favicon.ico, /request without its controller) is the
// citizen door's 404 page for a browser, and problem+json for an API
// client, for curl without Accept and on every path of the API. A missing
// asset under /static/ is the 404 page for anyone.
func TestUnknownPathsAreAPageForABrowser(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	for _, path := range []string{"/nope", "/favicon.ico", "/request"} {
		resp, body := s.Page(path, "Accept", browser, "Accept-Language", "en")
		require.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		require.Equal(t, "text/html; charset=UTF-8", resp.Header.Get("Content-Type"), path)
		require.Contains(t, body, "The page does not exist", path)
		require.Contains(t, body, `href="/"`, "a way back to the front page")

		for _, accept := range []string{"", "*/*", "application/json", "application/problem+json, text/html;q=0.5"} {
			resp, body = s.Page(path, "Accept", accept)
			require.Equal(t, http.StatusNotFound, resp.StatusCode, path)
			require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"), "%s with Accept %q: %s", path, accept, body)
		}
	}
	// An asset that is not there is the 404 page too; one that is, is served.
	resp, body := s.Page("/static/nope.css", "Accept-Language", "en")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Equal(t, "text/html; charset=UTF-8", resp.Header.Get("Content-Type"))
	require.Contains(t, body, "The page does not exist")
	resp, body = s.Page("/static/style.css")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, resp.Header.Get("Content-Type"), "text/css")

	// The API's paths stay JSON even for a browser.
	for _, path := range []string{"/v1/nowhere", "/v1"} {
		resp, body := s.Page(path, "Accept", browser)
		require.Equal(t, http.StatusNotFound, resp.StatusCode, path)
		require.Equal(t, "application/problem+json", resp.Header.Get("Content-Type"), "%s: %s", path, body)
	}
}
