// Package mail writes Gatehouse's emails and delivers them through a
// database outbox.
//
// Enqueue renders a message and inserts it in the caller's transaction, so an
// email exists exactly when the change that caused it committed. Workers on
// any number of server instances claim due messages with a lease, hand them
// to a Sender (SMTP, or the log in development) and record the outcome;
// failures are retried with exponential backoff, so an SMTP outage delays
// mail but loses none. The outbox table doubles as the development inbox.
package mail

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/mail"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/seal"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Status is where a message is in its delivery.
type Status string

// The statuses of a message.
const (
	StatusPending Status = Status(store.MailPending)
	StatusSent    Status = Status(store.MailSent)
	StatusDead    Status = Status(store.MailDead)
)

// Message is one email in the outbox.
type Message struct {
	ID            id.Mail
	ProjectID     id.Project
	To            string
	Subject       string
	Text          string
	HTML          string
	Template      Template
	Status        Status
	Attempts      int
	NextAttemptAt time.Time
	CreatedAt     time.Time
	SentAt        *time.Time
	LastError     string
}

func messageFromStore(m *store.Mail) *Message {
	return &Message{
		ID: m.ID, ProjectID: m.ProjectID, To: m.To, Subject: m.Subject, Text: m.Text, HTML: m.HTML,
		Template: Template(m.Template), Status: Status(m.Status), Attempts: m.Attempts,
		NextAttemptAt: m.NextAttemptAt, CreatedAt: m.CreatedAt, SentAt: m.SentAt, LastError: m.LastError,
	}
}

// Option configures an Outbox or a Worker.
type Option func(*config)

type config struct {
	clock       func() time.Time
	log         *slog.Logger
	interval    time.Duration
	lease       time.Duration
	sendTimeout time.Duration
	maxAttempts int
	backoffBase time.Duration
	backoffMax  time.Duration
	jitter      func(max time.Duration) time.Duration
	retention   time.Duration
	sealer      *seal.Sealer
}

func newConfig(opts []Option) config {
	c := config{
		clock:       time.Now,
		log:         slog.New(slog.DiscardHandler),
		interval:    time.Second,
		lease:       2 * time.Minute,
		maxAttempts: 12,
		backoffBase: 5 * time.Second,
		backoffMax:  time.Hour,
		retention:   24 * time.Hour,
		jitter: func(max time.Duration) time.Duration {
			if max <= 0 {
				return 0
			}
			return rand.N(max)
		},
	}
	for _, o := range opts {
		o(&c)
	}
	if c.sendTimeout <= 0 || c.sendTimeout >= c.lease {
		// A send must end well before its lease does, or a second worker
		// could claim the message while the first is still delivering it.
		c.sendTimeout = c.lease / 2
	}
	return c
}

// WithClock sets the source of the current time.
func WithClock(now func() time.Time) Option { return func(c *config) { c.clock = now } }

// WithLogger sets where delivery failures and dead messages are logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.log = l
		}
	}
}

// WithInterval sets how often an idle worker looks for due messages (default 1 s).
func WithInterval(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.interval = d
		}
	}
}

// WithLease sets how long a claimed message is reserved for its worker
// (default 2 minutes); a worker that dies holding one delays it this long.
func WithLease(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.lease = d
		}
	}
}

// WithSendTimeout bounds one delivery attempt (default and maximum: half the lease).
func WithSendTimeout(d time.Duration) Option { return func(c *config) { c.sendTimeout = d } }

// WithMaxAttempts sets after how many failed attempts a message is given up
// as dead (default 12, about two and a half hours of retries).
func WithMaxAttempts(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxAttempts = n
		}
	}
}

// WithBackoff sets the delay after the first failure, doubled after each
// further one up to max (defaults 5 s and 1 hour).
func WithBackoff(base, max time.Duration) Option {
	return func(c *config) {
		if base > 0 && max >= base {
			c.backoffBase, c.backoffMax = base, max
		}
	}
}

// WithJitter replaces the random part of the backoff: it returns a duration
// in [0, max). Tests make it deterministic.
func WithJitter(f func(max time.Duration) time.Duration) Option {
	return func(c *config) {
		if f != nil {
			c.jitter = f
		}
	}
}

// WithRetention sets how long sent and dead messages are kept (default 24
// hours): their bodies hold codes and links that expire within minutes, and
// the development inbox and operators need only recent history.
func WithRetention(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.retention = d
		}
	}
}

// Outbox renders messages into the outbox and reads the development inbox.
type Outbox struct {
	st        store.Store
	cfg       config
	templates *templateSet
	// templateErr is a defect in the embedded templates, reported by every
	// Enqueue rather than by a panic at start-up.
	templateErr error
}

// NewOutbox returns an outbox over st.
func NewOutbox(st store.Store, opts ...Option) *Outbox {
	ts, err := parseTemplates()
	return &Outbox{st: st, cfg: newConfig(opts), templates: ts, templateErr: err}
}

// Enqueue renders template t with data (a CodeData) and inserts the message
// for delivery to the address to, inside the caller's transaction w: the
// message is sent only if that transaction commits. Call the worker's Poke
// after the commit to send it without waiting for the next poll.
func (o *Outbox) Enqueue(ctx context.Context, w store.Writer, projectID id.Project, to string, t Template, data any) (*Message, error) {
	if o.templateErr != nil {
		return nil, o.templateErr
	}
	addr, err := recipient(to)
	if err != nil {
		return nil, err
	}
	r, err := o.templates.render(t, data)
	if err != nil {
		return nil, err
	}
	now := o.cfg.clock()
	m := &store.Mail{
		ID: id.New[id.Mail](now), ProjectID: projectID, To: addr,
		Subject: r.Subject, Text: r.Text, HTML: r.HTML, Template: string(t),
		Status: store.MailPending, NextAttemptAt: now, CreatedAt: now,
	}
	msg := messageFromStore(m)
	o.cfg.sealBodies(m)
	if err := w.InsertMail(ctx, m); err != nil {
		return nil, fmt.Errorf("enqueue %s email: %w", t, err)
	}
	return msg, nil
}

// Inbox returns the project's latest messages, newest first, whatever their
// delivery status: the development inbox page shows them so the login flow
// works without an SMTP server.
func (o *Outbox) Inbox(ctx context.Context, projectID id.Project, limit int) ([]*Message, error) {
	ms, err := o.st.ListMail(ctx, projectID, limit)
	if err != nil {
		return nil, fmt.Errorf("read inbox: %w", err)
	}
	out := make([]*Message, len(ms))
	for i, m := range ms {
		if out[i], err = o.cfg.openMessage(m); err != nil {
			return nil, fmt.Errorf("read inbox: %w", err)
		}
	}
	return out, nil
}

// recipient checks that to is one bare address (no display name, no list,
// nothing that could become a second header line) and returns it.
func recipient(to string) (string, error) {
	bad := fault.InvalidField("email", "is not a valid email address")
	if to == "" || len(to) > 254 || strings.ContainsFunc(to, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return "", bad
	}
	a, err := mail.ParseAddress(to)
	if err != nil || a.Name != "" || a.Address != to {
		return "", bad
	}
	return a.Address, nil
}
