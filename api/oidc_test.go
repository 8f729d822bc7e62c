package api_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
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

	mu sync.Mutex
	// user is who logs in at the authorisation endpoint: the claims of
	// the ID token it gives (sub, name, roles, controllers).
	user map[string]any
	// codes are the authorisation codes given and not yet used.
	codes map[string]pendingCode
	// exchanges counts the codes exchanged, verifier and all.
	exchanges int
}

// pendingCode is an authorisation code waiting for its exchange.
type pendingCode struct {
	challenge, nonce, redirect, client string
	user                               map[string]any
}

func newTestIssuer(t *testing.T) *testIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	iss := &testIssuer{key: key, codes: map[string]pendingCode{},
		user: map[string]any{"sub": "person-7", "name": "Karen Sagsbehandler", "roles": []string{"caseworker"}, "controllers": []string{"demo"}}}
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
	// The authorisation endpoint logs the configured user in at once (a
	// provider with a session already) and sends the browser back with a
	// code bound to the PKCE challenge.
	mux.HandleFunc("/auth", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("response_type") != "code" || q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("state") == "" {
			http.Error(w, "PKCE S256 and state are required", http.StatusBadRequest)
			return
		}
		code := fmt.Sprintf("code-%d", time.Now().UnixNano())
		iss.mu.Lock()
		iss.codes[code] = pendingCode{challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), redirect: q.Get("redirect_uri"), client: q.Get("client_id"), user: iss.user}
		iss.mu.Unlock()
		back, _ := url.Parse(q.Get("redirect_uri"))
		bq := back.Query()
		bq.Set("code", code)
		bq.Set("state", q.Get("state"))
		back.RawQuery = bq.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	// The token endpoint takes each code once, and only with the verifier
	// of its challenge.
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		iss.mu.Lock()
		pc, ok := iss.codes[r.PostForm.Get("code")]
		delete(iss.codes, r.PostForm.Get("code"))
		iss.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != pc.challenge || r.PostForm.Get("redirect_uri") != pc.redirect {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		claims := map[string]any{"iss": iss.url, "aud": pc.client, "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(), "nonce": pc.nonce}
		for k, v := range pc.user {
			claims[k] = v
		}
		raw, err := jwt.Signed(iss.signer).Claims(claims).Serialize()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		iss.mu.Lock()
		iss.exchanges++
		iss.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at-" + pc.nonce, "token_type": "Bearer", "expires_in": 3600, "id_token": raw})
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
