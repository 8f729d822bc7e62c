// Package citizen is the public's front door: the front page, each
// controller's request form and its receipt, and the status page a
// request's letters link to, with its forms (answer, withdraw, package
// code and download; docs/UI.md). Each page decodes its form, calls
// internal/cases, and renders HTML with the page kit of package web; a
// refusal or a failure is a page in the visitor's language, never JSON.
package citizen

import (
	"bytes"
	"log/slog"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/httpx"
	"github.com/rightsdesk/rightsdesk/web"
)

// Door is the public pages with what they need.
type Door struct {
	Cases    *cases.Service
	Renderer *web.Renderer
	CSRF     *httpx.CSRF
	// Limit counts the public's calls per address, with the API's.
	Limit *httpx.Limiter
	Log   *slog.Logger
	// APIDocument is where the API's OpenAPI document is served.
	APIDocument string
}

// Mount adds the public pages and the static assets to the app.
func (d *Door) Mount(e *echo.Echo) {
	web.Mount(e)
	g := web.Routes{E: e, First: d.pages}
	// Each page answers a refused form itself: the form again, in the
	// visitor's language, with what was written and a fresh token.
	status := d.CSRF.Guard(func(c echo.Context) error { return d.statusFormRefused(c, http.StatusForbidden, "form.expired") })
	statusLimit := d.limited(func(c echo.Context) error { return d.statusFormRefused(c, http.StatusTooManyRequests, limitedWords(c)) })
	request := d.CSRF.Guard(func(c echo.Context) error {
		return d.renderRequestForm(c, http.StatusForbidden, requestFormValues(c), nil, "form.expired")
	})
	requestLimit := d.limited(func(c echo.Context) error {
		return d.renderRequestForm(c, http.StatusTooManyRequests, requestFormValues(c), nil, limitedWords(c))
	})
	g.GET("/", d.home)
	g.GET("/status/:token", d.statusPage, statusLimit, status)
	g.POST("/status/:token/information", d.statusPageAnswer, statusLimit, status)
	g.POST("/status/:token/withdraw", d.statusPageWithdraw, statusLimit, status)
	g.POST("/status/:token/package/code", d.statusPageCode, statusLimit, status)
	g.POST("/status/:token/package", d.statusPageDownload, statusLimit, status)
	g.GET("/request/:controller", d.requestForm, requestLimit, request)
	g.POST("/request/:controller", d.requestFormPost, requestLimit, request)
}

// limited answers a page over the public's rate limit with refused, which
// shows the page again in the visitor's language with what they wrote.
func (d *Door) limited(refused echo.HandlerFunc) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if d.Limit.Take(c.RealIP()) {
				return next(c)
			}
			c.Response().Header().Set("Retry-After", httpx.RetryAfter)
			if err := d.CSRF.Prepare(c); err != nil {
				return err
			}
			return refused(c)
		}
	}
}

// limitedWords is what a page refused by the rate limit says: a form sent
// was not sent and is kept; a page only opened was not opened.
func limitedWords(c echo.Context) string {
	if c.Request().Method == http.MethodPost {
		return "form.limited"
	}
	return "problem.limited"
}

// render writes a page as HTML.
func (d *Door) render(c echo.Context, status int, name string, page any) error {
	var buf bytes.Buffer
	if err := d.Renderer.Render(&buf, name, page, c); err != nil {
		return err
	}
	return c.HTMLBlob(status, buf.Bytes())
}

// home is the front page: where a visitor who opens the site's address
// can go.
func (d *Door) home(c echo.Context) error {
	page := web.Home{Page: web.NewPage(c, "home.title"), APIDocument: d.APIDocument}
	// Every controller (the public has no principal). A processor's
	// requests are its controller's, so it is not offered.
	cs, err := d.Cases.Controllers(c.Request().Context(), nil)
	if err != nil {
		return err
	}
	for _, ct := range cs {
		if ct.Role != "processor" {
			page.Controllers = append(page.Controllers, web.Person{ID: ct.ID, Name: ct.Name})
		}
	}
	slices.SortStableFunc(page.Controllers, func(a, b web.Person) int { return strings.Compare(a.Name, b.Name) })
	return d.render(c, http.StatusOK, "home", page)
}

// pages answers every error a public page returns as a page in the
// visitor's language: a browser never gets JSON from this door.
func (d *Door) pages(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		err := next(c)
		if err == nil || c.Response().Committed {
			return err
		}
		return d.Fail(c, err)
	}
}

// Fail renders an error as the door's problem page: the service's typed
// errors and Echo's by their status, anything else as an internal error,
// logged with the request ID the page shows.
func (d *Door) Fail(c echo.Context, err error) error {
	status, key := web.ProblemOf(err)
	if status == http.StatusServiceUnavailable || status == http.StatusTooManyRequests {
		c.Response().Header().Set("Retry-After", web.RetryAfter(err))
	}
	page := web.ProblemPage{Page: web.NewPage(c, "problem.title"), Status: status, Public: true}
	if status == http.StatusNotFound {
		key = "problem.page.notfound"
	}
	page.Message = page.T[key]
	if status == http.StatusInternalServerError {
		id := c.Response().Header().Get(echo.HeaderXRequestID)
		d.Log.Error("public page failed", "request_id", id, "method", c.Request().Method, "route", c.Path(), "error", err)
		page.Reference = id
	}
	if c.Request().Method == http.MethodHead {
		return c.NoContent(status)
	}
	return d.render(c, status, "problem", page)
}
