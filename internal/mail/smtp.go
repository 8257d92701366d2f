package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// SMTPOption configures an SMTP sender.
type SMTPOption func(*smtpSender)

// WithTLSConfig sets the TLS configuration for STARTTLS and implicit TLS
// (e.g. a private CA). The server name is filled in when empty.
func WithTLSConfig(c *tls.Config) SMTPOption { return func(s *smtpSender) { s.tlsConfig = c } }

// WithSMTPTimeout bounds connecting and each SMTP command (default 15 s).
func WithSMTPTimeout(d time.Duration) SMTPOption { return func(s *smtpSender) { s.timeout = d } }

// WithSMTPClock sets the source of the Date header.
func WithSMTPClock(now func() time.Time) SMTPOption { return func(s *smtpSender) { s.clock = now } }

type smtpSender struct {
	from      string
	domain    string // of the From address, for Message-IDs
	host      string
	port      int
	implicit  bool // smtps: TLS from the first byte
	policy    gomail.TLSPolicy
	user      string
	pass      string
	auth      gomail.SMTPAuthType
	tlsConfig *tls.Config
	timeout   time.Duration
	clock     func() time.Time
}

// NewSMTPSender returns a sender for the server named by rawURL:
//
//	smtp://[user:pass@]host[:port][?tls=starttls|required|none][&auth=plain|login]
//	smtps://[user:pass@]host[:port][?auth=plain|login]
//
// smtp:// (port 587 by default) upgrades with STARTTLS when the server offers
// it (tls=starttls, the default), insists on it (tls=required), or never uses
// it (tls=none). smtps:// (port 465 by default) speaks TLS from the start.
// With a user, it authenticates with PLAIN (or LOGIN), which the client
// refuses to do over an unencrypted connection unless tls=none says so.
// from is the From address, with or without a display name.
func NewSMTPSender(rawURL, from string, opts ...SMTPOption) (Sender, error) {
	s := &smtpSender{timeout: 15 * time.Second, clock: time.Now}
	for _, o := range opts {
		o(s)
	}
	if err := s.parseURL(rawURL); err != nil {
		return nil, fmt.Errorf("GATEHOUSE_SMTP_URL: %w", err)
	}
	a, err := netmail.ParseAddress(from)
	if err != nil || strings.ContainsAny(from, "\r\n") {
		return nil, fmt.Errorf("GATEHOUSE_EMAIL_FROM: %q is not an email address (want e.g. \"Acme <no-reply@acme.example>\")", from)
	}
	s.from = a.String()
	s.domain = a.Address[strings.LastIndexByte(a.Address, '@')+1:]
	return s, nil
}

func (s *smtpSender) parseURL(rawURL string) error {
	u, err := url.Parse(strings.TrimSpace(rawURL))
	if err != nil {
		// url.Parse quotes the whole input, password included.
		return errors.New("not a URL (want smtp://[user:pass@]host:port or smtps://host:465)")
	}
	switch u.Scheme {
	case "smtp":
		s.port, s.policy = 587, gomail.TLSOpportunistic
	case "smtps":
		s.port, s.implicit = 465, true
	default:
		return fmt.Errorf("scheme %q is not smtp or smtps", u.Scheme)
	}
	if u.Opaque != "" || u.Hostname() == "" {
		return errors.New("no host (want smtp://host:port)")
	}
	if u.Path != "" && u.Path != "/" {
		return fmt.Errorf("unexpected path %q", u.Path)
	}
	s.host = u.Hostname()
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return fmt.Errorf("port %q is not a port number", p)
		}
		s.port = n
	}
	q := u.Query()
	for k := range q {
		if k != "tls" && k != "auth" {
			return fmt.Errorf("unknown option %q (known: tls, auth)", k)
		}
	}
	noTLS := false
	switch v := q.Get("tls"); {
	case !q.Has("tls"):
	case s.implicit:
		return errors.New("smtps:// always uses TLS; the tls option is for smtp://")
	case v == "starttls":
		s.policy = gomail.TLSOpportunistic
	case v == "required":
		s.policy = gomail.TLSMandatory
	case v == "none":
		s.policy, noTLS = gomail.NoTLS, true
	default:
		return fmt.Errorf("tls=%q: want starttls, required or none", v)
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	switch v := q.Get("auth"); {
	case !q.Has("auth"), v == "plain":
		s.auth = gomail.SMTPAuthPlain
		if noTLS {
			s.auth = gomail.SMTPAuthPlainNoEnc
		}
	case v == "login":
		s.auth = gomail.SMTPAuthLogin
		if noTLS {
			s.auth = gomail.SMTPAuthLoginNoEnc
		}
	default:
		return fmt.Errorf("auth=%q: want plain or login", v)
	}
	if q.Has("auth") && s.user == "" {
		return errors.New("auth is set but the URL has no user")
	}
	return nil
}

func (s *smtpSender) client() (*gomail.Client, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.tlsConfig != nil {
		tc = s.tlsConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = s.host
	}
	opts := []gomail.Option{
		gomail.WithPort(s.port), gomail.WithTimeout(s.timeout), gomail.WithTLSConfig(tc),
	}
	if s.implicit {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(s.policy))
	}
	if s.user != "" {
		opts = append(opts, gomail.WithSMTPAuth(s.auth), gomail.WithUsername(s.user), gomail.WithPassword(s.pass))
	}
	return gomail.NewClient(s.host, opts...)
}

// Send delivers m in one SMTP conversation. The Message-ID is derived from
// the outbox ID, so a retry after a lost acknowledgement carries the same ID
// and receiving systems can recognise the duplicate.
func (s *smtpSender) Send(ctx context.Context, m *Message) error {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	if err := msg.From(s.from); err != nil {
		return Permanent(fmt.Errorf("from address: %w", err))
	}
	if err := msg.To(m.To); err != nil {
		return Permanent(fmt.Errorf("recipient address: %w", err))
	}
	msg.Subject(m.Subject)
	msg.SetMessageIDWithValue(string(m.ID) + "@" + s.domain)
	msg.SetDateWithValue(s.clock())
	// RFC 3834: an automatic message; vacation responders stay quiet.
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	c, err := s.client()
	if err != nil {
		return fmt.Errorf("smtp client for %s: %w", net.JoinHostPort(s.host, strconv.Itoa(s.port)), err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		err = fmt.Errorf("smtp %s: %w", net.JoinHostPort(s.host, strconv.Itoa(s.port)), err)
		var se *gomail.SendError
		// Only the recipient's refusal is final: a 5xx for anything else
		// (authentication, relaying) is usually configuration, which an
		// operator can fix while the message waits.
		if errors.As(err, &se) && se.Reason == gomail.ErrSMTPRcptTo && !se.IsTemp() && se.ErrorCode() >= 500 {
			return Permanent(err)
		}
		return err
	}
	return nil
}

// NewLogSender returns a sender for development: it writes each message
// (recipient, subject and text body) to log as an "email" line and reports
// it delivered. The message also stays in the development inbox.
func NewLogSender(log *slog.Logger) Sender {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return logSender{log: log}
}

type logSender struct{ log *slog.Logger }

func (l logSender) Send(ctx context.Context, m *Message) error {
	l.log.InfoContext(ctx, "email",
		"mail_id", m.ID, "project_id", m.ProjectID, "to", m.To, "subject", m.Subject, "text", m.Text)
	return nil
}
