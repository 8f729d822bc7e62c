package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/temporal"

	"github.com/rightsdesk/rightsdesk/internal/connectors"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// Systems reaches the systems of the data maps.
type Systems struct {
	// DSN gives each postgres system's connection string, by system ID
	// (RIGHTSDESK_SYSTEM_<ID>_DSN).
	DSN map[string]string
	// Keys derive the key anonymised values are hashed with.
	Keys *crypto.Keyring
	// Secret gives each http system's signing secret, by system ID
	// (RIGHTSDESK_SYSTEM_<ID>_SECRET).
	Secret map[string]string
	// PublicURL is where http systems call back.
	PublicURL string

	mu    sync.Mutex
	pools map[string]*pgxpool.Pool
}

// Set sets a postgres system's connection string.
func (s *Systems) Set(id, dsn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.DSN == nil {
		s.DSN = map[string]string{}
	}
	s.DSN[id] = dsn
}

func (s *Systems) postgres(ctx context.Context, id string) (*connectors.Postgres, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.pools[id]; ok {
		return &connectors.Postgres{System: id, Pool: p, HashKey: s.hashKey()}, nil
	}
	dsn := s.DSN[id]
	if dsn == "" {
		return nil, temporal.NewNonRetryableApplicationError("no connection string for system "+id+" (RIGHTSDESK_SYSTEM_"+strings.ToUpper(id)+"_DSN)", rights.ErrTypeFulfil, nil)
	}
	p, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError("system "+id+": "+err.Error(), rights.ErrTypeFulfil, nil)
	}
	if s.pools == nil {
		s.pools = map[string]*pgxpool.Pool{}
	}
	s.pools[id] = p
	return &connectors.Postgres{System: id, Pool: p, HashKey: s.hashKey()}, nil
}

func (s *Systems) hashKey() []byte {
	if s.Keys == nil {
		return nil
	}
	k, err := s.Keys.DerivedKey(s.Keys.CurrentKeyID(), "connector-hash")
	if err != nil {
		return nil
	}
	return k
}

// Close closes the connections.
func (s *Systems) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.pools {
		p.Close()
	}
}

// http builds the connector of an http system.
func (s *Systems) http(sys policy.System) (*connectors.HTTP, error) {
	s.mu.Lock()
	secret := s.Secret[sys.ID]
	s.mu.Unlock()
	if secret == "" {
		return nil, temporal.NewNonRetryableApplicationError("no signing secret for system "+sys.ID+" (RIGHTSDESK_SYSTEM_"+strings.ToUpper(sys.ID)+"_SECRET)", rights.ErrTypeFulfil, nil)
	}
	h, err := connectors.NewHTTP(sys.ID, sys.URL, secret, strings.TrimRight(s.PublicURL, "/")+"/v1/systems/"+sys.ID+"/callback")
	if err != nil {
		return nil, temporal.NewNonRetryableApplicationError(err.Error(), rights.ErrTypeFulfil, nil)
	}
	return h, nil
}

// SetSecret sets an http system's signing secret.
func (s *Systems) SetSecret(id, secret string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Secret == nil {
		s.Secret = map[string]string{}
	}
	s.Secret[id] = secret
}

// recipientRefs are a dataset's recipients as the controller's list says
// each is told.
func recipientRefs(ds policy.Dataset, all []policy.Recipient) []rights.RecipientRef {
	var out []rights.RecipientRef
	for _, name := range ds.Recipients {
		ref := rights.RecipientRef{Name: name, NotNotified: "the data map gives no address for this recipient"}
		for _, r := range all {
			if r.Name == name {
				ref.NotNotified = r.NotNotified
			}
		}
		out = append(out, ref)
	}
	return out
}

// PlanFulfilment plans how a granted request is carried out in the
// controller's systems (rights.Plan): it reads the request, the data map
// and, for an objection or a consent withdrawal, the purposes and consents
// the person named.
func (a *Activities) PlanFulfilment(ctx context.Context, requestID uuid.UUID) (rights.FulfilmentPlan, error) {
	var req store.Request
	if err := a.Store.DB.WithContext(ctx).First(&req, "id = ?", requestID).Error; err != nil {
		return rights.FulfilmentPlan{}, fmt.Errorf("plan: %w", err)
	}
	s, err := a.settings(ctx, req.ControllerID)
	if err != nil {
		return rights.FulfilmentPlan{}, err
	}
	kind := rights.Kind(req.Kind)
	var named []string
	if (kind == rights.KindObjection || kind == rights.KindConsentWithdrawal) && a.Subjects != nil && req.SubjectID != nil {
		_, details, err := a.Subjects.OpenRequest(ctx, req)
		if err != nil && !errors.Is(err, intake.ErrErased) {
			return rights.FulfilmentPlan{Mapped: len(s.Systems) > 0}, fmt.Errorf("plan: details: %w", err)
		}
		var d struct{ Purposes, Consents []string }
		if len(details) > 0 {
			_ = json.Unmarshal(details, &d)
		}
		named = append(d.Purposes, d.Consents...)
	}
	return rights.Plan(req.ID, kind, s.Systems, named), nil
}

func (a *Activities) settings(ctx context.Context, controllerID string) (policy.Settings, error) {
	var row store.Controller
	if err := a.Store.DB.WithContext(ctx).First(&row, "id = ?", controllerID).Error; err != nil {
		return policy.Settings{}, fmt.Errorf("controller %s: %w", controllerID, err)
	}
	return controllers.SettingsOf(row)
}

