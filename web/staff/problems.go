package staff

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/web"
)

// pages answers every error a staff page returns as a page in the staff
// member's language: a browser never gets JSON from this door.
func (d *Door) pages(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil || c.Response().Committed {
			return err
		}
		return d.Fail(c, err)
	}
}

// Fail renders an error as the door's problem page: the service's typed
// errors and Echo's by their status, anything else as an internal error,
// logged with the request ID the page shows.
func (d *Door) Fail(c echo.Context, err error) error {
	status, key := web.ProblemOf(err)
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		c.Response().Header().Set("Retry-After", web.RetryAfter(err))
	}
	page := web.ProblemPage{Page: staffBase(c, "problem.title"), Status: status}
	page.Message = page.T[key]
	if status == http.StatusInternalServerError {
		d.Log.Error("staff page failed", "request_id", requestID(c), "method", c.Request().Method, "route", c.Path(), "error", err)
		page.Reference = requestID(c)
	}
	var he *echo.HTTPError
	if errors.As(err, &he) && page.Nav == nil {
		page.Public = true
	}
	if c.Request().Method == http.MethodHead {
		return c.NoContent(status)
	}
	return d.render(c, status, "problem", page)
}

// problem shows a page's refusal by its words' key.
func (d *Door) problem(c echo.Context, status int, key string) error {
	page := web.ProblemPage{Page: staffBase(c, "problem.title"), Status: status}
	page.Message = page.T[key]
	return d.render(c, status, "problem", page)
}

func asRule(err error) (*cases.RuleError, bool) {
	var rule *cases.RuleError
	return rule, errors.As(err, &rule)
}

func asFields(err error) (cases.FieldErrors, bool) {
	var fields cases.FieldErrors
	return fields, errors.As(err, &fields)
}
