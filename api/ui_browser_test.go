package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
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

// visit loads a page and waits for its main content.
func visit(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("main"))))
}

// mainText is the text of the page's main content.
func mainText(t *testing.T, ctx context.Context) string {
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

// TestErasureFromPhoneToReplyInTheBrowser: a citizen asks for erasure in
// Danish on a phone; a caseworker logs in through the identity provider,
// finds the request in the inbox, claims it, verifies identity, decides,
// carries it out; the reply letter shows in the case's timeline and the
// citizen's status page shows the request closed. Each page is saved as a
// screenshot artifact.
func TestErasureFromPhoneToReplyInTheBrowser(t *testing.T) {
	ctx := browser(t)
	iss := newTestIssuer(t)
	s := newStack(t, stackOptions{oidc: iss, liveURL: true})

	// The citizen, on a phone.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)))
	visit(t, ctx, s.url+"/request/demo?lang=da")
	screenshot(t, ctx, "citizen-request-form")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("kind-erasure")),
		chromedp.SendKeys(chromedp.ID("name"), "Ida Borger"),
		chromedp.SendKeys(chromedp.ID("email"), "ida@example.dk"),
		chromedp.SendKeys(chromedp.ID("description"), "Slet mine oplysninger fra nyhedsbrevet."),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("p.done")),
	))
	screenshot(t, ctx, "citizen-receipt")
	link, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`a[href^="/status/"]`), "href"))
	require.NoError(t, err)
	statusPath := link.Value
	receipt := mainText(t, ctx)
	require.Contains(t, receipt, "Vi har modtaget din anmodning")
	ref := regexp.MustCompile(`RD-\d{4}-\d{6}`).FindString(receipt)
	require.NotEmpty(t, ref)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href^="/status/"]`)), chromedp.WaitVisible(chromedp.CSS("section.card"))))
	open := mainText(t, ctx)
	require.Contains(t, open, ref)
	require.Contains(t, open, "Sletning af dine oplysninger")
	require.Contains(t, open, "Træk din anmodning tilbage", "the withdrawal is offered while it is open")

	// The caseworker, at a desk: the inbox asks for a login first.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)))
	visit(t, ctx, s.url+"/staff/inbox")
	require.Contains(t, mainText(t, ctx), "Log ind med organisationens konto")
	screenshot(t, ctx, "staff-login")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("login")), chromedp.WaitVisible(chromedp.ID("tasks"))))
	inbox := mainText(t, ctx)
	require.Contains(t, inbox, ref)
	require.Contains(t, inbox, "Bekræft identitet")
	screenshot(t, ctx, "staff-inbox")

	// By keyboard: ? shows the shortcuts, j picks the first task, c claims it.
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent("?")))
	helpOpen, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("help").open`))
	require.NoError(t, err)
	require.True(t, helpOpen, "? opens the shortcuts")
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent("?")))
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent("j")))
	picked, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.textContent`))
	require.NoError(t, err)
	require.Equal(t, ref, picked, "j moves to the first task")
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent("c"), chromedp.WaitVisible(chromedp.ID("stage"))))
	caseText := mainText(t, ctx)
	require.Contains(t, caseText, ref)
	require.Contains(t, caseText, "ida@example.dk")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#form-identity summary")),
		chromedp.SetValue(chromedp.ID("identity-method"), "in_person"),
		chromedp.Click(chromedp.CSS(`#form-identity button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p[data-done="identity"]`)),
	))
	require.Contains(t, mainText(t, ctx), "Identiteten er bekræftet.")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#form-decision summary")),
		chromedp.SetValue(chromedp.ID("decision-outcome"), "grant"),
		chromedp.SendKeys(chromedp.ID("decision-assessment"), "Ingen pligt til at opbevare oplysningerne."),
		chromedp.Click(chromedp.CSS(`#form-decision button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p[data-done="decision"]`)),
	))
	require.Contains(t, mainText(t, ctx), "Afgørelsen er truffet.")
	screenshot(t, ctx, "staff-case-decided")
	// Erased by hand in the demo's systems: the fulfilment task is done.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("complete-fulfil")),
		chromedp.Click(chromedp.ID("complete-fulfil")),
		chromedp.WaitVisible(chromedp.CSS(`p[data-done="task-complete"]`)),
	))
	// The reply letter shows in the timeline once it is sent.
	casePath := s.url + "/staff/requests/" + caseID(t, ctx)
	require.Eventually(t, func() bool {
		visit(t, ctx, casePath)
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#letters tr[data-kind="reply_erasure"]').length + document.querySelectorAll('#timeline tr[data-action="reply.sent"]').length`))
		return err == nil && n == 2
	}, 30*time.Second, 300*time.Millisecond, "the reply letter reached the timeline")
	closed := mainText(t, ctx)
	require.Contains(t, closed, "Svar: sletning")
	require.Contains(t, closed, "Svar sendt")
	screenshot(t, ctx, "staff-case")

	// The citizen's status page, on the phone again: closed.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)))
	visit(t, ctx, s.url+statusPath)
	status := mainText(t, ctx)
	require.Contains(t, status, "Din anmodning er afsluttet")
	require.Contains(t, status, "Afsluttet")
	require.NotContains(t, status, "Træk din anmodning tilbage", "nothing left to withdraw")
	screenshot(t, ctx, "citizen-status")

	// More of the month's work, through the API: an extension, a partial
	// refusal with its ground, one still open.
	today := time.Now().UTC().Format(time.DateOnly)
	extended := s.identified(letter("access", today))
	require.Equal(t, 200, s.call("POST", "/v1/requests/{id}/extension", map[string]string{"id": extended},
		map[string]any{"reason": "complexity", "explanation": "Three archives."}, tokCaseworker).status)
	refused := s.identified(letter("erasure", today))
	require.Equal(t, 200, s.call("POST", "/v1/requests/{id}/decision", map[string]string{"id": refused},
		map[string]any{"outcome": "refuse", "grounds": []string{"17(3)(b)"}, "assessment": "Kept by the archive act."}, tokCaseworker).status)
	s.identified(letter("restriction", today))

	// The DPO: the caseworker logs out, the DPO logs in and opens the
	// dashboard, which counts the request answered within the month.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)))
	visit(t, ctx, s.url+"/staff/inbox")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".logout button")), chromedp.WaitVisible(chromedp.ID("login"))))
	iss.mu.Lock()
	iss.user = map[string]any{"sub": "dpo-1", "name": "Mette DPO", "roles": []string{"dpo"}, "controllers": []string{"demo"}}
	iss.mu.Unlock()
	visit(t, ctx, s.url+"/staff/dashboard")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("login")), chromedp.WaitVisible(chromedp.CSS("svg"))))
	dash := mainText(t, ctx)
	require.Contains(t, dash, "Andel besvaret inden for en måned, pr. måned")
	require.Contains(t, dash, time.Now().UTC().Format("2006-01")+"\t100 %")
	require.Contains(t, dash, "17(3)(b)\t1")
	require.Contains(t, dash, "Anmodningens kompleksitet\t1")
	screenshot(t, ctx, "dpo-dashboard")
}

