package config

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
)

// The connection to Temporal is read by the Temporal SDK's envconfig
// (go.temporal.io/sdk/contrib/envconfig), so it takes the variables and
// the TOML profile file the Temporal CLI and Temporal Cloud documentation
// describe, and an operator who has a working `temporal` CLI profile can
// point rightsdesk at it with TEMPORAL_CONFIG_FILE and TEMPORAL_PROFILE.

// What a profile and the environment leave empty.
const (
	DefaultTemporalAddress   = "localhost:7233"
	DefaultTemporalNamespace = "default"
)

// Rename is a Temporal variable rightsdesk read under its own name before
// it used envconfig's; the old name is still read, with a warning, for
// one release (0.1.x) and then dropped.
type Rename struct{ Old, New string }

// TemporalRenames are the old variable names still read.
var TemporalRenames = []Rename{
	{Old: "TEMPORAL_TLS_CERT", New: "TEMPORAL_TLS_CLIENT_CERT_PATH"},
	{Old: "TEMPORAL_TLS_KEY", New: "TEMPORAL_TLS_CLIENT_KEY_PATH"},
	{Old: "TEMPORAL_TLS_CA", New: "TEMPORAL_TLS_SERVER_CA_CERT_PATH"},
}

// temporalFields are the variables of the connection, for --help and the
// README (envconfig reads them; they are not fields of Config).
var temporalFields = []Field{
	{Env: "TEMPORAL_ADDRESS", Default: DefaultTemporalAddress, Help: "Temporal frontend host:port"},
	{Env: "TEMPORAL_NAMESPACE", Default: DefaultTemporalNamespace, Help: "Temporal namespace"},
	{Env: "TEMPORAL_API_KEY", Help: "Temporal Cloud API key (turns TLS on)", Secret: true},
	{Env: "TEMPORAL_TLS", Help: "true or false: TLS to Temporal on or off (default: on when an API key or any TEMPORAL_TLS_* is set)"},
	{Env: "TEMPORAL_TLS_CLIENT_CERT_PATH", Help: "file of the client certificate (PEM) for mTLS to Temporal; with TEMPORAL_TLS_CLIENT_KEY_PATH"},
	{Env: "TEMPORAL_TLS_CLIENT_KEY_PATH", Help: "file of the client certificate's private key (PEM)", Secret: true},
	{Env: "TEMPORAL_TLS_CLIENT_CERT_DATA", Help: "the client certificate itself (PEM), instead of a file"},
	{Env: "TEMPORAL_TLS_CLIENT_KEY_DATA", Help: "the client certificate's private key itself (PEM), instead of a file", Secret: true},
	{Env: "TEMPORAL_TLS_SERVER_CA_CERT_PATH", Help: "file of the CA certificate (PEM) that signs the Temporal server's certificate, if not a public CA"},
	{Env: "TEMPORAL_TLS_SERVER_CA_CERT_DATA", Help: "that CA certificate itself (PEM), instead of a file"},
	{Env: "TEMPORAL_TLS_SERVER_NAME", Help: "server name to verify in the Temporal server's certificate (default: the host of TEMPORAL_ADDRESS)"},
	{Env: "TEMPORAL_TLS_DISABLE_HOST_VERIFICATION", Help: "true: do not verify the Temporal server's certificate (tests only)"},
	{Env: "TEMPORAL_CONFIG_FILE", Help: "TOML file of Temporal client profiles (default: <user config dir>/temporalio/temporal.toml, if it exists)"},
	{Env: "TEMPORAL_PROFILE", Help: "profile of that file to use (default: default); the variables above win over it"},
	{Env: "TEMPORAL_TLS_CERT", Help: "deprecated, read until the next release: use TEMPORAL_TLS_CLIENT_CERT_PATH"},
	{Env: "TEMPORAL_TLS_KEY", Help: "deprecated, read until the next release: use TEMPORAL_TLS_CLIENT_KEY_PATH", Secret: true},
	{Env: "TEMPORAL_TLS_CA", Help: "deprecated, read until the next release: use TEMPORAL_TLS_SERVER_CA_CERT_PATH"},
}

// temporalEnv is the environment envconfig reads. An empty variable counts
// as unset, as for every other rightsdesk variable: envconfig would take
// `TEMPORAL_TLS_CLIENT_CERT_PATH=` (a compose file's `${X:-}`) as a TLS
// setting and turn TLS on against a plain server. An old name answers for
// its new one when the new one is not set.
type temporalEnv struct{}

