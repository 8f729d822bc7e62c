package api

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"go.temporal.io/api/serviceerror"

	"github.com/rightsdesk/rightsdesk/internal/connectors"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// systemCallback is POST /v1/systems/{system}/callback: an http system
// reports a step it accepted earlier. The call must be signed with the
// system's secret (Standard Webhooks); the report goes to the request's
// workflow as a signal, keyed by the step.
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
	// The key is request/system/dataset/step.
	parts := strings.Split(res.Key, "/")
	if len(parts) != 4 || parts[1] != system {
		return NewProblem(http.StatusUnprocessableEntity, "validation", "the key is not a step of this system")
	}
	id, err := uuid.Parse(parts[0])
	if err != nil {
		return NewProblem(http.StatusUnprocessableEntity, "validation", "the key is not a step of this system")
	}
	ctx := c.Request().Context()
	var r store.Request
	if err := s.store.DB.WithContext(ctx).Limit(1).Find(&r, "id = ?", id).Error; err != nil {
		return s.storeError(err)
	}
	row, err := s.controller(c, r.ControllerID)
	if err != nil {
		return err
	}
	if r.ID == uuid.Nil || row == nil || !hasSystem(row, system) {
		return NewProblem(http.StatusNotFound, "not-found", "no such step")
	}
	sctx, cancel := withTimeout(ctx, s.cfg.TemporalTimeout)
	defer cancel()
	err = s.temporal.SignalWorkflow(sctx, rights.WorkflowID(r.ID), "", rights.SignalSystemCallback,
		rights.Callback{Key: res.Key, Status: res.Status, Rows: res.Rows, Held: res.Held, Reason: res.Reason})
	var notFound *serviceerror.NotFound
	if errors.As(err, &notFound) && r.ClosedAt != nil {
		// The request is closed: a report delivered again (a sender's
		// retry) changes nothing, and is acknowledged so the sender stops.
		return c.NoContent(http.StatusAccepted)
	}
	if err != nil {
		return s.temporalError(err)
	}
	return c.NoContent(http.StatusAccepted)
}

func hasSystem(row *store.Controller, system string) bool {
	s, err := controllers.SettingsOf(*row)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(s.Systems, func(x policy.System) bool { return x.ID == system && x.Kind == "http" })
}
