// Package delivery carries letters out: e-mail over SMTP (go-mail), and
// signed webhooks (Standard Webhooks) to the gateways that sign and forward
// Danish Digital Post (MeMo) and Swedish digital mail. It knows nothing of
// requests; the outbox (activities) decides what goes where, once.
package delivery

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// ErrAmbiguous is a send whose outcome cannot be known: the connection
// failed after the message was handed over (RFC 5321 §6.1). It must not be
// sent again blindly.
var ErrAmbiguous = errors.New("delivery: the outcome of the send is unknown")

// SMTP sends e-mail through one server.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	// TLS is mandatory STARTTLS (the default), opportunistic, or none (a
	// local mail catcher).
	TLS mail.TLSPolicy
	// SSL is implicit TLS (smtps, port 465).
	SSL     bool
	Timeout time.Duration
	// MaxIdle connections are kept open between messages and reused, so a
	// burst of letters does not connect (and negotiate TLS and log in)
	// for each one; 0 connects for every message. One unused for
	// IdleTimeout is closed instead (servers drop idle sessions, RFC 5321
	// §4.5.3.2.7).
	MaxIdle     int
	IdleTimeout time.Duration

	once      sync.Once
	client    *mail.Client
	clientErr error
	mu        sync.Mutex
	idle      []idleConn
}

// idleConn is an open SMTP session waiting for the next message.
type idleConn struct {
	c     *smtp.Client
	since time.Time
}

// ParseSMTPURL reads smtp://user:pass@host:587 (STARTTLS required),
// smtp://host:25?tls=none, ?tls=opportunistic, or smtps://host:465.
func ParseSMTPURL(raw string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return nil, errors.New("delivery: an SMTP URL is smtp://[user:pass@]host:port[?tls=starttls|opportunistic|none] or smtps://host:465")
	}
	s := &SMTP{Host: u.Hostname(), Port: 587, TLS: mail.TLSMandatory, Timeout: 30 * time.Second, MaxIdle: 8, IdleTimeout: 15 * time.Second}
	if u.Scheme == "smtps" {
		s.SSL, s.Port = true, 465
	}
	if p := u.Port(); p != "" {
		if s.Port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("delivery: SMTP port %q", p)
		}
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	switch u.Query().Get("tls") {
	case "", "starttls":
	case "opportunistic":
		s.TLS = mail.TLSOpportunistic
	case "none":
		s.TLS = mail.NoTLS
	default:
		return nil, fmt.Errorf("delivery: tls=%q: starttls, opportunistic or none", u.Query().Get("tls"))
	}
	return s, nil
}

// Email is one message.
type Email struct {
	// MessageID is stable for a letter, so a repeat can be recognised.
	MessageID string
	From      string
	To        string
	Subject   string
	Text      string
	HTML      string
	PDF       []byte
	PDFName   string
}

// Send sends an e-mail. An error wrapping ErrAmbiguous means the message
// may have been delivered; any other error means it was not.
func (s *SMTP) Send(ctx context.Context, e Email) error {
	m := mail.NewMsg()
	if err := m.From(e.From); err != nil {
		return fmt.Errorf("delivery: from: %w", err)
	}
	if err := m.To(e.To); err != nil {
		// Not %w: the parser's message quotes the address.
		return errors.New("delivery: the recipient's e-mail address is not valid")
	}
	m.SetMessageIDWithValue(e.MessageID)
	m.SetDate()
	m.Subject(e.Subject)
	m.SetBodyString(mail.TypeTextPlain, e.Text)
	if e.HTML != "" {
		m.AddAlternativeString(mail.TypeTextHTML, e.HTML)
	}
	if len(e.PDF) > 0 {
		if err := m.AttachReader(e.PDFName, bytes.NewReader(e.PDF), mail.WithFileContentType(mail.ContentType("application/pdf"))); err != nil {
			return fmt.Errorf("delivery: attach: %w", err)
		}
	}
	c, err := s.mailClient()
	if err != nil {
		return err
	}
	conn, reused, err := s.take(ctx, c)
	if err != nil {
		return fmt.Errorf("delivery: smtp: %w", err)
	}
	err = c.SendWithSMTPClient(conn, m)
	var se *mail.SendError
	if reused && errors.As(err, &se) && se.Reason == mail.ErrConnCheck {
		// The kept session was closed by the server (its NOOP failed):
		// nothing of this message went on it. Once more, connected anew.
		_ = conn.Close()
		if conn, err = c.DialToSMTPClientWithContext(ctx); err != nil {
			return fmt.Errorf("delivery: smtp: %w", err)
		}
		err = c.SendWithSMTPClient(conn, m)
	}
	if err != nil {
		_ = conn.Close()
	} else {
		s.put(c, conn)
	}
	if errors.As(err, &se) {
		// A send error's own text quotes the recipients: say what failed,
		// with the server's code, and no address.
		msg := fmt.Sprintf("delivery: smtp %s failed (code %d %s)", se.Reason, se.ErrorCode(), se.EnhancedStatusCode())
		if se.Reason == mail.ErrSMTPDataClose || se.Reason == mail.ErrAmbiguous {
			// The message was handed over; the server's answer was lost.
			return fmt.Errorf("%w: %s", ErrAmbiguous, msg)
		}
		return errors.New(msg)
	}
	if err != nil {
		return fmt.Errorf("delivery: smtp: %w", err)
	}
	return nil
}

