//go:build !production

package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdktemporal "go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/proto"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/internal/store"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// intakeSection measures intake through the API, the API alone, and the
// raw start rate of the same server.
func (r *benchRun) intakeSection(ctx context.Context, sec *benchSection) error {
	warm := max(50, r.opts.intakes/4)
	r.say("bench: %d intakes with %d clients, the API alone", r.opts.intakes, r.opts.clients)
	if r.opts.cpuProfile != "" {
		f, err := os.Create(r.opts.cpuProfile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	// Warm up first: the server's caches, the connection pools.
	if _, _, err := parallel(warm, r.opts.clients, r.intake(ctx, 10_000_000)); err != nil {
		return err
	}
	lat, elapsed, err := parallel(r.opts.intakes, r.opts.clients, r.intake(ctx, 0))
	if r.opts.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return err
	}
	r.requestsMade += warm + r.opts.intakes
	intakeRate := float64(r.opts.intakes) / elapsed.Seconds()
	// The raw starts are the intake's own start: the same input (encrypted
	// by the same codec), search attributes and ID policies, on a task
	// queue no worker polls; only rightsdesk's own work is left out.
	var sample store.Request
	var ctrl store.Controller
	if err := r.st.DB.WithContext(ctx).First(&sample).Error; err != nil {
		return err
	}
	if err := r.st.DB.WithContext(ctx).First(&ctrl, "id = ?", sample.ControllerID).Error; err != nil {
		return err
	}
	policy, err := controllers.PolicyOf(ctrl)
	if err != nil {
		return err
	}
	rawStart := func(i int) error {
		req := sample
		req.ID = uuid.New()
		_, err := r.tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: rights.WorkflowID(req.ID), TaskQueue: "bench-raw-no-worker",
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
			TypedSearchAttributes: sdktemporal.NewSearchAttributes(
				workflows.SARequestKind.ValueSet(req.Kind), workflows.SAStage.ValueSet(string(workflows.StageReceived)),
				workflows.SAController.ValueSet(req.ControllerID)),
		}, workflows.WorkflowType, workflows.InputFor(store.PendingOf(req, policy)))
		return err
	}
	if _, _, err := parallel(warm, r.opts.clients, rawStart); err != nil {
		return err
	}
	rawLat, rawElapsed, err := parallel(r.opts.intakes, r.opts.clients, rawStart)
	if err != nil {
		return err
	}
	r.rawRate = float64(r.opts.intakes) / rawElapsed.Seconds()
	sec.results = append(sec.results,
		benchResult{fmt.Sprintf("intake through the HTTP API (validation, encrypted rows, workflow start), %d clients", r.opts.clients), r.opts.cmdline,
			fmt.Sprintf("%.0f intakes/s; p50 %s, p99 %s", intakeRate, pct(lat, 50), pct(lat, 99))},
		benchResult{fmt.Sprintf("raw StartWorkflow of the same workflow with the same input and search attributes, same server, %d clients (the ceiling)", r.opts.clients), r.opts.cmdline,
			fmt.Sprintf("%.0f starts/s; p50 %s, p99 %s", r.rawRate, pct(rawLat, 50), pct(rawLat, 99))},
		benchResult{"intake rate / raw start rate, the API alone (target ≥ 0.9)", r.opts.cmdline, fmt.Sprintf("%.2f", intakeRate/r.rawRate)})
	return nil
}

