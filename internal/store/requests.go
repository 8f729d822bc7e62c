package store

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/rights"
)

// PendingOf builds what starting a request's workflow needs from its row
// and its controller's policy.
func PendingOf(r Request, p policy.Policy) rights.PendingRequest {
	out := rights.PendingRequest{RequestID: r.ID, ControllerID: r.ControllerID, Kind: r.Kind, Channel: r.Channel, ReceivedOn: r.ReceivedOn, Policy: p}
	if r.IntakeIdentity != nil {
		out.IdentityMethod = *r.IntakeIdentity
	}
	if r.IntakeIdentityBy != nil {
		out.IdentityBy = *r.IntakeIdentityBy
	}
	return out
}

// RequestFilter selects requests for the request list. Every filter is
// applied in SQL.
type RequestFilter struct {
	// Controllers limits the list to the caller's controllers; empty means all.
	Controllers []string
	Stage       string
	Kind        string
	Controller  string
	Assignee    string
	// OverdueOn lists open requests due before today, today by controller
	// (each in its time zone); nil leaves the filter out.
	OverdueOn map[string]time.Time
	// NeedsAttention keeps requests that need (true) or do not need
	// (false) a person's attention; nil leaves the filter out.
	NeedsAttention *bool
	// DueBefore keeps requests due before a day; nil leaves it out.
	DueBefore *time.Time
	// After continues a list after the request it names (keyset paging).
	After *RequestKey
	Limit int
}

// RequestKey is a request's place in the list: by due day (none last), then ID.
type RequestKey struct {
	// Due is the due day YYYY-MM-DD, or "infinity" for none.
	Due string
	ID  uuid.UUID
}

// ListRequests reads the requests a filter selects, soonest due first (by
// (COALESCE(due_on, 'infinity'), id), which migration 00010's indexes serve).
func (s *Store) ListRequests(ctx context.Context, f RequestFilter) ([]Request, error) {
	db := inControllers(s.DB.WithContext(ctx).Model(&Request{}), f.Controllers, "controller_id")
	if f.Stage != "" {
		db = db.Where("stage = ?", f.Stage)
	}
	if f.Kind != "" {
		db = db.Where("kind = ?", f.Kind)
	}
	if f.Controller != "" {
		db = db.Where("controller_id = ?", f.Controller)
	}
	if f.Assignee != "" {
		db = db.Where("assignee = ?", f.Assignee)
	}
	if f.OverdueOn != nil {
		conds := []string{"false"}
		var args []any
		for id, today := range f.OverdueOn {
			conds = append(conds, "(controller_id = ? AND due_on < ?)")
			args = append(args, id, today)
		}
		db = db.Where("closed_at IS NULL").Where("("+strings.Join(conds, " OR ")+")", args...)
	}
	if f.NeedsAttention != nil {
		if *f.NeedsAttention {
			db = db.Where("attention IS NOT NULL")
		} else {
			db = db.Where("attention IS NULL")
		}
	}
	if f.DueBefore != nil {
		db = db.Where("due_on < ?", *f.DueBefore)
	}
	if k := f.After; k != nil {
		db = db.Where("(COALESCE(due_on, 'infinity'::date), id) > (?::date, ?)", k.Due, k.ID)
	}
	var rows []Request
	err := db.Order("COALESCE(due_on, 'infinity'::date), id").Limit(f.Limit).Find(&rows).Error
	return rows, err
}

// VisibleRequest reads a request of one of the controllers (all when
// empty); nil when there is none.
func (s *Store) VisibleRequest(ctx context.Context, id uuid.UUID, controllers []string) (*Request, error) {
	var r Request
	err := inControllers(s.DB.WithContext(ctx), controllers, "controller_id").Limit(1).Find(&r, "id = ?", id).Error
	if err != nil || r.ID == uuid.Nil {
		return nil, err
	}
	return &r, nil
}

// RequestByID reads a request; gorm.ErrRecordNotFound when there is none.
func (s *Store) RequestByID(ctx context.Context, id uuid.UUID) (Request, error) {
	var r Request
	err := s.DB.WithContext(ctx).First(&r, "id = ?", id).Error
	return r, err
}

// RequestVersion is the version of a request the read model holds.
func (s *Store) RequestVersion(ctx context.Context, id uuid.UUID) (int64, error) {
	var have int64
	err := s.DB.WithContext(ctx).Model(&Request{}).Where("id = ?", id).Select("version").Scan(&have).Error
	return have, err
}

// RequestByStatusToken reads the request a status token was issued with;
// nil when there is none.
func (s *Store) RequestByStatusToken(ctx context.Context, hash []byte) (*Request, error) {
	var r Request
	if err := s.DB.WithContext(ctx).Limit(1).Find(&r, "status_token_hash = ?", hash).Error; err != nil || r.Reference == "" {
		return nil, err
	}
	return &r, nil
}

