package citizen_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/devtools/teststack"
)

// TestStatusPage: the citizen's status link opens a page in their
// language (chosen, remembered, or from the browser), with the stage and
// dates and nothing internal; it is never cached nor sent on as a referrer;
// an unknown link says so in words.
func TestStatusPage(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	r := s.Intake(map[string]any{
		"controller": "demo", "kind": "erasure",
		"subject": map[string]any{"name": "Test Person", "email": "test@example.dk"},
	}, "")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
	token := strings.TrimPrefix(r.Str("status_url"), "https://rights.example/status/")
	s.WaitStage(r.Str("id"), "identity")
	path := "/status/" + token

	resp, body := s.Page(path)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "text/html; charset=UTF-8", resp.Header.Get("Content-Type"))
	require.Equal(t, "no-store", resp.Header.Get("Cache-Control"))
	require.Equal(t, "no-referrer", resp.Header.Get("Referrer-Policy"))
	require.Contains(t, body, `<html lang="da">`)
	require.Contains(t, body, r.Str("reference"))
	require.Contains(t, body, "Sletning af dine oplysninger")
	require.Contains(t, body, "Vi bekræfter, at det er dig")
	require.NotContains(t, body, "Test Person", "no personal data on a page opened by a link")
	require.NotContains(t, body, "test@example.dk")

	resp, body = s.Page(path + "?lang=en")
	require.Contains(t, body, `<html lang="en">`)
	require.Contains(t, body, "We are confirming it is you")
	var chosen *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "__Host-rd_lang" {
			chosen = c
		}
	}
	require.NotNil(t, chosen, "the choice is remembered")
	require.Equal(t, "en", chosen.Value)
	require.True(t, chosen.HttpOnly)
	require.True(t, chosen.Secure)
	_, body = s.Page(path, "Cookie", "__Host-rd_lang=en", "Accept-Language", "sv")
	require.Contains(t, body, `<html lang="en">`, "the remembered choice wins over the browser")
	_, body = s.Page(path, "Accept-Language", "sv-SE,sv;q=0.9,en;q=0.5")
	require.Contains(t, body, "Vi kontrollerar att det är du")

	resp, body = s.Page("/status/" + strings.Repeat("x", 43))
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Contains(t, body, "Vi kan ikke finde en anmodning med dette link")

	resp, body = s.Page("/static/style.css")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Type"), "text/css")
	require.Contains(t, body, "focus-visible", "focus stays visible")
}

// TestStatusPageForms: from the status page the citizen answers an
// information request and withdraws; a missing or forged CSRF token is
// refused and changes nothing; the CSRF cookie is __Host-, HttpOnly and
// SameSite=Lax (a link from an e-mail keeps the cookie of forms open in
// other tabs); an empty answer is shown next to its field; a withdrawal
// of what is closed says so.
func TestStatusPageForms(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	r := s.Intake(map[string]any{
		"controller": "demo", "kind": "access",
		"subject": map[string]any{"name": "Test Person", "email": "test@example.dk"},
	}, "")
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
	id, token := r.Str("id"), strings.TrimPrefix(r.Str("status_url"), "https://rights.example/status/")
	s.WaitStage(id, "identity")
	ask := s.Call(http.MethodPost, "/v1/requests/{id}/information-request", map[string]string{"id": id},
		map[string]any{"purpose": "identity", "what": "Log ind med MitID på statussiden."}, teststack.TokCaseworker)
	require.Equal(t, http.StatusOK, ask.Status, "%s", ask.Raw)
	path := "/status/" + token
	waiting := func() bool {
		st := s.Call(http.MethodGet, "/v1/status/{token}", map[string]string{"token": token}, nil, "")
		return st.Body["requests"].([]any)[0].(map[string]any)["waiting_for_you"].(bool)
	}
	require.True(t, waiting())

	resp, body := s.Page(path)
	require.Contains(t, body, "Send os dit svar")
	m := teststack.CSRFField.FindStringSubmatch(body)
	require.NotNil(t, m, "the forms carry the CSRF token")
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "__Host-rd_csrf" {
			cookie = c
		}
	}
	require.NotNil(t, cookie)
	require.True(t, cookie.HttpOnly)
	require.True(t, cookie.Secure)
	require.Equal(t, http.SameSiteLaxMode, cookie.SameSite)

	resp, body = s.PostForm(path+"/information", url.Values{"answer": {"Jeg har logget ind."}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "no token")
	require.Contains(t, body, "Formularen var udløbet")
	resp, _ = s.PostForm(path+"/information", url.Values{"answer": {"Jeg har logget ind."}, "_csrf": {"forged-token-forged-token-forged"}}, cookie)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "a forged token")
	require.True(t, waiting(), "nothing changed")

	resp, body = s.PostForm(path+"/information", url.Values{"answer": {"  "}, "_csrf": {m[1]}}, cookie)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, `<a href="#answer">Skriv dit svar`)
	require.True(t, waiting())

	resp, _ = s.PostForm(path+"/information", url.Values{"answer": {"Jeg har logget ind."}, "_csrf": {m[1]}}, cookie)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	require.Equal(t, path, resp.Header.Get("Location"))
	require.False(t, waiting(), "the answer restarted the clock")

	resp, _ = s.PostForm(path+"/withdraw", url.Values{"_csrf": {m[1]}}, cookie)
	require.Equal(t, http.StatusSeeOther, resp.StatusCode)
	_, body = s.Page(path)
	require.Contains(t, body, "Trukket tilbage")
	require.NotContains(t, body, `action="`+path+`/withdraw"`, "nothing left to withdraw")
	resp, body = s.PostForm(path+"/withdraw", url.Values{"_csrf": {m[1]}}, cookie)
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.Contains(t, body, "allerede besvaret eller afsluttet")
}

