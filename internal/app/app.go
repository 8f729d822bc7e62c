// Package app runs rightsdesk's processes (API server, worker) from a
// configuration. cmd/rightsdesk calls it for `serve`, `worker` and `dev`.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"

	"go.temporal.io/sdk/client"
	"golang.org/x/sync/errgroup"

	"github.com/rightsdesk/rightsdesk/activities"
	"github.com/rightsdesk/rightsdesk/api"
	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/delivery"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/migrations"
	"github.com/rightsdesk/rightsdesk/worker"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// Roles say which parts a process runs.
type Roles struct {
	API    bool
	Worker bool
	// Migrate applies pending migrations first (rightsdesk dev).
	Migrate bool
	// Listener, when set, is where the API answers instead of cfg.HTTPAddr.
	Listener net.Listener
	// Ready, when set, is called once every part is running.
	Ready func()
	// Controllers are stored at start-up when RIGHTSDESK_CONTROLLERS_FILE
	// is not set (rightsdesk dev's demo controllers).
	Controllers []controllers.Controller
	// SystemDSNs add connection strings of source systems to those of the
	// environment (rightsdesk dev's demo source system).
	SystemDSNs map[string]string
	// SystemSecrets add signing secrets of http systems to those of the
	// environment (rightsdesk dev's demo booking system).
	SystemSecrets map[string]string
}

// Run connects to PostgreSQL and Temporal and runs the parts roles asks for
// until ctx ends.
func Run(ctx context.Context, cfg config.Config, logger *slog.Logger, roles Roles) error {
	if err := cfg.RequireDatabase(); err != nil {
		return err
	}
	cs := roles.Controllers
	if cfg.ControllersFile != "" {
		var err error
		if cs, err = controllers.Load(cfg.ControllersFile); err != nil {
			return err
		}
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, cfg.DatabaseMaxConns)
	if err != nil {
		return err
	}
	defer st.Close()
	if roles.Migrate {
		if err := migrations.Up(ctx, st.SQL()); err != nil {
			return err
		}
	}
	if len(cs) > 0 {
		if err := controllers.Sync(ctx, st, cs); err != nil {
			return err
		}
		logger.Info("controllers loaded", "count", len(cs))
	}
	keys, err := cfg.Keyring()
	if err != nil {
		return fmt.Errorf("%w (make keys with `rightsdesk keygen`)", err)
	}
	cfg.WarnDeprecated(logger)
	conn, err := cfg.TemporalClientOptions()
	if err != nil {
		return err
	}
	tc, err := worker.Dial(ctx, worker.ClientOptions{Connection: conn, Logger: logger, Keys: keys})
	if err != nil {
		return err
	}
	defer tc.Close()
	return RunWith(ctx, cfg, logger, st, tc, keys, roles)
}

// RunWith runs the parts on an open store and Temporal client.
func RunWith(ctx context.Context, cfg config.Config, logger *slog.Logger, st *store.Store, tc client.Client, keys *crypto.Keyring, roles Roles) error {
	g, ctx := errgroup.WithContext(ctx)
	// The outbox and the source systems serve the worker and the API (which
	// sends packages' one-time codes and checks a known address).
	outbox, err := NewOutbox(cfg, st, keys)
	if err != nil {
		return err
	}
	dsns := config.SystemDSNs()
	maps.Copy(dsns, roles.SystemDSNs)
	systems := &activities.Systems{DSN: dsns, Keys: keys, Secret: systemSecrets(roles), PublicURL: cfg.PublicURL}
	defer systems.Close()
	if roles.Worker {
		if outbox.SMTP == nil {
			logger.Warn("RIGHTSDESK_SMTP_URL is not set: letters and notices by e-mail are kept in the outbox, not sent")
		} else {
			defer outbox.SMTP.Close()
		}
		acts := &activities.Activities{Store: st, Outbox: outbox, Subjects: outbox.Subjects, Systems: systems}
		worker.SetCacheSize(cfg.WorkflowCache)
		w := worker.NewWithOptions(tc, cfg.TaskQueue, acts, worker.Options{
			WorkflowPollers: cfg.WorkflowPollers, WorkflowSlots: cfg.WorkflowSlots,
			ActivityPollers: cfg.ActivityPollers, ActivitySlots: cfg.ActivitySlots,
			LetterPollers: cfg.LetterPollers, LetterSlots: cfg.LetterSlots,
		})
		if err := w.Start(); err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
		logger.Info("worker started", "task_queue", cfg.TaskQueue, "letters_task_queue", workflows.LettersTaskQueue(cfg.TaskQueue), "namespace", cfg.Temporal.Namespace)
		if err := errors.Join(worker.EnsureSweeper(ctx, tc, cfg.TaskQueue, cfg.SweepInterval),
			worker.EnsureDigest(ctx, tc, cfg.TaskQueue), worker.EnsureRetention(ctx, tc, cfg.TaskQueue)); err != nil {
			w.Stop()
			return err
		}
		g.Go(func() error {
			<-ctx.Done()
			w.Stop()
			return nil
		})
	}
	if roles.API {
		ln := roles.Listener
		if ln == nil {
			var err error
			if ln, err = net.Listen("tcp", cfg.HTTPAddr); err != nil {
				return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
			}
		}
		srv, err := api.New(api.Deps{Config: cfg, Store: st, Temporal: tc, Keys: keys, Logger: logger, SystemSecrets: systemSecrets(roles),
			Outbox: outbox, Systems: systems})
		if err != nil {
			return err
		}
		logger.Info("api listening", "addr", ln.Addr().String())
		g.Go(func() error { return srv.Serve(ctx, ln) })
	}
	if roles.Ready != nil {
		roles.Ready()
	}
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// NewOutbox builds the outbox the worker sends letters through.
func NewOutbox(cfg config.Config, st *store.Store, keys *crypto.Keyring) (*activities.Outbox, error) {
	o := &activities.Outbox{Store: st, Subjects: &intake.Service{Store: st, Keys: keys}, MailFrom: cfg.MailFrom, PublicURL: cfg.PublicURL}
	var err error
	if cfg.SMTPURL != "" {
		if o.SMTP, err = delivery.ParseSMTPURL(cfg.SMTPURL); err != nil {
			return nil, err
		}
	}
	if cfg.WebhookSecret != "" {
		if o.Webhook, err = delivery.NewWebhook(cfg.WebhookSecret); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// systemSecrets are the http systems' secrets from the environment and
// those roles adds.
func systemSecrets(roles Roles) map[string]string {
	s := config.SystemSecrets()
	maps.Copy(s, roles.SystemSecrets)
	return s
}