// caseID is the request ID of the case view open in the browser.
func caseID(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	require.NoError(t, err)
	id := regexp.MustCompile(`/staff/requests/([0-9a-f-]{36})`).FindStringSubmatch(loc)
	require.NotNil(t, id, loc)
	return id[1]
}

// TestStaffPagesAreAccessible: every staff page, in every language, has
// no serious or critical axe-core violation: the login, inbox, request
// list, case view with every form open and with a refusal shown, register
// and search forms with their errors, search results, the dashboard, the
// access log and the problem page.
func TestStaffPagesAreAccessible(t *testing.T) {
	ctx := browser(t)
	s := newStack(t, stackOptions{devLogin: true})
	id := s.identified(letter("erasure", "2026-01-31"))
	r := s.intake(map[string]any{"controller": "demo", "kind": "access", "subject": map[string]any{"name": "Test Person", "email": "test@example.dk"}}, "")
	require.Equal(t, 201, r.status)
	s.waitStage(r.str("id"), "identity")
	login := func(name string) {
		t.Helper()
		visit(t, ctx, s.url+"/staff/login")
		require.Empty(t, axe(t, ctx), "login")
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form:has(input[value="`+name+`"]) button`)), chromedp.WaitVisible(chromedp.CSS("nav.staffnav"))))
	}
	check := func(lang, what string) {
		t.Helper()
		signedIn, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelectorAll("details").forEach(d => d.open = true); document.querySelector("nav.staffnav") !== null && document.documentElement.lang === "`+lang+`"`))
		require.NoError(t, err)
		require.True(t, signedIn, "%s %s: a signed-in staff page in its language", lang, what)
		require.Empty(t, axe(t, ctx), "%s %s", lang, what)
	}
	for _, lang := range []string{"da", "sv", "en"} {
		visit(t, ctx, s.url+"/staff/login?lang="+lang)
		require.Empty(t, axe(t, ctx), "%s login", lang)
	}
	login("cw1")
	for _, lang := range []string{"da", "sv", "en"} {
		for _, page := range []string{"/staff/inbox", "/staff/inbox?scope=all", "/staff/requests", "/staff/requests/" + id, "/staff/register",
			"/staff/search", "/staff/requests/" + uuid.NewString()} {
			visit(t, ctx, s.url+page+sep(page)+"lang="+lang)
			check(lang, page)
		}
		// A refused decision, its rule beside its field.
		visit(t, ctx, s.url+"/staff/requests/"+id+"?lang="+lang)
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS("#form-decision summary")),
			chromedp.SetValue(chromedp.ID("decision-outcome"), "refuse"),
			chromedp.Click(chromedp.CSS(`#form-decision button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(".error-summary"))))
		check(lang, "refused decision")
		// The register and search forms refused; search results.
		visit(t, ctx, s.url+"/staff/register?lang="+lang)
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form.card button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(".error-summary"))))
		check(lang, "refused register form")
		visit(t, ctx, s.url+"/staff/search?lang="+lang)
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form.card button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(".error-summary"))))
		check(lang, "refused search")
		require.NoError(t, chromedp.Do(ctx, chromedp.SendKeys(chromedp.ID("email"), "test@example.dk"),
			chromedp.Click(chromedp.CSS(`form.card button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS("table.list"))))
		check(lang, "search results")
	}
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".logout button")), chromedp.WaitVisible(chromedp.CSS("form.inline"))))
	login("dpo1")
	for _, lang := range []string{"da", "sv", "en"} {
		for _, page := range []string{"/staff/dashboard", "/staff/dashboard?from=2026-05-01&to=2026-04-01", "/staff/requests/" + id + "/access-log", "/staff/requests/" + id} {
			visit(t, ctx, s.url+page+sep(page)+"lang="+lang)
			check(lang, page)
		}
	}
}

// sep joins a query parameter to a path.
func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}
