package staff_test

import (
	"encoding/csv"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/devtools/teststack"

	"github.com/rightsdesk/rightsdesk/internal/store"
)

// TestStaffLoginOIDC: the staff login is the authorisation-code flow with
// PKCE (S256) against the issuer of the bearer tokens; the state is bound
// to the browser, the code is used once, the ID token's nonce is checked;
// people without a staff role are refused; logout ends the session.
func TestStaffLoginOIDC(t *testing.T) {
	iss := teststack.NewIssuer(t)
	s := teststack.New(t, teststack.Options{OIDCIssuer: iss.URL, LiveURL: true})
	b := s.Browserless(t)

	resp, _ := b.Get("/staff/inbox?scope=mine")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "not signed in: to the login page")
	require.Equal(t, "/staff/login?next="+url.QueryEscape("/staff/inbox?scope=mine"), resp.Header.Get("Location"))
	resp, body := b.Get(resp.Header.Get("Location"))
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `href="/staff/login/start?next=%2fstaff%2finbox%3fscope%3dmine"`)
	require.NotContains(t, body, "/staff/login/dev", "no one-click login outside rightsdesk dev")

	resp, _ = b.Get("/staff/login/start?next=" + url.QueryEscape("/staff/inbox?scope=mine"))
	require.Equal(t, http.StatusFound, resp.StatusCode)
	auth, err := url.Parse(resp.Header.Get("Location"))
	require.NoError(t, err)
	require.Equal(t, iss.URL+"/auth", auth.Scheme+"://"+auth.Host+auth.Path)
	q := auth.Query()
	require.Equal(t, "S256", q.Get("code_challenge_method"))
	require.Len(t, q.Get("code_challenge"), 43, "a SHA-256 challenge")
	require.NotEmpty(t, q.Get("nonce"))
	require.Equal(t, "rightsdesk", q.Get("client_id"), "the client is the API's audience unless OIDC_CLIENT_ID says otherwise")
	require.Equal(t, s.URL+"/staff/callback", q.Get("redirect_uri"))

	// Another browser cannot finish this login: the state is not its own.
	resp, _ = b.Get(auth.String())
	require.Equal(t, http.StatusFound, resp.StatusCode)
	callback := resp.Header.Get("Location")
	stranger := s.Browserless(t)
	resp, _ = stranger.Get(callback)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Empty(t, stranger.Cookies["rd_session"])

	resp, _ = b.Get(callback)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/staff/inbox?scope=mine", resp.Header.Get("Location"), "back where the person was going")
	session := b.Cookies["rd_session"]
	require.NotNil(t, session)
	require.True(t, session.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, session.SameSite)
	_, loginGone := b.Cookies["rd_login"]
	require.False(t, loginGone, "the login's state is used once")
	resp, body = b.Get("/staff/inbox?scope=mine")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, "Karen Sagsbehandler")
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	var staff store.Staff
	require.NoError(t, s.Store.DB.First(&staff, "id = ?", "oidc:person-7").Error, "the login fills the staff directory")
	var rows []store.StaffSession
	require.NoError(t, s.Store.DB.Find(&rows).Error)
	require.Len(t, rows, 1)
	require.Equal(t, "oidc:person-7", rows[0].Actor)
	require.NotContains(t, string(rows[0].IDHash), session.Value, "only the hash of the cookie is kept")

	// The code was used: a replayed callback opens nothing.
	again := s.Browserless(t)
	again.Cookies = map[string]*http.Cookie{}
	resp, _ = again.Get(callback)
	require.NotEqual(t, http.StatusSeeOther, resp.StatusCode)

	// Logout ends the session here.
	resp, _ = b.Post("/staff/logout", nil)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.NoError(t, s.Store.DB.Find(&rows).Error)
	require.Empty(t, rows)
	b.Cookies["rd_session"] = session
	resp, _ = b.Get("/staff/inbox")
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "the old cookie opens nothing")

	// Someone the provider knows but who holds no staff role is refused.
	iss.Mu.Lock()
	iss.User = map[string]any{"sub": "citizen-1", "name": "Not Staff", "controllers": []string{"demo"}}
	iss.Mu.Unlock()
	c := s.Browserless(t)
	resp, _ = c.Get("/staff/login/start")
	resp, _ = c.Get(resp.Header.Get("Location"))
	resp, body = c.Get(resp.Header.Get("Location"))
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	require.Contains(t, body, "rolle sagsbehandler, DPO eller administrator mangler")
	require.Empty(t, c.Cookies["rd_session"])
}

