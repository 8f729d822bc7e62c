package web

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPagePath: the language links of a form's answer go to the page the
// form is on.
func TestPagePath(t *testing.T) {
	for _, tc := range []struct{ method, path, want string }{
		{"GET", "/staff/requests/x/access-log", "/staff/requests/x/access-log"},
		{"POST", "/staff/requests/x/actions/decision", "/staff/requests/x"},
		{"POST", "/staff/requests/x/tasks/y/claim", "/staff/requests/x"},
		{"POST", "/staff/tasks/assign", "/staff/inbox"},
		{"POST", "/staff/tasks/y/claim", "/staff/inbox"},
		{"POST", "/status/tok/package/code", "/status/tok"},
		{"POST", "/staff/login/dev", "/staff/login"},
		{"POST", "/staff/register", "/staff/register"},
		{"POST", "/request/demo", "/request/demo"},
	} {
		require.Equal(t, tc.want, PagePath(tc.method, tc.path), "%s %s", tc.method, tc.path)
	}
}
