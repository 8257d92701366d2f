// Package invite holds invitations: an organization's admins (or the vendor)
// invite a person by email with a role, and the person joins the
// organization by accepting through the login flow.
package invite

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/user"
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
	OrgID   string
	Email   string
	RoleKey string
}

// Filter narrows a listing; zero fields do not filter.
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
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.clock = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// New returns the invite service.
func New(st store.Store, outbox *mail.Outbox, publicURL string, opts ...Option) *Service {
	s := &Service{st: st, outbox: outbox, publicURL: publicURL, clock: time.Now, log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	return s
}

var errTODO = errors.New("invites: not built yet")

// Create invites in.Email to in.OrgID.
func (s *Service) Create(ctx context.Context, actor audit.Actor, projectID id.Project, in Input) (*Invite, error) {
	return nil, errTODO
}

// Get returns one invite.
func (s *Service) Get(ctx context.Context, projectID id.Project, inviteID string) (*Invite, error) {
	return nil, errTODO
}

// List lists invites.
func (s *Service) List(ctx context.Context, projectID id.Project, f Filter, page store.Page) ([]*Invite, error) {
	return nil, errTODO
}

// Revoke revokes a pending invite.
func (s *Service) Revoke(ctx context.Context, actor audit.Actor, projectID id.Project, inviteID string) (*Invite, error) {
	return nil, errTODO
}

// Resend sends a pending invite again with a new link.
func (s *Service) Resend(ctx context.Context, actor audit.Actor, projectID id.Project, inviteID string) (*Invite, error) {
	return nil, errTODO
}

// FindByToken returns the pending, unexpired invite of a link's token.
func (s *Service) FindByToken(ctx context.Context, projectID id.Project, token string) (*Invite, error) {
	return nil, ErrInvalid
}

// Pending returns the pending, unexpired invites of an email.
func (s *Service) Pending(ctx context.Context, r store.Reader, projectID id.Project, email string) ([]*Invite, error) {
	return nil, nil
}

// Accept marks the invite accepted by u inside the caller's transaction.
func (s *Service) Accept(ctx context.Context, w store.Writer, inv *Invite, u *user.User, now time.Time) error {
	return errTODO
}
