// Command rightsdesk is the one binary of rightsdesk:
//
//	rightsdesk dev                   the whole system in one process, embedded defaults
//	rightsdesk serve                 the HTTP API
//	rightsdesk worker                the Temporal worker
//	rightsdesk migrate up|down|status
//
// Production processes are configured by environment variables only; run
// any subcommand with --help to list them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"
	_ "time/tzdata" // time zones for the controllers, also where the system has none

	"github.com/rightsdesk/rightsdesk/internal/app"
	"github.com/rightsdesk/rightsdesk/internal/config"
	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/intake"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/migrations"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "rightsdesk:", err)
		os.Exit(1)
	}
}

const usage = `rightsdesk handles data protection rights requests on time.

Usage:
  rightsdesk dev       run everything in one process with embedded Temporal and PostgreSQL
  rightsdesk serve     run the HTTP API
  rightsdesk worker    run the Temporal worker
  rightsdesk migrate   apply, roll back or list database migrations (up|down|status)
  rightsdesk bench     measure it on this machine and rewrite docs/BENCHMARKS.md
  rightsdesk keygen    print new encryption keys for the configuration
  rightsdesk rotate-keys  rewrap every subject's data key with the first master key

Run "rightsdesk <command> --help" for a command's flags and environment.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	switch args[0] {
	case "dev":
		return runDev(ctx, args[1:], stdout, stderr)
	case "serve":
		return runProcess(ctx, "serve", "Run the HTTP API.", args[1:], stderr, app.Roles{API: true})
	case "worker":
		return runProcess(ctx, "worker", "Run the Temporal worker: workflows, activities, letters and notices.", args[1:], stderr, app.Roles{Worker: true})
	case "migrate":
		return runMigrate(ctx, args[1:], stdout, stderr)
	case "bench":
		return runBench(ctx, args[1:], stdout, stderr)
	case "rotate-keys":
		return runRotate(ctx, args[1:], stdout, stderr)
	case "keygen":
		fs := newFlagSet("keygen", "Print new random keys for RIGHTSDESK_MASTER_KEYS and RIGHTSDESK_BLIND_INDEX_KEY.", stderr)
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "RIGHTSDESK_MASTER_KEYS=k%s:%s\nRIGHTSDESK_BLIND_INDEX_KEY=%s\n", time.Now().UTC().Format("20060102"), crypto.NewKey(), crypto.NewKey())
		return nil
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

func newFlagSet(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: rightsdesk %s\n\n%s\n\n", name, summary)
		if hasFlags(fs) {
			fmt.Fprintln(stderr, "Flags:")
			fs.PrintDefaults()
			fmt.Fprintln(stderr)
		}
		fmt.Fprint(stderr, config.Usage())
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

func runProcess(ctx context.Context, name, summary string, args []string, stderr io.Writer, roles app.Roles) error {
	fs := newFlagSet(name, summary, stderr)
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the process, until it stops, to this file (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	logger := cfg.Logger()
	logger.Info("starting "+name, cfg.Redacted()...)
	return app.Run(ctx, cfg, logger, roles)
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate up|down|status", "Apply every pending migration (up), roll back the newest (down), or list them (status).", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("migrate needs exactly one of up, down, status")
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if err := cfg.RequireDatabase(); err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, 2)
	if err != nil {
		return err
	}
	defer st.Close()
	switch fs.Arg(0) {
	case "up":
		if err := migrations.Up(ctx, st.SQL()); err != nil {
			return err
		}
		return migrations.Status(ctx, st.SQL(), stdout)
	case "down":
		return migrations.Down(ctx, st.SQL())
	case "status":
		return migrations.Status(ctx, st.SQL(), stdout)
	default:
		fs.Usage()
		return fmt.Errorf("unknown migrate action %q (up, down or status)", fs.Arg(0))
	}
}

func runRotate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("rotate-keys", "Rewrap every subject's data key with the first key of RIGHTSDESK_MASTER_KEYS.\nPut the new key first, keep the old ones after it, run this, then drop the old ones.", stderr)
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	if err := cfg.RequireDatabase(); err != nil {
		return err
	}
	keys, err := cfg.Keyring()
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, cfg.DatabaseURL, 2)
	if err != nil {
		return err
	}
	defer st.Close()
	n, err := (&intake.Service{Store: st, Keys: keys}).Rewrap(ctx)
	fmt.Fprintf(stdout, "rewrapped %d data keys with master key %s\n", n, keys.CurrentKeyID())
	return err
}
