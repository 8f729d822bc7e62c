//go:build !production

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/contrib/envconfig"
	tlog "go.temporal.io/sdk/log"

	"github.com/rightsdesk/rightsdesk/internal/app"
	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/devtools/devstack"
	"github.com/rightsdesk/rightsdesk/internal/devtools/mailcatch"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgcluster"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// benchToken is the bench caseworker's API token.
const benchToken = "bench-token-0123456789"

// benchRun is one run of the bench: what it started and what the sections
// share.
type benchRun struct {
	opts   benchOptions
	say    func(string, ...any)
	stderr io.Writer
	logger *slog.Logger
	// dir holds the private PostgreSQL cluster.
	dir string
	cfg config.Config
	// api is the API's URL; apiDone answers when it has stopped.
	api     string
	apiDone chan error
	// runCtx ends the API (and the worker) when stopped.
	runCtx context.Context
	stop   context.CancelFunc
	tc     client.Client
	st     *store.Store
	pool   *pgxpool.Pool
	// worker is the worker process, once it joined.
	worker      *exec.Cmd
	workerStart time.Time
	// closers undo start, the last first.
	closers  []func()
	sections []*benchSection
	// requestsMade counts the requests the sections made, each with a receipt.
	requestsMade int
	// rawRate is the raw start rate the intake section measured.
	rawRate float64
}

// start brings up PostgreSQL, Temporal, the mail catcher and the API
// alone (with migrations), and the bench's own client, store and pool.
func (r *benchRun) start(ctx context.Context) error {
	var err error
	if r.dir, err = os.MkdirTemp("", "rightsdesk-bench-"); err != nil {
		return err
	}
	r.closers = append(r.closers, func() { os.RemoveAll(r.dir) })
	r.say("bench: starting PostgreSQL, Temporal and rightsdesk (data in %s)", r.dir)
	pg, err := pgcluster.Start(ctx, pgcluster.Options{DataDir: filepath.Join(r.dir, "pg")})
	if err != nil {
		return err
	}
	r.closers = append(r.closers, func() { pg.Stop() })
	if err := pg.CreateDatabase(ctx, "rightsdesk", ""); err != nil {
		return err
	}
	temporal, err := devstack.StartTemporal(ctx, devstack.TemporalOptions{UIPort: -1, SearchAttributes: workflows.SearchAttributes(), Logger: r.logger})
	if err != nil {
		return err
	}
	r.closers = append(r.closers, temporal.Stop)
	mail, err := mailcatch.Start("127.0.0.1:0")
	if err != nil {
		return err
	}
	r.closers = append(r.closers, func() { mail.Close() })

	if r.cfg, err = config.Load(); err != nil {
		return err
	}
	r.cfg.DatabaseURL, r.cfg.Temporal, r.cfg.SMTPURL = pg.DSN("rightsdesk"), envconfig.ClientConfigProfile{Address: temporal.Address(), Namespace: r.cfg.Temporal.Namespace}, mail.URL()
	r.cfg.MasterKeys, r.cfg.BlindIndexKey = "bench:"+crypto.NewKey(), crypto.NewKey()
	r.cfg.APITokens = "bench:caseworker:" + benchToken
	r.cfg.IntakeRatePerMinute = 1 << 30
	r.cfg.SweepInterval = time.Hour
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	r.api = "http://" + ln.Addr().String()
	r.cfg.PublicURL = r.api
	r.runCtx, r.stop = context.WithCancel(ctx)
	r.closers = append(r.closers, r.stop)
	// The API first, alone: then the worker joins, as a second part of
	// the process (in production, a process of its own).
	if err := r.startAPI(app.Roles{API: true, Migrate: true, Listener: ln}); err != nil {
		return err
	}
	keys, err := r.cfg.Keyring()
	if err != nil {
		return err
	}
	if r.tc, err = client.Dial(client.Options{HostPort: temporal.Address(), Logger: tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)), DataConverter: crypto.Codec{Keys: keys}.DataConverter()}); err != nil {
		return err
	}
	r.closers = append(r.closers, r.tc.Close)
	if r.st, err = store.Open(ctx, r.cfg.DatabaseURL, 2); err != nil {
		return err
	}
	r.closers = append(r.closers, func() { r.st.Close() })
	if r.pool, err = pgxpool.New(ctx, pg.DSN("rightsdesk")); err != nil {
		return err
	}
	r.closers = append(r.closers, r.pool.Close, r.stopWorker)
	return nil
}

