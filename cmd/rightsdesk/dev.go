//go:build !production

package main

import (
	"context"
	"crypto/rand"
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

	"go.temporal.io/sdk/contrib/envconfig"

	"github.com/rightsdesk/rightsdesk/examples"
	"github.com/rightsdesk/rightsdesk/internal/app"
	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
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
	d := &devStack{cfg: cfg, logger: cfg.Logger(), formPath: "/request/demo"}
	defer d.close()
	if d.dir, err = filepath.Abs(*dataDir); err != nil {
		return err
	}
	if err := os.MkdirAll(d.dir, 0o755); err != nil {
		return err
	}
	if *example != "" {
		if err := d.loadExample(*example); err != nil {
			return err
		}
	}
	if d.cfg.DatabaseURL == "" {
		if err := d.startPostgres(ctx); err != nil {
			return err
		}
	}
	ln, err := listenOrFree(*httpAddr)
	if err != nil {
		return err
	}
	d.closers = append(d.closers, func() { ln.Close() })
	d.apiURL = "http://" + ln.Addr().String()
	d.cfg.PublicURL = d.apiURL
	if _, set := os.LookupEnv("TEMPORAL_ADDRESS"); !set {
		if err := d.startTemporal(ctx, *temporalPort, *temporalUIPort); err != nil {
			return err
		}
	}
	if err := d.useDevSecrets(); err != nil {
		return err
	}
	// Letters and notices go to an in-process mail catcher, shown on a page
	// of its own, unless a real SMTP server is configured.
	if d.cfg.SMTPURL == "" {
		if err := d.startMailCatcher(*mailAddr); err != nil {
			return err
		}
	}
	return d.run(ctx, ln, stdout)
}

// devStack is what `rightsdesk dev` started around rightsdesk, and what it
// prints once rightsdesk is ready.
type devStack struct {
	dir    string
	cfg    config.Config
	logger *slog.Logger
	// ex is the example run instead of the demo, if one was asked for.
	ex *examples.Example
	// pgURL is printed only when embedded: a configured URL may hold a password.
	pgURL                     string
	demoSource, exampleSource string
	apiURL, temporalUI        string
	mailPage                  string
	formPath, exampleReadme   string
	// closers stop what was started, the last first.
	closers []func()
}

// close stops what was started, the last first.
func (d *devStack) close() {
	for i := len(d.closers) - 1; i >= 0; i-- {
		d.closers[i]()
	}
}

// loadExample extracts and loads a shipped example.
func (d *devStack) loadExample(name string) error {
	exDir, err := examples.Extract(name, filepath.Join(d.dir, "examples"))
	if err != nil {
		return err
	}
	if d.ex, err = examples.Load(exDir); err != nil {
		return err
	}
	if d.ex.SourceSQL != "" && d.cfg.DatabaseURL != "" {
		return errors.New("an example's source system lives in the embedded PostgreSQL: run it without DATABASE_URL")
	}
	return nil
}

// startPostgres starts the private PostgreSQL cluster with rightsdesk's
// database, the demo controller's source system and the example's.
func (d *devStack) startPostgres(ctx context.Context) error {
	pg, err := pgcluster.Start(ctx, pgcluster.Options{DataDir: filepath.Join(d.dir, "pg"), Durable: true})
	if err != nil {
		return err
	}
	d.closers = append(d.closers, func() { pg.Stop() })
	if err := pg.CreateDatabase(ctx, "rightsdesk", ""); err != nil {
		return fmt.Errorf("create database: %w", err)
	}
	d.cfg.DatabaseURL = pg.DSN("rightsdesk")
	d.pgURL = d.cfg.DatabaseURL
	// The demo controller's own source system, with fake citizens.
	if err := pg.CreateDatabase(ctx, "demo_source", ""); err != nil {
		return fmt.Errorf("create the demo source database: %w", err)
	}
	if err := loadDemoSource(ctx, pg.DSN("demo_source")); err != nil {
		return err
	}
	d.demoSource = pg.DSN("demo_source")
	if d.ex != nil && d.ex.SourceSQL != "" {
		name := strings.ReplaceAll(d.ex.Name, "-", "_") + "_source"
		if err := pg.CreateDatabase(ctx, name, ""); err != nil {
			return fmt.Errorf("create the example's source database: %w", err)
		}
		if err := execSQL(ctx, pg.DSN(name), d.ex.SourceSQL); err != nil {
			return fmt.Errorf("example %s: source.sql: %w", d.ex.Name, err)
		}
		d.exampleSource = pg.DSN(name)
	}
	d.logger.Info("postgres started", "data_dir", filepath.Join(d.dir, "pg"), "port", pg.Port())
	return nil
}

// startTemporal starts the embedded Temporal server and its Web UI.
func (d *devStack) startTemporal(ctx context.Context, port, uiPort int) error {
	t, err := devstack.StartTemporal(ctx, devstack.TemporalOptions{
		DatabaseFile:     filepath.Join(d.dir, "temporal.db"),
		Port:             portOrFree(port),
		UIPort:           portOrFree(uiPort),
		Namespace:        d.cfg.Temporal.Namespace,
		SearchAttributes: workflows.SearchAttributes(),
		// The UI decodes the encrypted payloads through the API.
		UICodecEndpoint: d.apiURL + "/codec",
		Logger:          d.logger,
	})
	if err != nil {
		return err
	}
	d.closers = append(d.closers, t.Stop)
	// The embedded server is plain and local: no TLS, no API key,
	// whatever a profile or TEMPORAL_TLS_* say.
	d.cfg.Temporal = envconfig.ClientConfigProfile{Address: t.Address(), Namespace: d.cfg.Temporal.Namespace}
	d.temporalUI = "http://" + t.UIAddress()
	// Only this machine reaches the dev UI, which sends no token.
	d.cfg.CodecAnonymous = true
	if d.cfg.CodecCORSOrigins == "" {
		d.cfg.CodecCORSOrigins = d.temporalUI
	}
	d.logger.Info("temporal started", "address", t.Address())
	return nil
}

