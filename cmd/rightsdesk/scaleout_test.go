//go:build !production

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/rightsdesk/rightsdesk/internal/crypto"
	"github.com/rightsdesk/rightsdesk/internal/devtools/devstack"
	"github.com/rightsdesk/rightsdesk/internal/devtools/mailcatch"
	"github.com/rightsdesk/rightsdesk/internal/devtools/pgtest"
	"github.com/rightsdesk/rightsdesk/internal/devtools/testenv"
	"github.com/rightsdesk/rightsdesk/internal/rights"
	"github.com/rightsdesk/rightsdesk/workflows"
)

// process is a rightsdesk subcommand running as its own OS process.
type process struct {
	cmd  *exec.Cmd
	name string
	log  *os.File
}

// startProcess runs the test binary as `rightsdesk <args>` with env.
func startProcess(t *testing.T, name string, env []string, args ...string) *process {
	t.Helper()
	logf, err := os.Create(filepath.Join(t.TempDir(), name+".log"))
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(append(os.Environ(), "RIGHTSDESK_TEST_AS_BINARY=1"), env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	require.NoError(t, cmd.Start())
	p := &process{cmd: cmd, name: name, log: logf}
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			if len(b) > 3000 {
				b = b[len(b)-3000:]
			}
			t.Logf("%s:\n%s", name, b)
		}
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = cmd.Process.Kill()
		}
		logf.Close()
	})
	return p
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}

