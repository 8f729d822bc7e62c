package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/controllers"
	"github.com/rightsdesk/rightsdesk/internal/delivery"
	"github.com/rightsdesk/rightsdesk/internal/devtools/mailcatch"
	"github.com/rightsdesk/rightsdesk/internal/policy"
	"github.com/rightsdesk/rightsdesk/internal/store"
)

// mailTo waits for the e-mails to an address whose subject holds a text.
func (s *stack) mailTo(addr, subject string, n int) []mailcatch.Message {
	s.t.Helper()
	var got []mailcatch.Message
	require.Eventually(s.t, func() bool {
		got = nil
		for _, m := range s.mail.Messages() {
			if len(m.To) == 1 && m.To[0] == addr && strings.Contains(m.Subject, subject) {
				got = append(got, m)
			}
		}
		return len(got) >= n
	}, 20*time.Second, 20*time.Millisecond, "%d e-mail(s) to %s about %q; have %d", n, addr, subject, len(s.mail.Messages()))
	return got
}

func (s *stack) letters(id string) []map[string]any {
	s.t.Helper()
	r := s.call(http.MethodGet, "/v1/requests/{id}/letters", map[string]string{"id": id}, nil, tokAdmin)
	require.Equal(s.t, http.StatusOK, r.status, "%s", r.raw)
	var out []map[string]any
	for _, it := range r.body["items"].([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

// TestLettersReachPeople: a citizen's request is answered by e-mail that a
// real SMTP server receives: the receipt with the status link and the PDF,
// then the refusal with its grounds and the right to complain. Staff see
// the letters and read their PDFs, and the reading is logged.
func TestLettersReachPeople(t *testing.T) {
	s := newStack(t)
	r := s.intake(map[string]any{"controller": "demo", "kind": "erasure",
		"subject": map[string]any{"name": "Åse Østergård", "email": "ase@example.dk"}}, "")
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	id := r.str("id")

	receipt := s.mailTo("ase@example.dk", "Vi har modtaget din anmodning om sletning", 1)[0]
	require.Contains(t, receipt.Text, "Kære Åse Østergård")
	require.Contains(t, receipt.Text, r.str("status_url"), "the receipt carries the status link")
	require.Contains(t, receipt.Text, r.str("reference"))
	require.Contains(t, receipt.HTML, "<p>Kære Åse Østergård</p>")
	require.Len(t, receipt.Attachments, 1)
	require.True(t, bytes.HasPrefix(receipt.Attachments[0].Data, []byte("%PDF-")))

	s.waitStage(id, "identity")
	p := map[string]string{"id": id}
	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/identity", p, map[string]any{"method": "mitid"}, tokCaseworker).status)
	d := s.call(http.MethodPost, "/v1/requests/{id}/decision", p, map[string]any{"outcome": "refuse", "grounds": []string{"17(3)(b)"},
		"assessment": "Sagen skal journaliseres efter arkivloven."}, tokCaseworker)
	require.Equal(t, http.StatusOK, d.status, "%s", d.raw)
	refusal := s.mailTo("ase@example.dk", "Afgørelse om din anmodning om sletning", 1)[0]
	require.Contains(t, refusal.Text, "databeskyttelsesforordningens artikel 17, stk. 3, litra b")
	require.Contains(t, refusal.Text, "Sagen skal journaliseres efter arkivloven.")
	require.Contains(t, refusal.Text, "Datatilsynet")
	require.Contains(t, refusal.Text, "domstolene")
	s.waitStage(id, "closed")

	ls := s.letters(id)
	require.Len(t, ls, 2)
	require.Equal(t, "receipt", ls[0]["kind"])
	require.Equal(t, "refusal", ls[1]["kind"])
	for _, l := range ls {
		require.Equal(t, "sent", l["status"])
		require.Equal(t, "email", l["channel"])
	}
	pdfPath := ls[1]["pdf"].(string)
	resp, body := s.raw(http.MethodGet, pdfPath, tokCaseworker)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	require.True(t, bytes.HasPrefix(body, []byte("%PDF-")))
	var logged int64
	require.NoError(t, s.store.DB.Model(&store.Access{}).Where("request_id = ? AND what = 'letter:refusal'", id).Count(&logged).Error)
	require.EqualValues(t, 1, logged, "reading a letter is logged")
	got := s.call(http.MethodGet, "/v1/requests/{id}", p, nil, tokCaseworker)
	require.Len(t, got.body["letters"], 2, "letters are part of the request")
	// Every message has the letter's stable ID as its Message-ID.
	require.Equal(t, ls[1]["id"].(string)+"@rightsdesk", refusal.MessageID)
}

// TestPaperWhenNoDigitalAddress: a subject who gave only a postal address
// gets paper: a print task with the PDF, which a caseworker posts.
func TestPaperWhenNoDigitalAddress(t *testing.T) {
	s := newStack(t)
	m := letter("access", "2026-01-31")
	m["subject"] = map[string]any{"name": "Bent Hansen", "address": "Nørregade 7, 1165 København K"}
	r := s.intake(m, tokCaseworker)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	var task map[string]any
	require.Eventually(t, func() bool {
		q := s.call(http.MethodGet, "/v1/tasks", nil, nil, tokCaseworker)
		for _, it := range q.body["items"].([]any) {
			if it := it.(map[string]any); it["kind"] == "print_letter" && it["request_id"] == r.str("id") {
				task = it
				return true
			}
		}
		return false
	}, 20*time.Second, 50*time.Millisecond)
	require.NotNil(t, task["letter_id"])
	ls := s.letters(r.str("id"))
	require.Equal(t, "print", ls[0]["channel"])
	require.Equal(t, "print", ls[0]["status"])
	resp, body := s.raw(http.MethodGet, ls[0]["pdf"].(string), tokCaseworker)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.True(t, bytes.HasPrefix(body, []byte("%PDF-")))
	for _, m := range s.mail.Messages() {
		// The request is long overdue: the DPO hears of it, by e-mail.
		require.Equal(t, []string{"dpo@demo-kommune.example"}, m.To, "nothing to the subject by e-mail: %s", m.Subject)
	}

	done := s.call(http.MethodPost, "/v1/tasks/{id}/complete", map[string]string{"id": task["id"].(string)}, nil, tokCaseworker)
	require.Equal(t, http.StatusOK, done.status, "%s", done.raw)
	require.Equal(t, "printed", s.letters(r.str("id"))[0]["status"])
}

// gateway is a Digital Post gateway stand-in: it checks each call's
// signature, fails the first calls, and processes each message once.
type gateway struct {
	t        *testing.T
	failures int
	mu       sync.Mutex
	calls    int
	seen     map[string]bool
	received []delivery.DigitalPost
}

func (g *gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls++
	if err := delivery.Verify(webhookSecret, body, r.Header); err != nil {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if g.calls <= g.failures {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	id := r.Header.Get("webhook-id")
	if !g.seen[id] {
		g.seen[id] = true
		var m delivery.DigitalPost
		if err := json.Unmarshal(body, &m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		g.received = append(g.received, m)
	}
	w.WriteHeader(http.StatusAccepted)
}

// TestDigitalPostThroughGateway: a Danish subject with a CPR number gets
// Digital Post through the signed gateway, which fails twice and still
// gets the letter once, with every field a MeMo message needs.
func TestDigitalPostThroughGateway(t *testing.T) {
	s := newStack(t)
	g := &gateway{t: t, failures: 2, seen: map[string]bool{}}
	srv := httptest.NewServer(g)
	t.Cleanup(srv.Close)
	c := controllers.Demo()[0]
	c.ID, c.Name = "dp", "Digital Kommune"
	c.PublicAuthority = true
	c.Delivery.DigitalPost = &policy.Gateway{URL: srv.URL + "/memo", SenderID: "29189978"}
	require.NoError(t, controllers.Sync(context.Background(), s.store, []controllers.Controller{c}))

	m := letter("access", "2026-01-31")
	m["controller"] = "dp"
	r := s.intake(m, tokAdmin)
	require.Equal(t, http.StatusCreated, r.status, "%s", r.raw)
	receipt := func() map[string]any {
		for _, l := range s.letters(r.str("id")) {
			if l["kind"] == "receipt" {
				return l
			}
		}
		return nil
	}
	require.Eventually(t, func() bool {
		l := receipt()
		return l != nil && l["status"] == "sent"
	}, 20*time.Second, 50*time.Millisecond)
	l := receipt()
	require.Equal(t, "digital_post", l["channel"])
	require.EqualValues(t, 3, l["attempts"], "two failures, then delivered")

	g.mu.Lock()
	defer g.mu.Unlock()
	require.Len(t, g.received, 1, "once, however often it was posted")
	memo := g.received[0]
	require.Equal(t, l["id"], memo.MessageUUID)
	require.Equal(t, "DIGITALPOST", memo.MessageType)
	require.Equal(t, "CPR", memo.Recipient.IDType)
	require.Equal(t, "0707614285", memo.Recipient.ID)
	require.Equal(t, "Test Person", memo.Recipient.Name)
	require.Equal(t, delivery.DPSender{IDType: "CVR", ID: "29189978", Label: "Digital Kommune"}, memo.Sender)
	require.Equal(t, "automatic", memo.Channel, "Digital Post, else paper")
	require.Equal(t, r.str("reference"), memo.Case.CaseID)
	require.Contains(t, memo.Label, "Vi har modtaget din anmodning om indsigt")
	require.Equal(t, "application/pdf", memo.Document.EncodingFormat)
	require.True(t, bytes.HasPrefix(memo.Document.Content, []byte("%PDF-")))
	for _, m := range s.mail.Messages() {
		require.NotContains(t, m.Subject, "Vi har modtaget", "not by e-mail too")
	}
}

// TestWorkerKilledMidSend: the worker dies after an e-mail left and before
// it was recorded. The retry does not send it again: it becomes a task to
// confirm, with the Message-ID to look for, and nothing is lost.
func TestWorkerKilledMidSend(t *testing.T) {
	s := newStack(t)
	var once sync.Once
	s.outbox.AfterSend = func(uuid.UUID) { once.Do(func() { panic("worker killed") }) }
	r := s.intake(map[string]any{"controller": "demo", "kind": "access", "subject": map[string]any{"name": "Carl", "email": "carl@example.dk"}}, "")
	require.Equal(t, http.StatusCreated, r.status)
	var task map[string]any
	require.Eventually(t, func() bool {
		q := s.call(http.MethodGet, "/v1/tasks", nil, nil, tokCaseworker)
		for _, it := range q.body["items"].([]any) {
			if it := it.(map[string]any); it["kind"] == "confirm_delivery" {
				task = it
				return true
			}
		}
		return false
	}, 20*time.Second, 50*time.Millisecond)
	require.Len(t, s.mailTo("carl@example.dk", "Vi har modtaget", 1), 1, "sent once, not again")
	l := s.letters(r.str("id"))[0]
	require.Equal(t, "confirm", l["status"])
	require.Equal(t, l["id"], task["letter_id"])
	done := s.call(http.MethodPost, "/v1/tasks/{id}/complete", map[string]string{"id": task["id"].(string)}, nil, tokCaseworker)
	require.Equal(t, http.StatusOK, done.status, "%s", done.raw)
	require.Equal(t, "sent", s.letters(r.str("id"))[0]["status"])
	require.Len(t, s.mail.Messages(), 1)
}

// TestApprovalAndPreliminaryAnswer: a controller that approves replies
// holds the reply until a caseworker approves it from the queue; a
// preliminary answer goes when a caseworker sends it.
func TestApprovalAndPreliminaryAnswer(t *testing.T) {
	s := newStack(t)
	c := controllers.Demo()[0]
	c.Delivery.ApproveReplies = true
	require.NoError(t, controllers.Sync(context.Background(), s.store, []controllers.Controller{c}))
	r := s.intake(map[string]any{"controller": "demo", "kind": "access", "subject": map[string]any{"name": "Dora", "email": "dora@example.dk"}}, "")
	require.Equal(t, http.StatusCreated, r.status)
	id := r.str("id")
	p := map[string]string{"id": id}
	s.waitStage(id, "identity")

	pre := s.call(http.MethodPost, "/v1/requests/{id}/letters", p, map[string]any{"kind": "preliminary"}, tokCaseworker)
	require.Equal(t, http.StatusOK, pre.status, "%s", pre.raw)
	require.Contains(t, s.mailTo("dora@example.dk", "Foreløbigt svar", 1)[0].Text, "endeligt svar senest")
	again := s.call(http.MethodPost, "/v1/requests/{id}/letters", p, map[string]any{"kind": "preliminary"}, tokCaseworker)
	require.Equal(t, http.StatusConflict, again.status)
	require.Equal(t, "letter-sent", again.problemRule())

	require.Equal(t, http.StatusOK, s.call(http.MethodPost, "/v1/requests/{id}/identity", p, map[string]any{"method": "mitid"}, tokCaseworker).status)
	d := s.call(http.MethodPost, "/v1/requests/{id}/decision", p, map[string]any{"outcome": "grant", "assessment": "Copy enclosed."}, tokCaseworker)
	require.Equal(t, http.StatusOK, d.status)
	done := s.call(http.MethodPost, "/v1/tasks/{id}/complete", map[string]string{"id": taskOf(t, d.body, "fulfil")}, nil, tokCaseworker)
	require.Equal(t, http.StatusOK, done.status, "%s", done.raw)
	var approve string
	require.Eventually(t, func() bool {
		q := s.call(http.MethodGet, "/v1/tasks?scope=all", nil, nil, tokCaseworker)
		for _, tk := range q.body["items"].([]any) {
			if tk := tk.(map[string]any); tk["kind"] == "approve_reply" && tk["request_id"] == id {
				approve = tk["id"].(string)
				return true
			}
		}
		return false
	}, 20*time.Second, 50*time.Millisecond)
	for _, m := range s.mail.Messages() {
		require.NotContains(t, m.Subject, "Svar på din anmodning om indsigt", "no reply before it is approved")
	}
	ok := s.call(http.MethodPost, "/v1/tasks/{id}/complete", map[string]string{"id": approve}, nil, tokCaseworker2)
	require.Equal(t, http.StatusOK, ok.status, "%s", ok.raw)
	reply := s.mailTo("dora@example.dk", "Svar på din anmodning om indsigt", 1)[0]
	require.Contains(t, reply.Text, "Beskæftigelsesindsats", "the access reply lists the record of processing")
	s.waitStage(id, "closed")
}

// TestDataMapReadable: a controller's data map through the API, for the
// controllers the caller acts for; another controller's is not found.
func TestDataMapReadable(t *testing.T) {
	s := newStack(t)
	c := controllers.Demo()[0]
	c.Systems = []policy.System{{ID: "sag", Name: "Sagssystem", Kind: "postgres", Datasets: []policy.Dataset{{
		ID: "case_notes", Name: "Sagsnotater", Table: "src.case_notes", Keys: map[string]string{"cpr": "cpr"},
		Purposes: []string{"Beskæftigelsesindsats"}, LegalBasis: []string{"6(1)(e)"}, Recipients: []string{}, Retention: "5 år",
		Erase: policy.Erasure{Strategy: "delete"}, Holds: []policy.Hold{{Reference: "psykologloven § 14, stk. 2", Reason: "5 år", Column: "last_entry_at", Years: 5}},
	}}}}
	require.NoError(t, controllers.Sync(context.Background(), s.store, []controllers.Controller{c}))
	r := s.call(http.MethodGet, "/v1/controllers/{id}/data-map", map[string]string{"id": "demo"}, nil, tokCaseworker)
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	sys := r.body["systems"].([]any)[0].(map[string]any)
	require.Equal(t, "postgres", sys["kind"])
	ds := sys["datasets"].([]any)[0].(map[string]any)
	require.Equal(t, "psykologloven § 14, stk. 2", ds["holds"].([]any)[0].(map[string]any)["reference"])
	require.NotContains(t, string(r.raw), "postgres://", "no connection strings")
	other := s.call(http.MethodGet, "/v1/controllers/{id}/data-map", map[string]string{"id": "demo"}, nil, tokOther)
	require.Equal(t, http.StatusNotFound, other.status)
}
