package api_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/store"
)

// testIssuer is a real OpenID Connect issuer on loopback: discovery, keys,
// and tokens signed with them.
type testIssuer struct {
	url    string
	key    *rsa.PrivateKey
	signer jose.Signer
}

func newTestIssuer(t *testing.T) *testIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	iss := &testIssuer{key: key}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	iss.url = srv.URL
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": iss.url, "jwks_uri": iss.url + "/keys", "authorization_endpoint": iss.url + "/auth",
			"token_endpoint": iss.url + "/token", "id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	iss.signer, err = jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", "k1").WithType("JWT"))
	require.NoError(t, err)
	return iss
}

func (i *testIssuer) token(t *testing.T, audience string, expiry time.Time, roles, controllers []string) string {
	t.Helper()
	claims := map[string]any{
		"iss": i.url, "sub": "person-42", "aud": audience, "exp": expiry.Unix(), "iat": time.Now().Unix(),
		"roles": roles, "controllers": controllers, "name": "Person Forty-Two", "locale": "da-DK",
	}
	raw, err := jwt.Signed(i.signer).Claims(claims).Serialize()
	require.NoError(t, err)
	return raw
}

// TestOIDCStaffTokens: staff tokens are checked against the issuer's keys;
// roles and controllers come from the configured claims.
func TestOIDCStaffTokens(t *testing.T) {
	iss := newTestIssuer(t)
	s := newStack(t, stackOptions{oidc: iss})
	require.Equal(t, 201, s.intake(letter("access", "2026-01-31"), tokCaseworker).status)
	other := letter("access", "2026-01-31")
	other["controller"] = "demo-se"
	require.Equal(t, 201, s.intake(other, tokCaseworker).status)

	good := iss.token(t, "rightsdesk", time.Now().Add(time.Hour), []string{"caseworker"}, []string{"demo"})
	r := s.call(http.MethodGet, "/v1/requests", nil, nil, good)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	items := r.body["items"].([]any)
	require.Len(t, items, 1, "only the controllers the person belongs to")
	require.Equal(t, "demo", items[0].(map[string]any)["controller"])

	n := s.call(http.MethodPost, "/v1/requests/{id}/notes", map[string]string{"id": items[0].(map[string]any)["id"].(string)}, map[string]any{"text": "x"}, good)
	require.Equal(t, http.StatusOK, n.status, "%s", n.raw)
	require.Eventually(t, func() bool {
		var actor string
		s.store.DB.Raw("SELECT actor FROM events WHERE action = 'note.added'").Scan(&actor)
		return actor == "oidc:person-42"
	}, 10*time.Second, 20*time.Millisecond, "the audit log names the person")
	// The sign-in fills the staff directory from the token's claims.
	var staff store.Staff
	require.NoError(t, s.store.DB.First(&staff, "id = ?", "oidc:person-42").Error)
	require.Equal(t, "Person Forty-Two", staff.DisplayName)
	require.Equal(t, "da", staff.Language)
	require.Equal(t, "demo", staff.Controllers)

	for name, tok := range map[string]string{
		"wrong audience": iss.token(t, "someone-else", time.Now().Add(time.Hour), []string{"caseworker"}, []string{"demo"}),
		"expired":        iss.token(t, "rightsdesk", time.Now().Add(-time.Hour), []string{"caseworker"}, []string{"demo"}),
		"forged":         forged(t, iss),
	} {
		require.Equal(t, http.StatusUnauthorized, s.call(http.MethodGet, "/v1/requests", nil, nil, tok).status, name)
	}
	noRole := iss.token(t, "rightsdesk", time.Now().Add(time.Hour), nil, []string{"demo"})
	require.Equal(t, http.StatusForbidden, s.call(http.MethodGet, "/v1/requests", nil, nil, noRole).status)
	noControllers := iss.token(t, "rightsdesk", time.Now().Add(time.Hour), []string{"caseworker"}, nil)
	r = s.call(http.MethodGet, "/v1/requests", nil, nil, noControllers)
	require.Equal(t, http.StatusOK, r.status)
	require.Empty(t, r.body["items"], "staff who belong to no controller see nothing")

	// An admin without a controllers claim acts for none, unless that is
	// configured: a deliberate setting, not a default.
	admin := iss.token(t, "rightsdesk", time.Now().Add(time.Hour), []string{"admin"}, nil)
	r = s.call(http.MethodGet, "/v1/requests", nil, nil, admin)
	require.Equal(t, http.StatusOK, r.status)
	require.Empty(t, r.body["items"])
	all := newStack(t, stackOptions{oidc: iss, adminAll: true})
	require.Equal(t, 201, all.intake(letter("access", "2026-01-31"), tokCaseworker).status)
	r = all.call(http.MethodGet, "/v1/requests", nil, nil, admin)
	require.Len(t, r.body["items"], 1)

}

// forged is a token signed with another key under the issuer's name.
func forged(t *testing.T, iss *testIssuer) string {
	other := newTestIssuer(t)
	other.url = iss.url
	return other.token(t, "rightsdesk", time.Now().Add(time.Hour), []string{"admin"}, nil)
}
