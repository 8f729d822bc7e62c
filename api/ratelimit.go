package api

import (
	"net/http"

	"github.com/rightsdesk/rightsdesk/internal/httpx"
)

// The per-address token buckets (internal/httpx) are shared with the
// pages: the public's calls to the API and to the public pages count
// together, and so do failed sign-ins by bearer token and by the staff
// login.

var errRateLimited = func() *Problem {
	p := NewProblem(http.StatusTooManyRequests, "rate-limited", "too many requests or failed sign-ins from this address; try again in a minute")
	p.retryAfter = httpx.RetryAfter
	return p
}()
