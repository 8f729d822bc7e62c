package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// ProblemOf is the status and the words' key of an error a page could not
// handle itself: the service's typed errors by their kind, Echo's (no such
// page, wrong method, body too large, unreadable form) by their code,
// anything else internal.
func ProblemOf(err error) (status int, key string) {
	if status, key, ok := caseProblem(err); ok {
		return status, key
	}
	var he *echo.HTTPError
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return http.StatusRequestEntityTooLarge, "problem.toolarge"
	}
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return he.Code, "problem.page.notfound"
		case http.StatusMethodNotAllowed:
			return he.Code, "problem.method"
		case http.StatusRequestEntityTooLarge:
			return he.Code, "problem.toolarge"
		case http.StatusTooManyRequests:
			return he.Code, "problem.limited"
		case http.StatusForbidden:
			return he.Code, "problem.forbidden"
		case http.StatusServiceUnavailable:
			return he.Code, "problem.unavailable"
		}
		if he.Code >= 400 && he.Code < 500 {
			return http.StatusBadRequest, "problem.badform"
		}
	}
	return http.StatusInternalServerError, "problem.internal"
}

// caseProblem maps the service's typed errors to a status and words.
func caseProblem(err error) (int, string, bool) {
	status := Status(err)
	switch status {
	case 0:
		return 0, "", false
	case http.StatusNotFound:
		return status, "problem.notfound", true
	case http.StatusForbidden:
		return status, "problem.forbidden", true
	case http.StatusServiceUnavailable:
		return status, "problem.unavailable", true
	case http.StatusTooManyRequests:
		return status, "problem.limited", true
	}
	return status, "problem.badform", true
}

// ruleStatus are the rules a page answers with a status of their own, as
// the API does: else 422, or 409 when the request's state refused.
var ruleStatus = map[rights.Rule]int{
	rights.RuleRequestClosed:       http.StatusConflict,
	rights.RulePackageDestroyed:    http.StatusGone,
	rights.RulePackageNotByLink:    http.StatusForbidden,
	rights.RulePackageCodeRequired: http.StatusForbidden,
	rights.RulePackageCodeWrong:    http.StatusForbidden,
	rights.RulePackageCodeSends:    http.StatusTooManyRequests,
	rights.RulePackageCodeAttempts: http.StatusTooManyRequests,
}

// Status is the HTTP status of one of the service's typed errors, as the
// API answers it: 0 for any other error.
func Status(err error) int {
	var (
		rule      *cases.RuleError
		fields    cases.FieldErrors
		notFound  *cases.NotFoundError
		conflict  *cases.ConflictError
		forbidden *cases.ForbiddenError
		malformed *cases.MalformedError
		down      *cases.UnavailableError
	)
	switch {
	case errors.As(err, &rule):
		if status, ok := ruleStatus[rule.Rule]; ok {
			return status
		}
		if rule.Conflict {
			return http.StatusConflict
		}
		return http.StatusUnprocessableEntity
	case errors.As(err, &fields):
		return http.StatusUnprocessableEntity
	case errors.As(err, &notFound):
		return http.StatusNotFound
	case errors.As(err, &conflict):
		return http.StatusConflict
	case errors.As(err, &forbidden):
		return http.StatusForbidden
	case errors.As(err, &malformed):
		return http.StatusBadRequest
	case errors.As(err, &down):
		return http.StatusServiceUnavailable
	}
	return 0
}

// RetryAfter is when to try again after an error, in whole seconds.
func RetryAfter(err error) string {
	var wait time.Duration
	var rule *cases.RuleError
	var down *cases.UnavailableError
	switch {
	case errors.As(err, &rule):
		wait = rule.RetryAfter
	case errors.As(err, &down):
		wait = down.RetryAfter
	default:
		return "60"
	}
	return strconv.Itoa(max(1, int(wait.Round(time.Second)/time.Second)))
}

// Refusal is a service's refusal in the page's words: the rule's, looked
// up by its typed key ("rule.<rule>"), else the problem type's
// ("type.<type>", as the API names it); else the first field's or the
// error's own detail.
func Refusal(w Words, err error) string {
	var rule *cases.RuleError
	var fields cases.FieldErrors
	var conflict *cases.ConflictError
	switch {
	case errors.As(err, &rule):
		typ := "rule-broken"
		if Status(err) == http.StatusTooManyRequests {
			typ = "rate-limited"
		}
		if text, ok := w.Refusal(string(rule.Rule), typ); ok {
			return text
		}
		return rule.Detail
	case errors.As(err, &fields) && len(fields) > 0:
		return fields[0].Detail
	case errors.As(err, &conflict):
		if text, ok := w.Refusal("", string(conflict.Reason)); ok {
			return text
		}
		return conflict.Detail
	}
	_, key := ProblemOf(err)
	return w[key]
}

// FieldWord is the words of a form field's error, the same on both doors:
// "field.<field>" (the citizen's words where the field is the same),
// "field.contact" for the subject's contact as a whole, "field.other" for
// a field the form does not have; the error's code (field.name.characters)
// when it has words of its own. The service's English detail is never
// shown.
func FieldWord(w Words, field string, fe cases.FieldError) string {
	key := "field." + field
	if _, ok := w[key]; !ok || field == "" {
		key = "field.other"
	}
	if fe.Pointer == "/subject" {
		key = "field.contact"
	}
	if fe.Code != "" {
		if t, ok := w[key+"."+fe.Code]; ok {
			return t
		}
	}
	return word(w, key)
}
