package cases

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"

	"github.com/rightsdesk/rightsdesk/internal/connectors"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// ReportStep passes a report of an http system, whose signature the door
// has verified, to the request's workflow as a signal keyed by the step
// (request/system/dataset/step). A report for a closed request, delivered
// again by a sender's retry, changes nothing and is accepted.
func (s *Service) ReportStep(ctx context.Context, system string, res connectors.HTTPResult) error {
	parts := strings.Split(res.Key, "/")
	if len(parts) != 4 || parts[1] != system {
		return FieldErrors{{Detail: "the key is not a step of this system"}}
	}
	id, err := uuid.Parse(parts[0])
	if err != nil {
		return FieldErrors{{Detail: "the key is not a step of this system"}}
	}
	r, err := s.store.VisibleRequest(ctx, id, nil)
	if err != nil {
		return s.storeError(err)
	}
	var row *store.Controller
	if r != nil {
		if row, err = s.store.ControllerByID(ctx, r.ControllerID); err != nil {
			return s.storeError(err)
		}
	}
	if r == nil || row == nil || !hasSystem(row, system) {
		return notFound("no such step")
	}
	sctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	err = s.temporal.SignalWorkflow(sctx, rights.WorkflowID(r.ID), "", rights.SignalSystemCallback,
		rights.Callback{Key: res.Key, Status: res.Status, Rows: res.Rows, Held: res.Held, Reason: res.Reason})
	var gone *serviceerror.NotFound
	if errors.As(err, &gone) && r.ClosedAt != nil {
		return nil
	}
	if err != nil {
		return s.temporalError(err)
	}
	return nil
}

func hasSystem(row *store.Controller, system string) bool {
	s, err := controllers.SettingsOf(*row)
	if err != nil {
		return false
	}
	return slices.ContainsFunc(s.Systems, func(x policy.System) bool { return x.ID == system && x.Kind == "http" })
}

// DataMap is a controller's systems and datasets, with purposes, legal
// bases, recipients, retention and holds, for a controller p acts for. It
// holds no secrets: connection strings live in the environment.
func (s *Service) DataMap(ctx context.Context, p *Principal, controllerID string) ([]policy.System, error) {
	row, err := s.Controller(ctx, p, controllerID)
	if err != nil {
		return nil, err
	}
	settings, err := controllers.SettingsOf(row)
	if err != nil {
		return nil, err
	}
	if settings.Systems == nil {
		return []policy.System{}, nil
	}
	return settings.Systems, nil
}
