package app

import (
	"log/slog"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/api"
	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/httpx"
	"github.com/rightsdesk/rightsdesk/web"
	"github.com/rightsdesk/rightsdesk/web/citizen"
	"github.com/rightsdesk/rightsdesk/web/staff"
)

// MountPages mounts the two page doors (web/citizen, web/staff) beside the
// JSON API on the server's one Echo app: one process serves both, and
// both call the same service. The pages share the API's rate limits and
// its sign-in; a path of the pages that no route takes (404, 405) is
// answered by its door as a page, any other by the API as problem+json.
func MountPages(srv *api.Server, cfg config.Config, keys *crypto.Keyring, logger *slog.Logger) error {
	svc := srv.Cases()
	if logger == nil {
		logger = slog.Default()
	}
	renderer, err := web.NewRenderer()
	if err != nil {
		return err
	}
	csrfKey, err := keys.DerivedKey(keys.CurrentKeyID(), "csrf")
	if err != nil {
		return err
	}
	sessions := &httpx.Sessions{Service: svc, Cookies: httpx.CookiesFor(cfg.PublicURL), Hours: cfg.SessionHours,
		Idle: time.Duration(cfg.SessionIdleMinutes) * time.Minute}
	csrf := &httpx.CSRF{Key: csrfKey, Sessions: sessions, Now: svc.Now}
	public := &citizen.Door{Cases: svc, Renderer: renderer, CSRF: csrf, Limit: srv.PublicLimit(), Log: logger, APIDocument: "/openapi.json"}
	people := &staff.Door{Cases: svc, Renderer: renderer, Sessions: sessions, CSRF: csrf, Failures: srv.FailureLimit(), SignIn: srv,
		Config: cfg, Log: logger}
	e := srv.Echo()
	public.Mount(e)
	people.Mount(e)
	apiErrors := e.HTTPErrorHandler
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		path := c.Request().URL.Path
		switch {
		case path == "/staff" || strings.HasPrefix(path, "/staff/"):
			_ = people.Fail(c, err)
		case web.Owns(path), !apiPath(path) && web.PrefersHTML(c.Request()):
			// A path of no one (a browser's /favicon.ico, a mistyped
			// address) is a page for a browser; the API's stay JSON.
			_ = public.Fail(c, err)
		default:
			apiErrors(err, c)
		}
	}
	return nil
}

// apiPath tells whether a path is the API's: /v1 and its own documents.
func apiPath(path string) bool {
	switch path {
	case "/v1", "/healthz", "/readyz", "/metrics", "/openapi.json":
		return true
	}
	return strings.HasPrefix(path, "/v1/")
}
