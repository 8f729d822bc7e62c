// Package config holds rightsdesk's configuration: one struct, filled from
// environment variables only, with defaults for everything but secrets.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"os"
	"reflect"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"go.temporal.io/sdk/contrib/envconfig"

	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/delivery"
)

// Config is the whole configuration of every rightsdesk process.
type Config struct {
	// HTTPAddr is where `serve` listens.
	HTTPAddr string `env:"RIGHTSDESK_HTTP_ADDR" envDefault:":8080" help:"address the API listens on"`
	// PublicURL is the URL citizens and staff reach the API at (used in links).
	PublicURL string `env:"RIGHTSDESK_PUBLIC_URL" envDefault:"http://localhost:8080" help:"URL the API is reached at, for links in letters"`
	// DatabaseURL is a PostgreSQL connection string.
	DatabaseURL string `env:"DATABASE_URL" secret:"true" help:"PostgreSQL connection string (postgres://user:pass@host:5432/db)"`
	// DatabaseMaxConns caps the connection pool.
	DatabaseMaxConns int `env:"RIGHTSDESK_DB_MAX_CONNS" envDefault:"20" help:"largest number of open database connections"`
	// Temporal is the connection to Temporal: address, namespace, TLS,
	// API key, as the Temporal SDK's envconfig reads them (temporal.go);
	// Load fills it, not env.Parse.
	Temporal envconfig.ClientConfigProfile `env:"-"`
	// TemporalRenamed are the old names of Temporal variables found set,
	// for WarnDeprecated once there is a logger.
	TemporalRenamed []RenameUse `env:"-"`
	// TaskQueue is the task queue the worker polls.
	TaskQueue string `env:"RIGHTSDESK_TASK_QUEUE" envDefault:"rightsdesk" help:"Temporal task queue"`
	// APITokens are static bearer tokens for machine clients and local use:
	// comma-separated `name:role[@controller+controller]:token`.
	APITokens string `env:"RIGHTSDESK_API_TOKENS" secret:"true" help:"static API tokens, comma-separated name:role[@controllers]:token"`
	// MasterKeys wrap the per-subject data keys: `id:base64` pairs, the first current.
	MasterKeys string `env:"RIGHTSDESK_MASTER_KEYS" secret:"true" help:"master keys, comma-separated id:base64 of 32 bytes; the first encrypts"`
	// BlindIndexKey keys the identifier lookups.
	BlindIndexKey string `env:"RIGHTSDESK_BLIND_INDEX_KEY" secret:"true" help:"key of the identifier blind index, base64 of 32 bytes"`
	// OIDCIssuer is the OpenID Connect issuer of staff tokens; empty turns staff OIDC off.
	OIDCIssuer string `env:"OIDC_ISSUER_URL" help:"OpenID Connect issuer of staff bearer tokens"`
	// OIDCAudience is the audience (client ID) staff tokens must carry.
	OIDCAudience string `env:"OIDC_AUDIENCE" help:"audience (client ID) staff tokens must carry"`
	// OIDCClientID is the web UI's client at the issuer; empty means OIDCAudience.
	OIDCClientID string `env:"OIDC_CLIENT_ID" help:"client ID of the web UI's staff login at the issuer (default: OIDC_AUDIENCE)"`
	// OIDCClientSecret is the web UI client's secret; empty for a public client (PKCE alone).
	OIDCClientSecret string `env:"OIDC_CLIENT_SECRET" secret:"true" help:"client secret of the web UI's staff login, if the issuer gave one (PKCE is always used)"`
	// SessionHours bounds a staff session of the web UI.
	SessionHours int `env:"RIGHTSDESK_SESSION_HOURS" envDefault:"10" help:"longest a staff login of the web UI lasts, in hours"`
	// SessionIdleMinutes ends a session nobody used for this long.
	SessionIdleMinutes int `env:"RIGHTSDESK_SESSION_IDLE_MINUTES" envDefault:"60" help:"a staff login of the web UI ends after this many minutes unused"`
	// DevLogin offers one-click staff login on the login page, from this
	// machine only: rightsdesk dev.
	DevLogin bool
	// OIDCAdminAllControllers lets an admin whose token names no controllers
	// act for every controller. Off, such an admin acts for none.
	OIDCAdminAllControllers bool `env:"OIDC_ADMIN_ALL_CONTROLLERS" envDefault:"false" help:"an admin token without a controllers claim acts for every controller (else for none)"`
	// OIDCRolesClaim names the claim holding a staff member's roles.
	OIDCRolesClaim string `env:"OIDC_ROLES_CLAIM" envDefault:"roles" help:"claim with the roles caseworker, dpo, admin"`
	// OIDCControllersClaim names the claim listing the controllers a staff member belongs to.
	OIDCControllersClaim string `env:"OIDC_CONTROLLERS_CLAIM" envDefault:"controllers" help:"claim with the controller IDs the person belongs to"`
	// IntakeRatePerMinute limits, per client address, the public's calls
	// and, apart from them, failed sign-ins.
	IntakeRatePerMinute int `env:"RIGHTSDESK_INTAKE_RATE" envDefault:"20" help:"public calls per minute per client address, and as many failed sign-ins"`
	// TrustedProxies are the networks whose X-Forwarded-For is believed
	// when finding a client's address (for rate limits).
	TrustedProxies string `env:"RIGHTSDESK_TRUSTED_PROXIES" help:"CIDRs of reverse proxies whose X-Forwarded-For is trusted, comma-separated"`
	// CodecCORSOrigins may call the codec endpoint from a browser (the Temporal UI).
	CodecCORSOrigins string `env:"RIGHTSDESK_CODEC_CORS_ORIGINS" help:"origins (the Temporal UI) allowed to call /codec, comma-separated"`
	// TemporalTimeout bounds every call the API makes into Temporal.
	TemporalTimeout time.Duration `env:"RIGHTSDESK_TEMPORAL_TIMEOUT" envDefault:"10s" help:"longest the API waits for Temporal before answering 503"`
	// SMTPURL is the mail server letters and notices go through.
	SMTPURL string `env:"RIGHTSDESK_SMTP_URL" secret:"true" help:"SMTP server for letters and notices, smtp://user:pass@host:587 (STARTTLS), smtps://host:465, or ?tls=none for a local catcher; empty: e-mail is not sent"`
	// MailFrom is the default sender of e-mail.
	MailFrom string `env:"RIGHTSDESK_MAIL_FROM" envDefault:"rightsdesk <noreply@localhost>" help:"default sender of e-mail; a controller's delivery.email_from wins"`
	// WebhookSecret signs the calls to Digital Post and digital-mail gateways.
	WebhookSecret string `env:"RIGHTSDESK_WEBHOOK_SECRET" secret:"true" help:"Standard Webhooks secret (whsec_ and base64) that signs calls to mail gateways"`
	// WorkflowCache is how many workflows the worker keeps in memory
	// (Temporal's sticky cache, for the whole process). Each takes about
	// 100 KiB (docs/BENCHMARKS.md); one not kept is replayed from its
	// history when it next has work, so open requests waiting on their
	// timers need not be held.
	WorkflowCache int `env:"RIGHTSDESK_WORKFLOW_CACHE" envDefault:"1000" help:"workflows the worker keeps in memory (about 100 KiB each); others are replayed from their history when they next have work"`
	// The worker's pollers and slots (worker.Options): the task queue's
	// workflow tasks and activities, and the letters queue's.
	WorkflowPollers int `env:"RIGHTSDESK_WORKFLOW_POLLERS" envDefault:"2" help:"pollers of the worker for workflow tasks (at least 2)"`
	WorkflowSlots   int `env:"RIGHTSDESK_WORKFLOW_SLOTS" envDefault:"1000" help:"workflow tasks the worker runs at once"`
	ActivityPollers int `env:"RIGHTSDESK_ACTIVITY_POLLERS" envDefault:"2" help:"pollers of the worker for activities other than letters (projections, fulfilment)"`
	ActivitySlots   int `env:"RIGHTSDESK_ACTIVITY_SLOTS" envDefault:"1000" help:"activities other than letters the worker runs at once"`
	LetterPollers   int `env:"RIGHTSDESK_LETTER_POLLERS" envDefault:"2" help:"pollers of the worker for the letters task queue (<task queue>-letters)"`
	LetterSlots     int `env:"RIGHTSDESK_LETTER_SLOTS" envDefault:"8" help:"letters the worker renders and sends at once"`
	// SweepInterval is how often requests whose workflow did not start are started.
	SweepInterval time.Duration `env:"RIGHTSDESK_SWEEP_INTERVAL" envDefault:"1m" help:"how often the sweeper starts requests whose workflow start failed"`
	// CodecAnonymous lets /codec decode without a token: rightsdesk dev only,
	// whose Temporal UI on localhost sends none.
	CodecAnonymous bool
	// BodyLimit caps request bodies.
	BodyLimit string `env:"RIGHTSDESK_BODY_LIMIT" envDefault:"1M" help:"largest accepted request body"`
	// ShutdownTimeout bounds graceful shutdown.
	ShutdownTimeout time.Duration `env:"RIGHTSDESK_SHUTDOWN_TIMEOUT" envDefault:"15s" help:"time allowed for a graceful shutdown"`
	// LogLevel is debug, info, warn or error.
	LogLevel string `env:"RIGHTSDESK_LOG_LEVEL" envDefault:"info" help:"debug, info, warn or error"`
	// LogFormat is text or json.
	LogFormat string `env:"RIGHTSDESK_LOG_FORMAT" envDefault:"text" help:"text or json"`
	// ControllersFile is the YAML file describing the controllers served.
	ControllersFile string `env:"RIGHTSDESK_CONTROLLERS_FILE" help:"YAML file of controllers (see docs/CONTROLLERS.md)"`
}

