package e2e

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// mailbox is a real SMTP server in the test process; the server under test
// delivers to it through GATEHOUSE_SMTP_URL like it would to a relay.
type mailbox struct {
	url string
	mu  sync.Mutex
	got []delivered
	new chan struct{}
}

// delivered is one message as it arrived, with its text part decoded.
type delivered struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

var (
	codePattern = regexp.MustCompile(`\b(\d{6})\b`)
	linkPattern = regexp.MustCompile(`https?://\S+/login/link\?token=[A-Za-z0-9_\-]+`)
)

// Code is the 6-digit code in the message.
func (d delivered) Code() string {
	m := codePattern.FindStringSubmatch(d.Text)
	if m == nil {
		return ""
	}
	return m[1]
}

// Link is the magic link in the message.
func (d delivered) Link() string { return linkPattern.FindString(d.Text) }

func startMailbox(t *testing.T) *mailbox {
	t.Helper()
	mb := &mailbox{new: make(chan struct{}, 1)}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &mailboxSession{mb: mb}, nil
	}))
	srv.Domain = "mailbox.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	mb.url = "smtp://" + ln.Addr().String() + "?tls=none"
	return mb
}

// waitFor returns the n-th message (counting from 1) sent to addr, waiting
// up to 15 s for it.
func (mb *mailbox) waitFor(t *testing.T, addr string, n int) delivered {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		mb.mu.Lock()
		seen := 0
		for _, d := range mb.got {
			if strings.EqualFold(d.To, addr) {
				seen++
				if seen == n {
					mb.mu.Unlock()
					return d
				}
			}
		}
		mb.mu.Unlock()
		select {
		case <-mb.new:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("no email #%d to %s arrived within 15 s", n, addr)
		}
	}
}

// count is how many messages went to addr.
func (mb *mailbox) count(addr string) int {
	mb.mu.Lock()
	defer mb.mu.Unlock()
	n := 0
	for _, d := range mb.got {
		if strings.EqualFold(d.To, addr) {
			n++
		}
	}
	return n
}

type mailboxSession struct {
	mb *mailbox
	to []string
}

func (s *mailboxSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mailboxSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *mailboxSession) Reset()        { s.to = nil }
func (s *mailboxSession) Logout() error { return nil }

func (s *mailboxSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	dec := new(mime.WordDecoder)
	subject, _ := dec.DecodeHeader(msg.Header.Get("Subject"))
	d := delivered{Subject: subject}
	if err := readParts(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &d); err != nil {
		return err
	}
	s.mb.mu.Lock()
	for _, to := range s.to {
		d.To = to
		s.mb.got = append(s.mb.got, d)
	}
	s.mb.mu.Unlock()
	select {
	case s.mb.new <- struct{}{}:
	default:
	}
	return nil
}

// readParts collects the text and HTML parts of a (possibly multipart) body.
func readParts(contentType, encoding string, body io.Reader, d *delivered) error {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := readParts(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, d); err != nil {
				return err
			}
		}
	}
	b, err := decodeTransfer(encoding, body)
	if err != nil {
		return err
	}
	switch mt {
	case "text/plain":
		d.Text = string(b)
	case "text/html":
		d.HTML = string(b)
	}
	return nil
}

func decodeTransfer(encoding string, r io.Reader) ([]byte, error) {
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		return io.ReadAll(quotedprintable.NewReader(r))
	case "base64":
		return io.ReadAll(base64.NewDecoder(base64.StdEncoding, r)) // line breaks are skipped by the decoder)
	}
	var buf bytes.Buffer
	_, err := io.Copy(&buf, r)
	return buf.Bytes(), err
}
