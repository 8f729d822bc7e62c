package cases

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// DatasetMatch is a dataset of a source system where an identifier finds
// rows.
type DatasetMatch struct {
	System      string `json:"system"`
	SystemName  string `json:"system_name"`
	Dataset     string `json:"dataset"`
	DatasetName string `json:"dataset_name"`
	Rows        int64  `json:"rows"`
	// WithEmail are the rows that hold the request's e-mail address too.
	WithEmail int64 `json:"with_email,omitempty"`
}

// RequestMatch is another request at the controller whose person gave the
// identifier.
type RequestMatch struct {
	ID        string `json:"id"`
	Reference string `json:"reference"`
	Kind      string `json:"kind"`
	Stage     string `json:"stage"`
	// Verified is set when that request's identity was verified by a
	// method other than known_email.
	Verified bool `json:"verified"`
	// WithEmail is set when that person gave the request's e-mail address
	// too.
	WithEmail bool `json:"with_email,omitempty"`
}

// IdentifierMatch is what one identifier of the person matched at the
// controller: rows in its systems, and other requests.
type IdentifierMatch struct {
	Kind     string         `json:"kind"`
	Datasets []DatasetMatch `json:"datasets"`
	Requests []RequestMatch `json:"requests"`
}

// KnownEmailCheck says whether the identity method known_email holds for
// the request: the e-mail address is held by the controller, and held
// together with each other identifier the request gives.
type KnownEmailCheck struct {
	Holds  bool   `json:"holds"`
	Rule   string `json:"rule,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// IdentifierMatches is GET /v1/requests/{id}/identifier-matches.
type IdentifierMatches struct {
	Identifiers []IdentifierMatch `json:"identifiers"`
	KnownEmail  KnownEmailCheck   `json:"known_email"`
	// Unreachable are the systems that could not be searched just now.
	Unreachable []string `json:"unreachable"`
}

var kindWords = map[string]string{"email": "e-mail address", "cpr": "CPR number", "personnummer": "personnummer",
	"samordningsnummer": "samordningsnummer", "phone": "phone number"}

// matchIdentifiers searches the controller's systems and its other
// requests for each identifier of a person: the systems through their
// connectors (a count of rows), the requests through the blind index
// (nothing is decrypted). self are the requests left out (the request and
// its group).
func (s *Service) matchIdentifiers(ctx context.Context, controllerID string, subj intake.Subject, self []uuid.UUID, key string) (IdentifierMatches, error) {
	out := IdentifierMatches{Identifiers: []IdentifierMatch{}, Unreachable: []string{}}
	ids := subj.Identifiers()
	crow, err := s.store.ControllerByID(ctx, controllerID)
	if err != nil {
		return out, s.storeError(err)
	}
	if crow == nil {
		return out, notFound("no such request")
	}
	settings, err := controllers.SettingsOf(*crow)
	if err != nil {
		return out, err
	}
	byKind := map[string]*IdentifierMatch{}
	for _, kind := range []string{"email", "cpr", "personnummer", "samordningsnummer", "phone"} {
		if _, ok := ids[kind]; ok {
			out.Identifiers = append(out.Identifiers, IdentifierMatch{Kind: kind, Datasets: []DatasetMatch{}, Requests: []RequestMatch{}})
		}
	}
	for i := range out.Identifiers {
		byKind[out.Identifiers[i].Kind] = &out.Identifiers[i]
	}
	if s.systems != nil && len(settings.Systems) > 0 {
		found := s.systems.SearchIdentifiers(ctx, settings.Systems, ids, key)
		for _, f := range found.Found {
			m := byKind[f.Kind]
			m.Datasets = append(m.Datasets, DatasetMatch{System: f.System, SystemName: f.SystemName, Dataset: f.Dataset, DatasetName: f.DatasetName, Rows: f.Rows})
		}
		for _, f := range found.Together {
			m := byKind[f.Kind]
			for i := range m.Datasets {
				if m.Datasets[i].System == f.System && m.Datasets[i].Dataset == f.Dataset {
					m.Datasets[i].WithEmail = f.Rows
				}
			}
		}
		out.Unreachable = append(out.Unreachable, found.Unreachable...)
	}
	for i := range out.Identifiers {
		m := &out.Identifiers[i]
		rows, err := s.store.RequestsWithIdentifier(ctx, controllerID, store.Identifier{Kind: m.Kind, Blind: s.keys.BlindIndex(m.Kind, ids[m.Kind])},
			self, string(workflows.IdentityKnownEmail), 50)
		if err != nil {
			return out, s.storeError(err)
		}
		for _, r := range rows {
			rm := RequestMatch{ID: r.ID.String(), Reference: r.Reference, Kind: r.Kind, Stage: r.Stage, Verified: r.Verified}
			if m.Kind != "email" && ids["email"] != "" {
				with, err := s.store.RequestHasIdentifier(ctx, r.ID, store.Identifier{Kind: "email", Blind: s.keys.BlindIndex("email", ids["email"])})
				if err != nil {
					return out, s.storeError(err)
				}
				rm.WithEmail = with
			}
			m.Requests = append(m.Requests, rm)
		}
	}
	out.KnownEmail = out.knownEmail()
	return out, nil
}

// knownEmail is the rule of the identity method known_email: the address
// the request came from is one the controller holds (in a source system,
// or given on another request whose identity was verified by another
// method), and every other identifier the request gives is held together
// with it (in one row of a dataset, or on one such request). A known
// address says nothing of whose CPR number was typed beside it.
func (m IdentifierMatches) knownEmail() KnownEmailCheck {
	var email *IdentifierMatch
	for i := range m.Identifiers {
		if m.Identifiers[i].Kind == "email" {
			email = &m.Identifiers[i]
		}
	}
	unreachable := ""
	if len(m.Unreachable) > 0 {
		unreachable = fmt.Sprintf(" (%s could not be searched just now)", strings.Join(m.Unreachable, ", "))
	}
	if email == nil {
		return KnownEmailCheck{Rule: string(rights.RuleIdentityKnownEmailUnmatched), Detail: "the request gives no e-mail address: known_email cannot hold; record how identity was verified another way"}
	}
	known := len(email.Datasets) > 0 || slices.ContainsFunc(email.Requests, func(r RequestMatch) bool { return r.Verified })
	if !known {
		return KnownEmailCheck{Rule: string(rights.RuleIdentityKnownEmailUnmatched), Detail: "the e-mail address is found in none of the controller's systems and on no other request whose identity was verified" +
			unreachable + ": it is not a known address; record how identity was verified another way"}
	}
	for _, other := range m.Identifiers {
		if other.Kind == "email" {
			continue
		}
		linked := slices.ContainsFunc(other.Datasets, func(d DatasetMatch) bool { return d.WithEmail > 0 }) ||
			slices.ContainsFunc(other.Requests, func(r RequestMatch) bool { return r.Verified && r.WithEmail })
		if !linked {
			return KnownEmailCheck{Rule: string(rights.RuleIdentityKnownEmailUnlinked), Detail: fmt.Sprintf(
				"the e-mail address is known, but never together with the request's %s (in no row of a system, on no verified request)%s: a known address does not show whose %s it is; record how identity was verified another way",
				kindWords[other.Kind], unreachable, kindWords[other.Kind])}
		}
	}
	return KnownEmailCheck{Holds: true}
}

// checkKnownEmail refuses the identity method known_email when the rule
// does not hold (422 naming it).
func (s *Service) checkKnownEmail(ctx context.Context, controllerID string, subj intake.Subject, self []uuid.UUID, key string) error {
	m, err := s.matchIdentifiers(ctx, controllerID, subj, self, key)
	if err != nil {
		return err
	}
	if m.KnownEmail.Holds {
		return nil
	}
	return &RuleError{Rule: rights.Rule(m.KnownEmail.Rule), Detail: m.KnownEmail.Detail}
}

// requestSelf are a request and the rest of its group: the request's own
// letter, which is no other request.
func (s *Service) requestSelf(ctx context.Context, r store.Request) ([]uuid.UUID, error) {
	if r.GroupID == nil {
		return []uuid.UUID{r.ID}, nil
	}
	ids, err := s.store.GroupIDs(ctx, *r.GroupID)
	return ids, s.storeError(err)
}

// requestMatches are the identifier matches of a request's person.
func (s *Service) requestMatches(ctx context.Context, r store.Request) (IdentifierMatches, error) {
	subj, err := s.intake.LoadSubject(ctx, derefID(r.SubjectID))
	if errors.Is(err, intake.ErrErased) {
		return IdentifierMatches{}, &ConflictError{Reason: NothingToDo, Detail: "the person's data was erased after retention: there is nothing to match"}
	}
	if err != nil {
		return IdentifierMatches{}, s.storeError(err)
	}
	self, err := s.requestSelf(ctx, r)
	if err != nil {
		return IdentifierMatches{}, err
	}
	return s.matchIdentifiers(ctx, r.ControllerID, subj, self, "identity/"+r.ID.String())
}

func derefID(id *uuid.UUID) uuid.UUID {
	if id == nil {
		return uuid.Nil
	}
	return *id
}

// IdentifierMatches tells what each identifier of a request's person
// matched in the controller's systems and its other requests, and whether
// known_email holds. Searching the systems for the person is a reading of
// their data: it is logged.
func (s *Service) IdentifierMatches(ctx context.Context, p *Principal, id uuid.UUID) (IdentifierMatches, error) {
	r, err := s.Request(ctx, p, id)
	if err != nil {
		return IdentifierMatches{}, err
	}
	if r.SubjectID == nil {
		return IdentifierMatches{}, notFound("the request has no subject")
	}
	m, err := s.requestMatches(ctx, r)
	if err != nil {
		return m, err
	}
	if err := s.store.LogAccess(ctx, store.Access{RequestID: r.ID, Actor: p.Actor, What: "identifier-matches"}); err != nil {
		return m, s.storeError(err)
	}
	return m, nil
}

// MatchesOf are the identifier matches of a request already read through
// Request. It does not log the reading: the caller logs it (the case
// page, which shows them beside the request, logs "identifier-matches").
func (s *Service) MatchesOf(ctx context.Context, r store.Request) (IdentifierMatches, error) {
	return s.requestMatches(ctx, r)
}
