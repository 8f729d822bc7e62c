package api

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/web"
)

// The web UI's staff login: OpenID Connect authorisation code with PKCE
// against the issuer that signs the API's bearer tokens; a server-side
// session behind a random cookie. docs/UI.md tells how to configure it.

const (
	sessionCookie = "rd_session"
	// loginCookie carries one login's state, nonce and PKCE verifier from
	// the start to the callback: the browser's own, bound to it.
	loginCookie = "rd_login"
	// loginWindow bounds the time at the identity provider.
	loginWindow = 10 * time.Minute
)

// secureCookies is on when the UI is reached over HTTPS; the cookies then
// are Secure and carry the __Host- prefix, which the browser keeps to this
// host and path / and refuses from a sibling domain or plain HTTP. Over
// plain HTTP (rightsdesk dev on localhost) they have neither: a browser
// would drop a Secure cookie sent there.
func (s *Server) secureCookies() bool { return strings.HasPrefix(s.cfg.PublicURL, "https://") }

func (s *Server) cookieName(base string) string {
	if s.secureCookies() {
		return "__Host-" + base
	}
	return base
}

func (s *Server) setCookie(c echo.Context, name, value string, maxAge int) {
	c.SetCookie(&http.Cookie{Name: s.cookieName(name), Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: s.secureCookies(), SameSite: http.SameSiteLaxMode})
}

// loginConfig is the OAuth 2 client of the staff login.
func (s *Server) loginConfig(c echo.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	provider, err := s.auth.oidcProvider(c.Request().Context())
	if err != nil {
		return nil, nil, Unavailable("the identity provider cannot be reached", 10)
	}
	client := s.cfg.OIDCClientID
	if client == "" {
		client = s.cfg.OIDCAudience
	}
	conf := &oauth2.Config{ClientID: client, ClientSecret: s.cfg.OIDCClientSecret, Endpoint: provider.Endpoint(),
		RedirectURL: strings.TrimSuffix(s.cfg.PublicURL, "/") + "/staff/callback", Scopes: []string{oidc.ScopeOpenID, "profile", "email"}}
	return conf, provider.Verifier(&oidc.Config{ClientID: client}), nil
}

// pendingLogin is what the login cookie holds.
type pendingLogin struct {
	State    string `json:"state"`
	Nonce    string `json:"nonce"`
	Verifier string `json:"verifier"`
	Next     string `json:"next"`
}

// localPath keeps a return address on this site: a staff page's path,
// never another host (//host or /\host), else the inbox.
func localPath(next string) string { return staffPath(next, "/staff/inbox") }

// staffPath is next when it is a staff page's path, else fallback.
func staffPath(next, fallback string) string {
	if !strings.HasPrefix(next, "/staff/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return fallback
	}
	return next
}

// loginPage offers the login: the organisation's identity provider, and in
// rightsdesk dev one click per role, from this machine only.
func (s *Server) loginPage(c echo.Context) error {
	return s.renderLogin(c, http.StatusOK, "")
}

