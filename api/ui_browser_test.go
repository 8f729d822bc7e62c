package api_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
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
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
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
