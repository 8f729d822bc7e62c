package citizen_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/devtools/teststack"
)

// TestLimitedPageSaysNothingWasSent: a page only opened (GET) and refused
// by the rate limit says to wait and try again, not that a form was kept.
func TestLimitedPageSaysNothingWasSent(t *testing.T) {
	s := teststack.New(t, teststack.Options{Rate: 2})
	r := s.Intake(teststack.Letter("access", "2026-03-05"), teststack.TokCaseworker)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
	status := strings.TrimPrefix(r.Str("status_url"), "https://rights.example")
	for _, path := range []string{status, "/request/demo"} {
		var resp *http.Response
		var body string
		for range 5 {
			if resp, body = s.Page(path, "Accept-Language", "en"); resp.StatusCode == http.StatusTooManyRequests {
				break
			}
		}
		require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, path)
		require.Equal(t, "text/html; charset=UTF-8", resp.Header.Get("Content-Type"))
		require.Contains(t, body, "Wait a minute and try again", path)
		require.NotContains(t, body, "what you wrote is kept", path)
		require.NotContains(t, body, "nothing was sent", path)
	}
}