// workerSection: the worker joins while as many intakes arrive, works
// through the requests, then rests; and one run's history at the
// continue-as-new bound.
func (r *benchRun) workerSection(ctx context.Context, sec *benchSection) error {
	// The worker works through the requests (each receipt rendered
	// with its PDF and mailed) while as many more arrive.
	r.say("bench: the worker joins; %d more intakes while it renders and mails the receipts", r.opts.intakes)
	if err := r.startWorker(); err != nil {
		return err
	}
	busyLat, busyElapsed, err := parallel(r.opts.intakes, r.opts.clients, r.intake(ctx, r.opts.intakes))
	if err != nil {
		return err
	}
	r.requestsMade += r.opts.intakes
	busyRate := float64(r.opts.intakes) / busyElapsed.Seconds()
	ofRaw := ""
	if r.rawRate > 0 {
		ofRaw = fmt.Sprintf("; %.2f of the raw start rate", busyRate/r.rawRate)
	}
	sec.results = append(sec.results,
		benchResult{fmt.Sprintf("intake while the worker, on the same cores, renders and mails the receipts, %d clients", r.opts.clients), r.opts.cmdline,
			fmt.Sprintf("%.0f intakes/s; p50 %s, p99 %s%s", busyRate, pct(busyLat, 50), pct(busyLat, 99), ofRaw)})

	// Open requests waiting on their timers: the idle cost.
	total := r.requestsMade
	r.say("bench: waiting for the %d requests to settle, then measuring idle CPU", total)
	if err := waitReceipts(ctx, r.pool, total, time.Duration(total)*100*time.Millisecond+time.Minute); err != nil {
		return err
	}
	wpid := strconv.Itoa(r.worker.Process.Pid)
	sec.results = append(sec.results, benchResult{fmt.Sprintf("the worker process works through the %d requests: every receipt rendered with its PDF and mailed, each request projected (RIGHTSDESK_WORKFLOW_CACHE 1000)", total), r.opts.cmdline,
		fmt.Sprintf("%.0f receipts/s; peak RSS %d MiB", float64(total)/time.Since(r.workerStart).Seconds(), peakRSSMiB(wpid))})
	time.Sleep(min(5*time.Second, r.opts.idle))
	cpu0, wcpu0, t0 := processCPU("self"), processCPU(wpid), time.Now()
	time.Sleep(r.opts.idle)
	secs := time.Since(t0).Seconds()
	idle, widle := (processCPU("self")-cpu0).Seconds()/secs*100, (processCPU(wpid)-wcpu0).Seconds()/secs*100
	sec.results = append(sec.results,
		benchResult{fmt.Sprintf("%d open requests waiting on their timers: the worker process at rest (target RSS ≤ 512 MiB, no polling)", total), r.opts.cmdline,
			fmt.Sprintf("RSS %d MiB; CPU %.1f %% of one core over %s", rssMiB(wpid), widle, r.opts.idle)},
		benchResult{"the same: the process with the embedded Temporal server (in-memory SQLite), the API and the mail catcher", r.opts.cmdline,
			fmt.Sprintf("RSS %d MiB; CPU %.1f %% of one core", rssMiB("self"), idle)})

	// The history of one run at the continue-as-new bound, on the server:
	// notes on one request (a change each, as a daily notice is) until it
	// carries on in a new run.
	r.say("bench: notes on one request until it carries on in a new run (%d changes)", workflows.ContinueAfterChanges)
	var sample store.Request
	if err := r.st.DB.WithContext(ctx).Order("created_at").First(&sample).Error; err != nil {
		return err
	}
	hist, err := runHistoryAtBound(ctx, r.tc, r.api, benchToken, sample.ID)
	if err != nil {
		return err
	}
	sec.results = append(sec.results, benchResult{fmt.Sprintf("one request's run at the continue-as-new bound (%d changes; here notes, a change each like a daily notice), its history on the server (Temporal warns at 10,240 events or 10 MiB and fails the workflow at 51,200 or 50 MiB)", workflows.ContinueAfterChanges), r.opts.cmdline,
		fmt.Sprintf("%d events, %.0f KiB (%.1f events and %.1f KiB a change); %d notes", hist.events, float64(hist.bytes)/1024, float64(hist.events)/float64(hist.changes), float64(hist.bytes)/1024/float64(hist.changes), hist.notes)})
	return nil
}

