package staff_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/devtools/teststack"
)

// TestInboxPagesOnTheServer: an inbox with more tasks than a page shows a
// page and a "next page" link; the link keeps the filters and leads to the
// rest, every task once and none the filters leave out.
func TestInboxPagesOnTheServer(t *testing.T) {
	s := teststack.New(t, teststack.Options{DevLogin: true})
	refs := map[string]bool{}
	for range 5 {
		r := s.Intake(map[string]any{"controller": "demo", "kind": "erasure",
			"subject": map[string]any{"name": "Test Person", "email": "test@example.dk"}}, "")
		require.Equal(t, http.StatusCreated, r.Status, "%s", r.Raw)
		refs[r.Str("reference")] = true
		s.WaitStage(r.Str("id"), "identity")
	}
	// A task the filter leaves out.
	other := s.Intake(map[string]any{"controller": "demo", "kind": "access",
		"subject": map[string]any{"name": "Test Person", "email": "test@example.dk"}}, "")
	require.Equal(t, http.StatusCreated, other.Status, "%s", other.Raw)
	s.WaitStage(other.Str("id"), "identity")

	b := s.Browserless(t)
	b.DevLogin("cw1")
	next := regexp.MustCompile(`<a href="(/staff/inbox\?[^"]*)" rel="next">Næste side</a>`)
	task := regexp.MustCompile(`<tr data-task="([0-9a-f-]{36})">`)
	ref := regexp.MustCompile(`class="open" href="/staff/requests/[0-9a-f-]{36}">([^<]+)</a>`)
	seenTasks, seenRefs := map[string]bool{}, map[string]int{}
	path, pages := "/staff/inbox?lang=da&scope=all&right=erasure&limit=2", 0
	for path != "" {
		resp, body := b.Get(path)
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		pages++
		ids := task.FindAllStringSubmatch(body, -1)
		require.NotEmpty(t, ids, "page %d", pages)
		require.LessOrEqual(t, len(ids), 2, "a page holds at most the page size")
		for _, m := range ids {
			require.False(t, seenTasks[m[1]], "task %s shown twice", m[1])
			seenTasks[m[1]] = true
		}
		for _, m := range ref.FindAllStringSubmatch(body, -1) {
			seenRefs[m[1]]++
		}
		path = ""
		if m := next.FindStringSubmatch(body); m != nil {
			path = html.UnescapeString(m[1])
			q, err := url.ParseQuery(strings.TrimPrefix(path, "/staff/inbox?"))
			require.NoError(t, err)
			require.Equal(t, "all", q.Get("scope"), "the next page keeps the filters")
			require.Equal(t, "erasure", q.Get("right"))
			require.Equal(t, "2", q.Get("limit"))
			require.NotEmpty(t, q.Get("cursor"))
		}
	}
	require.Equal(t, 3, pages, "five tasks, two a page")
	require.Len(t, seenTasks, 5)
	require.Len(t, seenRefs, 5)
	for r := range refs {
		require.Equal(t, 1, seenRefs[r], "request %s shown once", r)
	}
	require.NotContains(t, seenRefs, other.Str("reference"), "the filter holds on every page")

	// The default page holds them all, without a next link.
	_, body := b.Get("/staff/inbox?lang=da&scope=all")
	require.Len(t, task.FindAllString(body, -1), 6)
	require.NotRegexp(t, next, body)

	// A cursor or a page size not from the page is refused with words.
	resp, body := b.Get("/staff/inbox?lang=en&scope=all&cursor=nonsense")
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, body)
	require.Contains(t, body, "A filter is not valid")
	resp, body = b.Get("/staff/inbox?lang=en&scope=all&limit=x")
	require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, body)
}