// useDevSecrets sets the dev tokens and keys (kept in the data directory)
// where none are configured, and one-click staff login.
func (d *devStack) useDevSecrets() error {
	secrets, err := devSecrets(filepath.Join(d.dir, "dev-secrets.json"))
	if err != nil {
		return err
	}
	if d.cfg.APITokens == "" {
		d.cfg.APITokens = strings.Join([]string{
			"dev-caseworker:" + config.RoleCaseworker + ":" + secrets.Caseworker,
			"dev-dpo:" + config.RoleDPO + ":" + secrets.DPO,
		}, ",")
	}
	// Staff log in with one click on the login page, from this machine.
	d.cfg.DevLogin = true
	if d.cfg.MasterKeys == "" {
		d.cfg.MasterKeys, d.cfg.BlindIndexKey = "dev:"+secrets.MasterKey, secrets.IndexKey
	}
	return nil
}

// startMailCatcher starts the in-process mail catcher and its page.
func (d *devStack) startMailCatcher(addr string) error {
	catcher, err := mailcatch.Start("127.0.0.1:0")
	if err != nil {
		return err
	}
	d.closers = append(d.closers, func() { catcher.Close() })
	d.cfg.SMTPURL = catcher.URL()
	mln, err := listenOrFree(addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	d.mailPage = "http://" + mln.Addr().String()
	msrv := &http.Server{Handler: catcher.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = msrv.Serve(mln) }()
	d.closers = append(d.closers, func() { msrv.Close() })
	return nil
}

// run runs rightsdesk (API, worker, migrations) with the demo controller
// and its systems, or the example's controllers, until ctx ends.
func (d *devStack) run(ctx context.Context, ln net.Listener, stdout io.Writer) error {
	demo := controllers.Demo()
	roles := app.Roles{API: true, Worker: true, Migrate: true, Listener: ln, Ready: func() { d.printReady(stdout) }, Controllers: demo}
	if d.ex != nil {
		stop, err := serveExample(ctx, d.ex, d.exampleSource, &roles, &d.cfg, d.logger)
		if err != nil {
			return err
		}
		defer stop()
		d.formPath = "/request/" + d.ex.Controllers[0].ID
		d.exampleReadme = filepath.Join(d.ex.Dir, "README.md")
		return app.Run(ctx, d.cfg, d.logger, roles)
	}
	if d.demoSource != "" {
		demo[0].Systems, demo[0].Recipients = controllers.DemoSystems(), controllers.DemoRecipients()
		roles.SystemDSNs = map[string]string{controllers.DemoSourceSystem: d.demoSource}
		// The demo booking system, an http system this process serves.
		url, secret, stop, err := serveDemoBooking(ctx, d.demoSource, d.logger)
		if err != nil {
			return err
		}
		defer stop()
		demo[0].Systems = append(demo[0].Systems, controllers.DemoBooking(url))
		roles.SystemSecrets = map[string]string{controllers.DemoBookingSystem: secret}
	}
	return app.Run(ctx, d.cfg, d.logger, roles)
}

// printReady says where everything is, once rightsdesk is ready.
func (d *devStack) printReady(stdout io.Writer) {
	tokens, _ := config.ParseTokens(d.cfg.APITokens)
	fmt.Fprintf(stdout, "\nrightsdesk is running (data in %s)\n\n", d.dir)
	fmt.Fprintf(stdout, "  API          %s   (health %s/readyz)\n", d.apiURL, d.apiURL)
	if d.exampleReadme != "" {
		fmt.Fprintf(stdout, "  Example      %s\n", d.exampleReadme)
	}
	fmt.Fprintf(stdout, "  Request form %s%s   (what a citizen sees)\n", d.apiURL, d.formPath)
	fmt.Fprintf(stdout, "  Staff        %s/staff/login   (caseworker or DPO, one click)\n", d.apiURL)
	if d.temporalUI != "" {
		fmt.Fprintf(stdout, "  Temporal UI  %s\n", d.temporalUI)
	}
	fmt.Fprintf(stdout, "  Temporal     %s (namespace %s)\n", d.cfg.Temporal.Address, d.cfg.Temporal.Namespace)
	if d.pgURL != "" {
		fmt.Fprintf(stdout, "  PostgreSQL   %s\n", d.pgURL)
	}
	if d.mailPage != "" {
		fmt.Fprintf(stdout, "  Mail         %s   (what rightsdesk sent by e-mail)\n", d.mailPage)
	}
	for _, t := range tokens {
		fmt.Fprintf(stdout, "  %-12s Authorization: Bearer %s\n", t.Role+" token", t.Secret)
	}
	fmt.Fprintf(stdout, "\nPress Ctrl-C to stop.\n\n")
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
