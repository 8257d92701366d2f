// Package selfserve is the domain layer of the self-serve pages: what an
// organization's admins may do to their organization, and what every user
// may do to their own account, from their browser session.
//
// Every method takes the signed-in Member (built from the session's grant,
// never from the request) and authorises first:
//
//   - admin actions need the owner or admin role;
//   - only owners may give or take the owner role, or deactivate or remove
//     an owner;
//   - everyone may see and change only their own profile, password and
//     sessions.
//
// The organization acted on is always the member's own (m.OrgID). Anything
// named by ID (a user, an invite, a domain, a session, a role) is loaded
// within the member's project and must belong to the member's organization;
// one of another organization or project gets exactly the answer of one that
// does not exist. Refusals are fault errors with code forbidden (403).
// Changes are recorded in the audit log with the member as actor.
package selfserve

import (
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/password"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
)

// Member is the signed-in person a self-serve action is for: one user of one
// organization, with the roles the session's grant carries now.
type Member struct {
	ProjectID id.Project
	OrgID     id.Org
	UserID    id.User
	Email     string
	Roles     []string
	// Impersonated is set when a staff member is signed in as this user:
	// they may look around and act as the user, but not change the user's
	// password.
	Impersonated bool
	// StaffUserID is the staff member behind an impersonation: what they
	// do is recorded as theirs, not the user's.
	StaffUserID string
	SessionID   id.Session
}

// FromGrant is the member of a live browser session. It returns the zero
// Member (which every method refuses) for nil.
func FromGrant(g *session.Grant) Member {
	if g == nil || g.Session == nil {
		return Member{}
	}
	m := Member{
		ProjectID:    g.Session.ProjectID,
		OrgID:        g.Session.OrgID,
		UserID:       g.Session.UserID,
		Roles:        slices.Clone(g.Roles),
		Impersonated: g.Session.Impersonator != nil,
		SessionID:    g.Session.ID,
	}
	if imp := g.Session.Impersonator; imp != nil {
		m.StaffUserID = imp.StaffUserID
	}
	if g.User != nil {
		m.Email = g.User.Email
	}
	return m
}

// IsOwner reports whether the member holds the owner role.
func (m Member) IsOwner() bool { return slices.Contains(m.Roles, rbac.RoleOwner) }

// IsAdmin reports whether the member may manage the organization: owners
// and admins.
func (m Member) IsAdmin() bool { return m.IsOwner() || slices.Contains(m.Roles, rbac.RoleAdmin) }

// actor is how the member appears in the audit log.
// actor is who the audit log names for the member's changes: the staff
// member during an impersonation, else the user.
func (m Member) actor() audit.Actor {
	if m.Impersonated && m.StaffUserID != "" {
		return audit.Actor{Type: audit.ActorStaff, ID: m.StaffUserID}
	}
	return audit.Actor{Type: audit.ActorUser, ID: string(m.UserID)}
}

// valid reports whether the member names a user at all.
func (m Member) valid() bool { return m.ProjectID != "" && m.OrgID != "" && m.UserID != "" }

// Deps are the services the self-serve layer is built on.
type Deps struct {
	Store    store.Store
	Tenancy  *tenancy.Service
	Invites  *invite.Service
	Domains  *domain.Service
	Sessions *session.Service
	// Hasher hashes and checks passwords; share the login flow's, so both
	// draw on one pool of hashing slots.
	Hasher *password.Hasher
	// Throttle, when set, counts wrong current passwords against the same
	// per-account budget as the login's password step.
	Throttle *throttle.Limiter
	Clock    func() time.Time
	Logger   *slog.Logger
}

// Service is the self-serve domain layer.
type Service struct {
	d   Deps
	log *slog.Logger
}

// New returns the self-serve service.
func New(d Deps) *Service {
	if d.Clock == nil {
		d.Clock = time.Now
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	return &Service{d: d, log: d.Logger}
}

func (s *Service) now() time.Time { return s.d.Clock().UTC().Truncate(time.Microsecond) }

// Messages of the refusals, shown on the pages as they are.
const (
	msgAdminOnly   = "only the organization's owners and admins may do this"
	msgOwnerOnly   = "only the organization's owners may do this"
	msgNotSignedIn = "sign in first"
)

// requireMember refuses a zero member: nobody is signed in.
func requireMember(m Member) error {
	if !m.valid() {
		return fault.NewUnauthenticated(msgNotSignedIn)
	}
	return nil
}

// requireAdmin refuses members who are neither owner nor admin.
func requireAdmin(m Member) error {
	if err := requireMember(m); err != nil {
		return err
	}
	if !m.IsAdmin() {
		return fault.NewForbidden(msgAdminOnly)
	}
	return nil
}

// requireOwner refuses members who are not owners.
func requireOwner(m Member) error {
	if err := requireMember(m); err != nil {
		return err
	}
	if !m.IsOwner() {
		return fault.NewForbidden(msgOwnerOnly)
	}
	return nil
}

// internal classifies an unexpected failure, logging its cause once.
func (s *Service) internal(op string, err error) error {
	if fe, ok := fault.As(err); ok {
		return fe
	}
	s.log.Error("self-serve operation failed", "op", op, "err", err)
	return fault.NewInternal(fmt.Errorf("%s: %w", op, err))
}

// Page is a page of a listing: Limit rows after the cursor After (an ID);
// Next is the cursor of the following page, "" at the end.
type Page struct {
	After string
	Limit int
}

// DefaultPageSize is the page size when none is asked for; MaxPageSize
// bounds every page.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

func (p Page) store() store.Page {
	if p.Limit <= 0 {
		p.Limit = DefaultPageSize
	}
	if p.Limit > MaxPageSize {
		p.Limit = MaxPageSize
	}
	return store.Page{After: p.After, Limit: p.Limit}
}
