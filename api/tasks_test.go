package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestTaskQueueFiltersAndPages drives GET /v1/tasks through the stack: the
// workflows of three requests make their identity tasks; the filters
// (task kind, right, stage) keep exactly the matching ones, the cursor
// pages through each task once, and a filter the queue does not know is
// a 422 naming it. (The same above 500 open tasks, where filtering after
// the limit would miss matches: internal/cases's queue tests.)
func TestTaskQueueFiltersAndPages(t *testing.T) {
	s := newStack(t)
	ids := map[string]string{}
	for _, kind := range []string{"access", "erasure", "restriction"} {
		r := s.intake(letter(kind, "2026-01-31"), tokCaseworker)
		require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
		ids[kind] = r.str("id")
		s.waitStage(r.str("id"), "identity")
	}

	var paged []string
	cursor := ""
	for pages := 0; ; pages++ {
		require.Less(t, pages, 10)
		r := s.callQuery("/v1/tasks", "scope=all&kind=verify_identity&stage=identity&limit=1&cursor="+cursor, tokCaseworker)
		require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
		items := r.body["items"].([]any)
		require.LessOrEqual(t, len(items), 1)
		for _, it := range items {
			paged = append(paged, it.(map[string]any)["request_id"].(string))
		}
		next, _ := r.body["next_cursor"].(string)
		if next == "" {
			break
		}
		cursor = next
	}
	require.ElementsMatch(t, []string{ids["access"], ids["erasure"], ids["restriction"]}, paged, "each request's task once")

	r := s.callQuery("/v1/tasks", "right=erasure", tokCaseworker)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	items := r.body["items"].([]any)
	require.Len(t, items, 1)
	require.Equal(t, ids["erasure"], items[0].(map[string]any)["request_id"])
	require.Nil(t, r.body["next_cursor"])

	r = s.callQuery("/v1/tasks", "kind=decide", tokCaseworker)
	require.Equal(t, http.StatusOK, r.status)
	require.Empty(t, r.body["items"])

	for query, pointer := range map[string]string{"kind=sleep": "/query/kind", "right=fame": "/query/right", "stage=limbo": "/query/stage",
		"cursor=bm9wZQ": "/query/cursor", "limit=501": "/query/limit", "colour=red": "/query/colour"} {
		r := s.callQuery("/v1/tasks", query, tokCaseworker)
		require.Equal(t, http.StatusUnprocessableEntity, r.status, query)
		require.Equal(t, pointer, r.body["errors"].([]any)[0].(map[string]any)["pointer"], query)
	}
}
