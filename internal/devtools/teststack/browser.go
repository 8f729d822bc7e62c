package teststack

import (
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// CSRFField finds a form's CSRF token in a page.
var CSRFField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// Page GETs a page with the given headers (name, value, ...).
func (s *Stack) Page(path string, header ...string) (*http.Response, string) {
	s.T.Helper()
	req, err := http.NewRequest(http.MethodGet, s.URL+path, nil)
	require.NoError(s.T, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.T, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(s.T, err)
	return resp, string(b)
}

// PostForm sends a form as a browser would, without following redirects.
func (s *Stack) PostForm(path string, form url.Values, cookies ...*http.Cookie) (*http.Response, string) {
	s.T.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL+path, strings.NewReader(form.Encode()))
	require.NoError(s.T, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	require.NoError(s.T, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(s.T, err)
	return resp, string(b)
}

// Browserless is a browser without JavaScript: it keeps cookies (whatever
// their Secure flag: the test server speaks HTTP) and does not follow
// redirects, so each answer can be checked.
type Browserless struct {
	s       *Stack
	t       testing.TB
	Cookies map[string]*http.Cookie
	// SetCookies are the Set-Cookie headers of the last answer.
	SetCookies []*http.Cookie
	// CSRF is the CSRF token of the last page that carried one, as its
	// forms send it.
	CSRF string
}

// Browserless opens a browser without JavaScript on the stack.
func (s *Stack) Browserless(t testing.TB) *Browserless {
	return &Browserless{s: s, t: t, Cookies: map[string]*http.Cookie{}}
}

// Do sends a request (a form when form is not nil) with the cookies.
func (b *Browserless) Do(method, target string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	if strings.HasPrefix(target, "/") {
		target = b.s.URL + target
	}
	req, err := http.NewRequest(method, target, body)
	require.NoError(b.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range b.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	b.SetCookies = resp.Cookies()
	if m := CSRFField.FindStringSubmatch(string(raw)); m != nil {
		b.CSRF = html.UnescapeString(m[1])
	}
	if strings.HasPrefix(target, b.s.URL) {
		for _, c := range b.SetCookies {
			if c.MaxAge < 0 {
				delete(b.Cookies, c.Name)
			} else {
				b.Cookies[c.Name] = c
			}
		}
	}
	return resp, string(raw)
}

// Get loads a page.
func (b *Browserless) Get(path string) (*http.Response, string) {
	b.t.Helper()
	return b.Do(http.MethodGet, path, nil)
}

// Post sends a form with the CSRF token of the last page that carried
// one, as that page's form would.
func (b *Browserless) Post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		require.NotEmpty(b.t, b.CSRF, "a page with a form was loaded first")
		form.Set("_csrf", b.CSRF)
	}
	return b.Do(http.MethodPost, path, form)
}

// DevLogin logs in with the one-click login of rightsdesk dev.
func (b *Browserless) DevLogin(name string) {
	b.t.Helper()
	resp, body := b.Get("/staff/login")
	require.Equal(b.t, http.StatusOK, resp.StatusCode, body)
	resp, body = b.Post("/staff/login/dev", url.Values{"name": {name}, "next": {"/staff/inbox"}})
	require.Equal(b.t, http.StatusSeeOther, resp.StatusCode, body)
	require.Equal(b.t, "/staff/inbox", resp.Header.Get("Location"))
}

// CookieNamed is the Set-Cookie of the last answer with that name.
func (b *Browserless) CookieNamed(name string) *http.Cookie {
	for _, c := range b.SetCookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}