// Load reads the configuration from the environment.
func Load() (Config, error) {
	var c Config
	if err := env.Parse(&c); err != nil {
		return c, explain(err)
	}
	var err error
	if c.Temporal, err = loadTemporal(); err != nil {
		return c, err
	}
	c.TemporalRenamed = temporalRenamesUsed()
	return c, c.Validate()
}

// explain names the variable behind each parse error.
func explain(err error) error {
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		return fmt.Errorf("config: %w", err)
	}
	t := reflect.TypeFor[Config]()
	errs := make([]error, 0, len(agg.Errors))
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) {
			if f, ok := t.FieldByName(pe.Name); ok {
				errs = append(errs, fmt.Errorf("config: %s: %w", f.Tag.Get("env"), pe.Err))
				continue
			}
		}
		errs = append(errs, fmt.Errorf("config: %w", e))
	}
	return errors.Join(errs...)
}

// Validate checks values that parse but make no sense.
func (c Config) Validate() error {
	var errs []error
	if _, err := ParseLevel(c.LogLevel); err != nil {
		errs = append(errs, err)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		errs = append(errs, fmt.Errorf("config: RIGHTSDESK_LOG_FORMAT must be text or json, not %q", c.LogFormat))
	}
	if c.DatabaseMaxConns < 1 {
		errs = append(errs, errors.New("config: RIGHTSDESK_DB_MAX_CONNS must be at least 1"))
	}
	if c.WorkflowCache < 1 {
		errs = append(errs, errors.New("config: RIGHTSDESK_WORKFLOW_CACHE must be at least 1"))
	}
	for _, v := range []struct {
		name     string
		val, min int
	}{
		{"RIGHTSDESK_WORKFLOW_POLLERS", c.WorkflowPollers, 2}, {"RIGHTSDESK_WORKFLOW_SLOTS", c.WorkflowSlots, 2},
		{"RIGHTSDESK_ACTIVITY_POLLERS", c.ActivityPollers, 1}, {"RIGHTSDESK_ACTIVITY_SLOTS", c.ActivitySlots, 1},
		{"RIGHTSDESK_LETTER_POLLERS", c.LetterPollers, 1}, {"RIGHTSDESK_LETTER_SLOTS", c.LetterSlots, 1},
	} {
		if v.val < v.min {
			errs = append(errs, fmt.Errorf("config: %s must be at least %d", v.name, v.min))
		}
	}
	if c.IntakeRatePerMinute < 1 {
		errs = append(errs, errors.New("config: RIGHTSDESK_INTAKE_RATE must be at least 1"))
	}
	if _, err := c.ProxyRanges(); err != nil {
		errs = append(errs, err)
	}
	if _, err := ParseTokens(c.APITokens); err != nil {
		errs = append(errs, err)
	}
	if err := c.validateTemporal(); err != nil {
		errs = append(errs, err)
	}
	if c.OIDCIssuer != "" && strings.TrimSpace(c.OIDCAudience) == "" {
		errs = append(errs, errors.New("config: OIDC_AUDIENCE is required with OIDC_ISSUER_URL: without it a token the issuer made for any other application would be accepted"))
	}
	if c.SMTPURL != "" {
		if _, err := delivery.ParseSMTPURL(c.SMTPURL); err != nil {
			errs = append(errs, fmt.Errorf("config: RIGHTSDESK_SMTP_URL: %w", err))
		}
	}
	if c.WebhookSecret != "" {
		if _, err := delivery.NewWebhook(c.WebhookSecret); err != nil {
			errs = append(errs, fmt.Errorf("config: RIGHTSDESK_WEBHOOK_SECRET: %w", err))
		}
	}
	if _, err := mail.ParseAddress(c.MailFrom); err != nil {
		errs = append(errs, fmt.Errorf("config: RIGHTSDESK_MAIL_FROM must be an address, e.g. Kommune <noreply@kommune.example>"))
	}
	if c.TemporalTimeout <= 0 {
		errs = append(errs, errors.New("config: RIGHTSDESK_TEMPORAL_TIMEOUT must be positive"))
	}
	return errors.Join(errs...)
}

