package delivery_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/rightsdesk/rightsdesk/internal/delivery"
	"github.com/rightsdesk/rightsdesk/internal/devtools/mailcatch"
)

// TestSMTPToARealServer: go-mail talks SMTP to an in-process server, which
// parses what arrived: the Message-ID, both bodies and the PDF.
func TestSMTPToARealServer(t *testing.T) {
	srv, err := mailcatch.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	s, err := delivery.ParseSMTPURL(srv.URL())
	require.NoError(t, err)
	err = s.Send(context.Background(), delivery.Email{
		MessageID: "0b6f1c2e-letter@rightsdesk", From: "Demo Kommune <noreply@demo.example>", To: "ase@example.dk",
		Subject: "Svar på din anmodning om indsigt (RD-2026-000042)", Text: "Kære Åse\n\nSe vedhæftet.", HTML: "<p>Kære Åse</p>",
		PDF: []byte("%PDF-1.4 test"), PDFName: "svar.pdf",
	})
	require.NoError(t, err)
	msgs := srv.Messages()
	require.Len(t, msgs, 1)
	m := msgs[0]
	require.Equal(t, []string{"ase@example.dk"}, m.To)
	require.Equal(t, "Svar på din anmodning om indsigt (RD-2026-000042)", m.Subject)
	require.Equal(t, "0b6f1c2e-letter@rightsdesk", m.MessageID)
	require.Contains(t, m.Text, "Kære Åse")
	require.Contains(t, m.HTML, "<p>Kære Åse</p>")
	require.Len(t, m.Attachments, 1)
	require.Equal(t, "svar.pdf", m.Attachments[0].Filename)
	require.Equal(t, "%PDF-1.4 test", string(m.Attachments[0].Data))

	_, err = delivery.ParseSMTPURL("http://example")
	require.Error(t, err)
	sec, err := delivery.ParseSMTPURL("smtp://u:p@mail.example:2525")
	require.NoError(t, err)
	require.Equal(t, "mail.example", sec.Host)
	require.Equal(t, 2525, sec.Port)
	require.Equal(t, "p", sec.Password)
}

// TestSMTPRefusedIsNotAmbiguous: a server that is not there means the
// message was not sent, and may be sent again.
func TestSMTPRefusedIsNotAmbiguous(t *testing.T) {
	s, err := delivery.ParseSMTPURL("smtp://127.0.0.1:1?tls=none")
	require.NoError(t, err)
	err = s.Send(context.Background(), delivery.Email{MessageID: "x@y", From: "a@b.example", To: "c@d.example", Subject: "s", Text: "t"})
	require.Error(t, err)
	require.NotErrorIs(t, err, delivery.ErrAmbiguous)
}

// countingProxy forwards TCP connections to target and counts them; kill
// cuts every connection open so far.
type countingProxy struct {
	ln    net.Listener
	mu    sync.Mutex
	n     int
	conns []net.Conn
}

func newCountingProxy(t *testing.T, target string) *countingProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &countingProxy{ln: ln}
	t.Cleanup(func() { ln.Close(); p.kill() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.n++
			p.conns = append(p.conns, c, u)
			p.mu.Unlock()
			go func() { _, _ = io.Copy(u, c); u.Close() }()
			go func() { _, _ = io.Copy(c, u); c.Close() }()
		}
	}()
	return p
}

func (p *countingProxy) count() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}

func (p *countingProxy) kill() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestSMTPKeepsSessions: a run of messages goes over one SMTP session, not
// a connection each; a kept session the server has closed meanwhile is
// noticed before anything is sent on it, and the message goes once, on a
// new one.
func TestSMTPKeepsSessions(t *testing.T) {
	srv, err := mailcatch.Start("127.0.0.1:0")
	require.NoError(t, err)
	t.Cleanup(func() { srv.Close() })
	proxy := newCountingProxy(t, srv.Addr())
	s, err := delivery.ParseSMTPURL("smtp://" + proxy.ln.Addr().String() + "?tls=none")
	require.NoError(t, err)
	t.Cleanup(s.Close)
	send := func(i int) error {
		return s.Send(context.Background(), delivery.Email{MessageID: fmt.Sprintf("m%d@rightsdesk", i), From: "a@demo.example", To: fmt.Sprintf("p%d@example.dk", i),
			Subject: "s", Text: "t", PDF: []byte("%PDF-1.4 test"), PDFName: "x.pdf"})
	}
	for i := range 5 {
		require.NoError(t, send(i))
	}
	require.Len(t, srv.Messages(), 5)
	require.Equal(t, 1, proxy.count(), "five messages, one session")

	proxy.kill()
	require.NoError(t, send(5))
	require.Len(t, srv.Messages(), 6)
	require.Equal(t, "m5@rightsdesk", srv.Messages()[5].MessageID)
	require.Equal(t, 2, proxy.count(), "a new session once the kept one was gone")

	// At once, as many sessions as senders, each kept after.
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() { require.NoError(t, send(10+i)) })
	}
	wg.Wait()
	require.Len(t, srv.Messages(), 10)
	require.LessOrEqual(t, proxy.count(), 2+4)
}

// BenchmarkSMTPSend sends a letter with a 30 KB PDF to the in-process
// server (plain SMTP on loopback, no TLS, no login), on a new session each
// time and on a kept one.
func BenchmarkSMTPSend(b *testing.B) {
	srv, err := mailcatch.Start("127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { srv.Close() })
	pdf := make([]byte, 30<<10)
	for _, idle := range []int{0, 8} {
		name := "new-session"
		if idle > 0 {
			name = "kept-session"
		}
		b.Run(name, func(b *testing.B) {
			s, err := delivery.ParseSMTPURL(srv.URL())
			if err != nil {
				b.Fatal(err)
			}
			s.MaxIdle = idle
			b.Cleanup(s.Close)
			for i := 0; b.Loop(); i++ {
				if err := s.Send(context.Background(), delivery.Email{MessageID: fmt.Sprintf("b%d@rightsdesk", i), From: "a@demo.example", To: "p@example.dk",
					Subject: "Vi har modtaget din anmodning", Text: "Kære Åse", HTML: "<p>Kære Åse</p>", PDF: pdf, PDFName: "kvittering.pdf"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestWebhookSigned: the receiver sees the Standard Webhooks headers and a
// signature that verifies with the shared secret, and not with another.
func TestWebhookSigned(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	var mu sync.Mutex
	var got http.Header
	var body []byte
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		got, body = r.Header.Clone(), must(io.ReadAll(r.Body))
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(recv.Close)
	w, err := delivery.NewWebhook(secret)
	require.NoError(t, err)
	require.NoError(t, w.Post(context.Background(), recv.URL, "msg-1", []byte(`{"a":1}`)))
	require.Equal(t, "msg-1", got.Get("webhook-id"))
	require.NoError(t, delivery.Verify(secret, body, got))
	require.Error(t, delivery.Verify("whsec_c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0", body, got))
	_, err = delivery.NewWebhook("not a secret!")
	require.Error(t, err)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
