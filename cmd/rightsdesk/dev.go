//go:build !production

package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/contrib/envconfig"

	"github.com/rightsdesk/rightsdesk/examples"
	"github.com/rightsdesk/rightsdesk/internal/app"
	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/devtools/demosystem"
	"github.com/rightsdesk/rightsdesk/internal/devtools/devstack"
	"github.com/rightsdesk/rightsdesk/internal/devtools/mailcatch"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgcluster"
	"github.com/rightsdesk/rightsdesk/workflows"
)

const devSummary = `Run the whole system in one process with embedded defaults: a Temporal
server with its Web UI (SQLite in <data-dir>/temporal.db) unless TEMPORAL_ADDRESS
is set, a private PostgreSQL cluster (<data-dir>/pg) unless DATABASE_URL is set,
migrations applied, then the API and the worker. Data survives restarts.
Ports that are taken fall back to free ones; the URLs are printed.`

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("dev", devSummary, stderr)
	dataDir := fs.String("data-dir", ".rightsdesk", "directory for the embedded databases and dev tokens")
	httpAddr := fs.String("http-addr", "127.0.0.1:8080", "address the API listens on")
	temporalPort := fs.Int("temporal-port", 7233, "port of the embedded Temporal frontend (0: any free port)")
	temporalUIPort := fs.Int("temporal-ui-port", 8233, "port of the embedded Temporal Web UI (0: any free port)")
	mailAddr := fs.String("mail-addr", "127.0.0.1:8025", "address of the page that shows the mail rightsdesk sent (the in-process mail catcher)")
	example := fs.String("example", "", "run a shipped example instead of the demo: "+strings.Join(examples.Names(), ", ")+" (examples/<name>/README.md)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("dev takes no arguments, got %q", fs.Args())
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	logger := cfg.Logger()
	dir, err := filepath.Abs(*dataDir)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	var ex *examples.Example
	if *example != "" {
		exDir, err := examples.Extract(*example, filepath.Join(dir, "examples"))
		if err != nil {
			return err
		}
		if ex, err = examples.Load(exDir); err != nil {
			return err
		}
		if ex.SourceSQL != "" && cfg.DatabaseURL != "" {
			return errors.New("an example's source system lives in the embedded PostgreSQL: run it without DATABASE_URL")
		}
	}
	pgURL := "" // printed only when embedded: a configured URL may hold a password
	demoSource, exampleSource := "", ""
	if cfg.DatabaseURL == "" {
		pg, err := pgcluster.Start(ctx, pgcluster.Options{DataDir: filepath.Join(dir, "pg"), Durable: true})
		if err != nil {
			return err
		}
		defer pg.Stop()
		if err := pg.CreateDatabase(ctx, "rightsdesk", ""); err != nil {
			return fmt.Errorf("create database: %w", err)
		}
		cfg.DatabaseURL = pg.DSN("rightsdesk")
		pgURL = cfg.DatabaseURL
		// The demo controller's own source system, with fake citizens.
		if err := pg.CreateDatabase(ctx, "demo_source", ""); err != nil {
			return fmt.Errorf("create the demo source database: %w", err)
		}
		if err := loadDemoSource(ctx, pg.DSN("demo_source")); err != nil {
			return err
		}
		demoSource = pg.DSN("demo_source")
		if ex != nil && ex.SourceSQL != "" {
			name := strings.ReplaceAll(ex.Name, "-", "_") + "_source"
			if err := pg.CreateDatabase(ctx, name, ""); err != nil {
				return fmt.Errorf("create the example's source database: %w", err)
			}
			if err := execSQL(ctx, pg.DSN(name), ex.SourceSQL); err != nil {
				return fmt.Errorf("example %s: source.sql: %w", ex.Name, err)
			}
			exampleSource = pg.DSN(name)
		}
		logger.Info("postgres started", "data_dir", filepath.Join(dir, "pg"), "port", pg.Port())
	}

	ln, err := listenOrFree(*httpAddr)
	if err != nil {
		return err
	}
	defer ln.Close()
	apiURL := "http://" + ln.Addr().String()
	cfg.PublicURL = apiURL

	temporalUI := ""
	if _, set := os.LookupEnv("TEMPORAL_ADDRESS"); !set {
		t, err := devstack.StartTemporal(ctx, devstack.TemporalOptions{
			DatabaseFile:     filepath.Join(dir, "temporal.db"),
			Port:             portOrFree(*temporalPort),
			UIPort:           portOrFree(*temporalUIPort),
			Namespace:        cfg.Temporal.Namespace,
			SearchAttributes: workflows.SearchAttributes(),
			// The UI decodes the encrypted payloads through the API.
			UICodecEndpoint: apiURL + "/codec",
			Logger:          logger,
		})
		if err != nil {
			return err
		}
		defer t.Stop()
		// The embedded server is plain and local: no TLS, no API key,
		// whatever a profile or TEMPORAL_TLS_* say.
		cfg.Temporal = envconfig.ClientConfigProfile{Address: t.Address(), Namespace: cfg.Temporal.Namespace}
		temporalUI = "http://" + t.UIAddress()
		// Only this machine reaches the dev UI, which sends no token.
		cfg.CodecAnonymous = true
		if cfg.CodecCORSOrigins == "" {
			cfg.CodecCORSOrigins = temporalUI
		}
		logger.Info("temporal started", "address", t.Address())
	}

	secrets, err := devSecrets(filepath.Join(dir, "dev-secrets.json"))
	if err != nil {
		return err
	}
	if cfg.APITokens == "" {
		cfg.APITokens = strings.Join([]string{
			"dev-caseworker:" + config.RoleCaseworker + ":" + secrets.Caseworker,
			"dev-dpo:" + config.RoleDPO + ":" + secrets.DPO,
		}, ",")
	}
	// Staff log in with one click on the login page, from this machine.
	cfg.DevLogin = true
	if cfg.MasterKeys == "" {
		cfg.MasterKeys, cfg.BlindIndexKey = "dev:"+secrets.MasterKey, secrets.IndexKey
	}

	// Letters and notices go to an in-process mail catcher, shown on a page
	// of its own, unless a real SMTP server is configured.
	mailPage := ""
	if cfg.SMTPURL == "" {
		catcher, err := mailcatch.Start("127.0.0.1:0")
		if err != nil {
			return err
		}
		defer catcher.Close()
		cfg.SMTPURL = catcher.URL()
		mln, err := listenOrFree(*mailAddr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", *mailAddr, err)
		}
		mailPage = "http://" + mln.Addr().String()
		msrv := &http.Server{Handler: catcher.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = msrv.Serve(mln) }()
		defer msrv.Close()
	}

	formPath, exampleReadme := "/request/demo", ""
	ready := func() {
		tokens, _ := config.ParseTokens(cfg.APITokens)
		fmt.Fprintf(stdout, "\nrightsdesk is running (data in %s)\n\n", dir)
		fmt.Fprintf(stdout, "  API          %s   (health %s/readyz)\n", apiURL, apiURL)
		if exampleReadme != "" {
			fmt.Fprintf(stdout, "  Example      %s\n", exampleReadme)
		}
		fmt.Fprintf(stdout, "  Request form %s%s   (what a citizen sees)\n", apiURL, formPath)
		fmt.Fprintf(stdout, "  Staff        %s/staff/login   (caseworker or DPO, one click)\n", apiURL)
		if temporalUI != "" {
			fmt.Fprintf(stdout, "  Temporal UI  %s\n", temporalUI)
		}
		fmt.Fprintf(stdout, "  Temporal     %s (namespace %s)\n", cfg.Temporal.Address, cfg.Temporal.Namespace)
		if pgURL != "" {
			fmt.Fprintf(stdout, "  PostgreSQL   %s\n", pgURL)
		}
		if mailPage != "" {
			fmt.Fprintf(stdout, "  Mail         %s   (what rightsdesk sent by e-mail)\n", mailPage)
		}
		for _, t := range tokens {
			fmt.Fprintf(stdout, "  %-12s Authorization: Bearer %s\n", t.Role+" token", t.Secret)
		}
		fmt.Fprintf(stdout, "\nPress Ctrl-C to stop.\n\n")
	}
	demo := controllers.Demo()
	roles := app.Roles{API: true, Worker: true, Migrate: true, Listener: ln, Ready: ready, Controllers: demo}
	if ex != nil {
		stop, err := serveExample(ctx, ex, exampleSource, &roles, &cfg, logger)
		if err != nil {
			return err
		}
		defer stop()
		formPath = "/request/" + ex.Controllers[0].ID
		exampleReadme = filepath.Join(ex.Dir, "README.md")
		return app.Run(ctx, cfg, logger, roles)
	}
	if demoSource != "" {
		demo[0].Systems, demo[0].Recipients = controllers.DemoSystems(), controllers.DemoRecipients()
		roles.SystemDSNs = map[string]string{controllers.DemoSourceSystem: demoSource}
		// The demo booking system, an http system this process serves.
		url, secret, stop, err := serveDemoBooking(ctx, demoSource, logger)
		if err != nil {
			return err
		}
		defer stop()
		demo[0].Systems = append(demo[0].Systems, controllers.DemoBooking(url))
		roles.SystemSecrets = map[string]string{controllers.DemoBookingSystem: secret}
	}
	return app.Run(ctx, cfg, logger, roles)
}