// TestScaleOut: two `rightsdesk serve` and two `rightsdesk worker`
// processes against one Temporal server and one PostgreSQL share the work:
// every request is taken once though each is sent to both APIs with the
// same Idempotency-Key, every decision is applied once though sent to
// both, both workers poll, and when one is killed outright the other
// carries every request on; no receipt or decision letter is sent twice.
func TestScaleOut(t *testing.T) {
	ctx := context.Background()
	temporal, err := devstack.StartTemporal(ctx, devstack.TemporalOptions{UIPort: -1, SearchAttributes: workflows.SearchAttributes(), Logger: testenv.Logger()})
	require.NoError(t, err)
	t.Cleanup(temporal.Stop)
	mail, err := mailcatch.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { mail.Close() })
	const token = "scale-token-0123456789"
	taskQueue := "scaleout-" + fmt.Sprint(time.Now().UnixNano())
	env := []string{
		"DATABASE_URL=" + pgtest.DSN(t),
		"TEMPORAL_ADDRESS=" + temporal.Address(),
		"RIGHTSDESK_TASK_QUEUE=" + taskQueue,
		"RIGHTSDESK_MASTER_KEYS=k1:" + crypto.NewKey(),
		"RIGHTSDESK_BLIND_INDEX_KEY=" + crypto.NewKey(),
		"RIGHTSDESK_API_TOKENS=cw:caseworker:" + token,
		"RIGHTSDESK_SMTP_URL=" + mail.URL(),
		"RIGHTSDESK_CONTROLLERS_FILE=" + filepath.Join("..", "..", "internal", "controllers", "demo.yaml"),
		"RIGHTSDESK_LOG_LEVEL=warn",
	}
	migrate := exec.Command(os.Args[0], "migrate", "up")
	migrate.Env = append(append(os.Environ(), "RIGHTSDESK_TEST_AS_BINARY=1"), env...)
	out, err := migrate.CombinedOutput()
	require.NoError(t, err, "%s", out)

	workers := []*process{startProcess(t, "worker-1", env, "worker"), startProcess(t, "worker-2", env, "worker")}
	var apis []string
	for i := range 2 {
		addr := freeAddr(t)
		startProcess(t, fmt.Sprintf("serve-%d", i+1), append(env, "RIGHTSDESK_HTTP_ADDR="+addr, "RIGHTSDESK_PUBLIC_URL=http://"+addr), "serve")
		apis = append(apis, "http://"+addr)
	}
	for _, api := range apis {
		require.Eventually(t, func() bool {
			resp, err := http.Get(api + "/readyz")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		}, 2*time.Minute, 100*time.Millisecond, "%s ready", api)
	}
	tc, err := client.Dial(client.Options{HostPort: temporal.Address()})
	require.NoError(t, err)
	t.Cleanup(tc.Close)
	require.Eventually(t, func() bool {
		d, err := tc.DescribeTaskQueue(ctx, taskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
		return err == nil && len(d.Pollers) == 2
	}, time.Minute, 100*time.Millisecond, "both workers poll the one task queue")

	post := func(api, path, key string, body any) (int, map[string]any) {
		raw, _ := json.Marshal(body)
		var m map[string]any
		status, err := apiJSON(http.MethodPost, api+path, token, key, string(raw), &m)
		require.NoError(t, err)
		return status, m
	}
	// Each request goes to both APIs at once, with the same key.
	register := func(i int) string {
		body := map[string]any{"controller": "demo", "kind": "erasure", "channel": "letter", "identity": map[string]any{"method": "mitid"},
			"subject": map[string]any{"name": fmt.Sprintf("Person %d", i), "email": fmt.Sprintf("person%d@example.dk", i)}}
		ids := make([]string, 2)
		var wg sync.WaitGroup
		for j, api := range apis {
			wg.Go(func() {
				status, m := post(api, "/v1/requests", fmt.Sprintf("letter-%d", i), body)
				require.Contains(t, []int{http.StatusCreated, http.StatusOK}, status, "%v", m)
				ids[j], _ = m["id"].(string)
			})
		}
		wg.Wait()
		require.Equal(t, ids[0], ids[1], "the same request from both APIs")
		return ids[0]
	}
	const n = 12
	var ids []string
	for i := range n / 2 {
		ids = append(ids, register(i))
	}
	// One worker dies outright; the other carries on with everything.
	require.NoError(t, workers[0].cmd.Process.Kill())
	for i := n / 2; i < n; i++ {
		ids = append(ids, register(i))
	}
	// The same decision, sent to both APIs with one key, is applied once.
	for _, id := range ids {
		require.Eventually(t, func() bool {
			var m map[string]any
			_, err := apiJSON(http.MethodGet, apis[0]+"/v1/requests/"+id, token, "", "", &m)
			return err == nil && m["stage"] == "assessment"
		}, time.Minute, 100*time.Millisecond)
		var wg sync.WaitGroup
		for _, api := range apis {
			wg.Go(func() {
				status, m := post(api, "/v1/requests/"+id+"/decision", "decide-"+id, map[string]any{"outcome": "refuse", "grounds": []string{"17(3)(b)"}, "assessment": "Kept by law."})
				require.Equal(t, http.StatusOK, status, "%v", m)
			})
		}
		wg.Wait()
	}
	// Every request is answered, by the surviving worker where needed. A
	// letter the killed worker was sending when it died may have gone or
	// not: it is never sent blindly again, but becomes a task for a person
	// to confirm (docs/LETTERS.md), so each letter is sent once or waits
	// for that confirmation; none is sent twice.
	seen := map[string]int{}
	confirms := 0
	require.Eventually(t, func() bool {
		clear(seen)
		for _, m := range mail.Messages() {
			if strings.Contains(m.Subject, "Afgørelse om din anmodning") || strings.Contains(m.Subject, "Vi har modtaget") {
				seen[m.To[0]+" "+m.Subject[:10]]++
			}
		}
		var q struct{ Items []struct{ Kind string } }
		if _, err := apiJSON(http.MethodGet, apis[1]+"/v1/tasks?scope=all", token, "", "", &q); err != nil {
			return false
		}
		confirms = 0
		for _, it := range q.Items {
			if it.Kind == "confirm_delivery" {
				confirms++
			}
		}
		return len(seen)+confirms >= 2*n
	}, 2*time.Minute, 200*time.Millisecond, "a receipt and a reply for each of %d requests, or a confirmation task", n)
	require.LessOrEqual(t, confirms, n/2, "at most the letters the killed worker had in hand")
	for k, c := range seen {
		require.Equal(t, 1, c, "sent once: %s", k)
	}
	for _, id := range ids {
		decisions := 0
		iter := tc.GetWorkflowHistory(ctx, rights.WorkflowID(uuidOf(t, id)), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		for iter.HasNext() {
			ev, err := iter.Next()
			require.NoError(t, err)
			if a := ev.GetWorkflowExecutionUpdateAcceptedEventAttributes(); a != nil && a.GetAcceptedRequest().GetInput().GetName() == workflows.UpdateDecide {
				decisions++
			}
		}
		require.Equal(t, 1, decisions, "one decision on %s", id)
	}
	var list *workflowservice.ListWorkflowExecutionsResponse
	list, err = tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: "WorkflowType = 'RightsRequest'"})
	require.NoError(t, err)
	require.Len(t, list.Executions, n, "one workflow per request")
}

func uuidOf(t *testing.T, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	require.NoError(t, err)
	return id
}
