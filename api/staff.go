package api

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm/clause"

	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// staffProfile is what a sign-in tells of a staff member, for the directory.
type staffProfile struct {
	DisplayName, Email, Language string
	source                       string
}

// profileOf reads the standard OIDC claims name, email and locale.
func profileOf(claims map[string]any) staffProfile {
	str := func(k string) string { v, _ := claims[k].(string); return strings.TrimSpace(v) }
	p := staffProfile{DisplayName: str("name"), Email: str("email"), source: "oidc"}
	if lang, _, _ := strings.Cut(strings.ToLower(str("locale")), "-"); slices.Contains([]string{"da", "sv", "en"}, lang) {
		p.Language = lang
	}
	if len(p.DisplayName) > 300 {
		p.DisplayName = p.DisplayName[:300]
	}
	if len(p.Email) > 320 {
		p.Email = ""
	}
	return p
}

// directory is the staff directory: every staff member who signed in
// (OIDC) or is configured (static tokens), by opaque ID. Assignments name
// its IDs; the letters will find names, addresses and languages in it.
type directory struct {
	store  *store.Store
	log    *slog.Logger
	tokens []config.Token

	mu       sync.Mutex
	written  map[string]store.Staff
	tokensOK bool
}

func newDirectory(st *store.Store, log *slog.Logger, tokens []config.Token) *directory {
	return &directory{store: st, log: log, tokens: tokens, written: map[string]store.Staff{}}
}

// remember records a signed-in staff member, writing only what changed.
// A failure is logged: signing in does not depend on the directory.
func (d *directory) remember(ctx context.Context, p *Principal, prof staffProfile) {
	row := store.Staff{ID: p.Actor, DisplayName: prof.DisplayName, Email: prof.Email, Language: prof.Language,
		Controllers: strings.Join(p.Controllers, " "), Roles: strings.Join(knownRoles(p.Roles), " "), Source: prof.source}
	d.mu.Lock()
	old, ok := d.written[row.ID]
	d.mu.Unlock()
	if ok && old.DisplayName == row.DisplayName && old.Email == row.Email && old.Language == row.Language && old.Controllers == row.Controllers && old.Roles == row.Roles {
		return
	}
	if err := d.upsert(ctx, row); err != nil {
		d.log.Warn("staff directory: record sign-in", "staff", row.ID, "error", err)
		return
	}
	d.mu.Lock()
	d.written[row.ID] = row
	d.mu.Unlock()
}

func (d *directory) upsert(ctx context.Context, row store.Staff) error {
	row.UpdatedAt = time.Now().UTC()
	return d.store.DB.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"display_name", "email", "language", "controllers", "roles", "source", "updated_at"}),
	}).Create(&row).Error
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
		if err := d.upsert(ctx, row); err != nil {
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
		if slices.Contains(staffRoles, r) && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}

// caseRoles are the roles that act on a case: assignment goes only to them.
var caseRoles = []string{config.RoleCaseworker, config.RoleAdmin}

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
	var row store.Staff
	if err := d.store.DB.WithContext(ctx).Limit(1).Find(&row, "id = ?", id).Error; err != nil {
		return false, err
	}
	if row.ID == "" || !slices.ContainsFunc(strings.Fields(row.Roles), func(r string) bool { return slices.Contains(caseRoles, r) }) {
		return false, nil
	}
	ctrls := strings.Fields(row.Controllers)
	return len(ctrls) == 0 || slices.Contains(ctrls, controllerID), nil
}

// checkAssignee refuses an assignee who is not a staff member with a
// caseworker's role for the request's controller. The value is never
// echoed: it may be anything.
func (s *Server) checkAssignee(ctx context.Context, assignee, controllerID string) error {
	ok, err := s.directory.canAct(ctx, assignee, controllerID)
	if err != nil {
		return s.storeError(err)
	}
	if !ok {
		var errs fieldErrors
		errs.add("/assignee", "not the ID of a staff member with the role caseworker or admin for this controller (an ID from the staff directory, at most %d characters)", workflows.MaxStaffIDLength)
		return errs.problem()
	}
	return nil
}

// StaffView is one staff member of the directory.
type StaffView struct {
	ID          string   `json:"id"`
	DisplayName string   `json:"display_name"`
	Language    string   `json:"language,omitempty"`
	Controllers []string `json:"controllers"`
	// Roles are the person's roles at their last sign-in: only caseworker
	// and admin may be assigned.
	Roles []string `json:"roles"`
}

// listStaff lists the staff who act for the controllers the caller acts
// for, to choose an assignee from.
func (s *Server) listStaff(c echo.Context) error {
	ctx := c.Request().Context()
	if err := s.directory.syncTokens(ctx); err != nil {
		return s.storeError(err)
	}
	p := principal(c)
	var rows []store.Staff
	if err := s.store.DB.WithContext(ctx).Order("id").Limit(1000).Find(&rows).Error; err != nil {
		return s.storeError(err)
	}
	out := struct {
		Items []StaffView `json:"items"`
	}{Items: []StaffView{}}
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
		out.Items = append(out.Items, StaffView{ID: r.ID, DisplayName: r.DisplayName, Language: r.Language, Controllers: ctrls, Roles: roles})
	}
	return c.JSON(http.StatusOK, out)
}