// serveDemoBooking serves the demo booking system on a free local port,
// with a signing secret of its own; it answers the system's URL and secret.
func serveDemoBooking(ctx context.Context, dsn string, logger *slog.Logger) (string, string, func(), error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return "", "", nil, fmt.Errorf("demo booking system: %w", err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
	h, err := demosystem.New(pool, secret, logger)
	if err != nil {
		pool.Close()
		return "", "", nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		pool.Close()
		return "", "", nil, fmt.Errorf("demo booking system: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/steps", h)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String() + "/steps", secret, func() { _ = srv.Close(); pool.Close() }, nil
}

// loadDemoSource creates and fills the demo source system (idempotent).
func loadDemoSource(ctx context.Context, dsn string) error {
	if err := execSQL(ctx, dsn, controllers.DemoSourceSQL()); err != nil {
		return fmt.Errorf("demo source: %w", err)
	}
	return nil
}

// execSQL runs a script in a database.
func execSQL(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// serveExample wires an example into the run: its controllers, its
// source database for every postgres system, a stand-in for each http
// system and, when it sends by Digital Post, a gateway stand-in.
func serveExample(ctx context.Context, ex *examples.Example, source string, roles *app.Roles, cfg *config.Config, logger *slog.Logger) (func(), error) {
	var stops []func()
	stop := func() {
		for _, s := range stops {
			s()
		}
	}
	roles.SystemDSNs, roles.SystemSecrets = map[string]string{}, map[string]string{}
	for _, id := range ex.PostgresSystems() {
		roles.SystemDSNs[id] = source
	}
	var pool *pgxpool.Pool
	if len(ex.StandIns) > 0 {
		p, err := pgxpool.New(ctx, source)
		if err != nil {
			return stop, err
		}
		pool = p
		stops = append(stops, pool.Close)
	}
	for id, spec := range ex.StandIns {
		secret := newWebhookSecret()
		h, err := demosystem.NewSpec(pool, secret, logger, spec)
		if err != nil {
			return stop, err
		}
		url, closeFn, err := serveLocal(h)
		if err != nil {
			return stop, err
		}
		stops = append(stops, closeFn)
		ex.ServeStandIn(id, url)
		roles.SystemSecrets[id] = secret
		logger.Info("stand-in system serving", "system", id, "url", url)
	}
	if ex.DigitalPost() {
		if cfg.WebhookSecret == "" {
			cfg.WebhookSecret = newWebhookSecret()
		}
		url, closeFn, err := serveLocal(&demosystem.Gateway{Secret: cfg.WebhookSecret, Exempt: ex.Exempt})
		if err != nil {
			return stop, err
		}
		stops = append(stops, closeFn)
		ex.ServeGateway(url)
		logger.Info("Digital Post stand-in serving", "url", url)
	}
	roles.Controllers = ex.Controllers
	return stop, nil
}

// serveLocal serves a handler on a free loopback port.
func serveLocal(h http.Handler) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}

// newWebhookSecret is a fresh Standard Webhooks secret.
func newWebhookSecret() string {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return "whsec_" + base64.StdEncoding.EncodeToString(key)
}

// devSecret is what rightsdesk dev makes once and keeps in the data
// directory, so tokens and encrypted data survive restarts.
type devSecret struct {
	Caseworker, DPO     string
	MasterKey, IndexKey string
}

func devSecrets(path string) (devSecret, error) {
	var saved devSecret
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &saved); err != nil {
			return saved, fmt.Errorf("read %s: %w", path, err)
		}
	case errors.Is(err, os.ErrNotExist):
		saved = devSecret{Caseworker: "rd_dev_" + rand.Text(), DPO: "rd_dev_" + rand.Text(), MasterKey: crypto.NewKey(), IndexKey: crypto.NewKey()}
		b, _ = json.MarshalIndent(saved, "", "  ")
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return saved, err
		}
	default:
		return saved, err
	}
	return saved, nil
}

// portOrFree returns port if it can be bound now, else 0 (any free port), so
// a second instance on the same machine does not collide with the first.
func portOrFree(port int) int {
	if port == 0 {
		return 0
	}
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return 0
	}
	l.Close()
	return port
}

// listenOrFree listens on addr, or on a free port of the same host if addr's
// port is taken.
func listenOrFree(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err == nil {
		return ln, nil
	}
	host, _, splitErr := net.SplitHostPort(addr)
	if splitErr != nil {
		return nil, err
	}
	return net.Listen("tcp", net.JoinHostPort(host, "0"))
}
