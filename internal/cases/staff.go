package cases

import (
	"context"
	"crypto/sha256"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// Profile is what a sign-in tells of a staff member, for the directory.
type Profile struct {
	DisplayName, Email, Language string
	// Source is oidc or token.
	Source string
}

// directory is the staff directory: every staff member who signed in
// (OIDC) or is configured (static tokens), by opaque ID. Assignments name
// its IDs; the letters find names, addresses and languages in it.
type directory struct {
	store  Storer
	log    *slog.Logger
	tokens []config.Token

	mu       sync.Mutex
	written  map[string]store.Staff
	tokensOK bool
}

func newDirectory(st Storer, log *slog.Logger, tokens []config.Token) *directory {
	return &directory{store: st, log: log, tokens: tokens, written: map[string]store.Staff{}}
}

// RememberStaff records a signed-in staff member, writing only what
// changed. A failure is logged: signing in does not depend on the
// directory.
func (s *Service) RememberStaff(ctx context.Context, p *Principal, prof Profile) {
	d := s.directory
	row := store.Staff{ID: p.Actor, DisplayName: prof.DisplayName, Email: prof.Email, Language: prof.Language,
		Controllers: strings.Join(p.Controllers, " "), Roles: strings.Join(knownRoles(p.Roles), " "), Source: prof.Source}
	d.mu.Lock()
	old, ok := d.written[row.ID]
	d.mu.Unlock()
	if ok && old.DisplayName == row.DisplayName && old.Email == row.Email && old.Language == row.Language && old.Controllers == row.Controllers && old.Roles == row.Roles {
		return
	}
	if err := d.store.UpsertStaff(ctx, row); err != nil {
		d.log.Warn("staff directory: record sign-in", "staff", row.ID, "error", err)
		return
	}
	d.mu.Lock()
	d.written[row.ID] = row
	d.mu.Unlock()
}

// syncTokens writes every configured static token's staff member once, so
// they can be assigned before they first call.
func (d *directory) syncTokens(ctx context.Context) error {
	d.mu.Lock()
	done := d.tokensOK
	d.mu.Unlock()
	if done {
		return nil
	}
	for _, t := range d.tokens {
		row := store.Staff{ID: "token:" + t.Name, DisplayName: t.Name, Controllers: strings.Join(t.Controllers, " "), Roles: t.Role, Source: "token"}
		if err := d.store.UpsertStaff(ctx, row); err != nil {
			return err
		}
	}
	d.mu.Lock()
	d.tokensOK = true
	d.mu.Unlock()
	return nil
}

// knownRoles keeps the staff roles of a list of roles.
func knownRoles(roles []string) []string {
	var out []string
	for _, r := range roles {
		if slices.Contains(StaffRoles, r) && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// canAct reports whether id is a staff member who may act on the requests
// of controllerID: a caseworker's role (caseworker, admin) at their last
// sign-in, for that controller.
func (d *directory) canAct(ctx context.Context, id, controllerID string) (bool, error) {
	if !workflows.ValidStaffID(id) {
		return false, nil
	}
	if err := d.syncTokens(ctx); err != nil {
		return false, err
	}
	row, err := d.store.StaffByID(ctx, id)
	if err != nil || row == nil {
		return false, err
	}
	if !slices.ContainsFunc(strings.Fields(row.Roles), func(r string) bool { return slices.Contains(CaseRoles, r) }) {
		return false, nil
	}
	ctrls := strings.Fields(row.Controllers)
	return len(ctrls) == 0 || slices.Contains(ctrls, controllerID), nil
}

// checkAssignee refuses an assignee who is not a staff member with a
// caseworker's role for the request's controller. The value is never
// echoed: it may be anything.
func (s *Service) checkAssignee(ctx context.Context, assignee, controllerID string) error {
	ok, err := s.directory.canAct(ctx, assignee, controllerID)
	if err != nil {
		return s.storeError(err)
	}
	if !ok {
		var errs FieldErrors
		errs.Add("/assignee", "not the ID of a staff member with the role caseworker or admin for this controller (an ID from the staff directory, at most %d characters)", workflows.MaxStaffIDLength)
		return errs
	}
	return nil
}

// StaffMember is one staff member of the directory.
type StaffMember struct {
	ID          string   `json:"id"`
	DisplayName string   `json:"display_name"`
	Language    string   `json:"language,omitempty"`
	Controllers []string `json:"controllers"`
	// Roles are the person's roles at their last sign-in: only caseworker
	// and admin may be assigned.
	Roles []string `json:"roles"`
}

// MayAct reports whether the member may be assigned a case (caseworker, admin).
func (m StaffMember) MayAct() bool {
	return slices.ContainsFunc(m.Roles, func(r string) bool { return slices.Contains(CaseRoles, r) })
}

// ListStaff lists the staff who act for the controllers p acts for, to
// choose an assignee from.
func (s *Service) ListStaff(ctx context.Context, p *Principal) ([]StaffMember, error) {
	if err := s.directory.syncTokens(ctx); err != nil {
		return nil, s.storeError(err)
	}
	rows, err := s.store.ListStaff(ctx, 1000)
	if err != nil {
		return nil, s.storeError(err)
	}
	out := []StaffMember{}
	for _, r := range rows {
		ctrls := strings.Fields(r.Controllers)
		visible := len(p.Controllers) == 0 || len(ctrls) == 0
		for _, c := range ctrls {
			visible = visible || p.Can(c)
		}
		if !visible {
			continue
		}
		if ctrls == nil {
			ctrls = []string{}
		}
		roles := strings.Fields(r.Roles)
		if roles == nil {
			roles = []string{}
		}
		out = append(out, StaffMember{ID: r.ID, DisplayName: r.DisplayName, Language: r.Language, Controllers: ctrls, Roles: roles})
	}
	return out, nil
}

// Session is a signed-in staff member of the pages.
type Session struct {
	Principal   Principal
	DisplayName string
	SeenAt      time.Time
}

// StartSession stores a new session under a random token the door gives
// the browser (only its hash is kept), ending the one it replaces (its
// token; "" for none) and clearing expired ones.
func (s *Service) StartSession(ctx context.Context, p Principal, name, token, replaces string, lifetime time.Duration) error {
	sum := sha256.Sum256([]byte(token))
	now := time.Now()
	row := store.StaffSession{IDHash: sum[:], Actor: p.Actor, Roles: strings.Join(p.Roles, " "), Controllers: strings.Join(p.Controllers, " "),
		DisplayName: name, CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(lifetime)}
	var old []byte
	if replaces != "" {
		h := sha256.Sum256([]byte(replaces))
		old = h[:]
	}
	return s.storeError(s.store.StartSession(ctx, row, old))
}

// LookupSession finds the live session of a token, seen within idle; nil
// when there is none. Seen is kept to the minute: one write a minute, not
// one a page.
func (s *Service) LookupSession(ctx context.Context, token string, idle time.Duration) (*Session, error) {
	if token == "" || len(token) > 100 {
		return nil, nil
	}
	sum := sha256.Sum256([]byte(token))
	row, err := s.store.LiveSession(ctx, sum[:], time.Now().Add(-idle))
	if err != nil || row == nil {
		return nil, s.storeError(err)
	}
	if time.Since(row.SeenAt) > time.Minute {
		if err := s.store.SeeSession(ctx, sum[:], time.Now()); err != nil {
			return nil, s.storeError(err)
		}
	}
	return &Session{Principal: Principal{Actor: row.Actor, Roles: strings.Fields(row.Roles), Controllers: strings.Fields(row.Controllers)},
		DisplayName: row.DisplayName, SeenAt: row.SeenAt}, nil
}

// EndSession ends the session of a token.
func (s *Service) EndSession(ctx context.Context, token string) error {
	sum := sha256.Sum256([]byte(token))
	return s.storeError(s.store.EndSession(ctx, sum[:]))
}
