//go:build !production

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/rightsdesk/rightsdesk/examples"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"go.temporal.io/sdk/client"

	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type devRun struct {
	cancel  context.CancelFunc
	done    chan error
	stdout  *syncBuffer
	api     string
	ui      string
	tctl    client.Client
	pgURL   string
	mail    string
	pgPID   int
	dataDir string
}

func startDev(t *testing.T, dataDir string, extra ...string) *devRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &devRun{cancel: cancel, done: make(chan error, 1), stdout: &syncBuffer{}, dataDir: dataDir}
	go func() {
		args := append([]string{"dev", "--data-dir", dataDir, "--http-addr", "127.0.0.1:0", "--temporal-port", "0", "--temporal-ui-port", "0", "--mail-addr", "127.0.0.1:0"}, extra...)
		r.done <- run(ctx, args, r.stdout, io.Discard)
	}()
	require.Eventually(t, func() bool {
		select {
		case err := <-r.done:
			t.Fatalf("dev stopped early: %v", err)
		default:
		}
		return strings.Contains(r.stdout.String(), "Press Ctrl-C")
	}, 2*time.Minute, 50*time.Millisecond)
	out := r.stdout.String()
	find := func(re string) string {
		m := regexp.MustCompile(re).FindStringSubmatch(out)
		require.Len(t, m, 2, "banner lacks %s:\n%s", re, out)
		return m[1]
	}
	r.api = find(`API\s+(http://\S+)`)
	r.ui = find(`Temporal UI\s+(http://\S+)`)
	r.pgURL = find(`PostgreSQL\s+(postgres://\S+)`)
	r.mail = find(`Mail\s+(http://\S+)`)
	tc, err := client.Dial(client.Options{HostPort: find(`Temporal\s+(127\.0\.0\.1:\d+)`)})
	require.NoError(t, err)
	r.tctl = tc
	require.Regexp(t, `caseworker token\s+Authorization: Bearer rd_dev_\w+`, out)
	require.Regexp(t, `dpo token\s+Authorization: Bearer rd_dev_\w+`, out)
	b, err := os.ReadFile(filepath.Join(dataDir, "pg", "postmaster.pid"))
	require.NoError(t, err)
	r.pgPID, err = strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	require.NoError(t, err)
	return r
}

func (r *devRun) stop(t *testing.T) {
	t.Helper()
	r.tctl.Close()
	r.cancel()
	select {
	case err := <-r.done:
		require.NoError(t, err)
	case <-time.After(time.Minute):
		t.Fatal("dev did not stop within a minute")
	}
	// No orphaned PostgreSQL: the postmaster is gone.
	require.ErrorIs(t, syscall.Kill(r.pgPID, 0), syscall.ESRCH, "postgres (pid %d) outlived dev", r.pgPID)
}

func getJSON(t *testing.T, url string, into any) int {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.NoError(t, json.NewDecoder(resp.Body).Decode(into))
	return resp.StatusCode
}

