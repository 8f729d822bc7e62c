package demosystem

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"sync"

	"github.com/rightsdesk/rightsdesk/internal/delivery"
)

// Gateway is a Digital Post gateway stand-in for examples and tests: it
// checks each call's Standard Webhooks signature, keeps the MeMo messages
// it is given (once per webhook-id, as a gateway deduplicates), and answers
// 409 {"status": "exempt"} for a recipient exempt from Digital Post, who
// then gets the letter on paper.
type Gateway struct {
	Secret string
	// Exempt are the CPR numbers (digits) exempt from Digital Post.
	Exempt []string

	mu       sync.Mutex
	received []delivery.DigitalPost
	seen     map[string]bool
}

// Received are the messages delivered so far.
func (g *Gateway) Received() []delivery.DigitalPost {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.received)
}

func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
	if err != nil {
		http.Error(w, "cannot read the body", http.StatusBadRequest)
		return
	}
	if err := delivery.Verify(g.Secret, body, r.Header); err != nil {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	var m delivery.DigitalPost
	if err := json.Unmarshal(body, &m); err != nil {
		http.Error(w, "not a MeMo message", http.StatusBadRequest)
		return
	}
	if slices.Contains(g.Exempt, digits(m.Recipient.ID)) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		_, _ = io.WriteString(w, `{"status":"exempt"}`)
		return
	}
	g.mu.Lock()
	if g.seen == nil {
		g.seen = map[string]bool{}
	}
	if id := r.Header.Get("webhook-id"); !g.seen[id] {
		g.seen[id] = true
		g.received = append(g.received, m)
	}
	g.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}
