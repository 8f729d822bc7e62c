// Package staff is the staff's front door: the pages of the caseworkers
// and the DPO (sign-in, inbox, requests, case view and its forms, register,
// search, access log, dashboard; docs/UI.md). Each page decodes its form,
// calls internal/cases, and renders HTML with the page kit of package web;
// a refusal or a failure is a page in the staff member's language, never
// JSON. It shares no code with the JSON API (api/) but the service and the
// defences of internal/httpx.
package staff

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/httpx"
	"github.com/rightsdesk/rightsdesk/web"
)

// Door is the staff pages with what they need.
type Door struct {
	Cases    *cases.Service
	Renderer *web.Renderer
	Sessions *httpx.Sessions
	CSRF     *httpx.CSRF
	// Failures counts failed sign-ins per address, with the API's bearer
	// tokens.
	Failures *httpx.Limiter
	SignIn   SignIn
	Config   config.Config
	// Log is where failures are logged; the service's clock (Cases.Now) is
	// the pages' too.
	Log *slog.Logger
}

// Mount adds the staff pages to the app.
func (d *Door) Mount(e *echo.Echo) {
	refused := d.CSRF.Guard(d.formExpired)
	login := d.CSRF.Guard(func(c echo.Context) error { return d.renderLogin(c, http.StatusForbidden, "form.expired") })
	anyStaff := d.signedIn(cases.StaffRoles...)
	caseworker := d.signedIn(config.RoleCaseworker, config.RoleAdmin)
	dpo := d.signedIn(config.RoleDPO, config.RoleAdmin)
	g := web.Routes{E: e, First: d.pages}

	toInbox := func(c echo.Context) error { return c.Redirect(http.StatusSeeOther, "/staff/inbox") }
	g.GET("/staff", toInbox)
	g.GET("/staff/", toInbox) // where README sends caseworkers
	g.GET("/staff/login", d.loginPage, login)
	g.GET("/staff/login/start", d.loginStart)
	g.GET("/staff/callback", d.loginCallback, login)
	g.POST("/staff/login/dev", d.devLogin, login)
	g.POST("/staff/logout", d.logout, refused)

	g.GET("/staff/inbox", d.inboxPage, refused, anyStaff)
	g.POST("/staff/tasks/:id/claim", d.inboxClaim, refused, caseworker)
	g.POST("/staff/tasks/assign", d.inboxAssign, refused, caseworker)
	g.GET("/staff/requests", d.requestsPage, refused, anyStaff)
	g.GET("/staff/requests/:id", d.casePage, refused, anyStaff)
	g.POST("/staff/requests/:id/actions/:action", d.caseAction, refused, caseworker)
	g.POST("/staff/requests/:id/tasks/:task/:verb", d.caseTask, refused, caseworker)
	g.GET("/staff/requests/:id/letters/:letter/pdf", d.caseLetterPDF, anyStaff)
	g.GET("/staff/requests/:id/access-log", d.accessLogPage, refused, dpo)
	g.GET("/staff/register", d.registerPage, refused, caseworker)
	g.POST("/staff/register", d.registerPost, refused, caseworker)
	g.GET("/staff/search", d.searchPage, refused, anyStaff)
	g.POST("/staff/search", d.searchPost, refused, anyStaff)
	g.GET("/staff/dashboard", d.dashboardPage, refused, dpo)
}

// render writes a page as HTML.
func (d *Door) render(c echo.Context, status int, name string, page any) error {
	var buf bytes.Buffer
	if err := d.Renderer.Render(&buf, name, page, c); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// whoKey is where a request's signed-in staff member waits.
const whoKey = "staff-signed-in"

// who is the request's signed-in staff member (nil before signedIn).
func who(c echo.Context) *cases.Session {
	w, _ := c.Get(whoKey).(*cases.Session)
	return w
}

// actor is the signed-in staff member as the service knows them.
func actor(c echo.Context) *cases.Principal {
	if w := who(c); w != nil {
		return &w.Principal
	}
	return &cases.Principal{Actor: "-", Controllers: []string{"-none-"}}
}

// staffNav is the header of a signed-in staff page.
func staffNav(c echo.Context) *web.StaffNav {
	w := who(c)
	if w == nil {
		return nil
	}
	return &web.StaffNav{Name: w.DisplayName, DPO: w.Principal.Has(config.RoleDPO, config.RoleAdmin),
		Caseworker: w.Principal.Has(config.RoleCaseworker, config.RoleAdmin), CSRF: httpx.Token(c)}
}

// staffBase is a staff page's base: its words and the header.
func staffBase(c echo.Context, titleKey string) web.Page {
	page := web.NewPage(c, titleKey)
	page.Nav = staffNav(c)
	return page
}

// formExpired answers a staff form whose token does not fit the session
// (the page was from before a sign-in, or a day old): a page in the staff
// member's language that says so and leads back to the page the form was
// on. Without a session it is the login, as for any staff form.
func (d *Door) formExpired(c echo.Context) error {
	row, err := d.Sessions.Of(c)
	if err != nil {
		return err
	}
	if row == nil {
		return d.renderLogin(c, http.StatusUnauthorized, "login.again")
	}
	c.Set(whoKey, &row.Session)
	page := web.ProblemPage{Page: staffBase(c, "problem.title"), Status: http.StatusForbidden, Back: formPage(c)}
	page.Message = page.T["form.expired.staff"]
	return d.render(c, http.StatusForbidden, "problem", page)
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

// back returns to the page a form came from: its own page, never another site.
func back(c echo.Context, fallback string) error {
	return c.Redirect(http.StatusSeeOther, staffPath(c.FormValue("back"), fallback))
}

func requestID(c echo.Context) string {
	return c.Response().Header().Get(echo.HeaderXRequestID)
}