// TestRequestForm: a citizen asks for a right through the public form, in
// their language, on the same intake as the API: a refusal shows each
// field's problem linked from an error summary and keeps what was written;
// a missing CSRF token is refused; the receipt page gives the reference,
// the due date and the status page, which opens.
func TestRequestForm(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	resp, body := s.Page("/request/demo")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, body, `<html lang="da">`)
	require.Contains(t, body, "Demo Kommune")
	require.Equal(t, 7, strings.Count(body, `type="radio"`), "every right")
	require.Contains(t, body, `<label for="kind-erasure">Sletning af dine oplysninger</label>`)
	require.Contains(t, body, "Dit CPR-nummer (frivilligt)")
	m := teststack.CSRFField.FindStringSubmatch(body)
	require.NotNil(t, m)
	var cookie *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "__Host-rd_csrf" {
			cookie = c
		}
	}
	require.NotNil(t, cookie)

	resp, body = s.PostForm("/request/demo", url.Values{"kind": {"erasure"}, "name": {"Ida Borger"}, "email": {"ida@example.dk"}})
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "no CSRF token")
	require.Contains(t, body, "Formularen var udløbet")

	resp, body = s.PostForm("/request/demo", url.Values{"name": {"Ida Borger"}, "email": {"not-an-address"}, "_csrf": {m[1]}}, cookie)
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode)
	require.Contains(t, body, `<a href="#kind">Vælg, hvad du ønsker.</a>`)
	require.Contains(t, body, `<a href="#email">Skriv en gyldig e-mailadresse.</a>`)
	require.Contains(t, body, `value="Ida Borger"`, "what was written is kept")
	require.Contains(t, body, `id="email" name="email" type="email" autocomplete="email" value="not-an-address" aria-describedby="email-hint email-error" aria-invalid="true"`)
	require.Contains(t, body, `<p class="field-error" id="email-error">Skriv en gyldig e-mailadresse.</p>`, "beside its field")

	resp, body = s.PostForm("/request/demo", url.Values{"kind": {"erasure"}, "name": {"Ida Borger"}, "email": {"ida@example.dk"},
		"national_id": {"070761-4285"}, "description": {"Slet mit gamle nyhedsbrev."}, "_csrf": {m[1]}}, cookie)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", body)
	require.Contains(t, body, "Vi har modtaget din anmodning")
	ref := regexp.MustCompile(`RD-\d{4}-\d{6}`).FindString(body)
	require.NotEmpty(t, ref)
	status := regexp.MustCompile(`href="(/status/[^"]+)"`).FindStringSubmatch(body)
	require.NotNil(t, status, "the receipt links to the status page")
	_, page := s.Page(status[1])
	require.Contains(t, page, ref)

	list := s.Call(http.MethodGet, "/v1/requests", nil, nil, teststack.TokCaseworker)
	var found map[string]any
	for _, it := range list.Body["items"].([]any) {
		if it := it.(map[string]any); it["reference"] == ref {
			found = it
		}
	}
	require.NotNil(t, found, "registered through the intake")
	detail := s.Call(http.MethodGet, "/v1/requests/{id}", map[string]string{"id": found["id"].(string)}, nil, teststack.TokCaseworker)
	require.Equal(t, "web", detail.Body["channel"])
	require.Equal(t, "0707614285", detail.Body["subject"].(map[string]any)["national_id"])

	resp, body = s.Page("/request/nowhere")
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Contains(t, body, "Vi kender ikke denne organisation")
	_, body = s.Page("/request/demo-se?lang=sv")
	require.Contains(t, body, "Ditt personnummer (frivilligt)")
}
