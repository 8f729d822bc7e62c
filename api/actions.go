package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
)

// action is the handler of an action: it decodes the body strictly into
// the action's command and lets the service apply it.
func (s *Server) action(name string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id", "request")
		if err != nil {
			return err
		}
		// Visibility first: another controller's request is not found,
		// whatever the body.
		if _, err := s.visibleRequest(c, principal(c)); err != nil {
			return err
		}
		a := cases.Actions[name]()
		if err := decode(c, a); err != nil {
			return err
		}
		st, err := s.cases.Act(c.Request().Context(), principal(c), id, c.Request().Header.Get("Idempotency-Key"), a)
		if err != nil {
			return problem(err)
		}
		return c.JSON(http.StatusOK, stateView(st))
	}
}

func (s *Server) actionRoutes(g *echo.Group, m echo.MiddlewareFunc) {
	for _, name := range []string{"identity", "cannot-identify", "information-request", "information", "decision", "extension",
		"assignment", "notes", "corrections", "lift-restriction", "withdrawal"} {
		s.act(g, m, name)
	}
}

// act registers an action's route and keeps its handler for the web UI,
// which calls the same handler in process.
func (s *Server) act(g *echo.Group, m echo.MiddlewareFunc, name string) {
	if s.actions == nil {
		s.actions = map[string]echo.HandlerFunc{}
	}
	h := s.action(name)
	s.actions[name] = h
	g.POST("/:id/"+name, h, m)
}
