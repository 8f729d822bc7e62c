package config

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// cleanTemporalEnv empties every Temporal variable (empty counts as unset)
// and points the user's config directory, where envconfig looks for a
// profile file by default, at an empty one.
func cleanTemporalEnv(t *testing.T) {
	t.Helper()
	for _, f := range temporalFields {
		t.Setenv(f.Env, "")
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, ".config"))
}

// warnings runs WarnDeprecated into a buffer.
func warnings(c Config) string {
	var b bytes.Buffer
	c.WarnDeprecated(slog.New(slog.NewTextHandler(&b, nil)))
	return b.String()
}

// TestTemporalNamesOfTheCLI: the variables the Temporal CLI and Cloud
// documentation name reach the client: address, namespace, an API key
// with TLS on, and no warning.
func TestTemporalNamesOfTheCLI(t *testing.T) {
	cleanTemporalEnv(t)
	t.Setenv("TEMPORAL_ADDRESS", "ns.acct.tmprl.cloud:7233")
	t.Setenv("TEMPORAL_NAMESPACE", "ns.acct")
	t.Setenv("TEMPORAL_API_KEY", "secret-api-key")
	c, err := Load()
	require.NoError(t, err)
	o, err := c.TemporalClientOptions()
	require.NoError(t, err)
	require.Equal(t, "ns.acct.tmprl.cloud:7233", o.HostPort)
	require.Equal(t, "ns.acct", o.Namespace)
	require.NotNil(t, o.Credentials, "the API key authenticates")
	require.NotNil(t, o.ConnectionOptions.TLS, "an API key turns TLS on")
	require.Empty(t, c.TemporalRenamed)
	require.Empty(t, warnings(c))
	pairs := fmtPairs(c.Redacted())
	require.NotContains(t, pairs, "secret-api-key")
	require.Contains(t, pairs, "TEMPORAL_API_KEY=***")
	require.Contains(t, pairs, "TEMPORAL_TLS=true")

	t.Setenv("TEMPORAL_TLS", "false")
	c, err = Load()
	require.NoError(t, err)
	o, err = c.TemporalClientOptions()
	require.NoError(t, err)
	require.True(t, o.ConnectionOptions.TLSDisabled, "TEMPORAL_TLS=false wins over the API key's default")
}

// TestTemporalDefaultsAndEmptyValues: nothing set means the local dev
// server in plain text; variables set but empty (a compose file's ${X:-})
// count as unset and do not turn TLS on.
func TestTemporalDefaultsAndEmptyValues(t *testing.T) {
	cleanTemporalEnv(t)
	c, err := Load()
	require.NoError(t, err)
	o, err := c.TemporalClientOptions()
	require.NoError(t, err)
	require.Equal(t, "localhost:7233", o.HostPort)
	require.Equal(t, "default", o.Namespace)
	require.Nil(t, o.ConnectionOptions.TLS)
	require.Nil(t, o.Credentials)
}

// TestTemporalOldNamesStillWork: rightsdesk's old TLS variables are read
// for one release under their new names, each with a warning that names
// the new variable and never the value.
func TestTemporalOldNamesStillWork(t *testing.T) {
	cleanTemporalEnv(t)
	dir := t.TempDir()
	t.Setenv("TEMPORAL_TLS_CERT", filepath.Join(dir, "old-client.pem"))
	t.Setenv("TEMPORAL_TLS_KEY", filepath.Join(dir, "old-client.key"))
	t.Setenv("TEMPORAL_TLS_CA", filepath.Join(dir, "old-ca.pem"))
	c, err := Load()
	require.NoError(t, err)
	require.NotNil(t, c.Temporal.TLS)
	require.Equal(t, filepath.Join(dir, "old-client.pem"), c.Temporal.TLS.ClientCertPath)
	require.Equal(t, filepath.Join(dir, "old-client.key"), c.Temporal.TLS.ClientKeyPath)
	require.Equal(t, filepath.Join(dir, "old-ca.pem"), c.Temporal.TLS.ServerCACertPath)

	w := warnings(c)
	for _, r := range TemporalRenames {
		require.Contains(t, w, "variable="+r.Old+" use="+r.New)
	}
	require.Equal(t, len(TemporalRenames), strings.Count(w, "level=WARN"))
	require.NotContains(t, w, dir, "a warning names variables, never their values")

	// The old names still go together as pairs.
	t.Setenv("TEMPORAL_TLS_KEY", "")
	_, err = Load()
	require.ErrorContains(t, err, "TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together")
}