// SystemDSNs reads the connection strings of the data maps' postgres
// systems: RIGHTSDESK_SYSTEM_<ID>_DSN, the ID upper-cased. They are secrets
// and never part of the map.
func SystemDSNs() map[string]string { return systemEnv("_DSN") }

// SystemSecrets reads the signing secrets of the data maps' http systems:
// RIGHTSDESK_SYSTEM_<ID>_SECRET (whsec_ and base64).
func SystemSecrets() map[string]string { return systemEnv("_SECRET") }

// systemEnv reads RIGHTSDESK_SYSTEM_<ID><suffix> by system ID (lower case).
func systemEnv(suffix string) map[string]string {
	out := map[string]string{}
	for _, kv := range os.Environ() {
		k, v, _ := strings.Cut(kv, "=")
		if id, ok := strings.CutPrefix(k, "RIGHTSDESK_SYSTEM_"); ok {
			if id, ok = strings.CutSuffix(id, suffix); ok && id != "" && v != "" {
				out[strings.ToLower(id)] = v
			}
		}
	}
	return out
}

// RequireDatabase reports a clear error when no database is configured.
func (c Config) RequireDatabase() error {
	if c.DatabaseURL == "" {
		return errors.New("config: DATABASE_URL is not set (for a local system with everything embedded, run `rightsdesk dev`)")
	}
	return nil
}

