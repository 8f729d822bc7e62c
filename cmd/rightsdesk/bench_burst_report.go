//go:build !production

package main

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/rightsdesk/rightsdesk/workflows"
)

// The burst's measures of the machine (CPU, the server's backlogs) and its
// lines of the benchmarks table.

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
