//go:build !production

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/rightsdesk/rightsdesk/workflows"
)

// burstBench is the burst section: caseworkers act on requests made before
// a burst of intakes while the burst arrives and the worker works through
// it, and the bench measures what the caseworkers and the new requests
// see.
type burstBench struct {
	api, token string
	pool       *pgxpool.Pool
	say        func(string, ...any)
	// n intakes from clients at once; cases requests made before, acted
	// on by caseworkers each pausing think between actions.
	n, clients, cases, caseworkers int
	think                          time.Duration
	// profile, when set, is where a CPU profile of this process during
	// the burst goes.
	profile string
	http    *http.Client
	// tc and taskQueue are for the backlogs on the server.
	tc        client.Client
	taskQueue string
	// workerPID and pgDataDir find the CPU the worker and PostgreSQL use.
	workerPID string
	pgDataDir string
}

// cpu is the CPU time used so far by this process (the API, the Temporal
// server, the mail catcher), the worker and PostgreSQL.
type cpu struct{ self, worker, pg time.Duration }

func (b *burstBench) cpu() cpu {
	return cpu{processCPU("self"), processCPU(b.workerPID), postgresCPU(b.pgDataDir)}
}

// postgresCPU is the CPU time of a PostgreSQL cluster: its postmaster, the
// children it waited for, and those running.
func postgresCPU(dataDir string) time.Duration {
	raw, err := os.ReadFile(filepath.Join(dataDir, "postmaster.pid"))
	if err != nil {
		return 0
	}
	pid, _, _ := strings.Cut(string(raw), "\n")
	pid = strings.TrimSpace(pid)
	total := processCPUWithChildren(pid)
	procs, _ := os.ReadDir("/proc")
	for _, p := range procs {
		b, err := os.ReadFile("/proc/" + p.Name() + "/stat")
		if err != nil {
			continue
		}
		if f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:])); len(f) > 1 && f[1] == pid {
			total += processCPU(p.Name())
		}
	}
	return total
}

