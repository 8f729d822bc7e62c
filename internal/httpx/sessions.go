package httpx

import (
	"context"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
)

// SessionCookie holds a signed-in staff member's random session ID.
const SessionCookie = "rd_session"

// SessionService keeps the sessions (only each token's hash); the cases
// service is one.
type SessionService interface {
	StartSession(ctx context.Context, p cases.Principal, name, token, replaces string, lifetime time.Duration) error
	LookupSession(ctx context.Context, token string, idle time.Duration) (*cases.Session, error)
	EndSession(ctx context.Context, token string) error
}

// Sessions are the staff pages' sign-ins: a random token in a cookie.
// Both doors ask (the CSRF tokens of a signed-in browser are bound to its
// session), so the lookup is kept per request.
type Sessions struct {
	Service SessionService
	Cookies Cookies
	// Hours is a session's lifetime (10 when unset); Idle ends it sooner
	// when unused (an hour when unset).
	Hours int
	Idle  time.Duration
}

// Session is a request's signed-in staff member and the session's token.
type Session struct {
	cases.Session
	token string
}

// lookupKey keeps a request's session once looked up.
const lookupKey = "staff-session-lookup"

func (s *Sessions) hours() int {
	if s.Hours <= 0 {
		return 10
	}
	return s.Hours
}

func (s *Sessions) idle() time.Duration {
	if s.Idle <= 0 {
		return time.Hour
	}
	return s.Idle
}

// Start stores a session and gives the browser its cookie. Signing in
// rotates: the session is always a new random token, a session the
// browser already had is ended, and the browser's CSRF cookie is dropped,
// so no token of a page from before the sign-in is accepted after it.
func (s *Sessions) Start(c echo.Context, p cases.Principal, name string) error {
	token := RandomToken()
	old := ""
	if ck, err := c.Cookie(s.Cookies.Name(SessionCookie)); err == nil {
		old = ck.Value
	}
	if err := s.Service.StartSession(c.Request().Context(), p, name, token, old, time.Duration(s.hours())*time.Hour); err != nil {
		return err
	}
	c.Set(lookupKey, &Session{Session: cases.Session{Principal: p, DisplayName: name}, token: token})
	s.Cookies.Set(c, SessionCookie, token, s.hours()*3600)
	s.Cookies.Set(c, CSRFCookie, "", -1)
	return nil
}

// Of is the signed-in staff member's session of a request; nil when none.
func (s *Sessions) Of(c echo.Context) (*Session, error) {
	if row, ok := c.Get(lookupKey).(*Session); ok {
		if row.token == "" {
			return nil, nil
		}
		return row, nil
	}
	ck, err := c.Cookie(s.Cookies.Name(SessionCookie))
	if err != nil || ck.Value == "" {
		c.Set(lookupKey, &Session{})
		return nil, nil
	}
	found, err := s.Service.LookupSession(c.Request().Context(), ck.Value, s.idle())
	if err != nil {
		return nil, err
	}
	if found == nil {
		c.Set(lookupKey, &Session{})
		return nil, nil
	}
	row := &Session{Session: *found, token: ck.Value}
	c.Set(lookupKey, row)
	return row, nil
}

// End ends the browser's session here; the identity provider's own
// session is the provider's.
func (s *Sessions) End(c echo.Context) error {
	if ck, err := c.Cookie(s.Cookies.Name(SessionCookie)); err == nil {
		if err := s.Service.EndSession(c.Request().Context(), ck.Value); err != nil {
			return err
		}
	}
	c.Set(lookupKey, &Session{})
	s.Cookies.Set(c, SessionCookie, "", -1)
	return nil
}
