package web

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"golang.org/x/text/language"

	"github.com/rightsdesk/rightsdesk/internal/httpx"
)

// Languages are the languages of the UI; the first is the default.
var Languages = []string{"da", "sv", "en"}

var matcher = language.NewMatcher([]language.Tag{language.Danish, language.Swedish, language.English})

// langCookie remembers the visitor's choice for a year.
const langCookie = "rd_lang"

// SecureCookiesKey is set in a request's context when the site is reached
// over HTTPS: its cookies are then Secure and __Host- prefixed.
const SecureCookiesKey = httpx.SecureCookiesKey

// CookieName is a cookie's name as the site sets it: __Host- prefixed over
// HTTPS, which the browser keeps to this host, path / and HTTPS.
func CookieName(c echo.Context, base string) string {
	if secure, _ := c.Get(SecureCookiesKey).(bool); secure {
		return "__Host-" + base
	}
	return base
}

// Language is the visitor's language: ?lang= (remembered in a cookie),
// else the cookie, else the browser's Accept-Language, else Danish. The
// answer says that it depends on the last two (Vary), so no cache serves
// one visitor's language to another.
func Language(c echo.Context) string {
	h := c.Response().Header()
	for _, v := range []string{"Accept-Language", "Cookie"} {
		if !slices.Contains(h.Values("Vary"), v) {
			h.Add("Vary", v)
		}
	}
	secure, _ := c.Get(SecureCookiesKey).(bool)
	name := CookieName(c, langCookie)
	if l := c.QueryParam("lang"); slices.Contains(Languages, l) {
		c.SetCookie(&http.Cookie{Name: name, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode})
		return l
	}
	if ck, err := c.Cookie(name); err == nil && slices.Contains(Languages, ck.Value) {
		return ck.Value
	}
	if accept := c.Request().Header.Get("Accept-Language"); accept != "" {
		tags, _, err := language.ParseAcceptLanguage(accept)
		if err == nil && len(tags) > 0 {
			_, i, conf := matcher.Match(tags...)
			if conf != language.No {
				return Languages[i]
			}
		}
	}
	return Languages[0]
}

// formatDate writes a day as its language writes it: "31. januar 2026",
// "31 januari 2026", "31 January 2026". The month names are words of the
// catalogues (month.1 ... month.12); the Danish ordinal dot is grammar.
func formatDate(lang string, t time.Time) string {
	w, ok := words[lang]
	if !ok || t.IsZero() {
		return ""
	}
	day := strconv.Itoa(t.Day())
	if lang == "da" {
		day += "."
	}
	return day + " " + word(w, "month."+strconv.Itoa(int(t.Month()))) + " " + strconv.Itoa(t.Year())
}