// TestDev starts `rightsdesk dev`, checks it is ready and its Temporal UI
// lists the namespace, stops it as Ctrl-C would, and starts it again on the
// same data directory to find the first run's data.
func TestDev(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "data")
	first := startDev(t, dataDir)

	var ready struct{ Status string }
	require.Equal(t, http.StatusOK, getJSON(t, first.api+"/readyz", &ready))
	require.Equal(t, "ready", ready.Status)

	var namespaces struct {
		Namespaces []struct {
			NamespaceInfo struct{ Name string } `json:"namespaceInfo"`
		} `json:"namespaces"`
	}
	require.Equal(t, http.StatusOK, getJSON(t, first.ui+"/api/v1/namespaces", &namespaces))
	var names []string
	for _, n := range namespaces.Namespaces {
		names = append(names, n.NamespaceInfo.Name)
	}
	require.Contains(t, names, "default")

	// One click logs a caseworker into the web UI, as the README says.
	jar, err := cookiejar.New(nil)
	require.NoError(t, err)
	browser := &http.Client{Jar: jar}
	resp, err := browser.Get(first.api + "/staff/login")
	require.NoError(t, err)
	login, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(login), `value="dev-caseworker"`)
	require.Contains(t, string(login), `value="dev-dpo"`)
	csrf := regexp.MustCompile(`name="_csrf" value="([^"]+)"`).FindStringSubmatch(string(login))
	require.NotNil(t, csrf)
	resp, err = browser.PostForm(first.api+"/staff/login/dev", url.Values{"_csrf": {csrf[1]}, "name": {"dev-caseworker"}, "next": {"/staff/inbox"}})
	require.NoError(t, err)
	inbox, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", inbox)
	require.Equal(t, "/staff/inbox", resp.Request.URL.Path)
	require.Contains(t, string(inbox), `class="staffnav"`)

	ctx := context.Background()
	conn, err := pgx.Connect(ctx, first.pgURL)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `INSERT INTO controllers (id, name, role, country, time_zone, language) VALUES ('persisted', 'P', 'controller', 'DK', 'Europe/Copenhagen', 'da')`)
	require.NoError(t, err)
	conn.Close(ctx)
	// The worker keeps the sweeper's schedule.
	sched, err := first.tctl.ScheduleClient().GetHandle(ctx, workflows.SweepScheduleID).Describe(ctx)
	require.NoError(t, err)
	require.Equal(t, workflows.SweepWorkflowType, sched.Schedule.Action.(*client.ScheduleWorkflowAction).Workflow)
	digest, err := first.tctl.ScheduleClient().GetHandle(ctx, workflows.DigestScheduleID).Describe(ctx)
	require.NoError(t, err)
	require.Equal(t, workflows.DigestWorkflowType, digest.Schedule.Action.(*client.ScheduleWorkflowAction).Workflow)
	_, err = first.tctl.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "persisted", TaskQueue: "no-worker"}, "Nothing")
	require.NoError(t, err)
	tokens := regexp.MustCompile(`Bearer (rd_dev_\w+)`).FindAllString(first.stdout.String(), -1)

	// The README's walk-through: an erasure carried out in the demo source
	// system, with the psychologist's journal kept under its hold.
	caseworker := regexp.MustCompile(`caseworker token\s+Authorization: Bearer (rd_dev_\w+)`).FindStringSubmatch(first.stdout.String())[1]
	post := func(path, body string) map[string]any {
		var out map[string]any
		status, err := apiJSON(http.MethodPost, first.api+path, caseworker, "", body, &out)
		require.NoError(t, err)
		require.Less(t, status, 300, "%s: %v", path, out)
		return out
	}
	erasure := post("/v1/requests", `{"controller":"demo","kind":"erasure","channel":"letter","identity":{"method":"mitid"},
		"subject":{"name":"Anna Hansen","email":"anna.hansen@example.dk","cpr":"070761-4285"}}`)
	id := erasure["id"].(string)
	require.Eventually(t, func() bool {
		var r map[string]any
		_, err := apiJSON(http.MethodGet, first.api+"/v1/requests/"+id, caseworker, "", "", &r)
		return err == nil && r["stage"] == "assessment"
	}, 20*time.Second, 100*time.Millisecond)
	post("/v1/requests/"+id+"/decision", `{"outcome":"grant","assessment":"Ingen pligt til at gemme de gamle notater."}`)
	require.Eventually(t, func() bool {
		resp, err := http.Get(first.mail)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		page, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(page), "Svar på din anmodning om sletning")
	}, 30*time.Second, 100*time.Millisecond, "the erasure's reply is on the mail page")
	src, err := pgx.Connect(ctx, strings.Replace(first.pgURL, "/rightsdesk?", "/demo_source?", 1))
	require.NoError(t, err)
	var left, journals, bookings, others int
	require.NoError(t, src.QueryRow(ctx, `SELECT count(*) FROM borger.sagsnotater WHERE cpr = '070761-4285'`).Scan(&left))
	require.NoError(t, src.QueryRow(ctx, `SELECT count(*) FROM borger.psykologjournal WHERE cpr = '070761-4285'`).Scan(&journals))
	require.NoError(t, src.QueryRow(ctx, `SELECT count(*) FROM booking.aftaler WHERE cpr = '070761-4285' OR email = 'anna.hansen@example.dk'`).Scan(&bookings))
	require.NoError(t, src.QueryRow(ctx, `SELECT count(*) FROM booking.aftaler WHERE email = 'bo@example.dk'`).Scan(&others))
	src.Close(ctx)
	require.Equal(t, 1, left, "the notes of the last five years stay (arkivloven), the older two are gone")
	require.Equal(t, 1, journals, "the journal under psykologloven § 14 stays, the old one is gone")
	require.Zero(t, bookings, "the demo booking system, reached over signed http, erased her appointments")
	require.Equal(t, 1, others, "and only hers")
	resp, err = http.Get(first.mail)
	require.NoError(t, err)
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Contains(t, string(page), "persondata@udbetaling-danmark.example", "Udbetaling Danmark is told of the erasure (Art. 19)")

	// A newcomer registers a request by curl and sees its receipt on the
	// mail page within seconds.
	resp, err = http.Post(first.api+"/v1/requests", "application/json", strings.NewReader(
		`{"controller":"demo","kind":"access","subject":{"name":"Nina Nybegynder","email":"nina@example.dk"}}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusCreated, resp.StatusCode)
	require.Eventually(t, func() bool {
		resp, err := http.Get(first.mail)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		page, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(page), "Vi har modtaget din anmodning om indsigt") && strings.Contains(string(page), "nina@example.dk")
	}, 20*time.Second, 100*time.Millisecond, "the receipt shows on the mail page")
	// An open request, waiting on its timers, goes through the restart.
	open := post("/v1/requests", `{"controller":"demo","kind":"access","channel":"letter",
		"subject":{"name":"Ole Open","email":"ole.open@example.dk"}}`)
	openID := open["id"].(string)
	var timersBefore []time.Time
	require.Eventually(t, func() bool {
		timersBefore = pendingTimers(t, first.tctl, openID)
		return len(timersBefore) > 0
	}, 20*time.Second, 100*time.Millisecond)
	first.stop(t)

	second := startDev(t, dataDir)
	defer second.stop(t)
	conn, err = pgx.Connect(ctx, second.pgURL)
	require.NoError(t, err)
	defer conn.Close(ctx)
	var name string
	require.NoError(t, conn.QueryRow(ctx, `SELECT name FROM controllers WHERE id = 'persisted'`).Scan(&name))
	var seeded string
	require.NoError(t, conn.QueryRow(ctx, `SELECT string_agg(id || ':' || country || ':' || time_zone, ',' ORDER BY id) FROM controllers WHERE id LIKE 'demo%'`).Scan(&seeded))
	require.Equal(t, "demo:DK:Europe/Copenhagen,demo-se:SE:Europe/Stockholm", seeded)
	require.Equal(t, "P", name)
	desc, err := second.tctl.DescribeWorkflowExecution(ctx, "persisted", "")
	require.NoError(t, err)
	require.Equal(t, "Nothing", desc.GetWorkflowExecutionInfo().GetType().GetName())
	require.Equal(t, tokens, regexp.MustCompile(`Bearer (rd_dev_\w+)`).FindAllString(second.stdout.String(), -1), "dev tokens survive a restart")

	// The open request's workflow lives on with the same timers, each
	// due at the controller's notice hour (08:00 in Copenhagen), and
	// takes a caseworker's action.
	open2, err := second.tctl.DescribeWorkflowExecution(ctx, "request/"+openID, "")
	require.NoError(t, err)
	require.Equal(t, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, open2.GetWorkflowExecutionInfo().GetStatus())
	require.Equal(t, timersBefore, pendingTimers(t, second.tctl, openID), "the same timers after the restart")
	// Operators watch a request's history against Temporal's limits with
	// describe (docs/WORKFLOW.md).
	require.Equal(t, int64(len(historyEvents(t, second.tctl, openID))), open2.GetWorkflowExecutionInfo().GetHistoryLength())
	cph, err := time.LoadLocation("Europe/Copenhagen")
	require.NoError(t, err)
	for _, at := range timersBefore {
		require.Equal(t, 8, at.In(cph).Hour(), "a notice at the local notice hour: %s", at.In(cph))
	}
	caseworker2 := regexp.MustCompile(`caseworker token\s+Authorization: Bearer (rd_dev_\w+)`).FindStringSubmatch(second.stdout.String())[1]
	status, err := apiJSON(http.MethodPost, second.api+"/v1/requests/"+openID+"/notes", caseworker2, "", `{"text":"Efter genstart."}`, nil)
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, status, "the workflow takes an Update after the restart")
}

// historyEvents are a request's history's events.
func historyEvents(t *testing.T, tc client.Client, requestID string) []any {
	t.Helper()
	var out []any
	iter := tc.GetWorkflowHistory(context.Background(), "request/"+requestID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		out = append(out, ev)
	}
	return out
}

// pendingTimers are the fire times of a request's timers started and
// neither fired nor cancelled, from its history.
func pendingTimers(t *testing.T, tc client.Client, requestID string) []time.Time {
	t.Helper()
	started := map[string]time.Time{}
	iter := tc.GetWorkflowHistory(context.Background(), "request/"+requestID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		require.NoError(t, err)
		if a := ev.GetTimerStartedEventAttributes(); a != nil {
			started[a.GetTimerId()] = ev.GetEventTime().AsTime().Add(a.GetStartToFireTimeout().AsDuration()).Truncate(time.Second)
		}
		if a := ev.GetTimerFiredEventAttributes(); a != nil {
			delete(started, a.GetTimerId())
		}
		if a := ev.GetTimerCanceledEventAttributes(); a != nil {
			delete(started, a.GetTimerId())
		}
	}
	var out []time.Time
	for _, at := range started {
		out = append(out, at)
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// TestInvalidControllersStopStartUp: a bad controllers file stops a process
// before it touches anything, naming the line at fault.
func TestInvalidControllersStopStartUp(t *testing.T) {
	path := filepath.Join(t.TempDir(), "controllers.yaml")
	require.NoError(t, os.WriteFile(path, []byte("controllers:\n  - id: a\n    name: A\n    country: FI\n"), 0o600))
	t.Setenv("RIGHTSDESK_CONTROLLERS_FILE", path)
	t.Setenv("DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
	err := run(context.Background(), []string{"worker"}, io.Discard, io.Discard)
	require.ErrorContains(t, err, "line 4")
	require.ErrorContains(t, err, "country must be DK or SE")
}

func TestHelpListsEnvironment(t *testing.T) {
	for _, cmd := range []string{"dev", "serve", "worker", "migrate", "keygen", "rotate-keys"} {
		var stderr bytes.Buffer
		err := run(context.Background(), []string{cmd, "--help"}, io.Discard, &stderr)
		require.ErrorIs(t, err, flag.ErrHelp, cmd)
		require.Contains(t, stderr.String(), "DATABASE_URL", cmd)
		require.Contains(t, stderr.String(), "Usage: rightsdesk "+cmd, cmd)
	}
	require.Error(t, run(context.Background(), []string{"nonsense"}, io.Discard, io.Discard))
}

func TestMain(m *testing.M) {
	// Started by a test as a rightsdesk process (serve, worker, migrate):
	// the test binary is the binary.
	if os.Getenv("RIGHTSDESK_TEST_AS_BINARY") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(pgtest.Main(m))
}

func TestMigrateCommand(t *testing.T) {
	t.Setenv("DATABASE_URL", pgtest.DSN(t))
	ctx := context.Background()
	require.NoError(t, run(ctx, []string{"migrate", "down"}, io.Discard, io.Discard))
	var out bytes.Buffer
	require.NoError(t, run(ctx, []string{"migrate", "status"}, &out, io.Discard))
	require.Contains(t, out.String(), "pending")
	out.Reset()
	require.NoError(t, run(ctx, []string{"migrate", "up"}, &out, io.Discard))
	require.Contains(t, out.String(), "applied")
	require.NotContains(t, out.String(), "pending")
	require.ErrorContains(t, run(ctx, []string{"migrate", "sideways"}, io.Discard, io.Discard), "unknown migrate action")
}

// TestKeygen prints keys the configuration accepts.
func TestKeygen(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"keygen"}, &out, io.Discard))
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		k, v, ok := strings.Cut(line, "=")
		require.True(t, ok, line)
		env[k] = v
	}
	_, err := crypto.ParseKeyring(env["RIGHTSDESK_MASTER_KEYS"], env["RIGHTSDESK_BLIND_INDEX_KEY"])
	require.NoError(t, err)
}

// TestTakenPortsFallBack: a second instance on a machine whose default
// ports are taken gets free ones.
func TestTakenPortsFallBack(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	require.Zero(t, portOrFree(port), "a taken port falls back to any free one")
	ln, err := listenOrFree(busy.Addr().String())
	require.NoError(t, err)
	defer ln.Close()
	require.NotEqual(t, port, ln.Addr().(*net.TCPAddr).Port)
	require.Equal(t, "127.0.0.1", ln.Addr().(*net.TCPAddr).IP.String())
}

// TestDevExamples: `rightsdesk dev --example <name>` starts each shipped
// example with its controllers, source database and stand-ins; each
// example's README walk-through works as written.
func TestDevExamples(t *testing.T) {
	for _, name := range examples.Names() {
		t.Run(name, func(t *testing.T) {
			r := startDev(t, filepath.Join(t.TempDir(), "data"), "--example", name)
			defer r.stop(t)
			out := r.stdout.String()
			require.Contains(t, out, filepath.Join("examples", name, "README.md"))
			ex, err := examples.Load(filepath.Join(r.dataDir, "examples", name))
			require.NoError(t, err)
			token := regexp.MustCompile(`caseworker token\s+Authorization: Bearer (rd_dev_\w+)`).FindStringSubmatch(out)[1]
			call := func(method, path, body string) (int, map[string]any) {
				var m map[string]any
				status, err := apiJSON(method, r.api+path, token, "", body, &m)
				require.NoError(t, err)
				return status, m
			}
			for _, c := range ex.Controllers {
				status, _ := call(http.MethodGet, "/v1/controllers/"+c.ID+"/data-map", "")
				require.Equal(t, http.StatusOK, status, "controller %s is served", c.ID)
			}
			// The README's walk-through, command by command, as written:
			// each curl POST with its body, $ID the request the first made.
			readme, err := os.ReadFile(filepath.Join(r.dataDir, "examples", name, "README.md"))
			require.NoError(t, err)
			text := strings.ReplaceAll(string(readme), `'$(date -d '-3 days' +%F)'`, time.Now().AddDate(0, 0, -3).Format(time.DateOnly))
			cmds := regexp.MustCompile(`(?s)localhost:8080(/v1/[^ ']+) -d '(\{.*?\})'`).FindAllStringSubmatch(text, -1)
			require.NotEmpty(t, cmds, "the README has a walk-through")
			id := ""
			for i, c := range cmds {
				path := strings.ReplaceAll(c[1], "$ID", id)
				var status int
				var body map[string]any
				// A step waits for the request to reach its stage.
				require.Eventually(t, func() bool {
					status, body = call(http.MethodPost, path, c[2])
					return status != http.StatusConflict
				}, 30*time.Second, 200*time.Millisecond, "%s", path)
				require.Less(t, status, 300, "README step %d (%s): %v", i+1, path, body)
				if i == 0 {
					id, _ = body["id"].(string)
					require.NotEmpty(t, id)
				}
			}
			if name != "jobcentre-processor" {
				return
			}
			received := time.Now().AddDate(0, 0, -3).Format(time.DateOnly)
			require.Eventually(t, func() bool {
				_, list := call(http.MethodGet, "/v1/requests?controller=jobcenter-vestby", "")
				items, _ := list["items"].([]any)
				return len(items) == 1 && items[0].(map[string]any)["received_at"] == received
			}, 30*time.Second, 100*time.Millisecond, "forwarded with the first day of receipt")
		})
	}
}