// Fulfil runs one automated step. Each is idempotent: run twice after a
// crash, an erasure erases nothing more and a flag is not set twice, and
// the rows touched say so.
func (a *Activities) Fulfil(ctx context.Context, in rights.FulfilStep) (rights.StepResult, error) {
	res := rights.StepResult{System: in.System, Dataset: in.Dataset, Step: in.Step}
	if a.Systems == nil || a.Subjects == nil {
		return res, temporal.NewNonRetryableApplicationError("the worker has no systems configured", rights.ErrTypeFulfil, nil)
	}
	var req store.Request
	if err := a.Store.DB.WithContext(ctx).First(&req, "id = ?", in.RequestID).Error; err != nil {
		return res, fmt.Errorf("fulfil: %w", err)
	}
	s, err := a.settings(ctx, req.ControllerID)
	if err != nil {
		return res, err
	}
	if in.Step == rights.StepPackage {
		if req.SubjectID == nil {
			return res, temporal.NewNonRetryableApplicationError("the request has no subject", rights.ErrTypeFulfil, nil)
		}
		subj, key, err := a.Subjects.OpenSubject(ctx, *req.SubjectID)
		if err != nil {
			return res, fmt.Errorf("fulfil: subject: %w", err)
		}
		return a.buildPackage(ctx, req, subj, key, s)
	}
	var ds *policy.Dataset
	var system policy.System
	for _, sys := range s.Systems {
		for i := range sys.Datasets {
			if sys.ID == in.System && sys.Datasets[i].ID == in.Dataset {
				ds, system = &sys.Datasets[i], sys
			}
		}
	}
	if ds == nil {
		return res, temporal.NewNonRetryableApplicationError("the data map no longer has "+in.System+"."+in.Dataset, rights.ErrTypeFulfil, nil)
	}
	res.DatasetName = ds.Name
	res.Recipients = recipientRefs(*ds, s.Recipients)
	if req.SubjectID == nil {
		return res, temporal.NewNonRetryableApplicationError("the request has no subject", rights.ErrTypeFulfil, nil)
	}
	subj, _, err := a.Subjects.OpenSubject(ctx, *req.SubjectID)
	if err != nil {
		return res, fmt.Errorf("fulfil: subject: %w", err)
	}
	key := in.RequestID.String() + "/" + in.System + "/" + in.Dataset + "/" + in.Step
	if in.Seq > 0 {
		key += "/" + strconv.Itoa(in.Seq)
	}
	who := connectors.Subject{Identifiers: subj.Identifiers(), Key: key}
	res.Key = who.Key
	if system.Kind == "http" {
		h, err := a.Systems.http(system)
		if err != nil {
			return res, err
		}
		r, err := h.Do(ctx, in.Step, *ds, who, in.Values)
		switch {
		case errors.Is(err, connectors.ErrAccepted):
			res.Pending = true
			return res, nil
		case errors.Is(err, connectors.ErrNoIdentifier):
			return res, nil
		case errors.Is(err, connectors.ErrUnsupported):
			return res, temporal.NewNonRetryableApplicationError(err.Error(), rights.ErrTypeFulfil, nil)
		case err != nil:
			return res, err
		}
		res.Rows, res.Held = r.Rows, r.Held
		return res, nil
	}
	conn, err := a.Systems.postgres(ctx, in.System)
	if err != nil {
		return res, err
	}
	var r connectors.Result
	switch in.Step {
	case rights.StepErase:
		r, err = conn.Erase(ctx, *ds, who)
	case rights.StepRestrict:
		r, err = conn.Restrict(ctx, *ds, who, true)
	case rights.StepLift:
		r, err = conn.Restrict(ctx, *ds, who, false)
	case rights.StepRectify:
		r, err = conn.Rectify(ctx, *ds, who, in.Values)
	default:
		return res, temporal.NewNonRetryableApplicationError("unknown step "+in.Step, rights.ErrTypeFulfil, nil)
	}
	if errors.Is(err, connectors.ErrNoIdentifier) {
		// The person gave nothing this dataset is keyed by: nothing to do
		// here, and the result says so (no rows).
		return res, nil
	}
	if errors.Is(err, connectors.ErrUnsupported) {
		return res, temporal.NewNonRetryableApplicationError(err.Error(), rights.ErrTypeFulfil, nil)
	}
	if err != nil {
		return res, err
	}
	if a.AfterFulfil != nil {
		a.AfterFulfil(in)
	}
	res.Rows, res.Held, res.Holds = r.Rows, r.Held, r.Holds
	if in.Step == rights.StepErase && ds.Erase.Strategy == "archive" && r.Rows > 0 {
		res.Archived = ds.Erase.ArchiveReference
	}
	return res, nil
}

// PendingOthers lists the other open requests of the same person at the
// controller (references and kinds): an erasure waits for them.
func (a *Activities) PendingOthers(ctx context.Context, requestID uuid.UUID) ([]string, error) {
	if a.Subjects == nil {
		return nil, nil
	}
	var req store.Request
	if err := a.Store.DB.WithContext(ctx).First(&req, "id = ?", requestID).Error; err != nil {
		return nil, fmt.Errorf("pending: %w", err)
	}
	rows, err := a.Subjects.PendingFor(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("pending: %w", err)
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.Reference+" ("+r.Kind+")")
	}
	return out, nil
}
