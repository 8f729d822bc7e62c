package teststack

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// axePath is axe-core's script (testdata/axe, MPL-2.0) beside this file.
func axePath() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata", "axe", "axe.min.js")
}

// Chromium finds Debian's Chromium; without it the browser tests skip,
// except in CI (CI set), where a missing browser fails them.
func Chromium(t testing.TB) string {
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

// Browser opens a headless Chromium tab for the test.
func Browser(t testing.TB) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(Chromium(t)), chromedp.NoSandbox)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	return ctx
}

// Screenshot saves a page as an artifact: under RIGHTSDESK_ARTIFACTS when
// set, else in the test's temporary directory (never committed).
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("RIGHTSDESK_ARTIFACTS")
	if dir == "" {
		dir = t.TempDir()
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644))
}

// Axe runs axe-core (testdata/axe, MPL-2.0) in the page and returns its
// serious and critical violations of WCAG 2.1 A/AA, each as the rule, its
// help and the elements.
func Axe(t testing.TB, ctx context.Context) []string {
	t.Helper()
	src, err := os.ReadFile(axePath())
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

// Visit loads a page and waits for its main content.
func Visit(t testing.TB, ctx context.Context, url string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("main"))))
}

// MainText is the text of the page's main content.
func MainText(t testing.TB, ctx context.Context) string {
	t.Helper()
	var text string
	var err error
	// A page just arrived from a redirect may still swap its document.
	require.Eventually(t, func() bool {
		text, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
		return err == nil
	}, 5*time.Second, 200*time.Millisecond, "the page's text: %v", err)
	return text
}
