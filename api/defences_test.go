package api_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/store"
)

// The web's own defences (docs/UI.md "Defences", docs/API.md).

// cookieNamed is the Set-Cookie of the last answer with that name.
func (b *browserless) cookieNamed(name string) *http.Cookie {
	for _, c := range b.setCookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// TestCSRFTokenIsBoundToTheBrowserAndTheSession: a form's token is signed
// by the server and bound to the browser's CSRF cookie, or to the staff
// session once signed in; a cookie and token an attacker chose together
// (planted from a sibling domain, say) are refused; signing in starts a
// new session, ends the one the browser had, and the tokens of the pages
// before it are refused; the cookies are __Host-, Secure and HttpOnly over
// HTTPS; a token expires after a day, and the refused form comes back with
// what was written, in the visitor's language.
func TestCSRFTokenIsBoundToTheBrowserAndTheSession(t *testing.T) {
	var skew atomic.Int64
	s := newStack(t, stackOptions{devLogin: true, now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
	id := s.identified(letter("access", "2026-01-31"))

	// The citizen's CSRF cookie.
	citizen := s.browserless(t)
	resp, body := citizen.get("/request/demo?lang=en")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	ck := citizen.cookieNamed("__Host-rd_csrf")
	require.NotNil(t, ck, "the public URL is https: the CSRF cookie is __Host- (cookies: %v)", citizen.setCookies)
	require.True(t, ck.Secure)
	require.True(t, ck.HttpOnly)
	require.Equal(t, "/", ck.Path)
	require.Empty(t, ck.Domain)
	lang := citizen.cookieNamed("__Host-rd_lang")
	require.NotNil(t, lang, "the language cookie is __Host- too")
	require.True(t, lang.Secure)
	token := html.UnescapeString(csrfField.FindStringSubmatch(body)[1])
	require.NotEqual(t, ck.Value, token, "the token is not the cookie: it is signed by the server")

	form := url.Values{"kind": {"erasure"}, "name": {"Ida Borger"}, "email": {"ida@example.dk"}}
	count := func() int64 {
		var n int64
		require.NoError(t, s.store.DB.Model(&store.Request{}).Count(&n).Error)
		return n
	}
	before := count()
	// A cookie and a token chosen together, as a plain double submit
	// would accept them: refused.
	planted := "a3Rk9fJ2mQx7Lw0pZs8vB1nC4yT6hE5u"
	for _, name := range []string{"rd_csrf", "__Host-rd_csrf"} {
		f := url.Values{"_csrf": {planted}}
		for k, v := range form {
			f[k] = v
		}
		resp, _ = s.postForm("/request/demo", f, &http.Cookie{Name: name, Value: planted})
		require.Equal(t, http.StatusForbidden, resp.StatusCode, "a planted %s cookie and its token", name)
	}
	// Another browser's token with this browser's cookie: refused.
	other := s.browserless(t)
	_, _ = other.get("/request/demo")
	f := url.Values{"_csrf": {other.csrf}}
	for k, v := range form {
		f[k] = v
	}
	resp, _ = citizen.do(http.MethodPost, "/request/demo", f)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "another browser's token")
	require.Equal(t, before, count(), "nothing was registered")

	// A token older than a day has expired: the form comes back in the
	// visitor's language with what was written and a fresh token.
	skew.Store(int64(25 * time.Hour))
	f = url.Values{"_csrf": {token}, "description": {"Slet mit gamle nyhedsbrev."}}
	for k, v := range form {
		f[k] = v
	}
	resp, body = citizen.do(http.MethodPost, "/request/demo", f)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "an expired token")
	require.Equal(t, before, count())
	require.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	require.Contains(t, body, `<html lang="en">`)
	require.Contains(t, body, "The form had expired")
	require.Contains(t, body, `value="Ida Borger"`, "what was written is kept")
	require.Contains(t, body, "Slet mit gamle nyhedsbrev.")
	require.Contains(t, body, `id="kind-erasure" name="kind" value="erasure" checked`)
	fresh := html.UnescapeString(csrfField.FindStringSubmatch(body)[1])
	require.NotEqual(t, token, fresh)
	f.Set("_csrf", fresh)
	resp, body = citizen.do(http.MethodPost, "/request/demo", f)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "sent again with the fresh token: %s", body)
	skew.Store(0)

	// Staff: the login page's token is the browser's; once signed in,
	// the session's.
	b := s.browserless(t)
	_, _ = b.get("/staff/login")
	preLogin := b.csrf
	resp, body = b.post("/staff/login/dev", url.Values{"name": {"cw1"}, "next": {"/staff/inbox"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	first := b.cookies["__Host-rd_session"]
	require.NotNil(t, first)
	notes := func() int64 {
		var n int64
		require.NoError(t, s.store.DB.Model(&store.Event{}).Where("request_id = ? AND action = 'note.added'", uuid.MustParse(id)).Count(&n).Error)
		return n
	}
	note := url.Values{"text": {"Called the subject."}, "_key": {uuid.NewString()}, "_csrf": {preLogin}}
	resp, body = b.do(http.MethodPost, "/staff/requests/"+id+"/actions/notes", note)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "the token of the page before the login is refused: %s", body)
	require.Zero(t, notes())
	_, _ = b.get("/staff/requests/" + id)
	inSession := b.csrf
	require.NotEqual(t, preLogin, inSession)
	note.Del("_csrf")
	resp, _ = b.post("/staff/requests/"+id+"/actions/notes", note)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Eventually(t, func() bool { return notes() == 1 }, 10*time.Second, 20*time.Millisecond)

	// Signing in again (another person at the same browser): a new
	// session ID, the old session ended, its pages' tokens refused.
	_, _ = b.get("/staff/login")
	resp, _ = b.post("/staff/login/dev", url.Values{"name": {"cw2"}, "next": {"/staff/inbox"}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	second := b.cookies["__Host-rd_session"]
	require.NotEqual(t, first.Value, second.Value, "a new session ID at sign-in")
	note.Set("_csrf", inSession)
	note.Set("_key", uuid.NewString())
	resp, _ = b.do(http.MethodPost, "/staff/requests/"+id+"/actions/notes", note)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "the earlier session's token")
	old := s.browserless(t)
	old.cookies["__Host-rd_session"] = first
	resp, _ = old.get("/staff/inbox")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "the session the browser had before signing in again is ended")
	var sessions int64
	require.NoError(t, s.store.DB.Model(&store.StaffSession{}).Count(&sessions).Error)
	require.EqualValues(t, 1, sessions)
	require.EqualValues(t, 1, notes())
}

// TestRefusedFormsSayWhatHappened: a citizen over the rate limit gets the
// form back in their language with what they wrote (429, Retry-After), on
// the request form and the status page; a staff form refused for its token
// is a page in the staff member's language that says the form had expired
// and leads back to the page it came from.
func TestRefusedFormsSayWhatHappened(t *testing.T) {
	s := newStack(t, stackOptions{rate: 3, devLogin: true})
	b := s.browserless(t)
	resp, _ := b.get("/request/demo?lang=sv") // 1
	require.Equal(t, http.StatusOK, resp.StatusCode)
	form := url.Values{"kind": {"access"}, "name": {"Ida Borger"}, "email": {"not-an-address"}, "description": {"Allt om mig."}}
	resp, _ = b.post("/request/demo", form) // 2
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	resp, _ = b.post("/request/demo", form) // 3
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	form.Set("email", "ida@example.se")
	resp, body := b.post("/request/demo", form)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode, body)
	require.Equal(t, "60", resp.Header.Get("Retry-After"))
	require.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	require.Contains(t, body, `<html lang="sv">`)
	require.Contains(t, body, "För många försök")
	require.Contains(t, body, `value="Ida Borger"`)
	require.Contains(t, body, `value="ida@example.se"`)
	require.Contains(t, body, "Allt om mig.")
	require.Contains(t, body, `name="_csrf"`, "the form can be sent again")

	// The status page's answer form.
	r := s.intake(map[string]any{"controller": "demo", "kind": "access", "subject": map[string]any{"name": "Test Person", "email": "test@example.dk"}}, tokCaseworker)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	token := strings.TrimPrefix(r.str("status_url"), "https://rights.example/status/")
	resp, body = b.post("/status/"+token+"/information", url.Values{"answer": {"Här är mitt svar."}})
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	require.Contains(t, body, `<html lang="sv">`)
	require.Contains(t, body, "För många försök")
	require.Contains(t, body, "Här är mitt svar.", "the answer is kept")
	require.NotContains(t, body, r.str("reference"), "nothing of the request is shown over the limit")

	// Staff: the refusal of a form whose token no longer fits.
	st := s.browserless(t)
	st.devLogin("cw1")
	id := s.identified(letter("access", "2026-01-31"))
	_, _ = st.get("/staff/requests/" + id + "?lang=en")
	resp, body = st.do(http.MethodPost, "/staff/requests/"+id+"/actions/notes", url.Values{"text": {"x"}, "_csrf": {"not-the-token"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Type"), "text/html")
	require.Contains(t, body, `<html lang="en">`)
	require.Contains(t, body, "The form had expired")
	require.NotContains(t, body, "Your role does not give access")
	require.Contains(t, body, `href="/staff/requests/`+id+`"`, "a way back to the case")
}

// TestSecurityHeaders: every answer, page or API, carries a
// Content-Security-Policy without inline script that forbids framing,
// nosniff and a Referrer-Policy; every answer but the static assets is
// no-store (packages, letters' PDFs, request detail, status, staff pages,
// API JSON); pages that choose their language from the request say so in
// Vary.
func TestSecurityHeaders(t *testing.T) {
	s := newStack(t, stackOptions{devLogin: true})
	r := s.intake(map[string]any{"controller": "demo", "kind": "access", "subject": map[string]any{"name": "Test Person", "email": "test@example.dk"}}, "")
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	id, token := r.str("id"), strings.TrimPrefix(r.str("status_url"), "https://rights.example/status/")
	var pdf string
	require.Eventually(t, func() bool {
		l := s.call(http.MethodGet, "/v1/requests/{id}/letters", map[string]string{"id": id}, nil, tokCaseworker)
		for _, it := range l.body["items"].([]any) {
			if p, ok := it.(map[string]any)["pdf"].(string); ok {
				pdf = p
				return true
			}
		}
		return false
	}, 15*time.Second, 50*time.Millisecond, "the receipt letter")

	b := s.browserless(t)
	b.devLogin("cw1")
	type check struct {
		path   string
		auth   string
		page   bool
		static bool
	}
	checks := []check{
		{path: "/request/demo", page: true},
		{path: "/status/" + token, page: true},
		{path: "/status/" + strings.Repeat("x", 43), page: true},
		{path: "/staff/login", page: true},
		{path: "/staff/inbox", auth: "session", page: true},
		{path: "/staff/requests/" + id, auth: "session", page: true},
		{path: "/staff/requests/" + uuid.NewString(), auth: "session", page: true},
		{path: "/v1/requests", auth: tokCaseworker},
		{path: "/v1/requests/" + id, auth: tokCaseworker},
		{path: pdf, auth: tokCaseworker},
		{path: "/v1/status/" + token},
		{path: "/v1/requests"},
		{path: "/nowhere"},
		{path: "/static/style.css", static: true},
	}
	csp := regexp.MustCompile(`(^|;)\s*script-src 'self'\s*(;|$)`)
	for _, c := range checks {
		req, err := http.NewRequest(http.MethodGet, s.url+c.path, nil)
		require.NoError(t, err)
		switch c.auth {
		case "":
		case "session":
			req.AddCookie(b.cookies["__Host-rd_session"])
		default:
			req.Header.Set("Authorization", "Bearer "+c.auth)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		h := resp.Header
		policy := h.Get("Content-Security-Policy")
		if !strings.HasPrefix(h.Get("Content-Type"), "application/pdf") {
			require.Regexp(t, csp, policy, "%s: scripts only from the site itself", c.path)
			require.NotContains(t, policy, "unsafe-inline", c.path)
			require.NotContains(t, policy, "unsafe-eval", c.path)
			require.Contains(t, policy, "default-src 'none'", c.path)
		}
		require.Contains(t, policy, "frame-ancestors 'none'", c.path)
		require.Equal(t, "nosniff", h.Get("X-Content-Type-Options"), c.path)
		require.Contains(t, []string{"no-referrer", "same-origin"}, h.Get("Referrer-Policy"), c.path)
		if c.static {
			require.NotContains(t, h.Get("Cache-Control"), "no-store", c.path)
		} else {
			require.Equal(t, "no-store", h.Get("Cache-Control"), c.path)
		}
		if c.page {
			vary := strings.Join(h.Values("Vary"), ",")
			require.Contains(t, vary, "Accept-Language", c.path)
			require.Contains(t, vary, "Cookie", c.path)
		}
	}
}

// TestUnauthorizedChallenges: every 401 of the API says how to
// authenticate (RFC 9110 §11.6.1): Bearer, with error="invalid_token" when
// a token was sent and is not valid (RFC 6750 §3); a token without the
// role is 403 with error="insufficient_scope".
func TestUnauthorizedChallenges(t *testing.T) {
	s := newStack(t)
	r := s.call(http.MethodGet, "/v1/requests", nil, nil, "")
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Equal(t, `Bearer realm="rightsdesk"`, r.header.Get("WWW-Authenticate"))
	r = s.call(http.MethodGet, "/v1/requests", nil, nil, "wrong-token-000000000")
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Regexp(t, `^Bearer realm="rightsdesk", error="invalid_token", error_description="[^"]+"$`, r.header.Get("WWW-Authenticate"))
	r = s.call(http.MethodPost, "/v1/requests", nil, letter("access", "2026-01-31"), "wrong-token-000000000")
	require.Equal(t, http.StatusUnauthorized, r.status)
	require.Contains(t, r.header.Get("WWW-Authenticate"), `error="invalid_token"`)
	r = s.call(http.MethodGet, "/v1/reports/summary", nil, nil, tokCaseworker)
	require.Equal(t, http.StatusForbidden, r.status)
	require.Contains(t, r.header.Get("WWW-Authenticate"), `error="insufficient_scope"`)
}

// TestNamesWithInvisibleCharactersAreRefused: a name with a format,
// control, private-use, line or paragraph separator character, a
// zero-width or bidirectional control, or a space other than the plain
// space is refused with a problem naming the field (API) and shown beside
// the field (form); real names in any script pass.
func TestNamesWithInvisibleCharactersAreRefused(t *testing.T) {
	s := newStack(t)
	body := func(name string) map[string]any {
		return map[string]any{"controller": "demo", "kind": "access", "subject": map[string]any{"name": name, "email": "ida@example.dk"}}
	}
	for _, bad := range []string{
		"Ida\u200bBorger",  // zero-width space (Cf)
		"Ida\u200dBorger",  // zero-width joiner (Cf)
		"Ida\u00adBorger",  // soft hyphen (Cf)
		"Ida\ufeffBorger",  // byte order mark (Cf)
		"Ida\u2060Borger",  // word joiner (Cf)
		"Ida\u202eBorger",  // right-to-left override (Cf, bidi)
		"Ida\u2028Borger",  // line separator (Zl)
		"Ida\u2029Borger",  // paragraph separator (Zp)
		"Ida\ue000Borger",  // private use (Co)
		"Ida\u0007Borger",  // bell (Cc)
		"Ida\u00a0Borger",  // no-break space (Zs)
		"Ida\u3000Borger",  // ideographic space (Zs)
		"Ida\u3164",        // Hangul filler: blank
		"Ida\ufe0fBorger",  // variation selector
		"Ida \u034fBorger", // combining grapheme joiner
	} {
		r := s.intake(body(bad), "")
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%q: %s", bad, r.raw)
		errs := r.body["errors"].([]any)
		require.Equal(t, "/subject/name", errs[0].(map[string]any)["pointer"], "%q", bad)
		require.Contains(t, errs[0].(map[string]any)["detail"], "U+", "%q: the character is named", bad)
		require.NotContains(t, errs[0].(map[string]any)["detail"], bad, "the name is not echoed")
	}
	rep := body("Ida Borger")
	rep["representative"] = map[string]any{"name": "Far\u200b Borger", "relationship": "parent"}
	r := s.intake(rep, "")
	require.Equal(t, http.StatusUnprocessableEntity, r.status)
	require.Equal(t, "/representative/name", r.body["errors"].([]any)[0].(map[string]any)["pointer"])
	for _, good := range []string{"Åse Ærø-Øberg", "José María O'Brien", "Nguyễn Văn A", "Zoë Saldaña", "Ибрагим Алиев", "محمد علي", "李小龍", "Jo\u0301se"} {
		r := s.intake(body(good), "")
		require.Equal(t, http.StatusCreated, r.status, "%q: %s", good, r.raw)
	}

	// The form: beside the field, in the visitor's language.
	b := s.browserless(t)
	_, _ = b.get("/request/demo?lang=en")
	resp, page := b.post("/request/demo", url.Values{"kind": {"access"}, "name": {"Ida\u200bBorger"}, "email": {"ida@example.dk"}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Regexp(t, `<input id="name" name="name"[^>]*aria-invalid="true"[^>]*aria-describedby="name-error"`, page)
	require.Regexp(t, `<p class="field-error" id="name-error">[^<]*invisible[^<]*</p>`, page)
}

// TestNonObjectBodiesAreMalformed: a JSON null, array, string or number
// where an object is expected is a 400, like any body that is not one.
func TestNonObjectBodiesAreMalformed(t *testing.T) {
	s := newStack(t)
	id := s.identified(letter("access", "2026-01-31"))
	for _, raw := range []string{"null", "[]", `"x"`, "5", "true", " null "} {
		r := s.call(http.MethodPost, "/v1/requests", nil, raw, "")
		require.Equal(t, http.StatusBadRequest, r.status, "%s: %s", raw, r.raw)
		require.Equal(t, "https://rightsdesk.dev/problems/malformed", r.str("type"))
		require.Equal(t, "", r.body["errors"].([]any)[0].(map[string]any)["pointer"], raw)
		r = s.call(http.MethodPost, "/v1/requests/{id}/notes", map[string]string{"id": id}, raw, tokCaseworker)
		require.Equal(t, http.StatusBadRequest, r.status, "%s: %s", raw, r.raw)
	}
	var n int64
	require.NoError(t, s.store.DB.Model(&store.Event{}).Where("action = 'note.added'").Count(&n).Error)
	require.Zero(t, n)
}

// TestAssigneeMustActOnTheCase: a request is assigned only to a known
// staff member with a caseworker's role (caseworker, admin) for its
// controller: not to a DPO, not to a caseworker of another controller;
// the staff directory gives each person's roles, and the inbox's bulk
// assignment offers and takes only those who may act.
func TestAssigneeMustActOnTheCase(t *testing.T) {
	s := newStack(t, stackOptions{devLogin: true})
	id := s.identified(letter("access", "2026-01-31"))
	assign := func(who string) response {
		return s.call(http.MethodPost, "/v1/requests/{id}/assignment", map[string]string{"id": id}, map[string]any{"assignee": who}, tokCaseworker)
	}
	for _, who := range []string{"token:dpo1", "token:cwo", "oidc:nobody", "token:nobody"} {
		r := assign(who)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, "%s: %s", who, r.raw)
		require.Equal(t, "/assignee", r.body["errors"].([]any)[0].(map[string]any)["pointer"])
	}
	for _, who := range []string{"token:cw2", "token:admin1"} {
		require.Equal(t, http.StatusOK, assign(who).status, who)
	}
	list := s.call(http.MethodGet, "/v1/staff", nil, nil, tokCaseworker)
	roles := map[string]string{}
	for _, it := range list.body["items"].([]any) {
		m := it.(map[string]any)
		var rs []string
		for _, r := range m["roles"].([]any) {
			rs = append(rs, r.(string))
		}
		roles[m["id"].(string)] = strings.Join(rs, " ")
	}
	require.Equal(t, "dpo", roles["token:dpo1"])
	require.Equal(t, "caseworker", roles["token:cw2"])

	// The inbox's bulk assignment.
	n := s.intake(map[string]any{"controller": "demo", "kind": "access", "subject": map[string]any{"name": "Bulk Person", "email": "bulk@example.dk"}}, "")
	require.Equal(t, http.StatusCreated, n.status)
	s.waitStage(n.str("id"), "identity")
	b := s.browserless(t)
	b.devLogin("cw1")
	_, body := b.get("/staff/inbox?scope=unassigned")
	require.Contains(t, body, `<option value="token:cw2"`)
	require.NotContains(t, body, `<option value="token:dpo1"`, "a DPO is not offered as assignee")
	task := regexpFind(t, `name="task" value="([0-9a-f-]{36})"`, body)
	resp, body := b.post("/staff/tasks/assign", url.Values{"task": {task}, "assignee": {"token:dpo1"}, "_key": {uuid.NewString()}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, body)
	require.Contains(t, body, `class="error-summary"`)
	var r store.Request
	require.NoError(t, s.store.DB.First(&r, "id = ?", uuid.MustParse(n.str("id"))).Error)
	require.Nil(t, r.Assignee)
}

// TestRequestListCSVLinkDownloadsCSV: the request list's CSV link, as the
// page writes it, downloads CSV with the list's filters.
func TestRequestListCSVLinkDownloadsCSV(t *testing.T) {
	s := newStack(t, stackOptions{devLogin: true})
	s.identified(letter("access", "2026-01-31"))
	s.identified(letter("erasure", "2026-01-31"))
	b := s.browserless(t)
	b.devLogin("cw1")
	_, body := b.get("/staff/requests?kind=erasure")
	link := html.UnescapeString(regexpFind(t, `<a href="([^"]+)" download>`, body))
	resp, csv := b.get(link)
	require.Equal(t, http.StatusOK, resp.StatusCode, link)
	require.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"), link)
	require.Contains(t, resp.Header.Get("Content-Disposition"), "attachment")
	lines := strings.Split(strings.TrimSpace(csv), "\n")
	require.Len(t, lines, 2, "the header and the one erasure: %s", csv)
	require.Contains(t, lines[1], ",erasure,")
}

// TestRightTokenAfterFailedGuesses: failed guesses from an address use up
// its allowance; then every bearer token from it is 429, the right one
// too (so the answer does not tell a right guess from a wrong one), until
// the allowance refills; the public's calls from the same address do not
// block a right token.
func TestRightTokenAfterFailedGuesses(t *testing.T) {
	s := newStack(t, stackOptions{rate: 60})
	// The allowance is 60, and comes back at one a second while the
	// guesses go on: guess until the address is blocked.
	guesses := 0
	for ; guesses < 200; guesses++ {
		r := s.call(http.MethodGet, "/v1/requests", nil, nil, "wrong-token-000000000")
		if r.status == http.StatusTooManyRequests {
			break
		}
		require.Equal(t, http.StatusUnauthorized, r.status, "guess %d", guesses)
	}
	require.GreaterOrEqual(t, guesses, 60)
	require.Less(t, guesses, 200)
	r := s.call(http.MethodGet, "/v1/requests", nil, nil, tokCaseworker)
	require.Equal(t, http.StatusTooManyRequests, r.status, "the right token is blocked with the address")
	require.Equal(t, "60", r.header.Get("Retry-After"))
	// One call a second comes back at 60 a minute.
	require.Eventually(t, func() bool {
		return s.call(http.MethodGet, "/v1/requests", nil, nil, tokCaseworker).status == http.StatusOK
	}, 5*time.Second, 250*time.Millisecond)

	p := newStack(t, stackOptions{rate: 2})
	body := map[string]any{"controller": "demo", "kind": "access", "subject": map[string]any{"name": "A", "email": "a@example.dk"}}
	require.Equal(t, http.StatusCreated, p.intake(body, "").status)
	require.Equal(t, http.StatusCreated, p.intake(body, "").status)
	require.Equal(t, http.StatusTooManyRequests, p.intake(body, "").status)
	require.Equal(t, http.StatusCreated, p.intake(letter("access", "2026-01-31"), tokCaseworker).status, "the public's calls do not block staff")
}

// TestContentSecurityPolicyInTheBrowser: in Chromium, no page of the UI
// breaks its Content-Security-Policy (no violation is reported on the
// citizen's and the staff's pages, the staff script's shortcuts work), and
// the policy holds: markup injected into a page cannot run an inline
// handler.
func TestContentSecurityPolicyInTheBrowser(t *testing.T) {
	ctx := browser(t)
	s := newStack(t, stackOptions{devLogin: true})
	id := s.identified(letter("erasure", "2026-01-31"))
	r := s.intake(map[string]any{"controller": "demo", "kind": "access", "subject": map[string]any{"name": "Test Person", "email": "test@example.dk"}}, "")
	require.Equal(t, http.StatusCreated, r.status)
	status := strings.TrimPrefix(r.str("status_url"), "https://rights.example")
	// Every document records the violations it sees.
	require.NoError(t, chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{Source: `window.__violations = [];
			document.addEventListener("securitypolicyviolation", e => window.__violations.push(e.violatedDirective + " " + e.blockedURI));`})
		return err
	})))
	violations := func(what string) {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`window.__violations`))
		require.NoError(t, err, what)
		require.Empty(t, got, what)
	}
	for _, p := range []string{"/request/demo", status, "/staff/login"} {
		visit(t, ctx, s.url+p)
		violations(p)
	}
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(s.url+"/request/demo"), chromedp.WaitVisible(chromedp.ID("name")),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)), chromedp.WaitVisible(chromedp.CSS(".error-summary"))))
	violations("the refused form")

	// Injected markup runs nothing.
	ran, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`new Promise(done => {
		window.__ran = false;
		document.querySelector("main").insertAdjacentHTML("beforeend", '<img src="/nothing.png" onerror="window.__ran = true">');
		setTimeout(() => done(window.__ran), 500);
	})`, chromedp.EvalAwaitPromise))
	require.NoError(t, err)
	require.False(t, ran, "an inline handler ran")

	visit(t, ctx, s.url+"/staff/login")
	require.NoError(t, chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`form:has(input[value="cw1"]) button`)), chromedp.WaitVisible(chromedp.ID("tasks"))))
	violations("inbox")
	require.NoError(t, chromedp.Do(ctx, chromedp.KeyEvent("?")))
	open, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.getElementById("help").open`))
	require.NoError(t, err)
	require.True(t, open, "the staff script runs: ? opens the shortcuts")
	for _, p := range []string{"/staff/requests/" + id, "/staff/requests", "/staff/register", "/staff/search"} {
		visit(t, ctx, s.url+p)
		violations(p)
	}
}
