package api

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/web"
)

// The web's own defences (docs/UI.md, "Defences"): response headers on
// every answer, and CSRF tokens bound to the browser or the staff session.

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
	secure := s.secureCookies()
	return func(c echo.Context) error {
		c.Set(web.SecureCookiesKey, secure)
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

const (
	// csrfCookie binds the forms of a browser without a staff session.
	csrfCookie = "rd_csrf"
	// csrfLifetime is how long a form's token is accepted.
	csrfLifetime = 24 * time.Hour
	// csrfTokenKey is where a request's token waits for its page.
	csrfTokenKey = "csrf-token"
)

// csrfToken signs a form's token: when it was made and what it is bound
// to (a staff session, or the browser's CSRF cookie), under a key derived
// from the current master key. Only the server can make one, so a cookie
// an attacker plants (from a sibling domain, say) is of no use to them.
func (s *Server) csrfToken(binding string, at time.Time) string {
	ts := strconv.FormatInt(at.Unix(), 36)
	return ts + "." + base64.RawURLEncoding.EncodeToString(s.csrfMAC(binding, ts))
}

func (s *Server) csrfMAC(binding, ts string) []byte {
	m := hmac.New(sha256.New, s.csrfKey)
	m.Write([]byte(binding))
	m.Write([]byte{0})
	m.Write([]byte(ts))
	return m.Sum(nil)
}

// csrfValid checks a token: made by this server for this binding, not
// older than csrfLifetime (nor from the future).
func (s *Server) csrfValid(binding, token string, now time.Time) bool {
	ts, mac, ok := strings.Cut(token, ".")
	if !ok || len(ts) > 13 || len(mac) > 64 {
		return false
	}
	sec, err := strconv.ParseInt(ts, 36, 64)
	if err != nil {
		return false
	}
	made := time.Unix(sec, 0)
	if now.Sub(made) > csrfLifetime || made.Sub(now) > time.Minute {
		return false
	}
	got, err := base64.RawURLEncoding.DecodeString(mac)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare(got, s.csrfMAC(binding, ts)) == 1
}

// csrfBinding is what a request's forms are bound to: the staff session
// when one is signed in, else the browser's CSRF cookie, which is set here
// when the browser has none (a random value, HttpOnly, SameSite=Lax,
// __Host- and Secure over HTTPS, kept until the browser closes).
func (s *Server) csrfBinding(c echo.Context) (string, error) {
	row, err := s.session(c)
	if err != nil {
		return "", err
	}
	if row != nil {
		return "session:" + hex.EncodeToString(row.IDHash), nil
	}
	if ck, err := c.Cookie(s.cookieName(csrfCookie)); err == nil && len(ck.Value) == 43 {
		if _, err := base64.RawURLEncoding.DecodeString(ck.Value); err == nil {
			return "browser:" + ck.Value, nil
		}
	}
	// A cookie for the browser's session: the tokens carry their own age.
	v := randomToken()
	s.setCookie(c, csrfCookie, v, 0)
	// The value holds for the rest of this request too.
	c.Request().AddCookie(&http.Cookie{Name: s.cookieName(csrfCookie), Value: v})
	return "browser:" + v, nil
}

// prepareCSRF gives the request's page its token.
func (s *Server) prepareCSRF(c echo.Context) error {
	binding, err := s.csrfBinding(c)
	if err != nil {
		return err
	}
	c.Set(csrfTokenKey, s.csrfToken(binding, s.now()))
	return nil
}

// csrf guards a page's forms: a request that changes something must carry
// the token of a page this browser (or this staff session) was given, no
// older than a day. A refused form is answered by refused, which shows the
// page again with what was written and a fresh token.
func (s *Server) csrf(refused func(c echo.Context) error) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			binding, err := s.csrfBinding(c)
			if err != nil {
				return err
			}
			now := s.now()
			switch c.Request().Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
			default:
				if !s.csrfValid(binding, c.FormValue("_csrf"), now) {
					c.Set(csrfTokenKey, s.csrfToken(binding, now))
					return refused(c)
				}
			}
			c.Set(csrfTokenKey, s.csrfToken(binding, now))
			return next(c)
		}
	}
}

// csrfOf is the page's CSRF token.
func csrfOf(c echo.Context) string {
	tok, _ := c.Get(csrfTokenKey).(string)
	return tok
}

// rateLimitedPage answers a page over the rate limit with limited, which
// shows the page again in the visitor's language with what they wrote:
// next's problem+json 429 is for the API.
func (s *Server) rateLimitedPage(limited func(c echo.Context) error) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		h := s.publicOrStaff(next)
		return func(c echo.Context) error {
			err := h(c)
			if err != errRateLimited {
				return err
			}
			c.Response().Header().Set("Retry-After", errRateLimited.retryAfter)
			if err := s.prepareCSRF(c); err != nil {
				return err
			}
			return limited(c)
		}
	}
}

// staffFormExpired answers a staff form whose token does not fit the
// session (the page was from before a sign-in, or a day old): a page in the
// staff member's language that says so and leads back to the page the form
// was on. Without a session it is the login, as for any staff form.
func (s *Server) staffFormExpired(c echo.Context) error {
	row, err := s.session(c)
	if err != nil {
		return err
	}
	if row == nil {
		return s.renderLogin(c, http.StatusUnauthorized, "login.again")
	}
	c.Set(sessionKey, row)
	c.Set(principalKey, &Principal{Actor: row.Actor, Roles: strings.Fields(row.Roles), Controllers: strings.Fields(row.Controllers)})
	page := web.ProblemPage{Page: staffBase(c, "problem.title"), Status: http.StatusForbidden, Back: formPage(c)}
	page.Message = page.T["form.expired.staff"]
	return c.Render(http.StatusForbidden, "problem", page)
}

// formPage is the staff page a form was sent from: the Referer when it is
// a staff page of this site, else the case or list the form's path names,
// else the inbox.
func formPage(c echo.Context) string {
	if ref, err := url.Parse(c.Request().Referer()); err == nil && ref.Host == c.Request().Host && ref.Path != c.Request().URL.Path {
		if p := staffPath(ref.RequestURI(), ""); p != "" {
			return p
		}
	}
	parts := strings.Split(strings.Trim(c.Request().URL.Path, "/"), "/")
	switch {
	case len(parts) >= 3 && parts[0] == "staff" && parts[1] == "requests":
		if _, err := uuid.Parse(parts[2]); err == nil {
			return "/staff/requests/" + parts[2]
		}
	case len(parts) >= 2 && parts[0] == "staff" && slices.Contains([]string{"register", "search"}, parts[1]):
		return "/staff/" + parts[1]
	}
	return "/staff/inbox"
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
