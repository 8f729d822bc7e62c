package api

import (
	"errors"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/web"
)

// statusItem is one request on the citizen's status page: what GET
// /v1/status/{token} tells, as dates.
type statusItem struct {
	Reference, Kind, Stage string
	ReceivedOn, DueOn      time.Time
	ExtendedDueOn          *time.Time
	WaitingForYou, Closed  bool
}

// statusPage is the citizen's status page (GET /status/{token}): the same
// lookup as the API's, in the visitor's language; nothing internal.
func (s *Server) statusPage(c echo.Context) error {
	page := struct {
		web.Page
		Requests []statusItem
	}{Page: web.NewPage(c, "status.title")}
	h := c.Response().Header()
	// The link is the key to the page: never cached, never sent on.
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	rows, err := s.statusRequests(c)
	var p *Problem
	if errors.As(err, &p) && p.Status == http.StatusNotFound {
		return c.Render(http.StatusNotFound, "status", page)
	}
	if err != nil {
		return err
	}
	for _, r := range rows {
		it := statusItem{Reference: r.Reference, Kind: r.Kind, Stage: r.Stage, ReceivedOn: r.ReceivedOn, ExtendedDueOn: r.ExtendedDueOn,
			WaitingForYou: r.PausedAt != nil && !final(r.Stage), Closed: final(r.Stage)}
		if r.DueOn != nil {
			it.DueOn = *r.DueOn
		}
		page.Requests = append(page.Requests, it)
	}
	return c.Render(http.StatusOK, "status", page)
}
