package cases

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/rightsdesk/rightsdesk/internal/deadline"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// RequestQuery asks for a page of the request list.
type RequestQuery struct {
	Stage      string
	Kind       string
	Controller string
	// Assignee is a staff ID, or "me".
	Assignee string
	// Overdue keeps open requests due before today (in each controller's
	// time zone).
	Overdue bool
	// NeedsAttention keeps requests that need (true) or do not need
	// (false) a person's attention; nil means all.
	NeedsAttention *bool
	// DueBefore keeps requests due before a day, YYYY-MM-DD.
	DueBefore string
	// Cursor continues a list: a RequestPage's Next.
	Cursor string
	// Limit is 1 to MaxRequestLimit; 0 means DefaultRequestLimit.
	Limit int
}

// The request list's page sizes.
const (
	DefaultRequestLimit = 50
	MaxRequestLimit     = 200
)

// RequestPage is a page of requests.
type RequestPage struct {
	Items []store.Request
	// Next continues the list; empty on the last page.
	Next string
}

// ListRequests lists the requests of the controllers p acts for, soonest
// due first. Field errors name the query parameters (/query/stage, ...).
func (s *Service) ListRequests(ctx context.Context, p *Principal, q RequestQuery) (RequestPage, error) {
	var errs FieldErrors
	f := store.RequestFilter{Controllers: p.Controllers, Stage: q.Stage, Kind: q.Kind, Controller: q.Controller, Assignee: q.Assignee,
		NeedsAttention: q.NeedsAttention}
	if q.Stage != "" && !slices.Contains(Stages, q.Stage) {
		errs.Add("/query/stage", "unknown stage %q", q.Stage)
	}
	if q.Kind != "" && !rights.Kind(q.Kind).Valid() {
		errs.Add("/query/kind", "unknown right %q", q.Kind)
	}
	if f.Assignee == "me" {
		f.Assignee = p.Actor
	}
	if q.DueBefore != "" {
		d, err := deadline.ParseDate(q.DueBefore)
		if err != nil {
			errs.Add("/query/due_before", "%q is not a real date (YYYY-MM-DD)", q.DueBefore)
		}
		f.DueBefore = &d
	}
	if q.Limit == 0 {
		q.Limit = DefaultRequestLimit
	}
	if q.Limit < 1 || q.Limit > MaxRequestLimit {
		errs.Add("/query/limit", "a number from 1 to %d", MaxRequestLimit)
	}
	if q.Cursor != "" {
		k, err := parseRequestCursor(q.Cursor)
		if err != nil {
			errs.Add("/query/cursor", "not a cursor from this list")
		}
		f.After = &k
	}
	if err := errs.Err(); err != nil {
		return RequestPage{}, err
	}
	if q.Overdue {
		today, err := s.Todays(ctx, nil)
		if err != nil {
			return RequestPage{}, err
		}
		f.OverdueOn = today
	}
	f.Limit = q.Limit + 1
	rows, err := s.store.ListRequests(ctx, f)
	if err != nil {
		return RequestPage{}, s.storeError(err)
	}
	out := RequestPage{Items: rows}
	if len(rows) > q.Limit {
		out.Items = rows[:q.Limit]
		out.Next = requestCursor(rows[q.Limit-1])
	}
	return out, nil
}

// Todays are today's days by controller, each in its own time zone
// (deadline.Today, the one definition of today), for the controllers of
// ids (all when empty).
func (s *Service) Todays(ctx context.Context, ids []string) (map[string]time.Time, error) {
	rows, err := s.store.Controllers(ctx, ids)
	if err != nil {
		return nil, s.storeError(err)
	}
	out := map[string]time.Time{}
	now := s.now()
	for _, c := range rows {
		loc, err := deadline.LoadLocation(c.TimeZone)
		if err != nil {
			return nil, err
		}
		out[c.ID] = deadline.Today(now, loc)
	}
	return out, nil
}

func requestCursor(r store.Request) string {
	due := "infinity"
	if r.DueOn != nil {
		due = r.DueOn.UTC().Format(time.DateOnly)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(due + "|" + r.ID.String()))
}

func parseRequestCursor(s string) (store.RequestKey, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return store.RequestKey{}, err
	}
	due, id, ok := strings.Cut(string(b), "|")
	if !ok {
		return store.RequestKey{}, errBadCursor
	}
	if due != "infinity" {
		if _, err := deadline.ParseDate(due); err != nil {
			return store.RequestKey{}, err
		}
	}
	u, err := uuid.Parse(id)
	return store.RequestKey{Due: due, ID: u}, err
}

// Request reads a request p may see; another controller's request is not
// found, so its existence is not revealed.
func (s *Service) Request(ctx context.Context, p *Principal, id uuid.UUID) (store.Request, error) {
	r, err := s.store.VisibleRequest(ctx, id, p.Controllers)
	if err != nil {
		return store.Request{}, s.storeError(err)
	}
	if r == nil {
		return store.Request{}, notFound("no such request")
	}
	return *r, nil
}

// Detail is a request with its subject, its live state and its timeline.
type Detail struct {
	Request store.Request
	// Subject is nil for a request without one, or once it is erased.
	Subject *intake.Subject
	// Details is the kind-specific JSON the person gave; nil when none.
	Details json.RawMessage
	// State is the workflow's live state; nil when Temporal does not
	// answer (the read model still does) or the case has not started.
	State    *workflows.State
	Timeline []store.Event
	Letters  []store.Letter
	Notes    []intake.Note
}

// RequestDetail reads everything of a request p may see. Reading the
// subject's personal data is logged first: no log, no data.
func (s *Service) RequestDetail(ctx context.Context, p *Principal, id uuid.UUID) (Detail, error) {
	r, err := s.Request(ctx, p, id)
	if err != nil {
		return Detail{}, err
	}
	out := Detail{Request: r}
	if r.SubjectID != nil {
		if err := s.store.LogAccess(ctx, store.Access{RequestID: r.ID, Actor: p.Actor, What: "subject+details"}); err != nil {
			return Detail{}, s.storeError(err)
		}
		subj, details, err := s.intake.OpenRequest(ctx, r)
		switch {
		case errors.Is(err, intake.ErrErased):
			// Erased after retention: the request stays, without them.
		case err != nil:
			return Detail{}, s.storeError(err)
		default:
			out.Subject, out.Details = &subj, details
		}
	}
	if out.Notes, err = s.intake.OpenNotes(ctx, r); err != nil {
		return Detail{}, s.storeError(err)
	}
	if out.Timeline, err = s.store.Events(ctx, r.ID); err != nil {
		return Detail{}, s.storeError(err)
	}
	if out.Letters, err = s.store.Letters(ctx, r.ID); err != nil {
		return Detail{}, s.storeError(err)
	}
	if st, ok := s.liveState(ctx, r); ok {
		out.State = &st
	}
	return out, nil
}

// AccessLog tells who read a request's personal data, and when.
func (s *Service) AccessLog(ctx context.Context, p *Principal, id uuid.UUID) ([]store.Access, error) {
	r, err := s.Request(ctx, p, id)
	if err != nil {
		return nil, err
	}
	rows, err := s.store.AccessLog(ctx, r.ID)
	return rows, s.storeError(err)
}

// Letters lists a request's letters and notices and how far each got.
func (s *Service) Letters(ctx context.Context, p *Principal, id uuid.UUID) (store.Request, []store.Letter, error) {
	r, err := s.Request(ctx, p, id)
	if err != nil {
		return r, nil, err
	}
	rows, err := s.store.Letters(ctx, r.ID)
	return r, rows, s.storeError(err)
}
