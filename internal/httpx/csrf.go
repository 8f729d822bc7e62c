package httpx

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

const (
	// CSRFCookie binds the forms of a browser without a staff session.
	CSRFCookie = "rd_csrf"
	// csrfLifetime is how long a form's token is accepted.
	csrfLifetime = 24 * time.Hour
	// csrfTokenKey is where a request's token waits for its page.
	csrfTokenKey = "csrf-token"
)

// CSRF guards the pages' forms with tokens bound to the browser or the
// staff session (docs/UI.md, "Defences").
type CSRF struct {
	// Key signs the tokens: derived from the current master key.
	Key      []byte
	Sessions *Sessions
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (x *CSRF) now() time.Time {
	if x.Now == nil {
		return time.Now()
	}
	return x.Now()
}

// token signs a form's token: when it was made and what it is bound to (a
// staff session, or the browser's CSRF cookie). Only the server can make
// one, so a cookie an attacker plants (from a sibling domain, say) is of no
// use to them.
func (x *CSRF) token(binding string, at time.Time) string {
	ts := strconv.FormatInt(at.Unix(), 36)
	return ts + "." + base64.RawURLEncoding.EncodeToString(x.mac(binding, ts))
}

func (x *CSRF) mac(binding, ts string) []byte {
	m := hmac.New(sha256.New, x.Key)
	m.Write([]byte(binding))
	m.Write([]byte{0})
	m.Write([]byte(ts))
	return m.Sum(nil)
}

// valid checks a token: made by this server for this binding, not older
// than csrfLifetime (nor from the future).
func (x *CSRF) valid(binding, token string, now time.Time) bool {
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
	return subtle.ConstantTimeCompare(got, x.mac(binding, ts)) == 1
}

// binding is what a request's forms are bound to: the staff session when
// one is signed in, else the browser's CSRF cookie, which is set here when
// the browser has none (a random value, HttpOnly, SameSite=Lax, __Host-
// and Secure over HTTPS, kept until the browser closes).
func (x *CSRF) binding(c echo.Context) (string, error) {
	row, err := x.Sessions.Of(c)
	if err != nil {
		return "", err
	}
	if row != nil {
		// The session's ID hash, as the database keeps it.
		sum := sha256.Sum256([]byte(row.token))
		return "session:" + hex.EncodeToString(sum[:]), nil
	}
	k := x.Sessions.Cookies
	if ck, err := c.Cookie(k.Name(CSRFCookie)); err == nil && len(ck.Value) == 43 {
		if _, err := base64.RawURLEncoding.DecodeString(ck.Value); err == nil {
			return "browser:" + ck.Value, nil
		}
	}
	// A cookie for the browser's session: the tokens carry their own age.
	v := RandomToken()
	k.Set(c, CSRFCookie, v, 0)
	// The value holds for the rest of this request too.
	c.Request().AddCookie(&http.Cookie{Name: k.Name(CSRFCookie), Value: v})
	return "browser:" + v, nil
}

// Prepare gives the request's page its token.
func (x *CSRF) Prepare(c echo.Context) error {
	binding, err := x.binding(c)
	if err != nil {
		return err
	}
	c.Set(csrfTokenKey, x.token(binding, x.now()))
	return nil
}

// Guard guards a page's forms: a request that changes something must carry
// the token of a page this browser (or this staff session) was given, no
// older than a day. A refused form is answered by refused, which shows the
// page again with what was written and a fresh token.
func (x *CSRF) Guard(refused echo.HandlerFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			binding, err := x.binding(c)
			if err != nil {
				return err
			}
			now := x.now()
			switch c.Request().Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
			default:
				if !x.valid(binding, c.FormValue("_csrf"), now) {
					c.Set(csrfTokenKey, x.token(binding, now))
					return refused(c)
				}
			}
			c.Set(csrfTokenKey, x.token(binding, now))
			return next(c)
		}
	}
}

// Token is the page's CSRF token.
func Token(c echo.Context) string {
	tok, _ := c.Get(csrfTokenKey).(string)
	return tok
}
