package api_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// What the API's tests of the pages' defences (defences_test.go,
// release_test.go, fulfil_test.go) need to drive the pages: the page tests
// themselves are in web/citizen and web/staff, on internal/devtools/teststack.

// page GETs a page of the web UI with the given headers.
func (s *stack) page(path string, header ...string) (*http.Response, string) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.url+path, nil)
	require.NoError(s.t, err)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return resp, string(b)
}

// postForm sends a form as a browser would, without following redirects.
func (s *stack) postForm(path string, form url.Values, cookies ...*http.Cookie) (*http.Response, string) {
	s.t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.url+path, strings.NewReader(form.Encode()))
	require.NoError(s.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range cookies {
		req.AddCookie(c)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	require.NoError(s.t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(s.t, err)
	return resp, string(b)
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// browserless is a staff member's browser without JavaScript: it keeps
// cookies (whatever their Secure flag: the test server speaks HTTP) and
// does not follow redirects, so each answer can be checked.
type browserless struct {
	s       *stack
	t       *testing.T
	cookies map[string]*http.Cookie
	// setCookies are the Set-Cookie headers of the last answer.
	setCookies []*http.Cookie
	// csrf is the CSRF token of the last page that carried one, as its
	// forms send it.
	csrf string
}

func (s *stack) browserless(t *testing.T) *browserless {
	return &browserless{s: s, t: t, cookies: map[string]*http.Cookie{}}
}

func (b *browserless) do(method, target string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	if strings.HasPrefix(target, "/") {
		target = b.s.url + target
	}
	req, err := http.NewRequest(method, target, body)
	require.NoError(b.t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range b.cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(b.t, err)
	b.setCookies = resp.Cookies()
	if m := csrfField.FindStringSubmatch(string(raw)); m != nil {
		b.csrf = html.UnescapeString(m[1])
	}
	if strings.HasPrefix(target, b.s.url) {
		for _, c := range b.setCookies {
			if c.MaxAge < 0 {
				delete(b.cookies, c.Name)
			} else {
				b.cookies[c.Name] = c
			}
		}
	}
	return resp, string(raw)
}

func (b *browserless) get(path string) (*http.Response, string) {
	return b.do(http.MethodGet, path, nil)
}

// post sends a form with the CSRF token of the last page that carried one,
// as that page's form would.
func (b *browserless) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["_csrf"]; !ok {
		require.NotEmpty(b.t, b.csrf, "a page with a form was loaded first")
		form.Set("_csrf", b.csrf)
	}
	return b.do(http.MethodPost, path, form)
}

// devLogin logs in with the one-click login of rightsdesk dev.
func (b *browserless) devLogin(name string) {
	b.t.Helper()
	resp, body := b.get("/staff/login")
	require.Equal(b.t, http.StatusOK, resp.StatusCode, body)
	resp, body = b.post("/staff/login/dev", url.Values{"name": {name}, "next": {"/staff/inbox"}})
	require.Equal(b.t, http.StatusSeeOther, resp.StatusCode, body)
	require.Equal(b.t, "/staff/inbox", resp.Header.Get("Location"))
}

func regexpFind(t *testing.T, pattern, body string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(body)
	require.NotNil(t, m, "%s not in the page", pattern)
	return m[1]
}

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

// visit loads a page and waits for its main content.
func visit(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(url), chromedp.WaitVisible(chromedp.CSS("main"))))
}
