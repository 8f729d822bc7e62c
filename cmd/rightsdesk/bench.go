//go:build !production

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"
)

const benchSummary = `Measure rightsdesk against the limits of this machine and rewrite
docs/BENCHMARKS.md with the figures, the command, the commit, the machine
and its load, section by section: intake through the HTTP API beside the
raw StartWorkflow rate of the same Temporal server (intake), the worker
joining, the idle cost of open requests and a run's history (worker),
caseworkers' Updates during a burst of intakes (burst), queue and list
latency over a large read model with the query plans (read), and the
package benchmarks run with go test -bench (go). --sections runs some of
them and keeps the others as the file has them.`

// benchResult is one line of the benchmarks table.
type benchResult struct {
	What, Command, Result string
}

// benchSections are the sections of the benchmarks, in the order run and written.
var benchSections = []struct{ name, title string }{
	{"intake", "Intake, the API alone"},
	{"worker", "The worker: receipts, idle cost, a run's history"},
	{"burst", "A burst of intakes while caseworkers act"},
	{"read", "Queue and list over a large read model"},
	{"go", "Package benchmarks"},
}

// benchSection is what one section measured, with when and how.
type benchSection struct {
	name         string
	commit, at   string
	load0, load1 string
	results      []benchResult
	// extra is text after the table (the query plans).
	extra string
}

// benchOptions are the bench command's flags.
type benchOptions struct {
	out                            string
	run                            map[string]bool
	intakes, clients               int
	requests, tasks, calls         int
	idle                           time.Duration
	burst, burstCases, caseworkers int
	think                          time.Duration
	cpuProfile, burstProfile       string
	workerProfile, workerMemLimit  string
	workerEnv                      string
	// cmdline is the command as the table shows it.
	cmdline string
}

func parseBenchFlags(args []string, stderr io.Writer) (benchOptions, error) {
	var o benchOptions
	fs := newFlagSet("bench", benchSummary, stderr)
	fs.StringVar(&o.out, "out", "docs/BENCHMARKS.md", "file to write the figures to; of an existing file only the sections run are rewritten")
	sectionsFlag := fs.String("sections", "intake,worker,burst,read,go", "sections to run, comma-separated: intake, worker, burst, read, go")
	fs.IntVar(&o.intakes, "intakes", 2000, "intakes through the API (and raw workflow starts), after a quarter as many to warm up")
	fs.IntVar(&o.clients, "clients", 16, "concurrent clients")
	fs.IntVar(&o.requests, "requests", 1_000_000, "requests in the read model for the queue and list latency")
	fs.IntVar(&o.tasks, "tasks", 100_000, "open tasks among them")
	fs.IntVar(&o.calls, "calls", 300, "calls per queue and list measurement")
	goBench := fs.Bool("go-bench", true, "run the package benchmarks (section go) with go test -bench (needs the source tree)")
	fs.DurationVar(&o.idle, "idle", 20*time.Second, "how long to measure the idle cost of the open requests")
	fs.IntVar(&o.burst, "burst", 5000, "intakes in the burst, through the API with --clients clients")
	fs.IntVar(&o.burstCases, "burst-cases", 600, "requests made before the burst, on which the caseworkers act during it (a claim, a note and a decision each)")
	fs.IntVar(&o.caseworkers, "caseworkers", 4, "caseworkers acting during the burst, each pausing --think between actions")
	fs.DurationVar(&o.think, "think", 300*time.Millisecond, "a caseworker's pause between two actions")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the intake with the API alone to this file (go tool pprof)")
	fs.StringVar(&o.burstProfile, "burst-cpuprofile", "", "write a CPU profile of this process (the API, the Temporal server, the mail catcher) during the burst to this file")
	fs.StringVar(&o.workerProfile, "worker-cpuprofile", "", "write a CPU profile of the worker process, over its whole run, to this file")
	fs.StringVar(&o.workerMemLimit, "worker-gomemlimit", "", "GOMEMLIMIT of the worker process (e.g. 400MiB); empty: Go's default")
	fs.StringVar(&o.workerEnv, "worker-env", "", "more environment of the worker process, comma-separated KEY=VALUE (e.g. RIGHTSDESK_LETTER_SLOTS=4)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.run = map[string]bool{}
	for s := range strings.SplitSeq(*sectionsFlag, ",") {
		s = strings.TrimSpace(s)
		if !slices.ContainsFunc(benchSections, func(b struct{ name, title string }) bool { return b.name == s }) {
			return o, fmt.Errorf("bench: unknown section %q (intake, worker, burst, read, go)", s)
		}
		o.run[s] = true
	}
	if !*goBench {
		delete(o.run, "go")
	}
	o.cmdline = "go run ./cmd/rightsdesk bench"
	if len(args) > 0 {
		o.cmdline += " " + strings.Join(args, " ")
	}
	return o, nil
}

// runBench starts PostgreSQL, Temporal, the mail catcher and the API in
// this process, runs the sections asked for in their order (the worker
// joins as a process of its own) and writes the benchmarks file.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	opts, err := parseBenchFlags(args, stderr)
	if err != nil {
		return err
	}
	r := &benchRun{opts: opts, stderr: stderr,
		logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		say:    func(format string, a ...any) { fmt.Fprintf(stdout, format+"\n", a...) }}
	defer r.close()
	if err := r.start(ctx); err != nil {
		return err
	}
	for _, s := range []struct {
		name string
		run  func(context.Context, *benchSection) error
	}{
		{"intake", r.intakeSection},
		{"worker", r.workerSection},
		{"burst", r.burstSection},
		{"read", r.readSection},
		{"go", r.goSection},
	} {
		if !opts.run[s.name] {
			continue
		}
		sec := &benchSection{name: s.name, commit: gitCommit(), at: time.Now().UTC().Format("2006-01-02 15:04 MST"), load0: loadAverage()}
		r.sections = append(r.sections, sec)
		if err := s.run(ctx, sec); err != nil {
			return err
		}
		sec.load1 = loadAverage()
	}
	r.stopAPI()
	return writeBenchmarks(opts.out, r.sections)
}
