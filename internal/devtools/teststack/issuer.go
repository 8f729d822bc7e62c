package teststack

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
)

// Issuer is a real OpenID Connect issuer on loopback: discovery, keys,
// and tokens signed with them.
type Issuer struct {
	URL    string
	key    *rsa.PrivateKey
	signer jose.Signer

	Mu sync.Mutex
	// user is who logs in at the authorisation endpoint: the claims of
	// the ID token it gives (sub, name, roles, controllers).
	User map[string]any
	// codes are the authorisation codes given and not yet used.
	codes map[string]pendingCode
	// exchanges counts the codes exchanged, verifier and all.
	Exchanges int
}

// pendingCode is an authorisation code waiting for its exchange.
type pendingCode struct {
	challenge, nonce, redirect, client string
	user                               map[string]any
}

// NewIssuer starts an issuer on loopback for the test.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	iss := &Issuer{key: key, codes: map[string]pendingCode{},
		User: map[string]any{"sub": "person-7", "name": "Karen Sagsbehandler", "roles": []string{"caseworker"}, "controllers": []string{"demo"}}}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	iss.URL = srv.URL
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{
			"issuer": iss.URL, "jwks_uri": iss.URL + "/keys", "authorization_endpoint": iss.URL + "/auth",
			"token_endpoint": iss.URL + "/token", "id_token_signing_alg_values_supported": []string{"RS256"},
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
		iss.Mu.Lock()
		iss.codes[code] = pendingCode{challenge: q.Get("code_challenge"), nonce: q.Get("nonce"), redirect: q.Get("redirect_uri"), client: q.Get("client_id"), user: iss.User}
		iss.Mu.Unlock()
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
		iss.Mu.Lock()
		pc, ok := iss.codes[r.PostForm.Get("code")]
		delete(iss.codes, r.PostForm.Get("code"))
		iss.Mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != pc.challenge || r.PostForm.Get("redirect_uri") != pc.redirect {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		claims := map[string]any{"iss": iss.URL, "aud": pc.client, "exp": time.Now().Add(time.Hour).Unix(), "iat": time.Now().Unix(), "nonce": pc.nonce}
		for k, v := range pc.user {
			claims[k] = v
		}
		raw, err := jwt.Signed(iss.signer).Claims(claims).Serialize()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		iss.Mu.Lock()
		iss.Exchanges++
		iss.Mu.Unlock()
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

// Token is an ID token of the issuer for a staff member.
func (i *Issuer) Token(t testing.TB, audience string, expiry time.Time, roles, controllers []string) string {
	t.Helper()
	claims := map[string]any{
		"iss": i.URL, "sub": "person-42", "aud": audience, "exp": expiry.Unix(), "iat": time.Now().Unix(),
		"roles": roles, "controllers": controllers, "name": "Person Forty-Two", "locale": "da-DK",
	}
	raw, err := jwt.Signed(i.signer).Claims(claims).Serialize()
	require.NoError(t, err)
	return raw
}