// TestStaffFormsCSRFAndSessions: every staff form needs the CSRF token
// (missing or forged: refused, nothing changed); the session cookie is
// __Host-, Secure, HttpOnly and SameSite=Lax over HTTPS; a caseworker of
// one controller cannot open another controller's case in the UI; the
// one-click login answers only where it is configured.
func TestStaffFormsCSRFAndSessions(t *testing.T) {
	s := teststack.New(t, teststack.Options{DevLogin: true})
	id := s.Identified(teststack.Letter("access", "2026-01-31"))

	b := s.Browserless(t)
	b.DevLogin("cw1")
	var session *http.Cookie
	for _, c := range b.SetCookies {
		if strings.HasSuffix(c.Name, "rd_session") {
			session = c
		}
	}
	require.NotNil(t, session)
	require.Equal(t, "__Host-rd_session", session.Name, "the public URL is https: the cookie is kept to this host")
	require.True(t, session.Secure)
	require.True(t, session.HttpOnly)
	require.Equal(t, http.SameSiteLaxMode, session.SameSite)
	require.Equal(t, "/", session.Path)
	require.Empty(t, session.Domain)
	require.Positive(t, session.MaxAge)

	notes := func() int64 {
		var n int64
		require.NoError(t, s.Store.DB.Model(&store.Event{}).Where("request_id = ? AND action = 'note.added'", uuid.MustParse(id)).Count(&n).Error)
		return n
	}
	resp, _ := b.Get("/staff/requests/" + id)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	form := url.Values{"text": {"Called the subject."}, "_key": {uuid.NewString()}}
	resp, body := b.Do(http.MethodPost, "/staff/requests/"+id+"/actions/notes", form)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "no CSRF token: %s", body)
	form.Set("_csrf", "forged-"+b.CSRF[7:])
	resp, _ = b.Do(http.MethodPost, "/staff/requests/"+id+"/actions/notes", form)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "a forged token")
	require.Zero(t, notes(), "nothing was written")
	form.Del("_csrf")
	resp, body = b.Post("/staff/requests/"+id+"/actions/notes", form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, body)
	require.Eventually(t, func() bool { return notes() == 1 }, 10*time.Second, 20*time.Millisecond)
	// The same form sent again (the back button, a double click) adds
	// nothing: the action answers once the Update is done and projected,
	// so a second note would already be in the read model.
	resp, _ = b.Post("/staff/requests/"+id+"/actions/notes", form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.EqualValues(t, 1, notes())

	// A caseworker of another controller: not found, in the page and the forms.
	o := s.Browserless(t)
	o.DevLogin("cwo")
	resp, body = o.Get("/staff/requests/" + id)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.NotContains(t, body, "Called the subject.")
	resp, _ = o.Post("/staff/requests/"+id+"/actions/notes", url.Values{"text": {"x"}})
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	_, body = o.Get("/staff/inbox?scope=all")
	require.NotContains(t, body, id)
	resp, _ = o.Get("/staff/requests/" + id + "/access-log")
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "the access log is the DPO's")

	// The DPO's pages are the DPO's.
	resp, _ = b.Get("/staff/dashboard")
	require.Equal(t, http.StatusForbidden, resp.StatusCode)

	// Without rightsdesk dev there is no one-click login.
	plain := teststack.New(t, teststack.Options{})
	p := plain.Browserless(t)
	_, body = p.Get("/staff/login")
	require.NotContains(t, body, "/staff/login/dev")
	// The login page has no form here: a valid token from another page.
	_, _ = p.Get("/request/demo")
	resp, _ = p.Post("/staff/login/dev", url.Values{"name": {"cw1"}})
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Empty(t, p.Cookies["__Host-rd_session"])
}

