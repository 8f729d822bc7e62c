//go:build !production

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/client"
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

// run makes the caseworkers' requests, then the burst while they act on
// them, and measures both until the worker has worked through the burst.
func (b *burstBench) run(ctx context.Context) (burstResult, error) {
	var res burstResult
	b.http = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: b.clients + b.caseworkers + 2}}
	defer b.http.CloseIdleConnections()

	cases, err := b.prepareCases(ctx)
	if err != nil {
		return res, err
	}
	if res.quiet, err = b.quietNotes(ctx, cases[0].id); err != nil {
		return res, err
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
	cw := b.startCaseworkers(ctx, cases, t0)
	stopSampling := b.sampleBacklogs(ctx, &res.peak)
	made := b.burstIntakes(ctx, &res, t0)

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
	stopSampling()
	// Each caseworker decides at least one request (a small burst may be
	// worked through before).
	_ = b.waitFor(ctx, "", time.Minute, func() (bool, error) {
		return cw.decisions.Load() >= int64(min(b.caseworkers, b.cases)) || cw.ranOut.Load(), nil
	})
	cw.finish(&res)
	if b.profile != "" {
		pprof.StopCPUProfile()
	}
	if err := b.measureReplies(ctx, cw.cases, &res); err != nil {
		return res, err
	}
	if err := b.measureReceived(ctx, made, &res); err != nil {
		return res, err
	}
	return res, b.measureReceipts(ctx, made, t0, &res)
}

// prepareCases makes the caseworkers' requests, each waiting for its
// decision, its receipt sent: the worker has nothing left to do when the
// burst comes.
func (b *burstBench) prepareCases(ctx context.Context) ([]burstCase, error) {
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
		return nil, err
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
		return nil, err
	}
	tasks := map[string]string{}
	rows, err := b.pool.Query(ctx, `SELECT request_id::text, id::text FROM tasks WHERE request_id = ANY($1::uuid[]) AND kind = 'decide' AND status = 'open'`, ids)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var r, t string
		if err := rows.Scan(&r, &t); err != nil {
			return nil, err
		}
		tasks[r] = t
	}
	for i := range cases {
		cases[i].task = tasks[cases[i].id]
	}
	return cases, rows.Err()
}

// quietNotes times a caseworker's Update on a quiet system, for
// comparison: notes on one request.
func (b *burstBench) quietNotes(ctx context.Context, id string) ([]time.Duration, error) {
	var quiet []time.Duration
	for range 20 {
		status, _, took, err := b.call(ctx, http.MethodPost, "/v1/requests/"+id+"/notes", `{"text":"A note before the burst."}`)
		if err != nil || status != http.StatusOK {
			return quiet, fmt.Errorf("a note before the burst answered %d: %v", status, err)
		}
		quiet = append(quiet, took)
		time.Sleep(b.think)
	}
	return quiet, nil
}

// sampleBacklogs reads the backlogs on the server every second into peak,
// with a line of progress every ten, until stopped.
func (b *burstBench) sampleBacklogs(ctx context.Context, peak *backlogs) (stop func()) {
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
			*peak = backlogs{max(peak.workflow, q.workflow), max(peak.activity, q.activity), max(peak.letters, q.letters)}
			if i%10 == 0 {
				b.say("bench: %3d s: waiting on the server: %d workflow tasks, %d activities, %d letters", i, q.workflow, q.activity, q.letters)
			}
		}
	}()
	return func() {
		close(sampling)
		<-sampled
	}
}

// burstIntakes makes the burst's intakes from b.clients clients and
// returns the IDs of the requests made.
func (b *burstBench) burstIntakes(ctx context.Context, res *burstResult, t0 time.Time) []string {
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
	return made
}

// measureReplies times each caseworker's decision to its reply letter sent.
func (b *burstBench) measureReplies(ctx context.Context, cases []burstCase, res *burstResult) error {
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
	rows, err := b.pool.Query(ctx, `SELECT request_id::text, sent_at FROM letters WHERE request_id = ANY($1::uuid[]) AND kind <> 'receipt' AND audience = 'subject' AND status = 'sent'`, decidedIDs)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var at time.Time
		if err := rows.Scan(&id, &at); err != nil {
			return err
		}
		res.replies = append(res.replies, at.Sub(decided[id]))
	}
	res.repliesMissing = len(decidedIDs) - len(res.replies)
	return rows.Err()
}

// measureReceived times how long each new request stayed in received:
// from its row to the first projection, which writes its first events
// (recorded_at is the projection's transaction time).
func (b *burstBench) measureReceived(ctx context.Context, made []string, res *burstResult) error {
	rows, err := b.pool.Query(ctx, `SELECT EXTRACT(EPOCH FROM (SELECT min(e.recorded_at) FROM events e WHERE e.request_id = r.id) - r.created_at)::float8
		FROM requests r WHERE r.id = ANY($1::uuid[])`, made)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var secs *float64
		if err := rows.Scan(&secs); err != nil {
			return err
		}
		if secs == nil {
			res.stillReceived++
			continue
		}
		res.received = append(res.received, time.Duration(*secs*float64(time.Second)))
	}
	return rows.Err()
}

// measureReceipts: from the burst's start to the last receipt sent, and
// the steady rate between the first and the last.
func (b *burstBench) measureReceipts(ctx context.Context, made []string, t0 time.Time, res *burstResult) error {
	var first, last *time.Time
	if err := b.pool.QueryRow(ctx, `SELECT count(*), min(sent_at), max(sent_at) FROM letters WHERE request_id = ANY($1::uuid[]) AND kind = 'receipt' AND status = 'sent'`, made).
		Scan(&res.receipts, &first, &last); err != nil {
		return err
	}
	if last != nil {
		res.receiptsSpan = last.Sub(t0)
		if d := last.Sub(*first).Seconds(); d > 0 {
			res.receiptsSteady = float64(res.receipts-1) / d
		}
	}
	return nil
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