func (s *Server) renderLogin(c echo.Context, status int, problem string) error {
	page := web.Login{Page: web.NewPage(c, "login.title"), Next: localPath(c.QueryParam("next")), OIDC: s.cfg.OIDCIssuer != ""}
	page.CSRF = csrfOf(c)
	if problem != "" {
		page.Error = page.T[problem]
	}
	if s.cfg.DevLogin && fromLoopback(c.Request()) {
		for _, t := range s.directory.tokens {
			if t.Role == config.RoleCaseworker || t.Role == config.RoleDPO {
				page.Dev = append(page.Dev, web.DevUser{Name: t.Name, Role: t.Role})
			}
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Render(status, "login", page)
}

// loginStart sends the browser to the identity provider with a fresh
// state, nonce and PKCE challenge (RFC 7636, S256).
func (s *Server) loginStart(c echo.Context) error {
	if s.cfg.OIDCIssuer == "" {
		return s.renderLogin(c, http.StatusNotFound, "login.unconfigured")
	}
	conf, _, err := s.loginConfig(c)
	if err != nil {
		return s.renderLogin(c, http.StatusServiceUnavailable, "login.unreachable")
	}
	pl := pendingLogin{State: randomToken(), Nonce: randomToken(), Verifier: oauth2.GenerateVerifier(), Next: localPath(c.QueryParam("next"))}
	raw, _ := json.Marshal(pl)
	s.setCookie(c, loginCookie, base64.RawURLEncoding.EncodeToString(raw), int(loginWindow.Seconds()))
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusFound, conf.AuthCodeURL(pl.State, oauth2.S256ChallengeOption(pl.Verifier), oidc.Nonce(pl.Nonce)))
}

// loginCallback takes the provider's answer: the state must be this
// browser's, the code is exchanged with the PKCE verifier, the ID token is
// verified (issuer, audience, expiry, signature, nonce), and the person
// must hold a staff role. Every failure counts against the client's
// address like a failed bearer token.
func (s *Server) loginCallback(c echo.Context) error {
	fail := func(status int, problem string) error {
		if !s.auth.failures.take(c.RealIP()) {
			return s.renderLogin(c, http.StatusTooManyRequests, "login.limited")
		}
		return s.renderLogin(c, status, problem)
	}
	ck, err := c.Cookie(s.cookieName(loginCookie))
	if err != nil {
		return fail(http.StatusBadRequest, "login.expired")
	}
	s.setCookie(c, loginCookie, "", -1)
	var pl pendingLogin
	raw, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil || json.Unmarshal(raw, &pl) != nil || pl.State == "" ||
		subtle.ConstantTimeCompare([]byte(pl.State), []byte(c.QueryParam("state"))) != 1 {
		return fail(http.StatusBadRequest, "login.expired")
	}
	if c.QueryParam("error") != "" || c.QueryParam("code") == "" {
		return fail(http.StatusUnauthorized, "login.refused")
	}
	conf, verifier, err := s.loginConfig(c)
	if err != nil {
		return s.renderLogin(c, http.StatusServiceUnavailable, "login.unreachable")
	}
	ctx := c.Request().Context()
	tok, err := conf.Exchange(ctx, c.QueryParam("code"), oauth2.VerifierOption(pl.Verifier))
	if err != nil {
		s.log.Warn("staff login: code exchange failed", "request_id", requestID(c))
		return fail(http.StatusUnauthorized, "login.refused")
	}
	rawID, _ := tok.Extra("id_token").(string)
	id, err := verifier.Verify(ctx, rawID)
	if err != nil || subtle.ConstantTimeCompare([]byte(id.Nonce), []byte(pl.Nonce)) != 1 {
		s.log.Warn("staff login: ID token refused", "request_id", requestID(c))
		return fail(http.StatusUnauthorized, "login.refused")
	}
	var claims map[string]any
	if err := id.Claims(&claims); err != nil {
		return fail(http.StatusUnauthorized, "login.refused")
	}
	p, ok := s.auth.principalOf(id.Subject, claims)
	if !ok || !p.Has(staffRoles...) {
		return fail(http.StatusForbidden, "login.norole")
	}
	profile := profileOf(claims)
	s.directory.remember(ctx, &p, profile)
	if err := s.startSession(c, p, profile.DisplayName); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, pl.Next)
}

// devLogin signs in as one of the configured staff tokens' people with one
// click: rightsdesk dev only, and only from this machine.
func (s *Server) devLogin(c echo.Context) error {
	if !s.cfg.DevLogin || !fromLoopback(c.Request()) {
		return s.renderLogin(c, http.StatusNotFound, "login.unconfigured")
	}
	name := c.FormValue("name")
	for _, t := range s.directory.tokens {
		if t.Name == name && (t.Role == config.RoleCaseworker || t.Role == config.RoleDPO) {
			p := Principal{Actor: "token:" + t.Name, Roles: []string{t.Role}, Controllers: t.Controllers}
			if err := s.startSession(c, p, t.Name); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, localPath(c.FormValue("next")))
		}
	}
	return s.renderLogin(c, http.StatusUnprocessableEntity, "login.refused")
}

// startSession stores a session and gives the browser its cookie; expired
// sessions are cleared on the way. Signing in rotates: the session is
// always a new random ID, a session the browser already had is ended, and
// the browser's CSRF cookie is dropped, so no token of a page from before
// the sign-in is accepted after it.
func (s *Server) startSession(c echo.Context, p Principal, name string) error {
	raw := randomToken()
	sum := sha256.Sum256([]byte(raw))
	now := time.Now()
	row := store.StaffSession{IDHash: sum[:], Actor: p.Actor, Roles: strings.Join(p.Roles, " "), Controllers: strings.Join(p.Controllers, " "),
		DisplayName: name, CreatedAt: now, SeenAt: now, ExpiresAt: now.Add(time.Duration(s.sessionHours()) * time.Hour)}
	db := s.store.DB.WithContext(c.Request().Context())
	if err := db.Where("expires_at < now()").Delete(&store.StaffSession{}).Error; err != nil {
		return s.storeError(err)
	}
	if ck, err := c.Cookie(s.cookieName(sessionCookie)); err == nil && ck.Value != "" {
		old := sha256.Sum256([]byte(ck.Value))
		if err := db.Delete(&store.StaffSession{}, "id_hash = ?", old[:]).Error; err != nil {
			return s.storeError(err)
		}
	}
	if err := db.Create(&row).Error; err != nil {
		return s.storeError(err)
	}
	c.Set(sessionLookupKey, &row)
	s.setCookie(c, sessionCookie, raw, s.sessionHours()*3600)
	s.setCookie(c, csrfCookie, "", -1)
	return nil
}

func (s *Server) sessionHours() int {
	if s.cfg.SessionHours <= 0 {
		return 10
	}
	return s.cfg.SessionHours
}

func (s *Server) sessionIdle() time.Duration {
	if s.cfg.SessionIdleMinutes <= 0 {
		return time.Hour
	}
	return time.Duration(s.cfg.SessionIdleMinutes) * time.Minute
}