// TestCaseworkerPages: the inbox, the case view and its forms, the request
// list and its CSV, the register and search forms and the DPO's dashboard
// all work without JavaScript, through the API's own handlers.
func TestCaseworkerPages(t *testing.T) {
	s := teststack.New(t, teststack.Options{DevLogin: true})
	r := s.Intake(map[string]any{"controller": "demo", "kind": "erasure",
		"subject": map[string]any{"name": "Test Person", "email": "test@example.dk"}}, "")
	require.Equal(t, http.StatusCreated, r.Status)
	id, ref := r.Str("id"), r.Str("reference")
	s.WaitStage(id, "identity")

	b := s.Browserless(t)
	b.DevLogin("cw1")
	resp, body := b.Get("/staff/inbox?lang=en")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, ref)
	require.Contains(t, body, "Verify identity")
	require.Regexp(t, `class="badge fine">\d+ days left`, body)
	require.NotContains(t, body, "test@example.dk", "the inbox shows no personal data")
	task := regexpFind(t, `action="/staff/tasks/([0-9a-f-]{36})/claim"`, body)

	resp, _ = b.Post("/staff/tasks/"+task+"/claim", url.Values{"back": {"/staff/requests/" + id}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, "/staff/requests/"+id, resp.Header.Get("Location"))
	_, body = b.Get("/staff/inbox?scope=mine")
	require.Contains(t, body, ref, "claimed: mine")
	_, body = b.Get("/staff/inbox?scope=unassigned")
	require.NotContains(t, body, ref)

	_, body = b.Get("/staff/requests/" + id)
	require.Contains(t, body, "test@example.dk", "the case view shows the subject (access-logged)")
	require.Contains(t, body, `data-stage="identity"`)
	resp, _ = b.Post("/staff/requests/"+id+"/actions/identity", url.Values{"method": {"in_person"}, "_key": {uuid.NewString()}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	s.WaitStage(id, "assessment")

	// A rule the workflow enforces comes back beside its field.
	resp, body = b.Post("/staff/requests/"+id+"/actions/decision", url.Values{"outcome": {"refuse"}, "assessment": {"Kept by law."}, "_key": {uuid.NewString()}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, `id="decision-grounds-error"`)
	require.Contains(t, body, "A refusal needs its legal grounds")
	require.Contains(t, body, "Kept by law.", "what was written is kept")
	resp, _ = b.Post("/staff/requests/"+id+"/actions/decision", url.Values{"outcome": {"grant"}, "assessment": {"Nothing keeps it."}, "_key": {uuid.NewString()}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	s.WaitStage(id, "fulfilment")
	_, body = b.Get("/staff/requests/" + id)
	// The fulfilment task is the assignee's: its form is on the page.
	fulfil := regexpFind(t, `action="/staff/requests/`+id+`/tasks/([0-9a-f-]{36})/complete"`, body)
	resp, _ = b.Post("/staff/requests/"+id+"/tasks/"+fulfil+"/complete", url.Values{"found": {"Deleted the case file."}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	s.WaitStage(id, "closed")
	require.Eventually(t, func() bool {
		_, body = b.Get("/staff/requests/" + id)
		return strings.Contains(body, `data-kind="reply_erasure"`)
	}, 15*time.Second, 100*time.Millisecond, "the reply letter is on the case")
	require.Contains(t, body, `data-action="reply.sent"`)
	pdf := regexpFind(t, `href="(/staff/requests/`+id+`/letters/[0-9a-f-]{36}/pdf)"`, body)
	resp, raw := b.Get(pdf)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.True(t, strings.HasPrefix(raw, "%PDF-"))

	// Bulk assignment: the chosen tasks' requests go to one caseworker.
	var ids []string
	for range 2 {
		n := s.Intake(map[string]any{"controller": "demo", "kind": "access", "subject": map[string]any{"name": "Bulk Person", "email": "bulk@example.dk"}}, "")
		require.Equal(t, http.StatusCreated, n.Status)
		s.WaitStage(n.Str("id"), "identity")
		ids = append(ids, n.Str("id"))
	}
	_, body = b.Get("/staff/inbox?scope=unassigned")
	picks := regexp.MustCompile(`name="task" value="([0-9a-f-]{36})"`).FindAllStringSubmatch(body, -1)
	require.Len(t, picks, 2)
	resp, _ = b.Post("/staff/tasks/assign", url.Values{"task": {picks[0][1], picks[1][1]}, "assignee": {"token:cw2"}, "_key": {uuid.NewString()}})
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	for _, rid := range ids {
		require.Eventually(t, func() bool {
			var r store.Request
			return s.Store.DB.First(&r, "id = ?", uuid.MustParse(rid)).Error == nil && r.Assignee != nil && *r.Assignee == "token:cw2"
		}, 10*time.Second, 20*time.Millisecond)
	}
	resp, body = b.Post("/staff/tasks/assign", url.Values{"task": {picks[0][1]}, "assignee": {"token:cwo"}, "_key": {uuid.NewString()}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "not staff of the controller")
	require.Contains(t, body, `class="error-summary"`)

	// The list with the API's filters, and its CSV.
	_, body = b.Get("/staff/requests?stage=closed&kind=erasure")
	require.Contains(t, body, ref)
	_, body = b.Get("/staff/requests?stage=identity")
	require.NotContains(t, body, ref)
	resp, body = b.Get("/staff/requests?stage=nonsense")
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, "A filter is not valid")
	resp, body = b.Get("/staff/requests?kind=erasure&format=csv")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/csv; charset=utf-8", resp.Header.Get("Content-Type"))
	records, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	require.NoError(t, err)
	require.Len(t, records, 2)
	require.Equal(t, ref, records[1][0])
	require.Equal(t, "closed", records[1][4])
	require.NotContains(t, body, "test@example.dk")

	// Register a request that came by letter a week ago.
	received := time.Now().AddDate(0, 0, -7).Format(time.DateOnly)
	_, body = b.Get("/staff/register")
	key := regexpFind(t, `name="_key" value="([^"]+)"`, body)
	form := url.Values{"controller": {"demo"}, "channel": {"letter"}, "received_at": {received}, "kind": {"access"},
		"name": {"Brev Person"}, "address": {"Vej 1, 8000 Aarhus C"}, "_key": {key}}
	resp, _ = b.Post("/staff/register", form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	created := strings.TrimSuffix(strings.TrimPrefix(resp.Header.Get("Location"), "/staff/requests/"), "?done=registered")
	var reg store.Request
	require.NoError(t, s.Store.DB.First(&reg, "id = ?", uuid.MustParse(created)).Error)
	require.Equal(t, received, reg.ReceivedOn.Format(time.DateOnly), "the real day of receipt")
	require.Equal(t, "letter", reg.Channel)
	resp, _ = b.Post("/staff/register", form)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode, "sent twice: the same request")
	var n int64
	s.Store.DB.Model(&store.Request{}).Where("channel = 'letter'").Count(&n)
	require.EqualValues(t, 1, n)
	form.Set("received_at", time.Now().AddDate(0, 0, 3).Format(time.DateOnly))
	form.Set("_key", uuid.NewString())
	resp, body = b.Post("/staff/register", form)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, `href="#received_at"`)

	// Search by an identifier, in a POST body.
	_, _ = b.Get("/staff/search")
	resp, body = b.Post("/staff/search", url.Values{"email": {"TEST@example.dk"}})
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, ref)
	resp, body = b.Post("/staff/search", url.Values{})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, "at least one identifier")

	// The DPO's dashboard: figures, SVG charts with their tables, CSV; the
	// access log. Months and days are the controller's (Copenhagen), also in
	// the hour after its midnight.
	cph, err := time.LoadLocation("Europe/Copenhagen")
	require.NoError(t, err)
	now := time.Now().In(cph)
	d := s.Browserless(t)
	d.DevLogin("dpo1")
	resp, body = d.Get("/staff/dashboard?lang=en")
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	require.Contains(t, body, "<svg")
	require.Contains(t, body, "Share answered within the month, by month")
	require.Contains(t, body, `<th scope="row">`+now.Format("2006-01")+`</th><td>100 %</td>`)
	resp, body = d.Get("/staff/dashboard?from=2026-05-01&to=2026-04-01")
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	resp, body = d.Get("/staff/dashboard?from=" + now.AddDate(0, -1, 0).Format(time.DateOnly) + "&to=" + now.Format(time.DateOnly) + "&format=csv")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, "answered_within_month,"+now.Format("2006-01")+",1")
	_, body = d.Get("/staff/requests/" + id + "/access-log?lang=en")
	require.Contains(t, body, "token:cw1")
	require.Contains(t, body, "The subject and the request")
}

func regexpFind(t *testing.T, pattern, body string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(body)
	require.NotNil(t, m, "%s not in the page", pattern)
	return m[1]
}
