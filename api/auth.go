package api

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/httpx"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// Principal is who calls: a staff member (OIDC) or a machine client (static
// token); the public has none. It is the service's principal.
type Principal = cases.Principal

type authenticator struct {
	tokens map[[32]byte]Principal
	cfg    config.Config
	// limit counts the public's calls (no Authorization header) per
	// client address; failures counts failed sign-ins (a token that does
	// not authenticate, a refused login) per client address. The two are
	// apart so the public's calls from an office's address never lock its
	// staff out, and failed guesses block every token from their address.
	limit, failures *httpx.Limiter

	mu       sync.Mutex
	provider *oidc.Provider
	verifier *oidc.IDTokenVerifier
	// verified caches OIDC tokens already verified, until they expire, so
	// a signed-in caseworker costs no verification per call.
	verified map[[32]byte]verifiedToken
}

type verifiedToken struct {
	principal Principal
	profile   staffProfile
	expires   time.Time
}

// maxVerified bounds the cache of verified tokens.
const maxVerified = 10000

func newAuthenticator(cfg config.Config) (*authenticator, error) {
	toks, err := config.ParseTokens(cfg.APITokens)
	if err != nil {
		return nil, err
	}
	a := &authenticator{tokens: map[[32]byte]Principal{}, cfg: cfg, limit: httpx.NewLimiter(cfg.IntakeRatePerMinute),
		failures: httpx.NewLimiter(cfg.IntakeRatePerMinute),
		verified: map[[32]byte]verifiedToken{}}
	for _, t := range toks {
		// Only the hash is kept in memory.
		a.tokens[sha256.Sum256([]byte(t.Secret))] = Principal{Actor: "token:" + t.Name, Roles: []string{t.Role}, Controllers: t.Controllers}
	}
	return a, nil
}

// oidcProvider discovers the issuer on first use, so the API starts while
// the identity provider is down; the keys are fetched and cached by go-oidc.
// The bearer tokens and the web UI's login share it.
func (a *authenticator) oidcProvider(ctx context.Context) (*oidc.Provider, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.provider != nil {
		return a.provider, nil
	}
	provider, err := oidc.NewProvider(ctx, a.cfg.OIDCIssuer)
	if err != nil {
		return nil, err
	}
	a.provider = provider
	return provider, nil
}

// oidcVerifier verifies bearer tokens: the audience is always checked
// (config refuses an issuer without one).
func (a *authenticator) oidcVerifier(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	provider, err := a.oidcProvider(ctx)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.verifier == nil {
		a.verifier = provider.Verifier(&oidc.Config{ClientID: a.cfg.OIDCAudience})
	}
	return a.verifier, nil
}

// principalOf makes a staff member of a verified token's claims: the roles
// and controllers from the configured claims. Staff see only the
// controllers they belong to: none named, none seen. An admin acting for
// every controller is a setting, not a default.
func (a *authenticator) principalOf(subject string, claims map[string]any) (Principal, bool) {
	p := Principal{Actor: "oidc:" + subject, Roles: stringsClaim(claims[a.cfg.OIDCRolesClaim]), Controllers: stringsClaim(claims[a.cfg.OIDCControllersClaim])}
	if !workflows.ValidStaffID(p.Actor) {
		return p, false
	}
	if len(p.Controllers) == 0 && !(p.Has(config.RoleAdmin) && a.cfg.OIDCAdminAllControllers) {
		p.Controllers = []string{noController}
	}
	return p, true
}

// bearerRealm is the challenge of a call that sent no token (RFC 6750 §3:
// no error code then).
const bearerRealm = `Bearer realm="rightsdesk"`

// errUnauthenticated is a call without a bearer token; errInvalidToken one
// whose token is not valid (unknown, expired, badly signed, another
// audience).
var (
	errUnauthenticated = func() *Problem {
		p := NewProblem(http.StatusUnauthorized, "unauthenticated", "a valid bearer token is required")
		p.challenge = bearerRealm
		return p
	}()
	errInvalidToken = func() *Problem {
		p := NewProblem(http.StatusUnauthorized, "unauthenticated", "the bearer token is not valid")
		p.challenge = bearerRealm + `, error="invalid_token", error_description="the token is unknown, expired or not for this API"`
		return p
	}()
)

