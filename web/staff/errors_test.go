package staff_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/devtools/teststack"
)

// TestStaffErrorsArePages: what a staff page cannot do is a page in the
// staff member's language, never JSON: a staff page that does not exist, a
// form the server cannot read, a task of another request, and a database
// that does not answer; the API beside the pages still answers JSON.
func TestStaffErrorsArePages(t *testing.T) {
	s := teststack.New(t, teststack.Options{DevLogin: true})
	b := s.Browserless(t)
	b.DevLogin("cw1")
	page := func(resp *http.Response, body string, status int, words string) {
		t.Helper()
		require.Equal(t, status, resp.StatusCode, body)
		require.Equal(t, "text/html; charset=UTF-8", resp.Header.Get("Content-Type"), body)
		require.Contains(t, body, words)
	}
	resp, body := b.Get("/staff/nowhere?lang=en")
	page(resp, body, http.StatusNotFound, "The page does not exist")
	// The staff's address, with or without its slash, is the inbox.
	for _, path := range []string{"/staff", "/staff/"} {
		resp, body = b.Get(path)
		require.Equal(t, http.StatusSeeOther, resp.StatusCode, "%s: %s", path, body)
		require.Equal(t, "/staff/inbox", resp.Header.Get("Location"), path)
	}
	resp, body = b.Get("/staff/requests/" + uuid.NewString() + "?lang=en")
	page(resp, body, http.StatusNotFound, "We cannot find what you are looking for")

	// A form whose body cannot be read (multipart without its boundary),
	// its token valid: this was problem+json.
	req, err := http.NewRequest(http.MethodPost, s.URL+"/staff/tasks/assign?lang=da&_csrf="+url.QueryEscape(b.CSRF), strings.NewReader("x"))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "multipart/form-data")
	for _, c := range b.Cookies {
		req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	raw, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer raw.Body.Close()
	require.Equal(t, http.StatusBadRequest, raw.StatusCode)
	require.Equal(t, "text/html; charset=UTF-8", raw.Header.Get("Content-Type"))

	r := s.Intake(teststack.Letter("access", "2026-01-05"), teststack.TokCaseworker)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
	id := r.Str("id")
	s.WaitStage(id, "identity")
	// A task that is not the request's (this was problem+json for a task
	// of no request at all).
	b.Get("/staff/requests/" + id)
	resp, body = b.Post("/staff/requests/"+id+"/tasks/"+uuid.NewString()+"/claim?lang=sv", url.Values{"_key": {uuid.NewString()}})
	page(resp, body, http.StatusNotFound, "Vi hittar inte det du söker")

	// The API beside the pages answers its own paths as before.
	api := s.Call(http.MethodGet, "/v1/nowhere", nil, nil, teststack.TokCaseworker)
	require.Equal(t, http.StatusNotFound, api.Status)
	require.Equal(t, "application/problem+json", api.Header.Get("Content-Type"))

	// The database stops answering: the session cannot be looked up.
	require.NoError(t, s.Store.SQL().Close())
	resp, body = b.Get("/staff/inbox?lang=en")
	page(resp, body, http.StatusServiceUnavailable, "Part of the system does not answer just now")
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
	resp, body = b.Get("/staff/requests/" + id + "?lang=da")
	page(resp, body, http.StatusServiceUnavailable, "En del af systemet svarer ikke lige nu")
}