// TestBenchCommand: `rightsdesk bench`, small, writes the benchmarks file
// with every figure, the burst's among them, and the query plans; run
// again with one section, it rewrites that section and keeps the others.
func TestBenchCommand(t *testing.T) {
	out := filepath.Join(t.TempDir(), "BENCHMARKS.md")
	var stdout bytes.Buffer
	err := run(context.Background(), []string{"bench", "--out", out, "--intakes", "20", "--clients", "4", "--requests", "2000", "--tasks", "200",
		"--calls", "5", "--idle", "1s", "--go-bench=false", "--burst", "60", "--burst-cases", "6", "--caseworkers", "2", "--think", "20ms"}, &stdout, io.Discard)
	require.NoError(t, err, stdout.String())
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	doc := string(b)
	for _, want := range []string{"intakes/s; p50", "starts/s; p50", "intake rate / raw start rate, the API alone", "intake while the worker", "open requests waiting on their timers", "continue-as-new bound", "receipts/s; peak RSS",
		"`GET /v1/tasks`", "`GET /v1/requests?overdue=true`", "### Query plans", "Limit (actual rows=", "Commit ", "Load average (1, 5, 15 min) ",
		"a burst of 60 intakes (4 clients) while 2 caseworkers", "the caseworkers' Updates through the API", "(claim p99 ", "503s: 0;", "on a quiet system before: p50 ",
		"stays in `received`", "over 60 requests (target max ≤ 10 s)", "receipts/s: 60 sent ", "decision to its reply letter sent", "ms a request (the caseworkers' actions and replies included): the API, Temporal server and mail catcher ", "requests/s, each with its receipt",
		"the most tasks waiting on the server at once"} {
		require.Contains(t, doc, want)
	}
	require.NotContains(t, doc, "still in received")
	require.Regexp(t, `claim, note and decide on 6 requests made before it: the caseworkers' Updates through the API \(the answer, after the read model holds it\) \| [^|]+ \| p50 [0-9.]+ ms, p99 [0-9.]+ ms, max [0-9.]+ ms \(claim p99 [0-9.]+ ms, note p99 [0-9.]+ ms, decision p99 [0-9.]+ ms\); [1-9][0-9]* Updates over [0-9]+ s from the burst's start[^;]*; 503s: 0; other failures: none;`, doc,
		"every claim, note and decision answered")
	require.Regexp(t, `reply letter sent \| [^|]+ \| p50 [0-9.]+ ms, p99 [0-9.]+ ms, max [0-9.]+ ms over [1-9][0-9]* replies \|`, doc, "a reply to each decision")

	// The burst alone: the other sections stay as they were.
	stdout.Reset()
	err = run(context.Background(), []string{"bench", "--out", out, "--sections", "burst", "--clients", "4", "--burst", "30", "--burst-cases", "3", "--caseworkers", "1", "--think", "20ms"}, &stdout, io.Discard)
	require.NoError(t, err, stdout.String())
	b, err = os.ReadFile(out)
	require.NoError(t, err)
	again := string(b)
	require.Contains(t, again, "a burst of 30 intakes (4 clients) while 1 caseworkers")
	require.NotContains(t, again, "a burst of 60 intakes")
	for _, kept := range []string{"intakes/s; p50", "continue-as-new bound", "### Query plans", "`GET /v1/tasks`"} {
		require.Contains(t, again, kept)
	}
	before, _, _ := strings.Cut(doc, "<!-- bench:burst -->")
	require.True(t, strings.HasPrefix(again, before), "the sections before the burst unchanged")
}
