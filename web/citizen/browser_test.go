package citizen_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/devtools/teststack"
)

// TestCitizenPagesAreAccessible: every citizen page, in every language,
// has no serious or critical axe-core violation, the form with its errors
// shown included.
func TestCitizenPagesAreAccessible(t *testing.T) {
	ctx := teststack.Browser(t)
	s := teststack.New(t, teststack.Options{})
	r := s.Intake(map[string]any{"controller": "demo", "kind": "access", "subject": map[string]any{"name": "Test Person", "email": "test@example.dk"}}, "")
	require.Equal(t, 201, r.Status, "%s", r.Raw)
	status := strings.TrimPrefix(r.Str("status_url"), "https://rights.example")
	// The check itself finds what it should: an image without a text.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(`data:text/html,<html lang="en"><title>x</title><main><img src="x.png"></main></html>`)))
	require.NotEmpty(t, teststack.Axe(t, ctx), "axe finds a missing alt text")
	for _, lang := range []string{"da", "sv", "en"} {
		for _, page := range []string{"/request/demo", "/request/demo-se", status, "/status/" + strings.Repeat("x", 43)} {
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+page+"?lang="+lang), chromedp.WaitVisible(chromedp.CSS("main"))))
			require.Empty(t, teststack.Axe(t, ctx), "%s %s", lang, page)
		}
		// The form refused, its error summary shown.
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.URL+"/request/demo?lang="+lang), chromedp.WaitVisible(chromedp.ID("name")),
			chromedp.Click(chromedp.CSS(`button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(".error-summary"))))
		require.Empty(t, teststack.Axe(t, ctx), "%s: the refused form", lang)
	}
}
