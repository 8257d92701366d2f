package mail

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Sender delivers one message. A returned error means the message may be
// retried; wrap it with Permanent when retrying cannot help.
type Sender interface {
	Send(ctx context.Context, m *Message) error
}

// permanentError marks a failure that retrying cannot fix.
type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as a failure no retry can fix (e.g. the server refused
// the recipient), so the worker gives the message up at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// markTimeout bounds recording a delivery's outcome, which runs even while
// the worker is being stopped: a message that was sent must be marked sent,
// or it would be sent again after its lease.
const markTimeout = 10 * time.Second

// claimMisses is how many empty claims in a row end a drain: one empty
// claim can mean that a concurrent worker won the row this one picked.
const claimMisses = 2

// Worker delivers due messages of every project. Any number of workers, in
// one process or many, may share a database: each message is handed to a
// Sender once per claim, and a worker that dies after claiming delays the
// message by one lease, after which another worker retries it.
type Worker struct {
	st     store.Store
	sender Sender
	cfg    config
	poke   chan struct{}
}

// NewWorker returns a worker delivering through s.
func NewWorker(st store.Store, s Sender, opts ...Option) *Worker {
	return &Worker{st: st, sender: s, cfg: newConfig(opts), poke: make(chan struct{}, 1)}
}

// Poke wakes a running worker now (after a transaction that enqueued mail
// commits) instead of at its next poll. It never blocks.
func (w *Worker) Poke() {
	select {
	case w.poke <- struct{}{}:
	default:
	}
}

// purgeEvery is how often Run deletes messages past their retention.
const purgeEvery = time.Hour

// Run delivers due messages until ctx ends, polling every interval and
// whenever poked, and hourly deletes messages past their retention. Store
// failures are logged and retried at the next poll. It returns nil once ctx
// is done.
func (w *Worker) Run(ctx context.Context) error {
	tick := time.NewTicker(w.cfg.interval)
	defer tick.Stop()
	var purged time.Time
	for {
		if _, err := w.DrainOnce(ctx); err != nil && ctx.Err() == nil {
			w.cfg.log.Error("email delivery: reading the outbox failed", "err", err)
		}
		if now := w.cfg.clock(); now.Sub(purged) >= purgeEvery {
			if _, err := w.Purge(ctx); err != nil && ctx.Err() == nil {
				w.cfg.log.Error("email outbox: purging old messages failed", "err", err)
			} else {
				purged = now
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-w.poke:
		}
	}
}

// DrainOnce delivers messages until none is due and returns how many were
// sent. Failed deliveries are recorded on their messages, not returned; the
// error reports a store failure.
func (w *Worker) DrainOnce(ctx context.Context) (int, error) {
	sent, misses := 0, 0
	for misses < claimMisses {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		m, err := w.claim(ctx)
		if errors.Is(err, store.ErrNotFound) {
			misses++
			continue
		}
		if err != nil {
			return sent, err
		}
		misses = 0
		ok, err := w.deliver(ctx, m)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// Purge deletes sent and dead messages older than the retention period (of
// every project) and returns how many it deleted; pending ones are kept.
func (w *Worker) Purge(ctx context.Context) (int64, error) {
	var n int64
	err := w.st.Write(ctx, func(tx store.Writer) error {
		var err error
		n, err = tx.PurgeMail(ctx, w.cfg.clock().Add(-w.cfg.retention))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("purge mail: %w", err)
	}
	return n, nil
}

func (w *Worker) claim(ctx context.Context) (*store.Mail, error) {
	var m *store.Mail
	err := w.st.Write(ctx, func(tx store.Writer) error {
		var err error
		m, err = tx.ClaimMail(ctx, w.cfg.clock(), w.cfg.lease)
		return err
	})
	return m, err
}

// deliver sends one claimed message and records the outcome; it reports
// whether the message was sent.
func (w *Worker) deliver(ctx context.Context, m *store.Mail) (bool, error) {
	log := w.cfg.log.With("mail_id", m.ID, "project_id", m.ProjectID, "attempt", m.Attempts)
	if m.Attempts > w.cfg.maxAttempts {
		// Earlier claims ended without an outcome (their workers died):
		// the attempts are used up all the same.
		return false, w.fail(ctx, m, log, errors.New("attempts exhausted without a recorded outcome"))
	}
	msg, err := w.cfg.openMessage(m)
	if err != nil {
		// A body that does not open never will (another master key, a
		// damaged row): give the message up rather than retry it.
		return false, w.fail(ctx, m, log, Permanent(err))
	}
	sctx, cancel := context.WithTimeout(ctx, w.cfg.sendTimeout)
	err = w.sender.Send(sctx, msg)
	cancel()
	if err != nil {
		return false, w.fail(ctx, m, log, err)
	}
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	err = w.st.Write(mctx, func(tx store.Writer) error {
		return tx.MarkMailSent(mctx, m.ProjectID, m.ID, m.Attempts, w.cfg.clock())
	})
	if errors.Is(err, store.ErrNotFound) {
		// The lease ran out mid-send and another worker claimed the message:
		// its outcome is the one that counts.
		log.Warn("email sent after its lease ended; it may be delivered twice")
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("mark mail %s sent: %w", m.ID, err)
	}
	return true, nil
}

// fail records a failed attempt: retry after a backoff, or give up.
func (w *Worker) fail(ctx context.Context, m *store.Mail, log *slog.Logger, cause error) error {
	now := w.cfg.clock()
	f := store.MailFailure{
		Error:   clip(cause.Error(), 1000),
		RetryAt: now.Add(w.backoff(m.Attempts)),
		Dead:    m.Attempts >= w.cfg.maxAttempts || IsPermanent(cause),
	}
	if f.Dead {
		log.Error("email delivery failed; giving up", "err", cause)
	} else {
		log.Warn("email delivery failed; will retry", "err", cause, "retry_at", f.RetryAt)
	}
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), markTimeout)
	defer cancel()
	err := w.st.Write(mctx, func(tx store.Writer) error {
		return tx.MarkMailFailed(mctx, m.ProjectID, m.ID, m.Attempts, f)
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil // claimed again meanwhile: the newer claim decides
	}
	if err != nil {
		return fmt.Errorf("mark mail %s failed: %w", m.ID, err)
	}
	return nil
}

// backoff is the wait after failed attempt n (1-based): base·2^(n-1), capped
// at the maximum, of which a random half is dropped so that messages failed
// together by one outage do not all retry in the same instant.
func (w *Worker) backoff(n int) time.Duration {
	d := w.cfg.backoffBase
	for i := 1; i < n && d < w.cfg.backoffMax; i++ {
		d *= 2
	}
	d = min(d, w.cfg.backoffMax)
	half := d / 2
	return d - half + w.cfg.jitter(half)
}

// clip makes a server's error text storable: valid UTF-8 (Postgres refuses
// anything else) and at most n bytes, cut at a character boundary.
func clip(s string, n int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
