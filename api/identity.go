package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
)

// The identifier matches of a request: the service's types, whose JSON
// is the API's.
type (
	// DatasetMatch is a dataset of a source system where an identifier finds rows.
	DatasetMatch = cases.DatasetMatch
	// RequestMatch is another request whose person gave the identifier.
	RequestMatch = cases.RequestMatch
	// IdentifierMatch is what one identifier of the person matched.
	IdentifierMatch = cases.IdentifierMatch
	// KnownEmailCheck says whether the identity method known_email holds.
	KnownEmailCheck = cases.KnownEmailCheck
	// IdentifierMatches is GET /v1/requests/{id}/identifier-matches.
	IdentifierMatches = cases.IdentifierMatches
)

// identifierMatches is GET /v1/requests/{id}/identifier-matches: what
// each identifier of the person matched in the controller's systems and
// its other requests, and whether known_email holds. Searching the
// systems for the person is a reading of their data: it is logged.
func (s *Server) identifierMatches(c echo.Context) error {
	id, err := pathID(c, "id", "request")
	if err != nil {
		return err
	}
	m, err := s.cases.IdentifierMatches(c.Request().Context(), principal(c), id)
	if err != nil {
		return problem(err)
	}
	return c.JSON(http.StatusOK, m)
}
