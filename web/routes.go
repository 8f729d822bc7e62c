package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
)

// Routes adds a door's routes to the app, each with the door's first
// middleware (its error pages) outermost. Middleware goes on each route,
// not on a group: a group's middleware makes Echo add catch-all routes,
// which would answer every unknown path of the API with a page.
type Routes struct {
	E     *echo.Echo
	First echo.MiddlewareFunc
}

// GET adds a GET route.
func (r Routes) GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r.E.GET(path, h, append([]echo.MiddlewareFunc{r.First}, m...)...)
}

// POST adds a POST route.
func (r Routes) POST(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) {
	r.E.POST(path, h, append([]echo.MiddlewareFunc{r.First}, m...)...)
}

// PrefersHTML tells whether a request's Accept header ranks text/html above
// JSON: a browser's does (text/html first, */* at a lower weight), while an
// API client's, curl's (*/*) and an absent one do not. It decides only
// whether a path no door owns and no route takes is answered as a page.
func PrefersHTML(r *http.Request) bool {
	var html, json float64
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		fields := strings.Split(part, ";")
		media := strings.ToLower(strings.TrimSpace(fields[0]))
		q := 1.0
		for _, p := range fields[1:] {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "q") {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		switch media {
		case "text/html", "application/xhtml+xml":
			html = max(html, q)
		case "application/json", "application/problem+json", "application/*", "*/*":
			json = max(json, q)
		}
	}
	return html > 0 && html > json
}

// PagePath is the page a request's answer belongs to, for its language
// links: its own path for a GET, and for a page rendered as the answer of
// a form (POST) the page the form is on, since the form's own address
// answers no GET: a case's actions and tasks belong to the case, the
// inbox's claims and assignments to the inbox, the status link's forms to
// the status page, the dev login to the login page.
func PagePath(method, path string) string {
	if method == http.MethodGet || method == http.MethodHead {
		return path
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case len(parts) > 3 && parts[0] == "staff" && parts[1] == "requests":
		return "/staff/requests/" + parts[2]
	case len(parts) > 2 && parts[0] == "staff" && parts[1] == "tasks":
		return "/staff/inbox"
	case len(parts) > 2 && parts[0] == "status":
		return "/status/" + parts[1]
	case path == "/staff/login/dev", path == "/staff/logout":
		return "/staff/login"
	}
	return path
}
