//go:build !production

package main

// The systems `rightsdesk dev` serves beside rightsdesk: the demo
// controller's source database and booking system, and a shipped
// example's systems and gateways.

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rightsdesk/rightsdesk/examples"
	"github.com/rightsdesk/rightsdesk/internal/app"
	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/devtools/demosystem"
)

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
