package staff_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/devtools/teststack"
)

// TestErasureFromPhoneToReplyInTheBrowser: a citizen asks for erasure in
// Danish on a phone; a caseworker logs in through the identity provider,
// finds the request in the inbox, claims it, verifies identity, decides,
// carries it out; the reply letter shows in the case's timeline and the
// citizen's status page shows the request closed. Each page is saved as a
// screenshot artifact.
func TestErasureFromPhoneToReplyInTheBrowser(t *testing.T) {
	ctx := teststack.Browser(t)
	iss := teststack.NewIssuer(t)
	s := teststack.New(t, teststack.Options{OIDCIssuer: iss.URL, LiveURL: true})

	// The citizen, on a phone.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)))
	teststack.Visit(t, ctx, s.URL+"/request/demo?lang=da")
	teststack.Screenshot(t, ctx, "citizen-request-form")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("kind-erasure")),
		chromedp.SendKeys(chromedp.ID("name"), "Ida Borger"),
		chromedp.SendKeys(chromedp.ID("email"), "ida@example.dk"),
		chromedp.SendKeys(chromedp.ID("description"), "Slet mine oplysninger fra nyhedsbrevet."),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("p.done")),
	))
	teststack.Screenshot(t, ctx, "citizen-receipt")
	link, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`a[href^="/status/"]`), "href"))
	require.NoError(t, err)
	statusPath := link.Value
	receipt := teststack.MainText(t, ctx)
	require.Contains(t, receipt, "Vi har modtaget din anmodning")
	ref := regexp.MustCompile(`RD-\d{4}-\d{6}`).FindString(receipt)
	require.NotEmpty(t, ref)
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`a[href^="/status/"]`)), chromedp.WaitVisible(chromedp.CSS("section.card"))))
	open := teststack.MainText(t, ctx)
	require.Contains(t, open, ref)
	require.Contains(t, open, "Sletning af dine oplysninger")
	require.Contains(t, open, "Træk din anmodning tilbage", "the withdrawal is offered while it is open")

	// The caseworker, at a desk: the inbox asks for a login first.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)))
	teststack.Visit(t, ctx, s.URL+"/staff/inbox")
	require.Contains(t, teststack.MainText(t, ctx), "Log ind med organisationens konto")
	teststack.Screenshot(t, ctx, "staff-login")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("login")), chromedp.WaitVisible(chromedp.ID("tasks"))))
	inbox := teststack.MainText(t, ctx)
	require.Contains(t, inbox, ref)
	require.Contains(t, inbox, "Bekræft identitet")
	teststack.Screenshot(t, ctx, "staff-inbox")

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
	caseText := teststack.MainText(t, ctx)
	require.Contains(t, caseText, ref)
	require.Contains(t, caseText, "ida@example.dk")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#form-identity summary")),
		chromedp.SetValue(chromedp.ID("identity-method"), "in_person"),
		chromedp.Click(chromedp.CSS(`#form-identity button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p[data-done="identity"]`)),
	))
	require.Contains(t, teststack.MainText(t, ctx), "Identiteten er bekræftet.")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#form-decision summary")),
		chromedp.SetValue(chromedp.ID("decision-outcome"), "grant"),
		chromedp.SendKeys(chromedp.ID("decision-assessment"), "Ingen pligt til at opbevare oplysningerne."),
		chromedp.Click(chromedp.CSS(`#form-decision button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`p[data-done="decision"]`)),
	))
	require.Contains(t, teststack.MainText(t, ctx), "Afgørelsen er truffet.")
	teststack.Screenshot(t, ctx, "staff-case-decided")
	// Erased by hand in the demo's systems: the fulfilment task is done.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.ID("complete-fulfil")),
		chromedp.Click(chromedp.ID("complete-fulfil")),
		chromedp.WaitVisible(chromedp.CSS(`p[data-done="task-complete"]`)),
	))
	// The reply letter shows in the timeline once it is sent.
	casePath := s.URL + "/staff/requests/" + caseID(t, ctx)
	require.Eventually(t, func() bool {
		teststack.Visit(t, ctx, casePath)
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#letters tr[data-kind="reply_erasure"]').length + document.querySelectorAll('#timeline tr[data-action="reply.sent"]').length`))
		return err == nil && n == 2
	}, 30*time.Second, 300*time.Millisecond, "the reply letter reached the timeline")
	closed := teststack.MainText(t, ctx)
	require.Contains(t, closed, "Svar: sletning")
	require.Contains(t, closed, "Svar sendt")
	teststack.Screenshot(t, ctx, "staff-case")

	// The citizen's status page, on the phone again: closed.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844)))
	teststack.Visit(t, ctx, s.URL+statusPath)
	status := teststack.MainText(t, ctx)
	require.Contains(t, status, "Din anmodning er afsluttet")
	require.Contains(t, status, "Afsluttet")
	require.NotContains(t, status, "Træk din anmodning tilbage", "nothing left to withdraw")
	teststack.Screenshot(t, ctx, "citizen-status")

	// More of the month's work, through the API: an extension, a partial
	// refusal with its ground, one still open.
	today := time.Now().UTC().Format(time.DateOnly)
	extended := s.Identified(teststack.Letter("access", today))
	require.Equal(t, 200, s.Call("POST", "/v1/requests/{id}/extension", map[string]string{"id": extended},
		map[string]any{"reason": "complexity", "explanation": "Three archives."}, teststack.TokCaseworker).Status)
	refused := s.Identified(teststack.Letter("erasure", today))
	require.Equal(t, 200, s.Call("POST", "/v1/requests/{id}/decision", map[string]string{"id": refused},
		map[string]any{"outcome": "refuse", "grounds": []string{"17(3)(b)"}, "assessment": "Kept by the archive act."}, teststack.TokCaseworker).Status)
	s.Identified(teststack.Letter("restriction", today))

	// The DPO: the caseworker logs out, the DPO logs in and opens the
	// dashboard, which counts the request answered within the month.
	require.NoError(t, chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)))
	teststack.Visit(t, ctx, s.URL+"/staff/inbox")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(".logout button")), chromedp.WaitVisible(chromedp.ID("login"))))
	iss.Mu.Lock()
	iss.User = map[string]any{"sub": "dpo-1", "name": "Mette DPO", "roles": []string{"dpo"}, "controllers": []string{"demo"}}
	iss.Mu.Unlock()
	teststack.Visit(t, ctx, s.URL+"/staff/dashboard")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.ID("login")), chromedp.WaitVisible(chromedp.CSS("svg"))))
	dash := teststack.MainText(t, ctx)
	require.Contains(t, dash, "Andel besvaret inden for en måned, pr. måned")
	require.Contains(t, dash, time.Now().UTC().Format("2006-01")+"\t100 %")
	require.Contains(t, dash, "17(3)(b)\t1")
	require.Contains(t, dash, "Anmodningens kompleksitet\t1")
	teststack.Screenshot(t, ctx, "dpo-dashboard")
}