// ParseLevel turns a level name into a slog level.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("config: RIGHTSDESK_LOG_LEVEL must be debug, info, warn or error, not %q", s)
	}
	return l, nil
}

// Logger builds the process logger the configuration asks for.
func (c Config) Logger() *slog.Logger {
	level, _ := ParseLevel(c.LogLevel)
	opts := &slog.HandlerOptions{Level: level}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// ProxyRanges parses RIGHTSDESK_TRUSTED_PROXIES.
func (c Config) ProxyRanges() ([]*net.IPNet, error) {
	var out []*net.IPNet
	for _, item := range strings.Split(c.TrustedProxies, ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		_, n, err := net.ParseCIDR(item)
		if err != nil {
			return nil, fmt.Errorf("config: RIGHTSDESK_TRUSTED_PROXIES: %q is not a CIDR", item)
		}
		out = append(out, n)
	}
	return out, nil
}

// Token is a static API token.
type Token struct {
	Name, Role, Secret string
	// Controllers the token may act for; empty means all.
	Controllers []string
}

// Roles a token or a staff member can have.
const (
	RoleCaseworker = "caseworker"
	RoleDPO        = "dpo"
	RoleAdmin      = "admin"
)

// ParseTokens parses RIGHTSDESK_API_TOKENS.
func ParseTokens(s string) ([]Token, error) {
	var out []Token
	for i, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		parts := strings.SplitN(item, ":", 3)
		if len(parts) != 3 || parts[0] == "" || len(parts[2]) < 16 {
			return nil, fmt.Errorf("config: RIGHTSDESK_API_TOKENS entry %d must be name:role[@controllers]:token with a token of at least 16 characters", i+1)
		}
		role, ctrls, scoped := strings.Cut(parts[1], "@")
		switch role {
		case RoleCaseworker, RoleDPO, RoleAdmin:
		default:
			return nil, fmt.Errorf("config: RIGHTSDESK_API_TOKENS entry %d has unknown role %q (caseworker, dpo or admin)", i+1, role)
		}
		tok := Token{Name: parts[0], Role: role, Secret: parts[2]}
		if scoped {
			tok.Controllers = strings.Split(ctrls, "+")
		}
		out = append(out, tok)
	}
	return out, nil
}

