package api

import (
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/connectors"
)

// systemCallback is POST /v1/systems/{system}/callback: an http system
// reports a step it accepted earlier. The call must be signed with the
// system's secret (Standard Webhooks); the service passes the report to
// the request's workflow as a signal, keyed by the step.
func (s *Server) systemCallback(c echo.Context) error {
	system := c.Param("system")
	secret := s.systemSecrets[system]
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
		}
		return err
	}
	if secret == "" {
		return NewProblem(http.StatusNotFound, "not-found", "no such system")
	}
	res, err := connectors.VerifyCallback(secret, body, c.Request().Header)
	if err != nil {
		return NewProblem(http.StatusUnauthorized, "unauthenticated", "the callback's signature does not verify, or its body is not a report")
	}
	if err := s.cases.ReportStep(c.Request().Context(), system, res); err != nil {
		var fields cases.FieldErrors
		if errors.As(err, &fields) {
			// The body is signed and well formed: only its key is wrong.
			return NewProblem(http.StatusUnprocessableEntity, "validation", fields[0].Detail)
		}
		return problem(err)
	}
	return c.NoContent(http.StatusAccepted)
}
