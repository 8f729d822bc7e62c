// Package mailcatch is an SMTP server that keeps what it receives in memory
// and shows it on a page, as Mailpit does: `rightsdesk dev` sends its
// letters there, and tests read what a real SMTP client delivered.
package mailcatch

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one received e-mail, parsed.
type Message struct {
	ID          int
	From        string
	To          []string
	Received    time.Time
	Subject     string
	MessageID   string
	Text        string
	HTML        string
	Attachments []Attachment
	Raw         []byte
}

// Attachment is a file of a message.
type Attachment struct {
	Filename    string
	ContentType string
	Data        []byte
}

// Server is a running mail catcher.
type Server struct {
	smtp *smtp.Server
	ln   net.Listener

	mu       sync.Mutex
	messages []Message
	// maxMessages bounds what is kept; the oldest go first.
	maxMessages int
}

// Start listens for SMTP on addr (127.0.0.1:0 for any free port).
func Start(addr string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mailcatch: %w", err)
	}
	s := &Server{ln: ln, maxMessages: 1000}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "rightsdesk.localhost"
	srv.MaxMessageBytes = 25 << 20
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	s.smtp = srv
	go func() { _ = srv.Serve(ln) }()
	return s, nil
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// URL is the SMTP URL that reaches it (no TLS, no authentication).
func (s *Server) URL() string { return "smtp://" + s.Addr() + "?tls=none" }

// Close stops the server.
func (s *Server) Close() error { return s.smtp.Close() }

// Messages returns what was received, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

func (s *Server) add(m Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m.ID = 1
	if n := len(s.messages); n > 0 {
		m.ID = s.messages[n-1].ID + 1
	}
	s.messages = append(s.messages, m)
	if len(s.messages) > s.maxMessages {
		s.messages = s.messages[len(s.messages)-s.maxMessages:]
	}
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }
func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}
func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}
func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := Parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "cannot parse the message: " + err.Error()}
	}
	m.From, m.To, m.Received = x.from, x.to, time.Now()
	x.s.add(m)
	return nil
}

// Parse reads a MIME message: its subject, text and HTML parts, and files.
func Parse(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		subject = msg.Header.Get("Subject")
	}
	m := Message{Raw: raw, Subject: subject, MessageID: strings.Trim(msg.Header.Get("Message-Id"), "<>")}
	err = walk(&m, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), "", msg.Body)
	return m, err
}

func walk(m *Message, contentType, encoding, disposition string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			p, err := r.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walk(m, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p.Header.Get("Content-Disposition"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	_, dparams, _ := mime.ParseMediaType(disposition)
	switch {
	case strings.HasPrefix(disposition, "attachment") || (dparams["filename"] != "" && mt != "text/plain" && mt != "text/html"):
		m.Attachments = append(m.Attachments, Attachment{Filename: dparams["filename"], ContentType: mt, Data: data})
	case mt == "text/html":
		m.HTML = string(data)
	case mt == "text/plain":
		m.Text = string(data)
	default:
		m.Attachments = append(m.Attachments, Attachment{Filename: params["name"], ContentType: mt, Data: data})
	}
	return nil
}
