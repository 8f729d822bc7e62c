package api

import (
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// addressLimiter is a token bucket per client address: the authenticator
// has one for the public's calls and one for failed sign-ins.
type addressLimiter struct {
	every time.Duration
	burst int

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

type bucket struct {
	lim  *rate.Limiter
	seen time.Time
}

// idleBucket is how long an address's bucket is kept unused; by then it is
// full again.
const idleBucket = 3 * time.Minute

func newAddressLimiter(perMinute int) *addressLimiter {
	if perMinute < 1 {
		perMinute = 20
	}
	return &addressLimiter{every: time.Minute / time.Duration(perMinute), burst: perMinute, buckets: map[string]*bucket{}}
}

func (l *addressLimiter) bucket(addr string) *rate.Limiter {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.lastSweep) > time.Minute {
		for k, b := range l.buckets {
			if now.Sub(b.seen) > idleBucket {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	b, ok := l.buckets[addr]
	if !ok {
		b = &bucket{lim: rate.NewLimiter(rate.Every(l.every), l.burst)}
		l.buckets[addr] = b
	}
	b.seen = now
	return b.lim
}

// take takes a token from addr's bucket; false when it is empty.
func (l *addressLimiter) take(addr string) bool { return l.bucket(addr).Allow() }

// empty reports whether addr's bucket is empty, without taking a token.
func (l *addressLimiter) empty(addr string) bool { return l.bucket(addr).Tokens() < 1 }

var errRateLimited = func() *Problem {
	p := NewProblem(http.StatusTooManyRequests, "rate-limited", "too many requests or failed sign-ins from this address; try again in a minute")
	p.retryAfter = "60"
	return p
}()