// sessionLookupKey keeps a request's session once looked up: the CSRF
// check and the staff page both ask.
const sessionLookupKey = "staff-session-lookup"

// session finds the signed-in staff member of a request, if any.
func (s *Server) session(c echo.Context) (*store.StaffSession, error) {
	if row, ok := c.Get(sessionLookupKey).(*store.StaffSession); ok {
		if row.Actor == "" {
			return nil, nil
		}
		return row, nil
	}
	row, err := s.lookupSession(c)
	if err != nil {
		return nil, err
	}
	if row == nil {
		c.Set(sessionLookupKey, &store.StaffSession{})
	} else {
		c.Set(sessionLookupKey, row)
	}
	return row, nil
}

func (s *Server) lookupSession(c echo.Context) (*store.StaffSession, error) {
	ck, err := c.Cookie(s.cookieName(sessionCookie))
	if err != nil || ck.Value == "" || len(ck.Value) > 100 {
		return nil, nil
	}
	sum := sha256.Sum256([]byte(ck.Value))
	var row store.StaffSession
	db := s.store.DB.WithContext(c.Request().Context())
	err = db.Limit(1).Find(&row, "id_hash = ? AND expires_at > now() AND seen_at > ?", sum[:], time.Now().Add(-s.sessionIdle())).Error
	if err != nil {
		return nil, s.storeError(err)
	}
	if row.Actor == "" {
		return nil, nil
	}
	// Seen is kept to the minute: one write a minute, not one a page.
	if time.Since(row.SeenAt) > time.Minute {
		if err := db.Model(&store.StaffSession{}).Where("id_hash = ?", sum[:]).Update("seen_at", time.Now()).Error; err != nil {
			return nil, s.storeError(err)
		}
	}
	return &row, nil
}

// staffPage lets in a signed-in staff member with one of the roles; anyone
// else goes to the login page and comes back after it.
func (s *Server) staffPage(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			// Staff pages hold personal data: never cached, never framed.
			h.Set("Cache-Control", "no-store")
			h.Set("Referrer-Policy", "same-origin")
			row, err := s.session(c)
			if err != nil {
				return err
			}
			if row == nil {
				if c.Request().Method == http.MethodGet {
					return c.Redirect(http.StatusSeeOther, "/staff/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
				}
				return s.renderLogin(c, http.StatusUnauthorized, "login.again")
			}
			p := &Principal{Actor: row.Actor, Roles: strings.Fields(row.Roles), Controllers: strings.Fields(row.Controllers)}
			c.Set(principalKey, p)
			c.Set(sessionKey, row)
			if !p.Has(roles...) {
				return s.staffProblem(c, NewProblem(http.StatusForbidden, "forbidden", "this page needs the role "+strings.Join(roles, " or ")))
			}
			return next(c)
		}
	}
}

const sessionKey = "staff-session"

// logout ends the session here; the identity provider's own session is
// the provider's.
func (s *Server) logout(c echo.Context) error {
	if ck, err := c.Cookie(s.cookieName(sessionCookie)); err == nil {
		sum := sha256.Sum256([]byte(ck.Value))
		if err := s.store.DB.WithContext(c.Request().Context()).Delete(&store.StaffSession{}, "id_hash = ?", sum[:]).Error; err != nil {
			return s.storeError(err)
		}
	}
	c.Set(sessionLookupKey, &store.StaffSession{})
	s.setCookie(c, sessionCookie, "", -1)
	return c.Redirect(http.StatusSeeOther, "/staff/login?lang="+web.Language(c))
}

// staffNav is the header of a signed-in staff page.
func staffNav(c echo.Context) *web.StaffNav {
	row, _ := c.Get(sessionKey).(*store.StaffSession)
	p := principal(c)
	if row == nil || p == nil {
		return nil
	}
	n := &web.StaffNav{Name: row.DisplayName, DPO: p.Has(config.RoleDPO, config.RoleAdmin), Caseworker: p.Has(config.RoleCaseworker, config.RoleAdmin)}
	n.CSRF = csrfOf(c)
	return n
}

// staffBase is a staff page's base: its words and the header.
func staffBase(c echo.Context, titleKey string) web.Page {
	page := web.NewPage(c, titleKey)
	page.Nav = staffNav(c)
	return page
}

// staffProblem shows a problem as a page; a request of another controller
// is not found, as in the API, so its existence is not revealed.
func (s *Server) staffProblem(c echo.Context, err error) error {
	var p *Problem
	if !errors.As(err, &p) {
		return err
	}
	page := web.ProblemPage{Page: staffBase(c, "problem.title"), Status: p.Status}
	switch {
	case p.Status == http.StatusNotFound:
		page.Message = page.T["problem.notfound"]
	case p.Status == http.StatusForbidden:
		page.Message = page.T["problem.forbidden"]
	case p.Status == http.StatusServiceUnavailable:
		page.Message = page.T["problem.unavailable"]
		c.Response().Header().Set("Retry-After", p.retryAfter)
	default:
		page.Message = p.Detail
	}
	return c.Render(p.Status, "problem", page)
}

// randomToken is 32 random bytes, URL-safe.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}
