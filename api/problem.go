package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
)

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Errors lists the fields at fault, for validation problems: at most
	// MaxListedErrors of them.
	Errors []FieldError `json:"errors,omitempty"`
	// ErrorCount is how many fields are at fault in all.
	ErrorCount int `json:"error_count,omitempty"`
	// BlockedBy lists the requests that stop an action, such as the other
	// open requests of a person whose data an erasure would delete.
	BlockedBy []BlockingRequest `json:"blocked_by,omitempty"`
	// Rule names the legal or state rule a rejected action broke.
	Rule string `json:"rule,omitempty"`

	retryAfter string
	// challenge is the WWW-Authenticate of a 401 (or a 403 for a missing
	// role); a 401 without one says Bearer.
	challenge string
}

// BlockingRequest is a request that stops an action.
type BlockingRequest struct {
	ID        string `json:"id"`
	Reference string `json:"reference"`
	Kind      string `json:"kind"`
	Stage     string `json:"stage"`
}

// FieldError is one field at fault, named by JSON pointer (RFC 6901).
type FieldError struct {
	Pointer string `json:"pointer"`
	Detail  string `json:"detail"`
	// code names the problem for the pages' words ("characters"); empty
	// means the field's general one.
	code string
}

func (p *Problem) Error() string {
	if p.Detail != "" {
		return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail)
	}
	return fmt.Sprintf("%d %s", p.Status, p.Title)
}

// problemTypeBase prefixes every problem type URI; the types are documented in docs/API.md.
const problemTypeBase = "https://rightsdesk.dev/problems/"

// NewProblem builds a problem of a documented type.
func NewProblem(status int, typ, detail string) *Problem {
	return &Problem{Type: problemTypeBase + typ, Title: http.StatusText(status), Status: status, Detail: detail}
}

// Unavailable is a 503 that tells the client when to try again.
func Unavailable(detail string, retryAfterSeconds int) *Problem {
	p := NewProblem(http.StatusServiceUnavailable, "unavailable", detail)
	p.retryAfter = fmt.Sprint(retryAfterSeconds)
	return p
}

// errorHandler answers every error as problem+json. Internal errors are
// logged with the request ID and never shown: their text may hold data that
// does not belong in a response.
func (s *Server) errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var p *Problem
	var he *echo.HTTPError
	switch {
	case errors.As(err, &p):
		// A copy: problems such as errUnauthenticated are shared values,
		// and each answer carries its own instance.
		cp := *p
		p = &cp
	case errors.As(err, &he):
		p = NewProblem(he.Code, "http", "")
		if he.Code == http.StatusRequestEntityTooLarge {
			p.Type = problemTypeBase + "body-too-large"
			p.Detail = "the request body is larger than the limit of " + s.cfg.BodyLimit
		} else if msg, ok := he.Message.(string); ok && he.Code < 500 {
			p.Detail = msg
		}
		if he.Code == http.StatusNotFound {
			p.Type = problemTypeBase + "not-found"
		}
		if he.Code == http.StatusMethodNotAllowed {
			p.Type = problemTypeBase + "method-not-allowed"
			p.Detail = "this path does not answer " + c.Request().Method + "; see the Allow header"
		}
	default:
		s.log.Error("request failed", "request_id", requestID(c), "method", c.Request().Method,
			"route", c.Path(), "error", err)
		p = NewProblem(http.StatusInternalServerError, "internal", "an internal error occurred; quote the request ID when you report it")
	}
	if p.Instance == "" {
		p.Instance = "urn:request:" + requestID(c)
	}
	if p.retryAfter != "" {
		c.Response().Header().Set("Retry-After", p.retryAfter)
	}
	// A 401 says how to authenticate (RFC 9110 §11.6.1).
	if p.challenge == "" && p.Status == http.StatusUnauthorized {
		p.challenge = bearerRealm
	}
	if p.challenge != "" {
		c.Response().Header().Set("WWW-Authenticate", p.challenge)
	}
	if isHead(c) {
		_ = c.NoContent(p.Status)
		return
	}
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	c.Response().WriteHeader(p.Status)
	_ = c.JSON(p.Status, p)
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}