// TestStaffPagesAreAccessible: every staff page, in every language, has
// no serious or critical axe-core violation: the login, inbox, request
// list, case view with every form open and with a refusal shown, register
// and search forms with their errors, search results, the dashboard, the
// access log and the problem page.
func TestStaffPagesAreAccessible(t *testing.T) {
	ctx := teststack.Browser(t)
	s := teststack.New(t, teststack.Options{DevLogin: true})
	id := s.Identified(teststack.Letter("erasure", "2026-01-31"))
	r := s.Intake(map[string]any{"controller": "demo", "kind": "access", "subject": map[string]any{"name": "Test Person", "email": "test@example.dk"}}, "")
	require.Equal(t, 201, r.Status)
	s.WaitStage(r.Str("id"), "identity")
	// A case with all a caseworker reads: what the person gave, who acts
	// for them, a question and its answer, a note.
	full := teststack.Letter("rectification", "2026-01-31")
	full["details"] = map[string]any{"corrections": []any{map[string]any{"data": "address", "correct": "Sølvgade 1"}}, "scope": "2024 only"}
	full["representative"] = map[string]any{"name": "Advokat Hansen", "relationship": "lawyer", "mandate_checked": true}
	rect := s.Intake(full, teststack.TokCaseworker)
	require.Equal(t, 201, rect.Status, "%s", rect.Raw)
	s.WaitStage(rect.Str("id"), "identity")
	for _, a := range []struct {
		path string
		body map[string]any
	}{
		{"/v1/requests/{id}/information-request", map[string]any{"purpose": "identity", "what": "A copy of our letter."}},
		{"/v1/requests/{id}/information", map[string]any{"answer": "Sent by post."}},
		{"/v1/requests/{id}/notes", map[string]any{"text": "Called the lawyer."}},
	} {
		require.Equal(t, 200, s.Call("POST", a.path, map[string]string{"id": rect.Str("id")}, a.body, teststack.TokCaseworker).Status, a.path)
	}
	login := func(name string) {
		t.Helper()
		teststack.Visit(t, ctx, s.URL+"/staff/login")
		require.Empty(t, teststack.Axe(t, ctx), "login")
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form:has(input[value="`+name+`"]) button`)), chromedp.WaitVisible(chromedp.CSS("nav.staffnav"))))
	}
	check := func(lang, what string) {
		t.Helper()
		signedIn, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.querySelectorAll("details").forEach(d => d.open = true); document.querySelector("nav.staffnav") !== null && document.documentElement.lang === "`+lang+`"`))
		require.NoError(t, err)
		require.True(t, signedIn, "%s %s: a signed-in staff page in its language", lang, what)
		require.Empty(t, teststack.Axe(t, ctx), "%s %s", lang, what)
	}
	for _, lang := range []string{"da", "sv", "en"} {
		teststack.Visit(t, ctx, s.URL+"/staff/login?lang="+lang)
		require.Empty(t, teststack.Axe(t, ctx), "%s login", lang)
	}
	login("cw1")
	for _, lang := range []string{"da", "sv", "en"} {
		for _, page := range []string{"/staff/inbox", "/staff/inbox?scope=all", "/staff/requests", "/staff/requests/" + id, "/staff/requests/" + rect.Str("id"), "/staff/register",
			"/staff/search", "/staff/requests/" + uuid.NewString()} {
			teststack.Visit(t, ctx, s.URL+page+sep(page)+"lang="+lang)
			check(lang, page)
		}
		// A refused decision, its rule beside its field.
		teststack.Visit(t, ctx, s.URL+"/staff/requests/"+id+"?lang="+lang)
		require.NoError(t, chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS("#form-decision summary")),
			chromedp.SetValue(chromedp.ID("decision-outcome"), "refuse"),
			chromedp.Click(chromedp.CSS(`#form-decision button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(".error-summary"))))
		check(lang, "refused decision")
		// The register and search forms refused; search results.
		teststack.Visit(t, ctx, s.URL+"/staff/register?lang="+lang)
		require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form.card button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(".error-summary"))))
		check(lang, "refused register form")
		teststack.Visit(t, ctx, s.URL+"/staff/search?lang="+lang)
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
			teststack.Visit(t, ctx, s.URL+page+sep(page)+"lang="+lang)
			check(lang, page)
		}
	}
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

// sep joins a query parameter to a path.
func sep(path string) string {
	if strings.Contains(path, "?") {
		return "&"
	}
	return "?"
}