// mailClient is the go-mail client of the server, made once.
func (s *SMTP) mailClient() (*mail.Client, error) {
	s.once.Do(func() {
		opts := []mail.Option{mail.WithPort(s.Port), mail.WithTLSPolicy(s.TLS), mail.WithTimeout(s.Timeout)}
		if s.SSL {
			opts = append(opts, mail.WithSSL())
		}
		if s.Username != "" {
			opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthPlain), mail.WithUsername(s.Username), mail.WithPassword(s.Password))
		}
		s.client, s.clientErr = mail.NewClient(s.Host, opts...)
		if s.clientErr != nil {
			s.clientErr = fmt.Errorf("delivery: smtp client: %w", s.clientErr)
		}
	})
	return s.client, s.clientErr
}

// take returns a kept session, the newest not idle too long, or a new one.
func (s *SMTP) take(ctx context.Context, c *mail.Client) (*smtp.Client, bool, error) {
	var stale []*smtp.Client
	var conn *smtp.Client
	s.mu.Lock()
	for n := len(s.idle); n > 0 && conn == nil; n = len(s.idle) {
		ic := s.idle[n-1]
		s.idle = s.idle[:n-1]
		if time.Since(ic.since) < s.IdleTimeout {
			conn = ic.c
		} else {
			stale = append(stale, ic.c)
		}
	}
	s.mu.Unlock()
	for _, sc := range stale {
		_ = sc.Close()
	}
	if conn != nil {
		return conn, true, nil
	}
	conn, err := c.DialToSMTPClientWithContext(ctx)
	return conn, false, err
}

// put keeps a session for the next message, or ends it when enough are kept.
func (s *SMTP) put(c *mail.Client, conn *smtp.Client) {
	s.mu.Lock()
	if len(s.idle) < s.MaxIdle {
		s.idle = append(s.idle, idleConn{c: conn, since: time.Now()})
		conn = nil
	}
	s.mu.Unlock()
	if conn != nil {
		_ = c.CloseWithSMTPClient(conn)
	}
}

// Close ends the kept sessions.
func (s *SMTP) Close() {
	s.mu.Lock()
	idle := s.idle
	s.idle = nil
	s.mu.Unlock()
	for _, ic := range idle {
		if s.client != nil {
			_ = s.client.CloseWithSMTPClient(ic.c)
		}
	}
}

// Webhook posts signed JSON by the Standard Webhooks convention: headers
// webhook-id (the letter's stable ID: receivers deduplicate on it),
// webhook-timestamp and webhook-signature.
type Webhook struct {
	signer *standardwebhooks.Webhook
	Client *http.Client
}

// NewWebhook signs with a secret written whsec_<base64>.
func NewWebhook(secret string) (*Webhook, error) {
	s, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return nil, fmt.Errorf("delivery: webhook secret (whsec_ and base64): %w", err)
	}
	return &Webhook{signer: s, Client: &http.Client{Timeout: 30 * time.Second}}, nil
}

// Post sends body to target. A 2xx answer is delivery; anything else, or
// no answer, is an error, and the same ID may be posted again.
func (w *Webhook) Post(ctx context.Context, target, id string, body []byte) error {
	now := time.Now()
	sig, err := w.signer.Sign(id, now, body)
	if err != nil {
		return fmt.Errorf("delivery: sign: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("delivery: webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := w.Client.Do(req)
	if err != nil {
		return fmt.Errorf("delivery: webhook: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusConflict {
		var why struct{ Status string }
		if json.Unmarshal(answer, &why) == nil && why.Status == "exempt" {
			return ErrRecipientExempt
		}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("delivery: webhook answered %s", resp.Status)
	}
	return nil
}

// ErrRecipientExempt is a gateway's answer that the recipient is exempt
// from digital mail (409 {"status": "exempt"}): the letter goes on paper.
var ErrRecipientExempt = errors.New("delivery: the recipient is exempt from digital mail")

// Verify checks a webhook's signature, for receivers and tests.
func Verify(secret string, body []byte, h http.Header) error {
	s, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		return err
	}
	return s.Verify(body, h)
}

// ValidURL reports whether a gateway URL is absolute http(s).
func ValidURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && !strings.ContainsAny(s, " \t")
}
