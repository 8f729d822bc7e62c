package staff_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/devtools/teststack"
)

// TestLanguageLinksOfAFormAnswer: a page rendered as the answer of a form
// (a refused decision, an inbox assignment without tasks) links its
// languages to the page the form is on, which answers a GET, not to the
// form's address.
func TestLanguageLinksOfAFormAnswer(t *testing.T) {
	s := teststack.New(t, teststack.Options{DevLogin: true})
	r := s.Intake(teststack.Letter("access", "2026-03-05"), teststack.TokCaseworker)
	require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
	id := r.Str("id")
	s.WaitStage(id, "identity")
	b := s.Browserless(t)
	b.DevLogin("cw1")
	b.Get("/staff/requests/" + id)
	// A decision before the identity is verified is refused.
	resp, body := b.Post("/staff/requests/"+id+"/actions/decision?lang=da", url.Values{"outcome": {"grant"}, "assessment": {"ok"}, "_key": {uuid.NewString()}})
	require.GreaterOrEqual(t, resp.StatusCode, 400, body)
	require.Contains(t, body, `href="/staff/requests/`+id+`?lang=sv"`, body)
	require.NotContains(t, body, "/actions/decision?lang=")
	resp, _ = b.Get("/staff/requests/" + id + "?lang=sv")
	require.Equal(t, http.StatusOK, resp.StatusCode, "the language link opens a page")

	resp, body = b.Post("/staff/tasks/assign?lang=da", url.Values{"assignee": {"cw1"}, "_key": {uuid.NewString()}})
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, body)
	require.Contains(t, body, `href="/staff/inbox?lang=en"`)
	require.NotContains(t, body, "/staff/tasks/assign?lang=")
}