// burstSection: a burst of intakes while caseworkers act on earlier
// requests.
func (r *benchRun) burstSection(ctx context.Context, sec *benchSection) error {
	if r.worker == nil {
		r.say("bench: the worker joins")
		if err := r.startWorker(); err != nil {
			return err
		}
		if r.requestsMade > 0 {
			if err := waitReceipts(ctx, r.pool, r.requestsMade, time.Duration(r.requestsMade)*100*time.Millisecond+time.Minute); err != nil {
				return err
			}
		}
	}
	b := burstBench{api: r.api, token: benchToken, pool: r.pool, say: r.say, n: r.opts.burst, clients: r.opts.clients, cases: r.opts.burstCases,
		caseworkers: r.opts.caseworkers, think: r.opts.think, profile: r.opts.burstProfile, tc: r.tc, taskQueue: r.cfg.TaskQueue,
		workerPID: strconv.Itoa(r.worker.Process.Pid), pgDataDir: filepath.Join(r.dir, "pg")}
	res, err := b.run(ctx)
	if err != nil {
		return err
	}
	sec.results = res.results(r.opts.cmdline, b)
	return nil
}

// readSection: queue and list latency over a large read model, with the
// query plans.
func (r *benchRun) readSection(ctx context.Context, sec *benchSection) error {
	r.say("bench: filling the read model with %d requests and %d open tasks", r.opts.requests, r.opts.tasks)
	if _, err := r.pool.Exec(ctx, fillSQL, r.opts.requests, r.opts.tasks); err != nil {
		return fmt.Errorf("fill: %w", err)
	}
	for _, t := range []string{"requests", "tasks"} {
		if _, err := r.pool.Exec(ctx, "VACUUM ANALYZE "+t); err != nil {
			return err
		}
	}
	get := func(path string) func(int) error {
		return func(int) error {
			return apiCall(ctx, http.MethodGet, r.api+path, benchToken, "", http.StatusOK)
		}
	}
	for _, q := range []struct{ what, path string }{
		{"caseworker queue, `GET /v1/tasks` (mine or unassigned, 100 soonest due)", "/v1/tasks"},
		{"request list, `GET /v1/requests` (first page of 50 by due date)", "/v1/requests"},
		{"request list filtered, `GET /v1/requests?stage=assessment&kind=erasure`", "/v1/requests?stage=assessment&kind=erasure"},
		{"overdue requests, `GET /v1/requests?overdue=true`", "/v1/requests?overdue=true"},
	} {
		lat, _, err := parallel(r.opts.calls, 1, get(q.path))
		if err != nil {
			return err
		}
		sec.results = append(sec.results, benchResult{fmt.Sprintf("%s, %d requests and %d open tasks in PostgreSQL", q.what, r.opts.requests, r.opts.tasks), r.opts.cmdline,
			fmt.Sprintf("p50 %s, p99 %s (target p99 ≤ 20 ms)", pct(lat, 50), pct(lat, 99))})
	}
	var plans strings.Builder
	plans.WriteString("With the read model filled as above (`EXPLAIN ANALYZE`):\n\n")
	for _, q := range []struct{ name, sql string }{
		{"queue", `SELECT tasks.*, requests.reference FROM tasks JOIN requests ON requests.id = tasks.request_id
		JOIN controllers ON controllers.id = requests.controller_id
		WHERE tasks.status = 'open' AND (tasks.assignee IS NULL OR tasks.assignee = 'benchToken:bench') ORDER BY tasks.due_on NULLS LAST, tasks.id LIMIT 100`},
		{"list", `SELECT * FROM requests ORDER BY COALESCE(due_on, 'infinity'::date), id LIMIT 51`},
	} {
		var b strings.Builder
		rows, err := r.pool.Query(ctx, "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) "+q.sql)
		if err != nil {
			return err
		}
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				return err
			}
			b.WriteString(line + "\n")
		}
		rows.Close()
		fmt.Fprintf(&plans, "%s:\n\n```\n%s```\n\n", q.name, b.String())
	}
	sec.extra = "### Query plans\n\n" + plans.String()
	return nil
}