// TestTemporalNewNamesWin: with both names set the new one is used and
// the warning says the old one is ignored.
func TestTemporalNewNamesWin(t *testing.T) {
	cleanTemporalEnv(t)
	t.Setenv("TEMPORAL_TLS_CA", "/old/ca.pem")
	t.Setenv("TEMPORAL_TLS_SERVER_CA_CERT_PATH", "/new/ca.pem")
	c, err := Load()
	require.NoError(t, err)
	require.Equal(t, "/new/ca.pem", c.Temporal.TLS.ServerCACertPath)
	w := warnings(c)
	require.Contains(t, w, "ignored")
	require.Contains(t, w, "variable=TEMPORAL_TLS_CA use=TEMPORAL_TLS_SERVER_CA_CERT_PATH")
	require.Equal(t, 1, strings.Count(w, "level=WARN"))
}

// TestTemporalProfileFile: a profile of the Temporal CLI's TOML file is
// the connection, the variables win over it, and a named profile that is
// not there stops start-up.
func TestTemporalProfileFile(t *testing.T) {
	cleanTemporalEnv(t)
	file := filepath.Join(t.TempDir(), "temporal.toml")
	require.NoError(t, os.WriteFile(file, []byte(`
[profile.default]
address = "localhost:7233"

[profile.prod]
address = "temporal.prod.internal:7233"
namespace = "rights"
[profile.prod.tls]
server_name = "temporal.prod.internal"
`), 0o600))
	t.Setenv("TEMPORAL_CONFIG_FILE", file)
	t.Setenv("TEMPORAL_PROFILE", "prod")
	c, err := Load()
	require.NoError(t, err)
	require.Equal(t, "temporal.prod.internal:7233", c.Temporal.Address)
	require.Equal(t, "rights", c.Temporal.Namespace)
	o, err := c.TemporalClientOptions()
	require.NoError(t, err)
	require.Equal(t, "temporal.prod.internal", o.ConnectionOptions.TLS.ServerName)

	t.Setenv("TEMPORAL_NAMESPACE", "rights-staging")
	c, err = Load()
	require.NoError(t, err)
	require.Equal(t, "rights-staging", c.Temporal.Namespace, "a variable wins over the profile")

	t.Setenv("TEMPORAL_PROFILE", "nowhere")
	_, err = Load()
	require.ErrorContains(t, err, "nowhere")
}

// TestTemporalCertificateRules: a certificate needs its key, and an API
// key and a client certificate are not given together.
func TestTemporalCertificateRules(t *testing.T) {
	cleanTemporalEnv(t)
	t.Setenv("TEMPORAL_TLS_CLIENT_CERT_PATH", "/c.pem")
	_, err := Load()
	require.ErrorContains(t, err, "TEMPORAL_TLS_CLIENT_KEY_PATH go together")
	t.Setenv("TEMPORAL_TLS_CLIENT_KEY_PATH", "/c.key")
	_, err = Load()
	require.NoError(t, err)
	t.Setenv("TEMPORAL_API_KEY", "k")
	_, err = Load()
	require.ErrorContains(t, err, "not both")
}

// TestTemporalVariablesListed: --help and the README list every variable
// of the connection, the old names among them.
func TestTemporalVariablesListed(t *testing.T) {
	usage := Usage()
	for _, name := range []string{"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_API_KEY", "TEMPORAL_TLS_CLIENT_CERT_PATH",
		"TEMPORAL_TLS_SERVER_CA_CERT_PATH", "TEMPORAL_TLS_SERVER_NAME", "TEMPORAL_CONFIG_FILE", "TEMPORAL_PROFILE", "TEMPORAL_TLS_CERT"} {
		require.Contains(t, usage, "  "+name+" ")
	}
}
