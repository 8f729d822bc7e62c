package api

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// problem turns the service's typed errors into problems: the one mapping
// of the API. Other errors (a *Problem, an internal error) pass unchanged.
func problem(err error) error {
	if err == nil {
		return nil
	}
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	var (
		rule     *cases.RuleError
		fields   cases.FieldErrors
		missing  *cases.NotFoundError
		down     *cases.UnavailableError
		conflict *cases.ConflictError
		denied   *cases.ForbiddenError
		bad      *cases.MalformedError
	)
	switch {
	case errors.As(err, &rule):
		return ruleProblem(rule)
	case errors.As(err, &fields):
		return validation(fields)
	case errors.As(err, &missing):
		return NewProblem(http.StatusNotFound, "not-found", missing.Detail)
	case errors.As(err, &down):
		return Unavailable(down.Detail, seconds(down.RetryAfter))
	case errors.As(err, &conflict):
		return NewProblem(http.StatusConflict, string(conflict.Reason), conflict.Detail)
	case errors.As(err, &denied):
		return NewProblem(http.StatusForbidden, "forbidden", denied.Detail)
	case errors.As(err, &bad):
		return NewProblem(http.StatusBadRequest, "malformed", bad.Detail)
	}
	return err
}

// ruleProblems are the rules whose problem is not rule-broken: the status
// and type each answers with.
var ruleProblems = map[rights.Rule]struct {
	status int
	typ    string
}{
	rights.RuleRequestClosed:       {http.StatusConflict, "request-closed"},
	rights.RulePackageDestroyed:    {http.StatusGone, "gone"},
	rights.RulePackageNotByLink:    {http.StatusForbidden, "forbidden"},
	rights.RulePackageCodeRequired: {http.StatusForbidden, "forbidden"},
	rights.RulePackageCodeWrong:    {http.StatusForbidden, "forbidden"},
	rights.RulePackageCodeSends:    {http.StatusTooManyRequests, "rate-limited"},
	rights.RulePackageCodeAttempts: {http.StatusTooManyRequests, "rate-limited"},
}

// ruleProblem is a rule's refusal: 422 rule-broken naming the rule, 409
// when the request's state refused it, or the rule's own problem.
func ruleProblem(e *cases.RuleError) *Problem {
	status, typ := http.StatusUnprocessableEntity, "rule-broken"
	if e.Conflict {
		status = http.StatusConflict
	}
	if rp, ok := ruleProblems[e.Rule]; ok {
		status, typ = rp.status, rp.typ
	}
	p := NewProblem(status, typ, e.Detail)
	p.Rule = string(e.Rule)
	for _, b := range e.BlockedBy {
		p.BlockedBy = append(p.BlockedBy, BlockingRequest(b))
	}
	if e.RetryAfter > 0 {
		p.retryAfter = fmt.Sprint(seconds(e.RetryAfter))
	}
	return p
}

// validation is a 422 listing the fields at fault, at most MaxListedErrors.
func validation(f cases.FieldErrors) *Problem {
	p := NewProblem(http.StatusUnprocessableEntity, "validation", fmt.Sprintf("the request has %d invalid field(s); nothing was written", len(f)))
	p.Errors = fieldErrorsOf(f[:min(len(f), MaxListedErrors)])
	p.ErrorCount = len(f)
	return p
}

func seconds(d time.Duration) int { return max(1, int(d.Round(time.Second)/time.Second)) }

// fieldErrorsOf are the service's field errors as the API's.
func fieldErrorsOf(f []cases.FieldError) []FieldError {
	out := make([]FieldError, len(f))
	for i, e := range f {
		out[i] = FieldError{Pointer: e.Pointer, Detail: e.Detail, code: e.Code}
	}
	return out
}

// storeError turns a database error into a problem: a database that cannot
// be reached is a 503 with Retry-After; anything else is internal.
func (s *Server) storeError(err error) error {
	return problem(s.cases.StoreError(err))
}
