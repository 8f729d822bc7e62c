package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// chromium finds Debian's Chromium; without it the browser tests skip,
// except in CI (CI set), where a missing browser fails them.
func chromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI needs Chromium for the browser tests (.ci/run installs it): %v", err)
		}
		t.Skip("Chromium is not installed (apt-get install chromium): the browser test is skipped")
	}
	return path
}

// browser opens a headless Chromium tab for the test.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.NoSandbox)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	return ctx
}

// screenshot saves a page as an artifact: under RIGHTSDESK_ARTIFACTS when
// set, else in the test's temporary directory (never committed).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("RIGHTSDESK_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}

// TestCitizenInTheBrowser: on a phone-sized screen, in a real browser, a
// citizen fills in the Danish request form, gets the receipt page, and
// follows its link to the status page, which shows the request.
func TestCitizenInTheBrowser(t *testing.T) {
	ctx := browser(t)
	s := newStack(t)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(s.url+"/request/demo?lang=da"), // Danish, remembered on the next pages
		chromedp.WaitVisible(chromedp.ID("name")),
	))
	screenshot(t, ctx, "citizen-request-form")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("kind-erasure")),
		chromedp.SendKeys(chromedp.ID("name"), "Ida Borger"),
		chromedp.SendKeys(chromedp.ID("email"), "ida@example.dk"),
		chromedp.SendKeys(chromedp.ID("description"), "Slet mit gamle nyhedsbrev."),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("p.done")),
	))
	receipt, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	require.NoError(t, err)
	require.Contains(t, receipt, "Vi har modtaget din anmodning")
	require.Contains(t, receipt, "Sletning af dine oplysninger")
	screenshot(t, ctx, "citizen-receipt")

	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href^="/status/"]`)),
		chromedp.WaitVisible(chromedp.CSS("section.card")),
	))
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	status, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS("main")))
	require.NoError(t, err)
	require.Regexp(t, `RD-\d{4}-\d{6}`, status)
	require.Contains(t, status, "Sletning af dine oplysninger")
	require.Contains(t, status, "Træk din anmodning tilbage", "the withdrawal is offered")
	screenshot(t, ctx, "citizen-status")
}

// axe runs axe-core (testdata/axe, MPL-2.0) in the page and returns its
// serious and critical violations of WCAG 2.1 A/AA, each as the rule, its
// help and the elements.
func axe(t *testing.T, ctx context.Context) []string {
	t.Helper()
	src, err := os.ReadFile("testdata/axe/axe.min.js")
	require.NoError(t, err)
	_, err = chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](string(src)+";true"))
	require.NoError(t, err)
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => JSON.stringify(r.violations.filter(v => v.impact === "serious" || v.impact === "critical")
			.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.target.join(" "))}))))`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	var text string
	require.NoError(t, json.Unmarshal(raw, &text))
	var violations []struct {
		ID, Help string
		Nodes    []string
	}
	require.NoError(t, json.Unmarshal([]byte(text), &violations))
	var out []string
	for _, v := range violations {
		out = append(out, fmt.Sprintf("%s: %s at %v", v.ID, v.Help, v.Nodes))
	}
	return out
}

// TestCitizenPagesAreAccessible: every citizen page, in every language,
// has no serious or critical axe-core violation, the form with its errors
// shown included.
func TestCitizenPagesAreAccessible(t *testing.T) {
	ctx := browser(t)
	s := newStack(t)
	r := s.intake(map[string]any{"controller": "demo", "kind": "access", "subject": map[string]any{"name": "Test Person", "email": "test@example.dk"}}, "")
	require.Equal(t, 201, r.status, "%s", r.raw)
	status := strings.TrimPrefix(r.str("status_url"), "https://rights.example")
	// The check itself finds what it should: an image without a text.
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(`data:text/html,<html lang="en"><title>x</title><main><img src="x.png"></main></html>`)))
	require.NotEmpty(t, axe(t, ctx), "axe finds a missing alt text")
	for _, lang := range []string{"da", "sv", "en"} {
		for _, page := range []string{"/request/demo", "/request/demo-se", status, "/status/" + strings.Repeat("x", 43)} {
			require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.url+page+"?lang="+lang), chromedp.WaitVisible(chromedp.CSS("main"))))
			require.Empty(t, axe(t, ctx), "%s %s", lang, page)
		}
		// The form refused, its error summary shown.
		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.url+"/request/demo?lang="+lang), chromedp.WaitVisible(chromedp.ID("name")),
			chromedp.Click(chromedp.CSS(`button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(".error-summary"))))
		require.Empty(t, axe(t, ctx), "%s: the refused form", lang)
	}
}
