package cases

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// Created is one request an intake made: one per right it invoked.
type Created struct {
	ID             uuid.UUID
	Reference      string
	Kind           string
	Stage          string
	ReceivedOn     time.Time
	DueOn          time.Time
	StatutoryDueOn time.Time
	GroupID        *uuid.UUID
	// StatusURL is the subject's status page; empty when they have none.
	StatusURL string
	// StatusToken is the token of that page (and of /v1/status/{token});
	// empty when there is none.
	StatusToken string
}

// Registered is what an intake made.
type Registered struct {
	// Requests are the requests made, one per right, in the order given.
	Requests []Created
	// Warnings are for staff: a CPR number that fails the modulus-11 check.
	Warnings []FieldError
	// Replayed says the idempotency key matched an earlier intake, whose
	// requests these are: nothing new was written.
	Replayed bool
}

// Register validates an intake, writes its rows once and starts its
// workflows: the API's intake, the citizen's form and the staff's
// registration. p is nil for the public. key is the client's idempotency
// key ("" for none).
func (s *Service) Register(ctx context.Context, p *Principal, b Intake, key string) (Registered, error) {
	if p != nil && !p.Has(config.RoleCaseworker, config.RoleAdmin) {
		return Registered{}, &ForbiddenError{Detail: "registering a request needs the role caseworker or admin"}
	}
	if len(key) > MaxIdempotencyKey {
		return Registered{}, &MalformedError{Detail: "the Idempotency-Key is at most 200 characters"}
	}
	in, err := s.validateIntake(ctx, b, p)
	if err != nil {
		return Registered{}, err
	}
	in.IdempotencyKey = key
	if in.IdentityMethod == string(workflows.IdentityKnownEmail) {
		// A known address is checked against what the controller holds.
		if err := s.checkKnownEmail(ctx, in.ControllerID, in.Subject, nil, "intake/"+uuid.NewString()); err != nil {
			return Registered{}, err
		}
	}
	cal := deadline.MustCalendar(deadline.Country(in.policy.Country))
	in.DueOn, in.StatutoryDueOn = deadline.Due(in.ReceivedOn), deadline.StatutoryDue(in.ReceivedOn, cal)
	res, err := s.intake.Register(ctx, in.Intake)
	if errors.Is(err, intake.ErrIdempotencyMismatch) {
		return Registered{}, &ConflictError{Reason: KeyReused, Detail: "this Idempotency-Key was used for a request with other rights"}
	}
	if err != nil {
		return Registered{}, s.storeError(err)
	}
	if !res.Replayed {
		// The rows are written: the request is received, whatever happens
		// next. A workflow that fails to start here is started by the sweeper.
		for _, r := range res.Requests {
			if err := s.start(ctx, r, in.policy); err != nil {
				s.log.Warn("workflow start failed; the sweeper will start it", "request_id", r.ID, "error", err)
			}
		}
	}
	out := Registered{Replayed: res.Replayed}
	if p != nil {
		// The modulus-11 warning is for staff; a citizen's number is valid.
		out.Warnings = in.warnings
	}
	for _, r := range res.Requests {
		c := Created{ID: r.ID, Reference: r.Reference, Kind: r.Kind, Stage: string(workflows.StageReceived), ReceivedOn: r.ReceivedOn,
			DueOn: deadline.Due(r.ReceivedOn), StatutoryDueOn: deadline.StatutoryDue(r.ReceivedOn, cal), GroupID: r.GroupID}
		if res.StatusToken != "" {
			// The subject's status page; the same token opens /v1/status/{token}.
			c.StatusURL = strings.TrimRight(s.publicURL, "/") + "/status/" + res.StatusToken
			c.StatusToken = res.StatusToken
		}
		out.Requests = append(out.Requests, c)
	}
	return out, nil
}

// Controller reads a controller p may act for (all for the public, nil);
// NotFoundError when there is none.
func (s *Service) Controller(ctx context.Context, p *Principal, id string) (store.Controller, error) {
	if p != nil && !p.Can(id) {
		return store.Controller{}, notFound("no such controller")
	}
	row, err := s.store.ControllerByID(ctx, id)
	if err != nil {
		return store.Controller{}, s.storeError(err)
	}
	if row == nil {
		return store.Controller{}, notFound("no such controller")
	}
	return *row, nil
}

// Controllers lists the controllers p acts for, by ID; every one for the
// public (nil), as the front page lists them.
func (s *Service) Controllers(ctx context.Context, p *Principal) ([]store.Controller, error) {
	var ids []string
	if p != nil {
		ids = p.Controllers
	}
	rows, err := s.store.Controllers(ctx, ids)
	return rows, s.storeError(err)
}

// objectsToMarketing reports whether an objection names a purpose the
// controller's record of processing marks as direct marketing: then the
// workflow refuses any refusal (Art. 21(3)).
func (s *Service) objectsToMarketing(ctx context.Context, r store.Request) (bool, error) {
	_, raw, err := s.intake.OpenRequest(ctx, r)
	if err != nil || len(raw) == 0 {
		return false, nil //nolint:nilerr // erased or no details: nothing named
	}
	var details Details
	if err := json.Unmarshal(raw, &details); err != nil || len(details.Purposes) == 0 {
		return false, nil //nolint:nilerr // nothing named
	}
	row, err := s.store.ControllerByID(ctx, r.ControllerID)
	if err != nil || row == nil {
		return false, s.storeError(err)
	}
	settings, err := controllers.SettingsOf(*row)
	if err != nil || settings.Processing == nil {
		return false, err
	}
	for _, p := range settings.Processing.Purposes {
		if !p.DirectMarketing {
			continue
		}
		if rights.AnyPurposeMatches(details.Purposes, []string{p.Name}) {
			return true, nil
		}
	}
	return false, nil
}
