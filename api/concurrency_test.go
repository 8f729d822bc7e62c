package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/store"
)

// sent is one answer to a call made from a goroutine of its own.
type sent struct {
	i      int
	status int
	body   map[string]any
	raw    []byte
	err    error
}

// together sends the bodies to one path at the same moment, each from a
// goroutine of its own, and returns the answers in the order of bodies.
func (s *stack) together(path, token string, bodies []map[string]any) []sent {
	s.t.Helper()
	out := make([]sent, len(bodies))
	var ready, done sync.WaitGroup
	start := make(chan struct{})
	for i, b := range bodies {
		ready.Add(1)
		done.Add(1)
		go func() {
			defer done.Done()
			raw, _ := json.Marshal(b)
			req, err := http.NewRequest(http.MethodPost, s.url+path, bytes.NewReader(raw))
			if err != nil {
				out[i] = sent{i: i, err: err}
				ready.Done()
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			ready.Done()
			<-start
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				out[i] = sent{i: i, err: err}
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			r := sent{i: i, status: resp.StatusCode, raw: body, err: err}
			_ = json.Unmarshal(body, &r.body)
			out[i] = r
		}()
	}
	ready.Wait()
	close(start)
	done.Wait()
	return out
}

// TestConflictingDecisionsAtOnce: twenty decisions on one erasure, grants
// and refusals, sent at the same moment, twenty times over, on the real
// server. Each time exactly one answers 200 and is recorded (one
// decision.made event, the state's outcome its outcome), every other
// answers 409 naming the rule, and the subject gets one reply: the one the
// record says.
func TestConflictingDecisionsAtOnce(t *testing.T) {
	// Correctness, not latency (the bench measures that): a loaded machine
	// may take long to answer twenty Updates at once.
	s := newStack(t, stackOptions{temporalTimeout: 2 * time.Minute})
	const rounds, callers = 20, 20
	for round := range rounds {
		person := uuid.NewString()[:8]
		id := s.identified(map[string]any{"controller": "demo", "kind": "erasure", "channel": "letter", "received_at": time.Now().Format(time.DateOnly),
			"subject": map[string]any{"name": "Race " + person, "email": "race-" + person + "@example.dk"}})
		bodies := make([]map[string]any, callers)
		for i := range bodies {
			if i%2 == 0 {
				bodies[i] = map[string]any{"outcome": "grant", "assessment": fmt.Sprintf("Grant %d: no duty to keep it.", i)}
			} else {
				bodies[i] = map[string]any{"outcome": "refuse", "grounds": []string{"17(3)(b)"}, "assessment": fmt.Sprintf("Refusal %d: journal duty.", i)}
			}
		}
		answers := s.together("/v1/requests/"+id+"/decision", tokCaseworker, bodies)
		var won []sent
		for _, a := range answers {
			require.NoError(t, a.err)
			switch a.status {
			case http.StatusOK:
				won = append(won, a)
			case http.StatusConflict:
				rule, _ := a.body["rule"].(string)
				// Refused by the rule the state breaks, or, when the winner
				// closed the request while this one was on its way, because
				// it is closed.
				require.Contains(t, []string{"stage", "action-in-progress", "request-closed"}, rule, "round %d: %s", round, a.raw)
			default:
				t.Fatalf("round %d: decision %d answered %d: %s", round, a.i, a.status, a.raw)
			}
		}
		var winners []string
		for _, w := range won {
			winners = append(winners, fmt.Sprintf("%d (%s)", w.i, bodies[w.i]["outcome"]))
		}
		require.Len(t, winners, 1, "round %d: exactly one decision is taken", round)
		winner := bodies[won[0].i]

		// What the data map leaves to people is done by hand.
		require.Eventually(t, func() bool {
			got := s.call(http.MethodGet, "/v1/requests/{id}", map[string]string{"id": id}, nil, tokCaseworker)
			state := got.body["state"].(map[string]any)
			if state["stage"] == "closed" {
				return true
			}
			for _, tk := range state["tasks"].([]any) {
				if tk := tk.(map[string]any); tk["kind"] == "fulfil" && tk["status"] == "open" {
					s.call(http.MethodPost, "/v1/tasks/{id}/complete", map[string]string{"id": tk["id"].(string)}, nil, tokCaseworker)
				}
			}
			return false
		}, 30*time.Second, 50*time.Millisecond, "round %d: the request closes", round)
		s.waitStage(id, "closed")
		var made int64
		require.NoError(t, s.store.DB.Model(&store.Event{}).Where("request_id = ? AND action = 'decision.made'", id).Count(&made).Error)
		require.EqualValues(t, 1, made, "round %d: one decision recorded", round)
		got := s.call(http.MethodGet, "/v1/requests/{id}", map[string]string{"id": id}, nil, tokCaseworker)
		require.Equal(t, http.StatusOK, got.status)
		decision := got.body["state"].(map[string]any)["decision"].(map[string]any)
		require.Equal(t, winner["outcome"], decision["outcome"], "round %d: the record holds the decision that answered 200", round)
		require.Equal(t, winner["assessment"], decision["assessment"], "round %d", round)

		var replies []string
		for _, l := range s.letters(id) {
			if l["kind"] != "receipt" {
				replies = append(replies, l["kind"].(string))
			}
		}
		require.Len(t, replies, 1, "round %d: one reply: %v", round, replies)
		if winner["outcome"] == "refuse" {
			require.Equal(t, "refusal", replies[0], "round %d: the reply the record says", round)
		} else {
			require.NotEqual(t, "refusal", replies[0], "round %d: the reply the record says", round)
		}
	}
}
