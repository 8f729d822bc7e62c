package api

import (
	"context"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/rightsdesk/rightsdesk/internal/cases"
	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/httpx"
)

// The staff pages (web/staff) sign staff in with the API's authentication:
// the same identity provider, the same claims, the same staff directory
// and the same failed-sign-in limit. These methods are all they use of
// the API; internal/app hands the server to the door as its SignIn.

// Provider is the OpenID Connect provider, discovered on first use.
func (s *Server) Provider(ctx context.Context) (*oidc.Provider, error) {
	return s.auth.oidcProvider(ctx)
}

// StaffOf is the staff member a verified ID token's claims make.
func (s *Server) StaffOf(subject string, claims map[string]any) (cases.Principal, bool) {
	return s.auth.principalOf(subject, claims)
}

// Remember records a signed-in staff member in the staff directory and
// returns the name the token gave.
func (s *Server) Remember(ctx context.Context, p cases.Principal, claims map[string]any) string {
	profile := profileOf(claims)
	s.cases.RememberStaff(ctx, &p, profile)
	return profile.DisplayName
}

// DevStaff are the configured static tokens' caseworkers and DPOs, for
// rightsdesk dev's one-click login.
func (s *Server) DevStaff() []cases.Session {
	var out []cases.Session
	tokens, _ := config.ParseTokens(s.cfg.APITokens) // parsed without error by newAuthenticator
	for _, t := range tokens {
		if t.Role == config.RoleCaseworker || t.Role == config.RoleDPO {
			out = append(out, cases.Session{Principal: cases.Principal{Actor: "token:" + t.Name, Roles: []string{t.Role}, Controllers: t.Controllers},
				DisplayName: t.Name})
		}
	}
	return out
}

// PublicLimit is the per-address limit of the public's calls.
func (s *Server) PublicLimit() *httpx.Limiter { return s.auth.limit }

// FailureLimit is the per-address limit of failed sign-ins.
func (s *Server) FailureLimit() *httpx.Limiter { return s.auth.failures }
