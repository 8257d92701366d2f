// Package invite holds invitations: an organization's admins (or the vendor)
// invite a person by email with a role, and the person joins the
// organization by accepting through the login flow.
//
// An invite is a link, {publicURL}/p/{project}/invite/{token}, emailed to
// the person through the transactional outbox; the token (gh_inv_…) exists
// only in that email, the database keeps its SHA-256. An invite is pending
// until it is accepted or revoked, and expires a week (by default) after it
// was last sent. Expiry is never stored: State derives it, and resending an
// expired invite makes it pending again with a new link and a new expiry,
// so an admin never has to revoke and re-create one.
package invite

import (
	"errors"
	"log/slog"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
)

// Status is an invite's stored state.
type Status string

// Invite states. Expired is never stored: State derives it.
const (
	StatusPending  Status = "pending"
	StatusAccepted Status = "accepted"
	StatusRevoked  Status = "revoked"
	StatusExpired  Status = "expired"
)

// ErrInvalid: the invite token is unknown, used, revoked or expired.
var ErrInvalid = errors.New("invite invalid, used, revoked or expired")

// ErrWrongUser: Accept was given a user who is not the invited email at the
// invited organization.
var ErrWrongUser = errors.New("invite is for another email address or organization")

// Stable fault codes of the invite rules (see docs/invites.md).
const (
	// CodeAlreadyMember: the email already has a user in the organization,
	// whatever that user's status.
	CodeAlreadyMember = "already_member"
	// CodeInviteExists: a pending, unexpired invite for the email to the
	// organization exists; resend it instead.
	CodeInviteExists = "invite_exists"
	// CodeNotPending: the invite was accepted or revoked.
	CodeNotPending = "invite_not_pending"
)

// TokenPrefix starts every invite link's token, so a leaked one is
// recognisable.
const TokenPrefix = "gh_inv_"

// DefaultTTL is how long an invite stays valid after it was last sent.
const DefaultTTL = 7 * 24 * time.Hour

// MaxPageSize bounds every list call, whatever the caller asks for.
const MaxPageSize = 1000

// Invite is an invitation of one email to one organization with one role.
type Invite struct {
	ID             id.Invite
	ProjectID      id.Project
	OrgID          id.Org
	Email          string
	RoleID         id.Role
	RoleKey        string
	InvitedBy      audit.Actor
	Status         Status
	ExpiresAt      time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	AcceptedAt     *time.Time
	RevokedAt      *time.Time
	AcceptedUserID id.User
	SendCount      int
	LastSentAt     time.Time
}

// State is the invite's status at now, with expiry applied.
func (i *Invite) State(now time.Time) Status {
	if i.Status == StatusPending && !now.Before(i.ExpiresAt) {
		return StatusExpired
	}
	return i.Status
}

// Input is what creating an invite takes.
type Input struct {
	OrgID string
	Email string
	// RoleKey is a role as seen from the organization: one of its custom
	// roles, or a project-wide role. Empty means member.
	RoleKey string
}

// Filter narrows a listing; zero fields do not filter. Status may be
// expired (pending past its expiry); pending then means pending and not
// expired.
type Filter struct {
	OrgID  id.Org
	Status Status
}

// Service manages invites.
type Service struct {
	st        store.Store
	outbox    *mail.Outbox
	publicURL string
	clock     func() time.Time
	log       *slog.Logger
	ttl       time.Duration
	mailer    *mail.Worker
	limiter   *throttle.Limiter
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.clock = now } }

// WithMailer pokes the email worker after an invite's email is queued, so
// it goes out now rather than at the worker's next poll.
func WithMailer(w *mail.Worker) Option { return func(s *Service) { s.mailer = w } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithThrottle limits how many invitation emails go out (ResendPerInvite,
// ResendPerOrg, SendsPerAddress, CreatesPerOrg). Without it nothing is
// limited.
func WithThrottle(l *throttle.Limiter) Option { return func(s *Service) { s.limiter = l } }

// WithTTL sets how long an invite stays valid after each sending (default
// DefaultTTL).
func WithTTL(d time.Duration) Option {
	return func(s *Service) {
		if d > 0 {
			s.ttl = d
		}
	}
}

// New returns the invite service.
func New(st store.Store, outbox *mail.Outbox, publicURL string, opts ...Option) *Service {
	s := &Service{st: st, outbox: outbox, publicURL: publicURL, clock: time.Now, log: slog.Default(), ttl: DefaultTTL}
	for _, o := range opts {
		o(s)
	}
	return s
}

// Now is the service's current time: callers deriving State for display
// use it, so they agree with the service's own expiry checks.
func (s *Service) Now() time.Time { return s.now() }

func fromRecord(r *store.InviteRecord) *Invite {
	return &Invite{
		ID: r.ID, ProjectID: r.ProjectID, OrgID: r.OrgID, Email: r.Email,
		RoleID: r.RoleID, RoleKey: r.RoleKey, InvitedBy: r.InvitedBy, Status: Status(r.Status),
		ExpiresAt: r.ExpiresAt, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
		AcceptedAt: r.AcceptedAt, RevokedAt: r.RevokedAt, AcceptedUserID: r.AcceptedUserID,
		SendCount: r.SendCount, LastSentAt: r.LastSentAt,
	}
}

func fromRecords(rs []*store.InviteRecord) []*Invite {
	out := make([]*Invite, 0, len(rs))
	for _, r := range rs {
		out = append(out, fromRecord(r))
	}
	return out
}

// snapshot is the invite as its audit events record it: the API's field
// names, never the token or its hash.
func snapshot(r *store.InviteRecord) map[string]any {
	m := map[string]any{
		"id":              r.ID,
		"organization_id": r.OrgID,
		"email":           r.Email,
		"role":            r.RoleKey,
		"role_id":         r.RoleID,
		"status":          r.Status,
		"expires_at":      r.ExpiresAt.UTC(),
		"send_count":      r.SendCount,
	}
	if r.AcceptedAt != nil {
		m["accepted_at"] = r.AcceptedAt.UTC()
		m["accepted_user_id"] = r.AcceptedUserID
	}
	if r.RevokedAt != nil {
		m["revoked_at"] = r.RevokedAt.UTC()
	}
	return m
}
