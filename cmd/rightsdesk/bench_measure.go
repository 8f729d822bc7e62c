//go:build !production

package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The bench's measuring tools: calls to the API, timing, the processes'
// CPU and memory from /proc, go test -bench.

// apiCall makes one call to the API as the bench's caseworker and wants
// the answer's status; the answer itself is read and dropped.
func apiCall(ctx context.Context, method, url, token, body string, want int) error {
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s answered %d", method, req.URL.Path, resp.StatusCode)
	}
	return nil
}

// parallel runs n calls of fn on c workers and returns each call's latency
// and the whole run's wall time.
func parallel(n, c int, fn func(i int) error) ([]time.Duration, time.Duration, error) {
	lat := make([]time.Duration, n)
	var next atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				t := time.Now()
				if err := fn(i); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				lat[i] = time.Since(t)
			}
		})
	}
	wg.Wait()
	return lat, time.Since(start), firstErr
}

func pct(lat []time.Duration, p int) string {
	s := slices.Clone(lat)
	slices.Sort(s)
	if len(s) == 0 {
		return "-"
	}
	d := s[min(len(s)-1, len(s)*p/100)]
	return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000)
}

// waitReceipts waits until n receipts were sent (the outbox says so):
// every request's workflow ran its first tasks.
func waitReceipts(ctx context.Context, pool *pgxpool.Pool, n int, within time.Duration) error {
	deadline := time.Now().Add(within)
	var sent int
	for time.Now().Before(deadline) {
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM letters WHERE kind = 'receipt' AND status = 'sent'`).Scan(&sent); err != nil {
			return err
		}
		if sent >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return fmt.Errorf("only %d of %d receipts within %s", sent, n, within)
}

// processCPU is the CPU time a process (a pid, or self) used, from /proc.
func processCPU(pid string) time.Duration {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // clock ticks of 1/100 s
}

func rssMiB(pid string) int64 { return procStatusMiB(pid, "VmRSS") }

// peakRSSMiB is a process's highest resident set size so far.
func peakRSSMiB(pid string) int64 { return procStatusMiB(pid, "VmHWM") }

func procStatusMiB(pid, field string) int64 {
	b, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0
	}
	m := regexp.MustCompile(field + `:\s+(\d+) kB`).FindSubmatch(b)
	if m == nil {
		return 0
	}
	kb, _ := strconv.ParseInt(string(m[1]), 10, 64)
	return kb / 1024
}

// goBenchLine runs one go test -bench and keeps its result line's figures.
func goBenchLine(ctx context.Context, args []string) (string, error) {
	out, err := exec.CommandContext(ctx, "go", args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("%w: %s", err, out)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 2 && strings.HasPrefix(f[0], "Benchmark") {
			return strings.Join(f[2:], " "), nil
		}
	}
	return "", fmt.Errorf("no result line in: %s", out)
}
