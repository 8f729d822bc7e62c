package cases

import (
	"context"
	"strings"

	"github.com/rightsdesk/rightsdesk/internal/identifiers"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// Search finds every request of a person by any identifier they gave. The
// API takes it as a POST body, so the identifiers never appear in a URL.
type Search struct {
	Email        string `json:"email,omitempty"`
	CPR          string `json:"cpr,omitempty"`
	Personnummer string `json:"personnummer,omitempty"`
	Phone        string `json:"phone,omitempty"`
}

// maxSearch bounds the requests a search returns.
const maxSearch = 500

// SearchRequests looks the identifiers up through the blind index (nothing
// is decrypted; e-mail case-insensitively) and returns the requests of
// every person who gave any of them, of the controllers p acts for. Each
// request found is a reading of the person's data: it is logged.
func (s *Service) SearchRequests(ctx context.Context, p *Principal, b Search) ([]store.Request, error) {
	var errs FieldErrors
	var ids []store.Identifier
	add := func(kind, value string) {
		ids = append(ids, store.Identifier{Kind: kind, Blind: s.keys.BlindIndex(kind, value)})
	}
	today := s.now()
	if v := strings.TrimSpace(b.Email); v != "" {
		add("email", intake.NormalizeEmail(v))
	}
	if v := strings.TrimSpace(b.CPR); v != "" {
		if id, err := identifiers.ParseCPR(v, today); err != nil {
			errs.Add("/cpr", "%s", strings.TrimPrefix(err.Error(), "CPR number: "))
		} else {
			add(id.Kind, id.Normalized)
		}
	}
	if v := strings.TrimSpace(b.Personnummer); v != "" {
		if id, err := identifiers.ParsePersonnummer(v, today); err != nil {
			errs.Add("/personnummer", "%s", err.Error())
		} else {
			add(id.Kind, id.Normalized)
		}
	}
	if v := intake.NormalizePhone(b.Phone); v != "" {
		add("phone", v)
	}
	if len(ids) == 0 && len(errs) == 0 {
		errs.Add("", "give at least one of email, cpr, personnummer, phone")
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	rows, err := s.store.RequestsOfIdentifiers(ctx, ids, p.Controllers, maxSearch)
	if err != nil {
		return nil, s.storeError(err)
	}
	for _, r := range rows {
		if err := s.store.LogAccess(ctx, store.Access{RequestID: r.ID, Actor: p.Actor, What: "search"}); err != nil {
			return nil, s.storeError(err)
		}
	}
	return rows, nil
}
