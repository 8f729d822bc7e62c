package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

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
	id := c.Param("id")
	systems, err := s.cases.DataMap(c.Request().Context(), principal(c), id)
	if err != nil {
		return problem(err)
	}
	return c.JSON(http.StatusOK, DataMapView{Controller: id, Systems: systems})
}
