package store

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// Invitations to join an organization (package invite).

// InviteRecord is an invite row. Package invite gives it meaning; the store
// keeps it, and never the link's token, only its hash.
type InviteRecord struct {
	ID        id.Invite
	ProjectID id.Project
	OrgID     id.Org
	// Email is normalised like a user's email.
	Email string
	// RoleID is a project-wide role or a custom role of OrgID; RoleKey is
	// its key (keys never change), kept so reads need no join.
	RoleID    id.Role
	RoleKey   string
	InvitedBy audit.Actor
	// Status is the stored state: pending, accepted or revoked.
	Status    string
	TokenHash TokenHash
	ExpiresAt time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
	// AcceptedAt, RevokedAt and AcceptedUserID are nil/empty until then.
	AcceptedAt     *time.Time
	RevokedAt      *time.Time
	AcceptedUserID id.User
	SendCount      int
	LastSentAt     time.Time
}

// InviteFilter narrows an invite listing. Zero fields do not filter.
type InviteFilter struct {
	OrgID id.Org
	// Status is a stored status.
	Status string
	// ExpiresAfter keeps invites whose expiry is after it; ExpiresUntil
	// those whose expiry is at or before it (an expired pending invite is
	// pending with an expiry at or before now).
	ExpiresAfter time.Time
	ExpiresUntil time.Time
}

// InviteReader reads invites.
type InviteReader interface {
	GetInvite(ctx context.Context, projectID id.Project, inviteID id.Invite) (*InviteRecord, error)
	// GetInviteByTokenHash finds the invite of a link within the project.
	GetInviteByTokenHash(ctx context.Context, projectID id.Project, hash TokenHash) (*InviteRecord, error)
	// ListInvites lists the project's invites in ID (creation) order.
	ListInvites(ctx context.Context, projectID id.Project, f InviteFilter, page Page) ([]*InviteRecord, error)
	// ListPendingInvitesByEmail returns the project's pending invites of a
	// normalised email that expire after now, in every organization, in ID
	// order (at most the maximum page size).
	ListPendingInvitesByEmail(ctx context.Context, projectID id.Project, email string, now time.Time) ([]*InviteRecord, error)
}

// InviteWriter changes invites.
type InviteWriter interface {
	// CreateInvite inserts r and normalises its times. ErrNotFound unless
	// r.OrgID is in r.ProjectID and r.RoleID is a project-wide role or a
	// custom role of that organization; the key stored is the role's own.
	// ErrConflict for a taken ID or token hash.
	CreateInvite(ctx context.Context, r *InviteRecord) error
	// UpdateInvite writes r's lifecycle fields (status, token hash, expiry,
	// accepted/revoked times, accepted user, send count, last sent) provided
	// the row is in r.ProjectID and r.OrgID and its stored status is still
	// fromStatus; ErrNotFound otherwise. Email, role and inviter never change.
	UpdateInvite(ctx context.Context, r *InviteRecord, fromStatus string) error
}