// startAPI runs rightsdesk in this process with roles until runCtx ends,
// and returns once it is ready.
func (r *benchRun) startAPI(roles app.Roles) error {
	ready := make(chan struct{})
	r.apiDone = make(chan error, 1)
	roles.Ready, roles.Controllers = func() { close(ready) }, controllers.Demo()
	go func() { r.apiDone <- app.Run(r.runCtx, r.cfg, r.logger, roles) }()
	select {
	case <-ready:
		return nil
	case err := <-r.apiDone:
		return fmt.Errorf("rightsdesk did not start: %w", err)
	}
}

// stopAPI stops the API (and the worker) and waits for the API.
func (r *benchRun) stopAPI() {
	r.stop()
	<-r.apiDone
}

// close undoes start, the last first.
func (r *benchRun) close() {
	for i := len(r.closers) - 1; i >= 0; i-- {
		r.closers[i]()
	}
}

// startWorker starts the worker as a process of its own (this binary's
// `worker`), as in production.
func (r *benchRun) startWorker() error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	wargs := []string{"worker"}
	if r.opts.workerProfile != "" {
		wargs = append(wargs, "--cpuprofile", r.opts.workerProfile)
	}
	w := exec.CommandContext(r.runCtx, self, wargs...)
	w.Env = append(os.Environ(), "RIGHTSDESK_TEST_AS_BINARY=1",
		"DATABASE_URL="+r.cfg.DatabaseURL, "TEMPORAL_ADDRESS="+r.cfg.Temporal.Address, "RIGHTSDESK_TASK_QUEUE="+r.cfg.TaskQueue,
		"RIGHTSDESK_MASTER_KEYS="+r.cfg.MasterKeys, "RIGHTSDESK_BLIND_INDEX_KEY="+r.cfg.BlindIndexKey, "RIGHTSDESK_SMTP_URL="+r.cfg.SMTPURL,
		"RIGHTSDESK_PUBLIC_URL="+r.api, "RIGHTSDESK_SWEEP_INTERVAL=1h", "RIGHTSDESK_LOG_LEVEL=error", "RIGHTSDESK_CONTROLLERS_FILE=")
	if r.opts.workerMemLimit != "" {
		w.Env = append(w.Env, "GOMEMLIMIT="+r.opts.workerMemLimit)
	}
	for kv := range strings.SplitSeq(r.opts.workerEnv, ",") {
		if kv = strings.TrimSpace(kv); kv != "" {
			w.Env = append(w.Env, kv)
		}
	}
	// Stopped by a signal, so a profile is written out.
	w.Cancel = func() error { return w.Process.Signal(syscall.SIGTERM) }
	w.WaitDelay = 20 * time.Second
	w.Stderr = r.stderr
	r.workerStart = time.Now()
	if err := w.Start(); err != nil {
		return fmt.Errorf("start the worker: %w", err)
	}
	r.worker = w
	return nil
}

// stopWorker stops the worker process, if it joined.
func (r *benchRun) stopWorker() {
	if r.worker != nil {
		_ = r.worker.Process.Signal(syscall.SIGTERM)
		_ = r.worker.Wait()
	}
}

// intake makes intakes through the API, the i-th numbered offset+i.
func (r *benchRun) intake(ctx context.Context, offset int) func(int) error {
	return func(i int) error {
		body := fmt.Sprintf(`{"controller":"demo","kind":"access","channel":"letter","identity":{"method":"mitid"},"subject":{"name":"Bench %d","email":"bench%d@example.dk"}}`, offset+i, offset+i)
		return apiCall(ctx, http.MethodPost, r.api+"/v1/requests", benchToken, body, http.StatusCreated)
	}
}
