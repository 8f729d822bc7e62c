// Package httpx holds the HTTP defences both front doors share: the
// per-address rate limits, the site's cookies, the signed CSRF tokens of
// the pages' forms and the staff sessions behind the pages' sign-in. The
// JSON API (api/) and the pages (web/staff, web/citizen) are mounted on one
// Echo app by internal/app and share one instance of each.
package httpx

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Limiter is a token bucket per client address: the API's public calls
// and the public pages share one, failed sign-ins (a bearer token or a
// staff login) another.
type Limiter struct {
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

// NewLimiter allows perMinute calls a minute per address (20 when unset),
// in bursts of as many.
func NewLimiter(perMinute int) *Limiter {
	if perMinute < 1 {
		perMinute = 20
	}
	return &Limiter{every: time.Minute / time.Duration(perMinute), burst: perMinute, buckets: map[string]*bucket{}}
}

func (l *Limiter) bucket(addr string) *rate.Limiter {
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

// Take takes a token from addr's bucket; false when it is empty.
func (l *Limiter) Take(addr string) bool { return l.bucket(addr).Allow() }

// Empty reports whether addr's bucket is empty, without taking a token.
func (l *Limiter) Empty(addr string) bool { return l.bucket(addr).Tokens() < 1 }

// RetryAfter is what a refusal over a limit tells the client, in seconds.
const RetryAfter = "60"