// Field describes one setting, for --help and the README.
type Field struct {
	Env, Default, Help string
	Secret             bool
}

// Fields lists every setting with its variable, default and meaning; the
// Temporal connection's variables where Config holds the connection.
func Fields() []Field {
	t := reflect.TypeFor[Config]()
	out := make([]Field, 0, t.NumField()+len(temporalFields))
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Name == "Temporal" {
			out = append(out, temporalFields...)
		}
		if e := f.Tag.Get("env"); e == "" || e == "-" {
			continue
		}
		out = append(out, Field{
			Env: f.Tag.Get("env"), Default: f.Tag.Get("envDefault"), Help: f.Tag.Get("help"),
			Secret: f.Tag.Get("secret") == "true",
		})
	}
	return out
}

// Usage is the environment section of every subcommand's --help.
func Usage() string {
	var b strings.Builder
	b.WriteString("Environment:\n")
	for _, f := range Fields() {
		def := f.Default
		if def == "" {
			def = "(none)"
		}
		fmt.Fprintf(&b, "  %-28s %s [default %s]\n", f.Env, f.Help, def)
	}
	return b.String()
}

// Keyring builds the encryption keyring from the configured keys.
func (c Config) Keyring() (*crypto.Keyring, error) {
	return crypto.ParseKeyring(c.MasterKeys, c.BlindIndexKey)
}

// Redacted returns the configuration as printable pairs, secrets masked.
func (c Config) Redacted() []any {
	v, t := reflect.ValueOf(c), reflect.TypeFor[Config]()
	var out []any
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Name == "Temporal" {
			out = append(out, c.temporalRedacted()...)
		}
		name := f.Tag.Get("env")
		if name == "" || name == "-" {
			continue
		}
		val := fmt.Sprint(v.Field(i).Interface())
		if f.Tag.Get("secret") == "true" && val != "" {
			val = "***"
		}
		out = append(out, name, val)
	}
	return out
}
