package api

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/labstack/echo/v4"

	"github.com/rightsdesk/rightsdesk/internal/config"
)

// Principal is who calls: a staff member (OIDC) or a machine client (static
// token). The public has none.
type Principal struct {
	// Actor is the opaque ID recorded in the audit log: the token's name or
	// the OIDC subject.
	Actor string
	Roles []string
	// Controllers the principal acts for; empty means every controller.
	Controllers []string
}

// Has reports whether the principal has one of the roles.
func (p *Principal) Has(roles ...string) bool {
	for _, r := range roles {
		if slices.Contains(p.Roles, r) {
			return true
		}
	}
	return false
}

// Can reports whether the principal may act for a controller.
func (p *Principal) Can(controllerID string) bool {
	return len(p.Controllers) == 0 || slices.Contains(p.Controllers, controllerID)
}

type authenticator struct {
	tokens map[[32]byte]Principal
	cfg    config.Config

	mu       sync.Mutex
	verifier *oidc.IDTokenVerifier
}

func newAuthenticator(cfg config.Config) (*authenticator, error) {
	toks, err := config.ParseTokens(cfg.APITokens)
	if err != nil {
		return nil, err
	}
	a := &authenticator{tokens: map[[32]byte]Principal{}, cfg: cfg}
	for _, t := range toks {
		// Only the hash is kept in memory.
		a.tokens[sha256.Sum256([]byte(t.Secret))] = Principal{Actor: "token:" + t.Name, Roles: []string{t.Role}, Controllers: t.Controllers}
	}
	return a, nil
}

// oidcVerifier discovers the issuer on first use, so the API starts while
// the identity provider is down; the keys are fetched and cached by go-oidc.
func (a *authenticator) oidcVerifier(ctx context.Context) (*oidc.IDTokenVerifier, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.verifier != nil {
		return a.verifier, nil
	}
	provider, err := oidc.NewProvider(ctx, a.cfg.OIDCIssuer)
	if err != nil {
		return nil, err
	}
	a.verifier = provider.Verifier(&oidc.Config{ClientID: a.cfg.OIDCAudience, SkipClientIDCheck: a.cfg.OIDCAudience == ""})
	return a.verifier, nil
}

var errUnauthenticated = NewProblem(http.StatusUnauthorized, "unauthenticated", "a valid bearer token is required")

func (a *authenticator) authenticate(ctx context.Context, header string) (*Principal, error) {
	raw, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || strings.TrimSpace(raw) == "" {
		return nil, errUnauthenticated
	}
	raw = strings.TrimSpace(raw)
	if p, ok := a.tokens[sha256.Sum256([]byte(raw))]; ok {
		return &p, nil
	}
	if a.cfg.OIDCIssuer == "" || strings.Count(raw, ".") != 2 {
		return nil, errUnauthenticated
	}
	v, err := a.oidcVerifier(ctx)
	if err != nil {
		return nil, Unavailable("the identity provider cannot be reached", 10)
	}
	tok, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, errUnauthenticated
	}
	var claims map[string]any
	if err := tok.Claims(&claims); err != nil {
		return nil, errUnauthenticated
	}
	p := &Principal{Actor: "oidc:" + tok.Subject, Roles: stringsClaim(claims[a.cfg.OIDCRolesClaim]), Controllers: stringsClaim(claims[a.cfg.OIDCControllersClaim])}
	if len(p.Controllers) == 0 && !p.Has(config.RoleAdmin) {
		// Staff see only the controllers they belong to: none named, none seen.
		p.Controllers = []string{noController}
	}
	return p, nil
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
			p, err := s.auth.authenticate(c.Request().Context(), c.Request().Header.Get(echo.HeaderAuthorization))
			if err != nil {
				return err
			}
			if !p.Has(roles...) {
				return NewProblem(http.StatusForbidden, "forbidden", "this needs the role "+strings.Join(roles, " or "))
			}
			c.Set(principalKey, p)
			return next(c)
		}
	}
}

// optionalStaff authenticates when a token is sent; without one the caller is the public.
func (s *Server) optionalStaff(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		if h == "" {
			return next(c)
		}
		p, err := s.auth.authenticate(c.Request().Context(), h)
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
