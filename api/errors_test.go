package api

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// TestProblemOfEveryServiceError holds the one mapping of the service's
// typed errors to problem+json: status, type, rule and Retry-After as the
// API documents them (docs/API.md).
func TestProblemOfEveryServiceError(t *testing.T) {
	for _, c := range []struct {
		err        error
		status     int
		typ, rule  string
		retryAfter string
	}{
		{&cases.RuleError{Rule: rights.RuleStage, Detail: "x"}, 422, "rule-broken", "stage", ""},
		{&cases.RuleError{Rule: rights.RuleTaskClaimed, Conflict: true}, 409, "rule-broken", "task-claimed", ""},
		{&cases.RuleError{Rule: rights.RuleRequestClosed, Conflict: true}, 409, "request-closed", "request-closed", ""},
		{&cases.RuleError{Rule: rights.RulePackageDestroyed}, 410, "gone", "package-destroyed", ""},
		{&cases.RuleError{Rule: rights.RulePackageNotByLink}, 403, "forbidden", "package-not-by-link", ""},
		{&cases.RuleError{Rule: rights.RulePackageCodeRequired}, 403, "forbidden", "package-code-required", ""},
		{&cases.RuleError{Rule: rights.RulePackageCodeWrong}, 403, "forbidden", "package-code-wrong", ""},
		{&cases.RuleError{Rule: rights.RulePackageCodeSends, RetryAfter: 1500 * time.Millisecond}, 429, "rate-limited", "package-code-sends", "2"},
		{&cases.RuleError{Rule: rights.RulePackageCodeAttempts, RetryAfter: time.Hour}, 429, "rate-limited", "package-code-attempts", "3600"},
		{cases.FieldErrors{{Pointer: "/kind", Detail: "x"}}, 422, "validation", "", ""},
		{&cases.NotFoundError{Detail: "no such request"}, 404, "not-found", "", ""},
		{&cases.UnavailableError{Detail: "down", RetryAfter: 5 * time.Second}, 503, "unavailable", "", "5"},
		{&cases.ConflictError{Reason: cases.KeyReused}, 409, "idempotency-key-reused", "", ""},
		{&cases.ConflictError{Reason: cases.NothingToDo}, 409, "nothing-to-do", "", ""},
		{&cases.ForbiddenError{Detail: "x"}, 403, "forbidden", "", ""},
		{&cases.MalformedError{Detail: "x"}, 400, "malformed", "", ""},
	} {
		var p *Problem
		require.True(t, errors.As(problem(c.err), &p), "%T", c.err)
		require.Equal(t, c.status, p.Status, "%v", c.err)
		require.Equal(t, problemTypeBase+c.typ, p.Type, "%v", c.err)
		require.Equal(t, c.rule, p.Rule, "%v", c.err)
		require.Equal(t, c.retryAfter, p.retryAfter, "%v", c.err)
		require.Equal(t, http.StatusText(c.status), p.Title)
	}
	blocked := problem(&cases.RuleError{Rule: rights.RuleArt17PendingRequest, Conflict: true, BlockedBy: []cases.Blocking{{ID: "1", Reference: "RD-1"}}}).(*Problem)
	require.Equal(t, []BlockingRequest{{ID: "1", Reference: "RD-1"}}, blocked.BlockedBy)
	many := make(cases.FieldErrors, MaxListedErrors+5)
	p := problem(many).(*Problem)
	require.Len(t, p.Errors, MaxListedErrors)
	require.Equal(t, MaxListedErrors+5, p.ErrorCount)
	other := errors.New("internal")
	require.Equal(t, other, problem(other), "anything else stays an internal error")
}
