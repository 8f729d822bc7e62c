package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
)

// SearchBody finds every request of a person by any identifier they gave.
// It is a POST, so the identifiers never appear in a URL or an access log.
type SearchBody = cases.Search

// searchRequests returns the requests of every person who gave any of the
// identifiers, in the controllers the caller acts for (the service looks
// them up through the blind index and logs each as a reading).
func (s *Server) searchRequests(c echo.Context) error {
	var b SearchBody
	if err := decode(c, &b); err != nil {
		return err
	}
	rows, err := s.cases.SearchRequests(c.Request().Context(), principal(c), b)
	if err != nil {
		return problem(err)
	}
	return c.JSON(http.StatusOK, requestList(rows, ""))
}