// goSection: the package benchmarks.
func (r *benchRun) goSection(ctx context.Context, sec *benchSection) error {
	r.say("bench: package benchmarks (go test -bench)")
	for _, gb := range []struct{ what, pkg, pattern, benchtime string }{
		{"deadline dates of one request (due, statutory, extended; DK)", "./internal/deadline", "Deadlines$", ""},
		{"pause + resume + statutory due (SE)", "./internal/deadline", "PauseResume", ""},
		{"a letter as HTML and text (the access reply, the longest)", "./internal/letters", "RenderHTML", ""},
		{"the same letter with its PDF (pdf-bytes: the PDF's size)", "./internal/letters", "RenderPDF", ""},
		{"a letter with a 30 KB PDF sent over SMTP to the in-process mail catcher (plain, loopback), a new session for each", "./internal/delivery", "SMTPSend/new-session", ""},
		{"the same on a kept session (the outbox keeps up to 8)", "./internal/delivery", "SMTPSend/kept-session", ""},
		{"an access package for a person with 1,000,000 rows in a source PostgreSQL: exported as JSON and CSV, zipped, sealed into PostgreSQL", "./activities", "AccessPackage", "1x"},
	} {
		args := []string{"test", "-run", "^$", "-bench", gb.pattern, "-benchmem"}
		if gb.benchtime != "" {
			args = append(args, "-benchtime", gb.benchtime)
		}
		args = append(args, gb.pkg)
		line, err := goBenchLine(ctx, args)
		if err != nil {
			return fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
		}
		sec.results = append(sec.results, benchResult{gb.what, "go " + strings.Join(args, " "), line})
	}
	return nil
}

// fillSQL adds $1 requests of the demo controller, spread over stages and
// due dates, with an open task for $2 of them.
const fillSQL = `
WITH r AS (
  INSERT INTO requests (id, reference, controller_id, kind, channel, language, stage, received_on, due_on, statutory_due_on, workflow_started, closed_at)
  SELECT gen_random_uuid(), 'BENCH-' || g, 'demo',
         (ARRAY['access','rectification','erasure','restriction','portability','objection','consent_withdrawal'])[1 + (g / 7) % 7],
         'letter', 'da',
         (ARRAY['identity','assessment','fulfilment','reply','closed','closed','closed'])[1 + g % 7],
         current_date - (g % 400), current_date - (g % 400) + 30, current_date - (g % 400) + 30, true,
         CASE WHEN g % 7 >= 4 THEN now() END
  FROM generate_series(1, $1::int) g
  RETURNING id, due_on, stage)
INSERT INTO tasks (id, request_id, kind, status, due_on)
SELECT gen_random_uuid(), id, 'decide', 'open', due_on FROM r WHERE stage <> 'closed'
ORDER BY id LIMIT $2::int`

// runHistory is what one run's history measured.
type runHistory struct{ events, bytes, changes, notes int }

// runHistoryAtBound adds notes to a request through the API until its run
// continues as new, and measures that run's history.
func runHistoryAtBound(ctx context.Context, tc client.Client, api, token string, id uuid.UUID) (runHistory, error) {
	var h runHistory
	wid := rights.WorkflowID(id)
	d, err := tc.DescribeWorkflowExecution(ctx, wid, "")
	if err != nil {
		return h, err
	}
	run := d.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	continued := func() (bool, error) {
		d, err := tc.DescribeWorkflowExecution(ctx, wid, run)
		return d.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW, err
	}
	for done := false; !done; {
		if h.notes > 2*workflows.ContinueAfterChanges {
			return h, fmt.Errorf("the request did not continue as new after %d notes", h.notes)
		}
		if err := apiCall(ctx, http.MethodPost, api+"/v1/requests/"+id.String()+"/notes", token, `{"text":"A note."}`, http.StatusOK); err != nil {
			return h, err
		}
		h.notes++
		// The run continues once the last projection is written.
		if done, err = continued(); err != nil {
			return h, err
		}
		for wait := 0; !done && h.notes >= workflows.ContinueAfterChanges && wait < 100; wait++ {
			time.Sleep(20 * time.Millisecond)
			if done, err = continued(); err != nil {
				return h, err
			}
		}
	}
	iter := tc.GetWorkflowHistory(ctx, wid, run, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			return h, err
		}
		h.events++
		h.bytes += proto.Size(e)
	}
	h.changes = workflows.ContinueAfterChanges
	return h, nil
}
