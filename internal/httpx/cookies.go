package httpx

import (
	"crypto/rand"
	"encoding/base64"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// Cookies sets the site's cookies. Over HTTPS they are Secure and carry the
// __Host- prefix, which the browser keeps to this host and path / and
// refuses from a sibling domain or plain HTTP. Over plain HTTP (rightsdesk
// dev on localhost) they have neither: a browser would drop a Secure cookie
// sent there.
type Cookies struct {
	Secure bool
}

// CookiesFor are the cookies of a site reached at publicURL.
func CookiesFor(publicURL string) Cookies {
	return Cookies{Secure: strings.HasPrefix(publicURL, "https://")}
}

// Name is a cookie's name as the site sets it.
func (k Cookies) Name(base string) string {
	if k.Secure {
		return "__Host-" + base
	}
	return base
}

// Set sets a cookie for the whole site, HttpOnly and SameSite=Lax; maxAge
// -1 deletes it, 0 keeps it until the browser closes.
func (k Cookies) Set(c echo.Context, name, value string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: k.Name(name), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: k.Secure, SameSite: http.SameSiteLaxMode})
}

// RandomToken is 32 random bytes, URL-safe.
func RandomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// FromLoopback reports whether a request comes from this machine.
func FromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// LoopbackURL reports whether a URL's host is this machine (rightsdesk dev).
func LoopbackURL(raw string) bool {
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

// SecureCookiesKey is set in a request's context (by the API's security
// headers, for both doors) when the site is reached over HTTPS: its cookies
// are then Secure and __Host- prefixed.
const SecureCookiesKey = "secure-cookies"