// processCPUWithChildren is a process's CPU time and that of the children
// it waited for.
func processCPUWithChildren(pid string) time.Duration {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	var ticks int64
	for _, i := range []int{11, 12, 13, 14} {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * time.Second / 100
}

// backlogs are the tasks waiting on the server: workflow tasks and
// activities of the task queue, and activities of the letters queue.
type backlogs struct{ workflow, activity, letters int64 }

func (b *burstBench) backlogs(ctx context.Context) (backlogs, error) {
	var out backlogs
	for _, q := range []struct {
		name string
		typ  enumspb.TaskQueueType
		n    *int64
	}{
		{b.taskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW, &out.workflow},
		{b.taskQueue, enumspb.TASK_QUEUE_TYPE_ACTIVITY, &out.activity},
		{workflows.LettersTaskQueue(b.taskQueue), enumspb.TASK_QUEUE_TYPE_ACTIVITY, &out.letters},
	} {
		d, err := b.tc.WorkflowService().DescribeTaskQueue(ctx, &workflowservice.DescribeTaskQueueRequest{
			Namespace: "default", TaskQueue: &taskqueuepb.TaskQueue{Name: q.name, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
			TaskQueueType: q.typ, ReportStats: true,
		})
		if err != nil {
			return out, err
		}
		*q.n = d.GetStats().GetApproximateBacklogCount()
	}
	return out, nil
}

// burstCase is a request made before the burst and its decision task.
type burstCase struct {
	id, task string
	decided  time.Time
}

// outcome is one call's answer: its status (0 when none came) and time.
type outcome struct {
	action string
	status int
	took   time.Duration
}

// burstResult is what the burst measured.
type burstResult struct {
	quiet          []time.Duration
	intakes        []outcome
	intakeElapsed  time.Duration
	updates        []outcome
	window         time.Duration
	ranOut         bool
	drained        bool
	drainLimit     time.Duration
	received       []time.Duration
	stillReceived  int
	receipts       int
	receiptsSpan   time.Duration
	receiptsSteady float64
	replies        []time.Duration
	repliesMissing int
	decided        int
	peak           backlogs
	// used is the CPU used from the burst's start until it was worked
	// through; requests those made in that time.
	used     cpu
	requests int
}

func (b *burstBench) call(ctx context.Context, method, path, body string) (int, []byte, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, method, b.api+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+b.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	t := time.Now()
	resp, err := b.http.Do(req)
	if err != nil {
		return 0, nil, time.Since(t), err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, time.Since(t), err
}

// intake registers one request and returns its ID.
func (b *burstBench) intake(ctx context.Context, kind, name string) (outcome, string, error) {
	body := fmt.Sprintf(`{"controller":"demo","kind":%q,"channel":"letter","identity":{"method":"mitid"},"subject":{"name":%q,"email":%q}}`,
		kind, name, strings.ReplaceAll(strings.ToLower(name), " ", ".")+"@example.dk")
	status, out, took, err := b.call(ctx, http.MethodPost, "/v1/requests", body)
	o := outcome{action: "intake", status: status, took: took}
	if err != nil || status != http.StatusCreated {
		return o, "", nil
	}
	var r struct{ ID string }
	if err := json.Unmarshal(out, &r); err != nil || r.ID == "" {
		return o, "", fmt.Errorf("intake answered %s", out)
	}
	return o, r.ID, nil
}

func (b *burstBench) run(ctx context.Context) (burstResult, error) {
	var res burstResult
	b.http = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: b.clients + b.caseworkers + 2}}
	defer b.http.CloseIdleConnections()

	// The caseworkers' requests, each waiting for its decision, its
	// receipt sent: the worker has nothing left to do when the burst comes.
	b.say("bench: %d requests for the caseworkers, before the burst", b.cases)
	cases := make([]burstCase, b.cases)
	var mu sync.Mutex
	_, _, err := parallel(b.cases, b.clients, func(i int) error {
		o, id, err := b.intake(ctx, "erasure", fmt.Sprintf("Case %d", i))
		if err == nil && id == "" {
			err = fmt.Errorf("intake answered %d", o.status)
		}
		mu.Lock()
		cases[i].id = id
		mu.Unlock()
		return err
	})
	if err != nil {
		return res, err
	}
	ids := make([]string, len(cases))
	for i, c := range cases {
		ids[i] = c.id
	}
	if err := b.waitFor(ctx, "the caseworkers' requests to wait for their decision, their receipts sent", time.Minute+time.Duration(b.cases)*100*time.Millisecond, func() (bool, error) {
		var ready int
		err := b.pool.QueryRow(ctx, `SELECT count(*) FROM requests r WHERE r.id = ANY($1::uuid[]) AND r.stage = 'assessment'
			AND EXISTS (SELECT 1 FROM tasks t WHERE t.request_id = r.id AND t.kind = 'decide' AND t.status = 'open')
			AND EXISTS (SELECT 1 FROM letters l WHERE l.request_id = r.id AND l.kind = 'receipt' AND l.status = 'sent')`, ids).Scan(&ready)
		return ready == len(ids), err
	}); err != nil {
		return res, err
	}
	tasks := map[string]string{}
	rows, err := b.pool.Query(ctx, `SELECT request_id::text, id::text FROM tasks WHERE request_id = ANY($1::uuid[]) AND kind = 'decide' AND status = 'open'`, ids)
	if err != nil {
		return res, err
	}
	for rows.Next() {
		var r, t string
		if err := rows.Scan(&r, &t); err != nil {
			return res, err
		}
		tasks[r] = t
	}
	rows.Close()
	for i := range cases {
		cases[i].task = tasks[cases[i].id]
	}

	// A caseworker's Update on a quiet system, for comparison: notes on
	// the first request.
	for range 20 {
		status, _, took, err := b.call(ctx, http.MethodPost, "/v1/requests/"+cases[0].id+"/notes", `{"text":"A note before the burst."}`)
		if err != nil || status != http.StatusOK {
			return res, fmt.Errorf("a note before the burst answered %d: %v", status, err)
		}
		res.quiet = append(res.quiet, took)
		time.Sleep(b.think)
	}

	if b.profile != "" {
		f, err := os.Create(b.profile)
		if err != nil {
			return res, err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return res, err
		}
		defer pprof.StopCPUProfile()
	}
	b.say("bench: a burst of %d intakes with %d clients; %d caseworkers claim, note and decide meanwhile", b.n, b.clients, b.caseworkers)
	cpu0 := b.cpu()
	t0 := time.Now()
	stopCW := make(chan struct{})
	var cwDone sync.WaitGroup
	var next atomic.Int64
	var ranOut atomic.Bool
	var decisions atomic.Int64
	record := func(o outcome) {
		mu.Lock()
		res.updates = append(res.updates, o)
		mu.Unlock()
	}
	pause := func() bool {
		select {
		case <-stopCW:
			return false
		case <-time.After(b.think):
			return true
		}
	}
	for range b.caseworkers {
		cwDone.Go(func() {
			defer func() {
				mu.Lock()
				res.window = max(res.window, time.Since(t0))
				mu.Unlock()
			}()
			for pause() {
				i := int(next.Add(1)) - 1
				if i >= len(cases) {
					ranOut.Store(true)
					return
				}
				c := &cases[i]
				steps := []struct{ action, path, body string }{
					{"claim", "/v1/tasks/" + c.task + "/claim", ""},
					{"note", "/v1/requests/" + c.id + "/notes", `{"text":"A note during the burst."}`},
					{"decision", "/v1/requests/" + c.id + "/decision", `{"outcome":"refuse","grounds":["17(3)(b)"],"assessment":"Kept by law."}`},
				}
				for j, s := range steps {
					if j > 0 && !pause() {
						return
					}
					status, _, took, _ := b.call(ctx, http.MethodPost, s.path, s.body)
					record(outcome{action: s.action, status: status, took: took})
					if status != http.StatusOK {
						break
					}
					if s.action == "decision" {
						mu.Lock()
						c.decided = time.Now()
						mu.Unlock()
						decisions.Add(1)
					}
				}
			}
		})
	}

	// Every second, the backlogs on the server; every ten, a line of progress.
	sampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for i := 1; ; i++ {
			select {
			case <-sampling:
				return
			case <-time.After(time.Second):
			}
			q, err := b.backlogs(ctx)
			if err != nil {
				continue
			}
			res.peak = backlogs{max(res.peak.workflow, q.workflow), max(res.peak.activity, q.activity), max(res.peak.letters, q.letters)}
			if i%10 == 0 {
				b.say("bench: %3d s: waiting on the server: %d workflow tasks, %d activities, %d letters", i, q.workflow, q.activity, q.letters)
			}
		}
	}()

	burstIDs := make([]string, b.n)
	res.intakes = make([]outcome, b.n)
	var intakeNext atomic.Int64
	var intakes sync.WaitGroup
	for range b.clients {
		intakes.Go(func() {
			for {
				i := int(intakeNext.Add(1)) - 1
				if i >= b.n {
					return
				}
				o, id, err := b.intake(ctx, "access", fmt.Sprintf("Burst %d", i))
				if err != nil {
					o.status = 0
				}
				res.intakes[i], burstIDs[i] = o, id
			}
		})
	}
	intakes.Wait()
	res.intakeElapsed = time.Since(t0)
	var made []string
	for _, id := range burstIDs {
		if id != "" {
			made = append(made, id)
		}
	}

	// The worker works through the burst: every new request out of
	// received, every receipt sent.
	res.drainLimit = time.Minute + time.Duration(b.n)*100*time.Millisecond
	b.say("bench: %d intakes in %s; waiting (at most %s) for every new request to leave received and every receipt to be sent", len(made), res.intakeElapsed.Round(time.Second), res.drainLimit)
	err = b.waitFor(ctx, "", res.drainLimit, func() (bool, error) {
		var received, sent int
		err := b.pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM requests WHERE id = ANY($1::uuid[]) AND stage = 'received'),
			(SELECT count(*) FROM letters WHERE request_id = ANY($1::uuid[]) AND kind = 'receipt' AND status = 'sent')`, made).Scan(&received, &sent)
		return received == 0 && sent == len(made), err
	})
	res.drained = err == nil
	cpu1 := b.cpu()
	res.used = cpu{cpu1.self - cpu0.self, cpu1.worker - cpu0.worker, cpu1.pg - cpu0.pg}
	res.requests = len(made)
	close(sampling)
	<-sampled
	// Each caseworker decides at least one request (a small burst may be
	// worked through before).
	_ = b.waitFor(ctx, "", time.Minute, func() (bool, error) {
		return decisions.Load() >= int64(min(b.caseworkers, b.cases)) || ranOut.Load(), nil
	})
	close(stopCW)
	cwDone.Wait()
	res.ranOut = ranOut.Load()
	if b.profile != "" {
		pprof.StopCPUProfile()
	}

	// The replies to the caseworkers' decisions.
	decided := map[string]time.Time{}
	for _, c := range cases {
		if !c.decided.IsZero() {
			decided[c.id] = c.decided
		}
	}
	res.decided = len(decided)
	decidedIDs := make([]string, 0, len(decided))
	for id := range decided {
		decidedIDs = append(decidedIDs, id)
	}
	_ = b.waitFor(ctx, "", time.Minute, func() (bool, error) {
		var sent int
		err := b.pool.QueryRow(ctx, `SELECT count(*) FROM letters WHERE request_id = ANY($1::uuid[]) AND kind <> 'receipt' AND audience = 'subject' AND status = 'sent'`, decidedIDs).Scan(&sent)
		return sent == len(decidedIDs), err
	})
	rows, err = b.pool.Query(ctx, `SELECT request_id::text, sent_at FROM letters WHERE request_id = ANY($1::uuid[]) AND kind <> 'receipt' AND audience = 'subject' AND status = 'sent'`, decidedIDs)
	if err != nil {
		return res, err
	}
	for rows.Next() {
		var id string
		var at time.Time
		if err := rows.Scan(&id, &at); err != nil {
			return res, err
		}
		res.replies = append(res.replies, at.Sub(decided[id]))
	}
	rows.Close()
	res.repliesMissing = len(decidedIDs) - len(res.replies)

	// How long each new request stayed in received: from its row to the
	// first projection, which writes its first events (recorded_at is the
	// projection's transaction time).
	rows, err = b.pool.Query(ctx, `SELECT EXTRACT(EPOCH FROM (SELECT min(e.recorded_at) FROM events e WHERE e.request_id = r.id) - r.created_at)::float8
		FROM requests r WHERE r.id = ANY($1::uuid[])`, made)
	if err != nil {
		return res, err
	}
	for rows.Next() {
		var secs *float64
		if err := rows.Scan(&secs); err != nil {
			return res, err
		}
		if secs == nil {
			res.stillReceived++
			continue
		}
		res.received = append(res.received, time.Duration(*secs*float64(time.Second)))
	}
	rows.Close()

	// Receipts: from the burst's start to the last one sent, and at the
	// steady rate between the first and the last.
	var first, last *time.Time
	if err := b.pool.QueryRow(ctx, `SELECT count(*), min(sent_at), max(sent_at) FROM letters WHERE request_id = ANY($1::uuid[]) AND kind = 'receipt' AND status = 'sent'`, made).
		Scan(&res.receipts, &first, &last); err != nil {
		return res, err
	}
	if last != nil {
		res.receiptsSpan = last.Sub(t0)
		if d := last.Sub(*first).Seconds(); d > 0 {
			res.receiptsSteady = float64(res.receipts-1) / d
		}
	}
	return res, nil
}

// waitFor polls done until it holds, for at most limit.
func (b *burstBench) waitFor(ctx context.Context, what string, limit time.Duration, done func() (bool, error)) error {
	deadline := time.Now().Add(limit)
	for {
		ok, err := done()
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: waited %s for %s", limit, what)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// results are the burst's lines of the benchmarks table.
func (r burstResult) results(cmdline string, b burstBench) []benchResult {
	ok := func(os []outcome, action string) []time.Duration {
		var d []time.Duration
		for _, o := range os {
			if o.status/100 == 2 && (action == "" || o.action == action) {
				d = append(d, o.took)
			}
		}
		return d
	}
	failed := func(os []outcome) (n503 int, other string) {
		counts := map[int]int{}
		for _, o := range os {
			if o.status/100 != 2 {
				counts[o.status]++
			}
		}
		n503 = counts[http.StatusServiceUnavailable]
		delete(counts, http.StatusServiceUnavailable)
		var parts []string
		for _, s := range slices.Sorted(maps.Keys(counts)) {
			name := fmt.Sprint(s)
			if s == 0 {
				name = "no answer"
			}
			parts = append(parts, fmt.Sprintf("%d × %s", counts[s], name))
		}
		if len(parts) == 0 {
			return n503, "none"
		}
		return n503, strings.Join(parts, ", ")
	}
	what := fmt.Sprintf("a burst of %d intakes (%d clients) while %d caseworkers, pausing %s between actions, claim, note and decide on %d requests made before it", b.n, b.clients, b.caseworkers, b.think, b.cases)
	u503, uOther := failed(r.updates)
	i503, iOther := failed(r.intakes)
	all := ok(r.updates, "")
	window := fmt.Sprintf("over %.0f s from the burst's start", r.window.Seconds())
	if r.ranOut {
		window += " (then the caseworkers had decided every request)"
	}
	updates := fmt.Sprintf("p50 %s, p99 %s, max %s (claim p99 %s, note p99 %s, decision p99 %s); %d Updates %s; 503s: %d; other failures: %s; on a quiet system before: p50 %s, p99 %s (target p99 ≤ 1 s, no 503)",
		pct(all, 50), pct(all, 99), pct(all, 100), pct(ok(r.updates, "claim"), 99), pct(ok(r.updates, "note"), 99), pct(ok(r.updates, "decision"), 99),
		len(r.updates), window, u503, uOther, pct(r.quiet, 50), pct(r.quiet, 99))
	intakes := ok(r.intakes, "")
	received := fmt.Sprintf("p50 %s, p99 %s, max %s over %d requests (target max ≤ 10 s)", pct(r.received, 50), pct(r.received, 99), pct(r.received, 100), len(r.received))
	if r.stillReceived > 0 {
		received += fmt.Sprintf("; %d still in received after %s", r.stillReceived, r.drainLimit)
	}
	receipts := fmt.Sprintf("%.0f receipts/s: %d sent %.1f s after the burst's start (%.0f/s between the first and the last) (target ≥ 100/s)",
		float64(r.receipts)/r.receiptsSpan.Seconds(), r.receipts, r.receiptsSpan.Seconds(), r.receiptsSteady)
	if !r.drained {
		receipts += fmt.Sprintf("; not all sent within %s", r.drainLimit)
	}
	replies := fmt.Sprintf("p50 %s, p99 %s, max %s over %d replies", pct(r.replies, 50), pct(r.replies, 99), pct(r.replies, 100), len(r.replies))
	if r.repliesMissing > 0 {
		replies += fmt.Sprintf("; %d of %d not sent a minute after the burst", r.repliesMissing, r.decided)
	}
	return []benchResult{
		{what + ": the caseworkers' Updates through the API (the answer, after the read model holds it)", cmdline, updates},
		{"the same burst: the intakes", cmdline, fmt.Sprintf("%.0f intakes/s; p50 %s, p99 %s; 503s: %d; other failures: %s",
			float64(len(intakes))/r.intakeElapsed.Seconds(), pct(intakes, 50), pct(intakes, 99), i503, iOther)},
		{"the same burst: how long each new request stays in `received` (from its row to its first projection)", cmdline, received},
		{"the same burst: receipts, each rendered with its PDF and mailed", cmdline, receipts},
		{"the same burst: a caseworker's decision to its reply letter sent", cmdline, replies},
		{"the same burst: the CPU it took, from its start until every receipt was sent", cmdline, r.cpuLine()},
		{"the same burst: the most tasks waiting on the server at once (sampled every second)", cmdline,
			fmt.Sprintf("%d workflow tasks and %d activities on the task queue; %d on the letters queue", r.peak.workflow, r.peak.activity, r.peak.letters)},
	}
}

// cpuLine says the CPU the burst took, where, and per request, and the
// rate the machine's cores could carry at that cost.
func (r burstResult) cpuLine() string {
	total := r.used.self + r.used.worker + r.used.pg
	if r.requests == 0 || total == 0 {
		return "not measured"
	}
	per := func(d time.Duration) float64 { return d.Seconds() * 1000 / float64(r.requests) }
	cores := fmt.Sprintf("%d cores", runtime.NumCPU())
	if runtime.NumCPU() == 1 {
		cores = "one core"
	}
	return fmt.Sprintf("%.1f ms a request (the caseworkers' actions and replies included): the API, Temporal server and mail catcher %.1f ms, the worker %.1f ms, PostgreSQL %.1f ms; %s at that cost carry at most %.0f requests/s, each with its receipt",
		per(total), per(r.used.self), per(r.used.worker), per(r.used.pg), cores, float64(runtime.NumCPU())*1000/per(total))
}