// authenticate finds who calls from the Authorization header. A missing
// or invalid token counts against the client's address (its allowance of
// failed sign-ins); once that is used up, every token from the address is
// answered 429 without being looked at, the right one too, until the
// allowance refills: the answer never tells a right guess from a wrong one,
// and junk tokens cost nothing and cannot be tried without end.
func (a *authenticator) authenticate(ctx context.Context, header, addr string) (*Principal, staffProfile, error) {
	if a.failures.Empty(addr) {
		return nil, staffProfile{}, errRateLimited
	}
	fail := func(p *Problem) (*Principal, staffProfile, error) {
		if !a.failures.Take(addr) {
			return nil, staffProfile{}, errRateLimited
		}
		return nil, staffProfile{}, p
	}
	scheme, raw, _ := strings.Cut(header, " ")
	raw = strings.TrimSpace(raw)
	// The scheme is case-insensitive (RFC 9110 §11.1).
	if header == "" {
		return fail(errUnauthenticated)
	}
	if !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return fail(errInvalidToken)
	}
	sum := sha256.Sum256([]byte(raw))
	if p, ok := a.tokens[sum]; ok {
		return &p, staffProfile{DisplayName: strings.TrimPrefix(p.Actor, "token:"), Source: "token"}, nil
	}
	a.mu.Lock()
	v, ok := a.verified[sum]
	a.mu.Unlock()
	if ok && time.Now().Before(v.expires) {
		p := v.principal
		return &p, v.profile, nil
	}
	if a.cfg.OIDCIssuer == "" || strings.Count(raw, ".") != 2 {
		return fail(errInvalidToken)
	}
	verifier, err := a.oidcVerifier(ctx)
	if err != nil {
		return nil, staffProfile{}, Unavailable("the identity provider cannot be reached", 10)
	}
	tok, err := verifier.Verify(ctx, raw)
	if err != nil {
		return fail(errInvalidToken)
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return fail(errInvalidToken)
	}
	p, ok := a.principalOf(tok.Subject, claims)
	if !ok {
		return fail(errInvalidToken)
	}
	profile := profileOf(claims)
	a.mu.Lock()
	if len(a.verified) >= maxVerified {
		clear(a.verified)
	}
	a.verified[sum] = verifiedToken{principal: p, profile: profile, expires: tok.Expiry}
	a.mu.Unlock()
	return &p, profile, nil
}

func stringsClaim(v any) []string {
	switch v := v.(type) {
	case string:
		return strings.Fields(strings.ReplaceAll(v, ",", " "))
	case []any:
		out := make([]string, 0, len(v))
		for _, x := range v {
			out = append(out, fmt.Sprint(x))
		}
		return out
	}
	return nil
}

const principalKey = "principal"

// noController matches no controller: IDs cannot start with a dash.
const noController = "-none-"

// staff requires a bearer token of one of the roles.
func (s *Server) staff(roles ...string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p, err := s.signIn(c)
			if err != nil {
				return err
			}
			if !p.Has(roles...) {
				prob := NewProblem(http.StatusForbidden, "forbidden", "this needs the role "+strings.Join(roles, " or "))
				prob.challenge = bearerRealm + `, error="insufficient_scope", error_description="this needs the role ` + strings.Join(roles, " or ") + `"`
				return prob
			}
			c.Set(principalKey, p)
			return next(c)
		}
	}
}

// signIn authenticates the caller and keeps the staff directory current.
func (s *Server) signIn(c echo.Context) (*Principal, error) {
	p, profile, err := s.auth.authenticate(c.Request().Context(), c.Request().Header.Get(echo.HeaderAuthorization), c.RealIP())
	if err != nil {
		return nil, err
	}
	s.cases.RememberStaff(c.Request().Context(), p, profile)
	return p, nil
}

// publicOrStaff serves the public, limited per client address, and staff,
// not limited. A token that does not authenticate is refused, and counted
// against the address's failed sign-ins.
func (s *Server) publicOrStaff(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Header.Get(echo.HeaderAuthorization) == "" {
			if !s.auth.limit.Take(c.RealIP()) {
				return errRateLimited
			}
			return next(c)
		}
		p, err := s.signIn(c)
		if err != nil {
			return err
		}
		c.Set(principalKey, p)
		return next(c)
	}
}

func principal(c echo.Context) *Principal {
	p, _ := c.Get(principalKey).(*Principal)
	return p
}