func (temporalEnv) LookupEnv(key string) (string, bool) {
	if v := os.Getenv(key); v != "" {
		return v, true
	}
	for _, r := range TemporalRenames {
		if r.New == key {
			if v := os.Getenv(r.Old); v != "" {
				return v, true
			}
		}
	}
	return "", false
}

func (temporalEnv) Environ() []string {
	var out []string
	for _, kv := range os.Environ() {
		if k, v, _ := strings.Cut(kv, "="); strings.HasPrefix(k, "TEMPORAL_") && v != "" {
			out = append(out, kv)
		}
	}
	return out
}

// loadTemporal reads the connection: the profile of the config file (if
// there is one), the variables over it, then the defaults.
func loadTemporal() (envconfig.ClientConfigProfile, error) {
	p, err := envconfig.LoadClientConfigProfile(envconfig.LoadClientConfigProfileOptions{EnvLookup: temporalEnv{}})
	if err != nil {
		return p, fmt.Errorf("config: Temporal (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE, TEMPORAL_*): %w", err)
	}
	if p.Address == "" {
		p.Address = DefaultTemporalAddress
	}
	if p.Namespace == "" {
		p.Namespace = DefaultTemporalNamespace
	}
	return p, nil
}

// temporalRenamesUsed lists the old names set in the environment, and
// whether the new name is set too (then the old one is ignored).
func temporalRenamesUsed() []RenameUse {
	var out []RenameUse
	for _, r := range TemporalRenames {
		if os.Getenv(r.Old) != "" {
			out = append(out, RenameUse{Rename: r, Ignored: os.Getenv(r.New) != ""})
		}
	}
	return out
}

// RenameUse is an old variable name found set.
type RenameUse struct {
	Rename
	// Ignored: the new name is set too, and wins.
	Ignored bool
}

// WarnDeprecated logs one warning per old variable name set, naming the
// new one; never the value (a key file's path or a secret's neighbour).
func (c Config) WarnDeprecated(logger *slog.Logger) {
	for _, u := range c.TemporalRenamed {
		if u.Ignored {
			logger.Warn("deprecated variable ignored: the new one is set", "variable", u.Old, "use", u.New)
			continue
		}
		logger.Warn("deprecated variable: it is read until the next release, then dropped", "variable", u.Old, "use", u.New)
	}
}

// validateTemporal checks what can be checked without reading the
// certificate files (so that `migrate`, which does not connect to
// Temporal, does not need them).
func (c Config) validateTemporal() error {
	var errs []error
	tl := c.Temporal.TLS
	if tl == nil {
		return nil
	}
	if (tl.ClientCertPath == "") != (tl.ClientKeyPath == "") {
		errs = append(errs, errors.New("config: TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH go together"))
	}
	if (len(tl.ClientCertData) == 0) != (len(tl.ClientKeyData) == 0) {
		errs = append(errs, errors.New("config: TEMPORAL_TLS_CLIENT_CERT_DATA and TEMPORAL_TLS_CLIENT_KEY_DATA go together"))
	}
	hasCert := tl.ClientCertPath != "" || len(tl.ClientCertData) > 0
	if c.Temporal.APIKey != "" && hasCert && !tl.Disabled {
		errs = append(errs, errors.New("config: give TEMPORAL_API_KEY or a client certificate for Temporal, not both"))
	}
	return errors.Join(errs...)
}

// TemporalClientOptions are the client options of the connection: address,
// namespace, TLS (certificate and CA files read now), API key, gRPC
// headers. The caller adds rightsdesk's own (logger, data converter).
func (c Config) TemporalClientOptions() (client.Options, error) {
	o, err := c.Temporal.ToClientOptions(envconfig.ToClientOptionsRequest{})
	if err != nil {
		return o, fmt.Errorf("config: Temporal: %w", err)
	}
	if t := o.ConnectionOptions.TLS; t != nil && t.MinVersion < tls.VersionTLS12 {
		t.MinVersion = tls.VersionTLS12
	}
	return o, nil
}

// temporalRedacted are the connection's printable pairs: where, and how it
// authenticates, never a key.
func (c Config) temporalRedacted() []any {
	tlsOn := c.Temporal.TLS != nil && !c.Temporal.TLS.Disabled || c.Temporal.TLS == nil && c.Temporal.APIKey != ""
	apiKey := ""
	if c.Temporal.APIKey != "" {
		apiKey = "***"
	}
	return []any{"TEMPORAL_ADDRESS", c.Temporal.Address, "TEMPORAL_NAMESPACE", c.Temporal.Namespace,
		"TEMPORAL_TLS", fmt.Sprint(tlsOn), "TEMPORAL_API_KEY", apiKey}
}
