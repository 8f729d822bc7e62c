package config

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestLoadDefaults(t *testing.T) {
	cleanTemporalEnv(t)
	t.Setenv("DATABASE_URL", "postgres://u:hunter2@db/x")
	c, err := Load()
	require.NoError(t, err)
	require.Equal(t, ":8080", c.HTTPAddr)
	require.Equal(t, "localhost:7233", c.Temporal.Address)
	require.Equal(t, "default", c.Temporal.Namespace)
	require.Equal(t, 15*time.Second, c.ShutdownTimeout)
	require.Equal(t, 20, c.DatabaseMaxConns)
	require.Equal(t, 1000, c.WorkflowCache)
}

func TestLoadRejectsBadValues(t *testing.T) {
	for name, env := range map[string][2]string{
		"level":    {"RIGHTSDESK_LOG_LEVEL", "loud"},
		"format":   {"RIGHTSDESK_LOG_FORMAT", "xml"},
		"conns":    {"RIGHTSDESK_DB_MAX_CONNS", "0"},
		"cache":    {"RIGHTSDESK_WORKFLOW_CACHE", "0"},
		"timeout":  {"RIGHTSDESK_SHUTDOWN_TIMEOUT", "soon"},
		"tokens":   {"RIGHTSDESK_API_TOKENS", "a:caseworker:short"},
		"role":     {"RIGHTSDESK_API_TOKENS", "a:king:0123456789abcdef"},
		"temporal": {"RIGHTSDESK_TEMPORAL_TIMEOUT", "0s"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(env[0], env[1])
			_, err := Load()
			require.ErrorContains(t, err, env[0])
		})
	}
}

// TestOIDCAudienceRequired: an issuer without an audience would accept a
// token the issuer made for any other application.
func TestOIDCAudienceRequired(t *testing.T) {
	t.Setenv("OIDC_ISSUER_URL", "https://login.example")
	_, err := Load()
	require.ErrorContains(t, err, "OIDC_AUDIENCE is required")
	t.Setenv("OIDC_AUDIENCE", "rightsdesk")
	_, err = Load()
	require.NoError(t, err)
}

func TestRedactedHidesSecrets(t *testing.T) {
	c := Config{DatabaseURL: "postgres://u:hunter2@db/x", APITokens: "a:dpo:0123456789abcdef", HTTPAddr: ":9"}
	out := fmtPairs(c.Redacted())
	require.NotContains(t, out, "hunter2")
	require.NotContains(t, out, "0123456789abcdef")
	require.Contains(t, out, "DATABASE_URL=***")
	require.Contains(t, out, "RIGHTSDESK_HTTP_ADDR=:9")
}

func fmtPairs(kv []any) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		b.WriteString(kv[i].(string) + "=" + kv[i+1].(string) + " ")
	}
	return b.String()
}

func TestParseTokens(t *testing.T) {
	toks, err := ParseTokens(" a:caseworker:0123456789abcdef , b:dpo@demo+demo-se:fedcba9876543210:with:colons ")
	require.NoError(t, err)
	require.Equal(t, []Token{
		{Name: "a", Role: RoleCaseworker, Secret: "0123456789abcdef"},
		{Name: "b", Role: RoleDPO, Secret: "fedcba9876543210:with:colons", Controllers: []string{"demo", "demo-se"}},
	}, toks)
}