// GroupRequests are the requests of one letter, in the order they were made.
func (s *Store) GroupRequests(ctx context.Context, groupID uuid.UUID) ([]Request, error) {
	var rows []Request
	err := s.DB.WithContext(ctx).Where("group_id = ?", groupID).Order("created_at, kind").Find(&rows).Error
	return rows, err
}

// GroupIDs are the IDs of the requests of one letter.
func (s *Store) GroupIDs(ctx context.Context, groupID uuid.UUID) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := s.DB.WithContext(ctx).Model(&Request{}).Where("group_id = ?", groupID).Pluck("id", &ids).Error
	return ids, err
}

// ReceivedOn reads the days some requests were received, by ID.
func (s *Store) ReceivedOn(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]time.Time, error) {
	out := map[uuid.UUID]time.Time{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []struct {
		ID         uuid.UUID
		ReceivedOn time.Time
	}
	if err := s.DB.WithContext(ctx).Model(&Request{}).Select("id, received_on").Where("id IN ?", ids).Scan(&rows).Error; err != nil {
		return nil, err
	}
	for _, r := range rows {
		out[r.ID] = r.ReceivedOn
	}
	return out, nil
}

// Identifier is one identifier of a person, by its blind index.
type Identifier struct {
	Kind  string
	Blind []byte
}

// givenSQL selects the requests whose person gave an identifier.
const givenSQL = "subject_id IN (SELECT subject_id FROM subject_identifiers WHERE kind = ? AND blind_index = ?)"

// RequestsOfIdentifiers are the requests, of the controllers (all when
// empty), whose person gave any of the identifiers, by receipt.
func (s *Store) RequestsOfIdentifiers(ctx context.Context, ids []Identifier, controllers []string, limit int) ([]Request, error) {
	db := s.DB.WithContext(ctx)
	cond := db
	for i, id := range ids {
		if i == 0 {
			cond = cond.Where(givenSQL, id.Kind, id.Blind)
		} else {
			cond = cond.Or(givenSQL, id.Kind, id.Blind)
		}
	}
	var rows []Request
	err := inControllers(db.Model(&Request{}).Where(cond), controllers, "controller_id").Order("received_on, id").Limit(limit).Find(&rows).Error
	return rows, err
}

// MatchedRequest is a request whose person gave an identifier, and whether
// its identity was verified by a method other than the one left out.
type MatchedRequest struct {
	Request
	Verified bool
}

// RequestsWithIdentifier are a controller's requests whose person gave an
// identifier, but for those of except, by receipt; Verified says whether
// a request's identity was verified by a method other than notBy.
func (s *Store) RequestsWithIdentifier(ctx context.Context, controllerID string, id Identifier, except []uuid.UUID, notBy string, limit int) ([]MatchedRequest, error) {
	verified := "EXISTS (SELECT 1 FROM events e WHERE e.request_id = requests.id AND e.action = 'identity.verified' AND e.data->>'method' IS DISTINCT FROM ?)"
	q := s.DB.WithContext(ctx).Model(&Request{}).Select("requests.*, "+verified+" AS verified", notBy).
		Where("controller_id = ?", controllerID).Where(givenSQL, id.Kind, id.Blind)
	if len(except) > 0 {
		q = q.Where("id NOT IN ?", except)
	}
	var rows []MatchedRequest
	err := q.Order("received_on, id").Limit(limit).Scan(&rows).Error
	return rows, err
}

// RequestHasIdentifier reports whether a request's person gave an identifier.
func (s *Store) RequestHasIdentifier(ctx context.Context, requestID uuid.UUID, id Identifier) (bool, error) {
	var n int64
	err := s.DB.WithContext(ctx).Model(&Request{}).Where("id = ?", requestID).Where(givenSQL, id.Kind, id.Blind).Count(&n).Error
	return n > 0, err
}

// Band counts open requests of a stage by how soon they are due.
type Band struct {
	Stage string
	// Band is paused, overdue, 0-7, 8-14 or 15+ days left.
	Band string
	N    int64
}

// OpenBands counts the open requests of the controllers (all when empty)
// by stage and days left, each in its controller's today as of now.
func (s *Store) OpenBands(ctx context.Context, controllers []string, now time.Time) ([]Band, error) {
	db := s.DB.WithContext(ctx).Table("requests r").Joins("JOIN controllers c ON c.id = r.controller_id").
		Where("r.closed_at IS NULL AND r.stage NOT IN ?", []string{"closed", "withdrawn", "forwarded"})
	db = inControllers(db, controllers, "r.controller_id")
	var rows []Band
	err := db.Select(`r.stage, CASE
		WHEN r.paused_at IS NOT NULL THEN 'paused'
		WHEN r.due_on < (? AT TIME ZONE c.time_zone)::date THEN 'overdue'
		WHEN r.due_on - (? AT TIME ZONE c.time_zone)::date <= 7 THEN '0-7'
		WHEN r.due_on - (? AT TIME ZONE c.time_zone)::date <= 14 THEN '8-14'
		ELSE '15+' END AS band, COUNT(*) AS n`, now, now, now).Group("1, 2").Scan(&rows).Error
	return rows, err
}
