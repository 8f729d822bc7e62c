package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/policy"
)

// DataMapView is a controller's data map: its systems and datasets, with
// purposes, legal bases, recipients, retention and holds. It holds no
// secrets: connection strings live in the environment.
type DataMapView struct {
	Controller string          `json:"controller"`
	Systems    []policy.System `json:"systems"`
}

// dataMap is GET /v1/controllers/{id}/data-map.
func (s *Server) dataMap(c echo.Context) error {
	p := principal(c)
	id := c.Param("id")
	if !p.Can(id) {
		return NewProblem(http.StatusNotFound, "not-found", "no such controller")
	}
	row, err := s.controller(c, id)
	if err != nil {
		return err
	}
	if row == nil {
		return NewProblem(http.StatusNotFound, "not-found", "no such controller")
	}
	settings, err := controllers.SettingsOf(*row)
	if err != nil {
		return err
	}
	out := DataMapView{Controller: row.ID, Systems: settings.Systems}
	if out.Systems == nil {
		out.Systems = []policy.System{}
	}
	return c.JSON(http.StatusOK, out)
}
