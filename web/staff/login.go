package staff

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"
	"golang.org/x/oauth2"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/httpx"
	"github.com/rightsdesk/rightsdesk/web"
)

// The staff login: OpenID Connect authorisation code with PKCE against the
// issuer that signs the API's bearer tokens; a server-side session behind
// a random cookie (internal/httpx). docs/UI.md tells how to configure it.

const (
	// loginCookie carries one login's state, nonce and PKCE verifier from
	// the start to the callback: the browser's own, bound to it.
	loginCookie = "rd_login"
	// loginWindow bounds the time at the identity provider.
	loginWindow = 10 * time.Minute
)

// SignIn is what the login needs of the API's authentication, which the
// bearer tokens and the pages share: the identity provider, who a verified
// token's claims make a staff member, the staff directory, and the
// configured static tokens' people (the dev login).
type SignIn interface {
	// Provider is the OpenID Connect provider, discovered on first use.
	Provider(ctx context.Context) (*oidc.Provider, error)
	// StaffOf is the staff member of a verified ID token; false when the
	// subject cannot be one.
	StaffOf(subject string, claims map[string]any) (cases.Principal, bool)
	// Remember records a signed-in staff member's profile (the claims
	// name, email, locale) in the staff directory; it returns the name.
	Remember(ctx context.Context, p cases.Principal, claims map[string]any) string
	// DevStaff are the static tokens' caseworkers and DPOs, by name.
	DevStaff() []cases.Session
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

// loginConfig is the OAuth 2 client of the staff login.
func (d *Door) loginConfig(c echo.Context) (*oauth2.Config, *oidc.IDTokenVerifier, error) {
	provider, err := d.SignIn.Provider(c.Request().Context())
	if err != nil {
		return nil, nil, err
	}
	client := d.Config.OIDCClientID
	if client == "" {
		client = d.Config.OIDCAudience
	}
	conf := &oauth2.Config{ClientID: client, ClientSecret: d.Config.OIDCClientSecret, Endpoint: provider.Endpoint(),
		RedirectURL: strings.TrimSuffix(d.Config.PublicURL, "/") + "/staff/callback", Scopes: []string{oidc.ScopeOpenID, "profile", "email"}}
	return conf, provider.Verifier(&oidc.Config{ClientID: client}), nil
}

// loginPage offers the login: the organisation's identity provider, and in
// rightsdesk dev one click per role, from this machine only.
func (d *Door) loginPage(c echo.Context) error {
	return d.renderLogin(c, http.StatusOK, "")
}

func (d *Door) renderLogin(c echo.Context, status int, problem string) error {
	page := web.Login{Page: web.NewPage(c, "login.title"), Next: localPath(c.QueryParam("next")), OIDC: d.Config.OIDCIssuer != ""}
	page.CSRF = httpx.Token(c)
	if problem != "" {
		page.Error = page.T[problem]
	}
	if d.Config.DevLogin && httpx.FromLoopback(c.Request()) {
		for _, t := range d.SignIn.DevStaff() {
			page.Dev = append(page.Dev, web.DevUser{Name: t.DisplayName, Role: t.Principal.Roles[0]})
		}
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return d.render(c, status, "login", page)
}

// loginStart sends the browser to the identity provider with a fresh
// state, nonce and PKCE challenge (RFC 7636, S256).
func (d *Door) loginStart(c echo.Context) error {
	if d.Config.OIDCIssuer == "" {
		return d.renderLogin(c, http.StatusNotFound, "login.unconfigured")
	}
	conf, _, err := d.loginConfig(c)
	if err != nil {
		return d.renderLogin(c, http.StatusServiceUnavailable, "login.unreachable")
	}
	pl := pendingLogin{State: httpx.RandomToken(), Nonce: httpx.RandomToken(), Verifier: oauth2.GenerateVerifier(), Next: localPath(c.QueryParam("next"))}
	raw, _ := json.Marshal(pl)
	d.Sessions.Cookies.Set(c, loginCookie, base64.RawURLEncoding.EncodeToString(raw), int(loginWindow.Seconds()))
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Redirect(http.StatusFound, conf.AuthCodeURL(pl.State, oauth2.S256ChallengeOption(pl.Verifier), oidc.Nonce(pl.Nonce)))
}

// loginCallback takes the provider's answer: the state must be this
// browser's, the code is exchanged with the PKCE verifier, the ID token is
// verified (issuer, audience, expiry, signature, nonce), and the person
// must hold a staff role. Every failure counts against the client's
// address like a failed bearer token.
func (d *Door) loginCallback(c echo.Context) error {
	fail := func(status int, problem string) error {
		if !d.Failures.Take(c.RealIP()) {
			return d.renderLogin(c, http.StatusTooManyRequests, "login.limited")
		}
		return d.renderLogin(c, status, problem)
	}
	ck, err := c.Cookie(d.Sessions.Cookies.Name(loginCookie))
	if err != nil {
		return fail(http.StatusBadRequest, "login.expired")
	}
	d.Sessions.Cookies.Set(c, loginCookie, "", -1)
	var pl pendingLogin
	raw, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil || json.Unmarshal(raw, &pl) != nil || pl.State == "" ||
		subtle.ConstantTimeCompare([]byte(pl.State), []byte(c.QueryParam("state"))) != 1 {
		return fail(http.StatusBadRequest, "login.expired")
	}
	if c.QueryParam("error") != "" || c.QueryParam("code") == "" {
		return fail(http.StatusUnauthorized, "login.refused")
	}
	conf, verifier, err := d.loginConfig(c)
	if err != nil {
		return d.renderLogin(c, http.StatusServiceUnavailable, "login.unreachable")
	}
	ctx := c.Request().Context()
	tok, err := conf.Exchange(ctx, c.QueryParam("code"), oauth2.VerifierOption(pl.Verifier))
	if err != nil {
		d.Log.Warn("staff login: code exchange failed", "request_id", requestID(c))
		return fail(http.StatusUnauthorized, "login.refused")
	}
	rawID, _ := tok.Extra("id_token").(string)
	id, err := verifier.Verify(ctx, rawID)
	if err != nil || subtle.ConstantTimeCompare([]byte(id.Nonce), []byte(pl.Nonce)) != 1 {
		d.Log.Warn("staff login: ID token refused", "request_id", requestID(c))
		return fail(http.StatusUnauthorized, "login.refused")
	}
	var claims map[string]any
	if err := id.Claims(&claims); err != nil {
		return fail(http.StatusUnauthorized, "login.refused")
	}
	p, ok := d.SignIn.StaffOf(id.Subject, claims)
	if !ok || !p.Has(cases.StaffRoles...) {
		return fail(http.StatusForbidden, "login.norole")
	}
	name := d.SignIn.Remember(ctx, p, claims)
	if err := d.Sessions.Start(c, p, name); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, pl.Next)
}

// devLogin signs in as one of the configured staff tokens' people with one
// click: rightsdesk dev only, and only from this machine.
func (d *Door) devLogin(c echo.Context) error {
	if !d.Config.DevLogin || !httpx.FromLoopback(c.Request()) {
		return d.renderLogin(c, http.StatusNotFound, "login.unconfigured")
	}
	name := c.FormValue("name")
	for _, who := range d.SignIn.DevStaff() {
		if who.DisplayName == name {
			if err := d.Sessions.Start(c, who.Principal, who.DisplayName); err != nil {
				return err
			}
			return c.Redirect(http.StatusSeeOther, localPath(c.FormValue("next")))
		}
	}
	return d.renderLogin(c, http.StatusUnprocessableEntity, "login.refused")
}

// logout ends the session here; the identity provider's own session is
// the provider's.
func (d *Door) logout(c echo.Context) error {
	if err := d.Sessions.End(c); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/staff/login?lang="+web.Language(c))
}

// signedIn lets in a signed-in staff member with one of the roles; anyone
// else goes to the login page and comes back after it.
func (d *Door) signedIn(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Response().Header()
			// Staff pages hold personal data: never cached, never framed.
			h.Set("Cache-Control", "no-store")
			h.Set("Referrer-Policy", "same-origin")
			row, err := d.Sessions.Of(c)
			if err != nil {
				return err
			}
			if row == nil {
				if c.Request().Method == http.MethodGet {
					return c.Redirect(http.StatusSeeOther, "/staff/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
				}
				return d.renderLogin(c, http.StatusUnauthorized, "login.again")
			}
			c.Set(whoKey, &row.Session)
			if !row.Principal.Has(roles...) {
				return d.problem(c, http.StatusForbidden, "problem.forbidden")
			}
			return next(c)
		}
	}
}
