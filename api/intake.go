package api

import (
	"context"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// IntakeBody is POST /v1/requests: the service's intake, decoded strictly
// from JSON.
type IntakeBody = cases.Intake

// Channels a request can arrive by (LEGAL.md §1).
var Channels = cases.Channels

// RequestCreated is the answer to an intake: one per right.
type RequestCreated struct {
	ID             string  `json:"id"`
	Reference      string  `json:"reference"`
	Kind           string  `json:"kind"`
	Stage          string  `json:"stage"`
	ReceivedAt     string  `json:"received_at"`
	DueAt          string  `json:"due_at"`
	StatutoryDueAt string  `json:"statutory_due_at"`
	GroupID        *string `json:"group_id,omitempty"`
	StatusURL      string  `json:"status_url,omitempty"`
}

// IntakeResponse answers POST /v1/requests.
type IntakeResponse struct {
	RequestCreated
	// Requests lists every request of a letter that invoked several rights.
	Requests []RequestCreated `json:"requests,omitempty"`
	Warnings []FieldError     `json:"warnings,omitempty"`
}

func (s *Server) createRequest(c echo.Context) error {
	var b IntakeBody
	if err := decode(c, &b); err != nil {
		return err
	}
	out, replayed, err := s.register(c, b, principal(c), c.Request().Header.Get("Idempotency-Key"))
	if err != nil {
		return err
	}
	if replayed {
		c.Response().Header().Set("Idempotent-Replayed", "true")
	}
	return c.JSON(http.StatusCreated, out)
}

// register lets the service register an intake and answers it as the API
// does. It reports whether the answer replays an earlier one (same
// Idempotency-Key).
func (s *Server) register(c echo.Context, b IntakeBody, p *Principal, key string) (IntakeResponse, bool, error) {
	res, err := s.cases.Register(c.Request().Context(), p, b, key)
	if err != nil {
		return IntakeResponse{}, false, problem(err)
	}
	out := IntakeResponse{}
	if len(res.Warnings) > 0 {
		out.Warnings = fieldErrorsOf(res.Warnings)
	}
	for _, r := range res.Requests {
		rc := RequestCreated{ID: r.ID.String(), Reference: r.Reference, Kind: r.Kind, Stage: r.Stage, ReceivedAt: dateOf(r.ReceivedOn),
			DueAt: dateOf(r.DueOn), StatutoryDueAt: dateOf(r.StatutoryDueOn), StatusURL: r.StatusURL}
		if r.GroupID != nil {
			g := r.GroupID.String()
			rc.GroupID = &g
		}
		out.Requests = append(out.Requests, rc)
	}
	out.RequestCreated = out.Requests[0]
	if len(out.Requests) == 1 {
		out.Requests = nil
	}
	return out, res.Replayed, nil
}

// controller reads a controller's row; nil when there is none.
func (s *Server) controller(c echo.Context, id string) (*store.Controller, error) {
	return s.controllerOf(c.Request().Context(), id)
}

func (s *Server) controllerOf(ctx context.Context, id string) (*store.Controller, error) {
	row, err := s.cases.Controller(ctx, nil, id)
	var missing *cases.NotFoundError
	if errors.As(err, &missing) {
		return nil, nil
	}
	if err != nil {
		return nil, problem(err)
	}
	return &row, nil
}
