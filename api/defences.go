package api

import (
	"net"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/httpx"
)

// The response headers on every answer, the pages' too (docs/UI.md,
// "Defences"); the pages' CSRF tokens and sessions are in internal/httpx.

// pageCSP is the Content-Security-Policy of every answer: scripts, styles,
// images and fonts only from the site itself, nothing inline, forms only to
// the site, never framed.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
	"form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// pdfCSP is the policy of a PDF: only never framed, so the browser's own
// PDF viewer still opens it.
const pdfCSP = "frame-ancestors 'none'"

// securityHeaders sets the headers every answer carries. Handlers may
// replace Cache-Control (the static assets are cached) and Referrer-Policy
// (the status page sends none).
func (s *Server) securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	secure := httpx.CookiesFor(s.cfg.PublicURL).Secure
	return func(c echo.Context) error {
		c.Set(httpx.SecureCookiesKey, secure)
		res := c.Response()
		h := res.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		// Personal data is in most answers: none is kept by a browser or a
		// proxy. The static assets set their own.
		h.Set("Cache-Control", "no-store")
		res.Before(func() {
			if h.Get("Content-Security-Policy") != "" {
				return
			}
			if strings.HasPrefix(h.Get(echo.HeaderContentType), "application/pdf") {
				h.Set("Content-Security-Policy", pdfCSP)
				return
			}
			h.Set("Content-Security-Policy", pageCSP)
		})
		return next(c)
	}
}

// loopbackURL reports whether a URL's host is this machine (rightsdesk dev).
func loopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	if u.Hostname() == "localhost" {
		return true
	}
	ip := net.ParseIP(u.Hostname())
	return ip != nil && ip.IsLoopback()
}
