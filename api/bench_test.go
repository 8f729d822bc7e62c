package api_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/store"
)

// BenchmarkIntake is a staff registration over real HTTP: validation, the
// encrypted subject and request rows in one transaction, and the workflow
// start on the embedded Temporal server. It reports intakes per second and,
// after the loop, how long the workers took to project every request.
func BenchmarkIntake(b *testing.B) {
	s := newStack(b)
	body := letter("access", "2026-01-31")
	start := time.Now()
	n := 0
	for b.Loop() {
		r := s.intake(body, tokCaseworker)
		if r.status != http.StatusCreated {
			b.Fatalf("intake: %d %s", r.status, r.raw)
		}
		n++
	}
	elapsed := time.Since(start)
	b.ReportMetric(float64(n)/elapsed.Seconds(), "intakes/s")
	// Every workflow projects its first state; wait for the last one.
	require.Eventually(b, func() bool {
		var left int64
		s.store.DB.Model(&store.Request{}).Where("stage = 'received'").Count(&left)
		return left == 0
	}, 5*time.Minute, 50*time.Millisecond)
	b.ReportMetric(float64(n)/time.Since(start).Seconds(), "projected/s")
}

// BenchmarkIntakeParallel is the same with clients in parallel (8 per
// core), the figure to compare with the embedded server's ceiling.
func BenchmarkIntakeParallel(b *testing.B) {
	s := newStack(b)
	body := letter("access", "2026-01-31")
	b.SetParallelism(8)
	start := time.Now()
	var n atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if r := s.intake(body, tokCaseworker); r.status != http.StatusCreated {
				b.Errorf("intake: %d %s", r.status, r.raw)
				return
			}
			n.Add(1)
		}
	})
	b.ReportMetric(float64(n.Load())/time.Since(start).Seconds(), "intakes/s")
}
