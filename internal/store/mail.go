package store

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// MailStatus is where an outbox message is in its delivery.
type MailStatus string

// A message is pending until a send succeeds (sent) or the attempts run out
// (dead, with the last error kept for the operator).
const (
	MailPending MailStatus = "pending"
	MailSent    MailStatus = "sent"
	MailDead    MailStatus = "dead"
)

// Mail is one message in the outbox, rendered at enqueue time so delivery
// never depends on templates or data that may have changed since.
type Mail struct {
	ID        id.Mail
	ProjectID id.Project
	To        string
	Subject   string
	Text      string
	HTML      string
	// Template names what rendered the message (for the inbox and logs).
	Template string
	Status   MailStatus
	// Attempts counts claims, including one whose worker died before it could
	// record the outcome; it is also the fence of MarkMailSent/MarkMailFailed.
	Attempts      int
	NextAttemptAt time.Time
	// LockedUntil is the end of the current claim's lease (nil when unclaimed).
	LockedUntil *time.Time
	LastError   string
	CreatedAt   time.Time
	SentAt      *time.Time
}

// MailFailure is the outcome of a failed delivery attempt.
type MailFailure struct {
	// Error is what the sender said; it becomes the row's last_error.
	Error string
	// RetryAt is when the message is due again (ignored when Dead).
	RetryAt time.Time
	// Dead gives up on the message.
	Dead bool
}

// MailReader reads the email outbox (delivery queue and development inbox).
type MailReader interface {
	GetMail(ctx context.Context, projectID id.Project, mailID id.Mail) (*Mail, error)
	// ListMail returns up to limit of the project's messages, newest first,
	// whatever their status (the development inbox). A limit of zero or less
	// means the default page size.
	ListMail(ctx context.Context, projectID id.Project, limit int) ([]*Mail, error)
}

// MailWriter changes the email outbox (delivery queue and development inbox).
type MailWriter interface {
	// InsertMail adds m to the outbox; it is delivered only if the enclosing
	// transaction commits. ErrNotFound when the project does not exist,
	// ErrConflict for a duplicate ID.
	InsertMail(ctx context.Context, m *Mail) error
	// ClaimMail leases the most overdue pending message of any project (a
	// delivery worker serves them all) until now+lease and counts the
	// attempt. ErrNotFound when nothing is due, or when a concurrent worker
	// took the row this one picked: either way, try again later.
	ClaimMail(ctx context.Context, now time.Time, lease time.Duration) (*Mail, error)
	// MarkMailSent records the delivery of the claim numbered attempt.
	// ErrNotFound when the row is not in the project, is no longer pending,
	// or has been claimed again since (the lease ran out).
	MarkMailSent(ctx context.Context, projectID id.Project, mailID id.Mail, attempt int, at time.Time) error
	// MarkMailFailed records a failed attempt: the message is due again at
	// f.RetryAt, or dead. ErrNotFound as for MarkMailSent.
	MarkMailFailed(ctx context.Context, projectID id.Project, mailID id.Mail, attempt int, f MailFailure) error
	// PurgeMail deletes the sent and dead messages of every project created
	// before before (a maintenance sweep, like the claim) and returns how
	// many it deleted. Pending messages are kept, however old.
	PurgeMail(ctx context.Context, before time.Time) (int64, error)
}
