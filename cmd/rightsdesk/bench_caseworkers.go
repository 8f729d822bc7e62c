//go:build !production

package main

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// caseworkers act on the cases during the burst, each taking the next
// case: a claim, a note and a decision, pausing between actions.
type caseworkers struct {
	b         *burstBench
	cases     []burstCase
	t0        time.Time
	stop      chan struct{}
	done      sync.WaitGroup
	next      atomic.Int64
	ranOut    atomic.Bool
	decisions atomic.Int64
	// mu guards updates, window and the cases' decided.
	mu      sync.Mutex
	updates []outcome
	window  time.Duration
}

func (b *burstBench) startCaseworkers(ctx context.Context, cases []burstCase, t0 time.Time) *caseworkers {
	cw := &caseworkers{b: b, cases: cases, t0: t0, stop: make(chan struct{})}
	for range b.caseworkers {
		cw.done.Go(func() { cw.work(ctx) })
	}
	return cw
}

// pause waits a caseworker's think time; false once the burst is over.
func (cw *caseworkers) pause() bool {
	select {
	case <-cw.stop:
		return false
	case <-time.After(cw.b.think):
		return true
	}
}

// work is one caseworker: cases until none is left or the burst is over.
func (cw *caseworkers) work(ctx context.Context) {
	defer func() {
		cw.mu.Lock()
		cw.window = max(cw.window, time.Since(cw.t0))
		cw.mu.Unlock()
	}()
	for cw.pause() {
		i := int(cw.next.Add(1)) - 1
		if i >= len(cw.cases) {
			cw.ranOut.Store(true)
			return
		}
		c := &cw.cases[i]
		steps := []struct{ action, path, body string }{
			{"claim", "/v1/tasks/" + c.task + "/claim", ""},
			{"note", "/v1/requests/" + c.id + "/notes", `{"text":"A note during the burst."}`},
			{"decision", "/v1/requests/" + c.id + "/decision", `{"outcome":"refuse","grounds":["17(3)(b)"],"assessment":"Kept by law."}`},
		}
		for j, s := range steps {
			if j > 0 && !cw.pause() {
				return
			}
			status, _, took, _ := cw.b.call(ctx, http.MethodPost, s.path, s.body)
			cw.mu.Lock()
			cw.updates = append(cw.updates, outcome{action: s.action, status: status, took: took})
			cw.mu.Unlock()
			if status != http.StatusOK {
				break
			}
			if s.action == "decision" {
				cw.mu.Lock()
				c.decided = time.Now()
				cw.mu.Unlock()
				cw.decisions.Add(1)
			}
		}
	}
}

// finish stops the caseworkers and puts what they saw into res.
func (cw *caseworkers) finish(res *burstResult) {
	close(cw.stop)
	cw.done.Wait()
	res.updates, res.window, res.ranOut = cw.updates, cw.window, cw.ranOut.Load()
}
