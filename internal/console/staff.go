package console

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// Staff is a signed-in staff member: an active user of the console
// project's Staff organization. Only Authorize makes one; every console
// action refuses any other value, so a page cannot act on the console's
// behalf without a staff session behind it.
type Staff struct {
	UserID id.User
	Email  string
	Name   string
	// Roles are the staff member's role keys in the Staff organization.
	Roles []string
	// by is the service that authorised this principal.
	by *Service
}

// Actor is the audit actor of the staff member's changes.
func (st *Staff) Actor() audit.Actor {
	return audit.Actor{Type: audit.ActorStaff, ID: string(st.UserID)}
}

// CanManageStaff reports whether the staff member may add other staff:
// owners and admins of the Staff organization.
func (st *Staff) CanManageStaff() bool {
	return slices.Contains(st.Roles, rbac.RoleOwner) || slices.Contains(st.Roles, rbac.RoleAdmin)
}

// notStaff is the answer to every principal that is not staff.
func notStaff() error {
	return fault.NewForbidden("the console is only for the vendor's staff")
}

// Authorize turns a browser session grant into a Staff principal. Only a
// grant of the console project, for an active user of its Staff
// organization, that is not an impersonation, qualifies; anything else is
// forbidden (nil is unauthenticated).
func (s *Service) Authorize(ctx context.Context, g *session.Grant) (*Staff, error) {
	if g == nil || g.Session == nil || g.User == nil {
		return nil, fault.NewUnauthenticated("sign in to the console")
	}
	cs, err := s.Settings(ctx)
	if err != nil {
		return nil, s.classify("authorize staff", err)
	}
	sess := g.Session
	switch {
	case sess.ProjectID != cs.ProjectID, sess.OrgID != cs.StaffOrgID,
		g.User.ProjectID != cs.ProjectID, g.User.OrganizationID != cs.StaffOrgID, g.User.ID != sess.UserID:
		return nil, notStaff()
	case g.User.Status != user.StatusActive:
		return nil, notStaff()
	case sess.Impersonator != nil:
		// Someone acting as a staff member is not that staff member.
		return nil, notStaff()
	}
	return &Staff{UserID: g.User.ID, Email: g.User.Email, Name: g.User.DisplayName, Roles: slices.Clone(g.Roles), by: s}, nil
}

// allow refuses any principal this service did not authorise.
func (s *Service) allow(st *Staff) error {
	if st == nil || st.by != s || st.UserID == "" {
		return notStaff()
	}
	return nil
}

// staffMembers lists the active users of the Staff organization.
func staffMembers(ctx context.Context, r store.Reader, cs *store.ConsoleSettings) ([]*user.User, error) {
	var out []*user.User
	page := store.Page{Limit: 500}
	for {
		us, err := r.ListUsers(ctx, cs.ProjectID, store.UserFilter{OrganizationID: cs.StaffOrgID}, page)
		if err != nil {
			return nil, fmt.Errorf("list staff: %w", err)
		}
		for _, u := range us {
			if u.Status == user.StatusActive {
				out = append(out, u)
			}
		}
		if len(us) < page.Limit {
			return out, nil
		}
		page.After = string(us[len(us)-1].ID)
	}
}

// IsActiveStaff reports whether userID is an active member of the Staff
// organization: the check every use of an impersonation makes, so a staff
// member whose access is taken away stops acting as anyone at once.
func (s *Service) IsActiveStaff(ctx context.Context, userID string) (bool, error) {
	cs, err := s.Settings(ctx)
	if err != nil {
		return false, err
	}
	uid, err := id.Parse[id.User](userID)
	if err != nil {
		return false, nil
	}
	u, err := s.d.Store.GetUser(ctx, cs.ProjectID, uid)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("read staff member: %w", err)
	}
	return u.OrganizationID == cs.StaffOrgID && u.Status == user.StatusActive, nil
}

// HasStaff reports whether the console has at least one active staff member.
func (s *Service) HasStaff(ctx context.Context) (bool, error) {
	cs, err := s.Settings(ctx)
	if err != nil {
		return false, err
	}
	us, err := s.d.Store.ListUsers(ctx, cs.ProjectID, store.UserFilter{OrganizationID: cs.StaffOrgID}, store.Page{Limit: 1000})
	if err != nil {
		return false, fmt.Errorf("list staff: %w", err)
	}
	return slices.ContainsFunc(us, func(u *user.User) bool { return u.Status == user.StatusActive }), nil
}

// AddStaff makes email an active owner of the Staff organization. It is
// the command line's way in (the operator of the server is trusted); the
// console itself adds staff by invitation.
func (s *Service) AddStaff(ctx context.Context, actor audit.Actor, email string) (*user.User, error) {
	cs, err := s.Ensure(ctx)
	if err != nil {
		return nil, err
	}
	u, _, err := s.d.Tenancy.CreateUser(ctx, actor, cs.ProjectID, tenancy.UserInput{
		OrganizationID: string(cs.StaffOrgID), Email: email, Roles: []string{rbac.RoleOwner},
	})
	return u, err
}

// StaffMember is one row of the staff list.
type StaffMember struct {
	User  *user.User
	Roles []string
}

// ListStaff lists the Staff organization's users, deactivated ones included.
func (s *Service) ListStaff(ctx context.Context, st *Staff) ([]StaffMember, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	cs, err := s.Settings(ctx)
	if err != nil {
		return nil, s.classify("list staff", err)
	}
	us, err := s.d.Tenancy.ListUsers(ctx, cs.ProjectID, tenancy.UserListFilter{OrganizationID: string(cs.StaffOrgID)}, store.Page{Limit: 1000})
	if err != nil {
		return nil, err
	}
	keys, err := s.d.Tenancy.RoleKeysOfUsers(ctx, cs.ProjectID, us)
	if err != nil {
		return nil, err
	}
	out := make([]StaffMember, 0, len(us))
	for _, u := range us {
		out = append(out, StaffMember{User: u, Roles: keys[u.ID]})
	}
	return out, nil
}

// ErrNoInvites: the server runs without the invitation service.
var ErrNoInvites = errors.New("invitations are not available")

// InviteStaff invites email into the Staff organization with roleKey
// (member when empty). Only owners and admins of the Staff organization may.
func (s *Service) InviteStaff(ctx context.Context, st *Staff, email, roleKey string) (*invite.Invite, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	if !st.CanManageStaff() {
		return nil, fault.NewForbidden("only owners and admins of the staff may add staff")
	}
	if s.d.Invites == nil {
		return nil, ErrNoInvites
	}
	cs, err := s.Settings(ctx)
	if err != nil {
		return nil, s.classify("invite staff", err)
	}
	if roleKey == "" {
		roleKey = rbac.RoleMember
	}
	return s.d.Invites.Create(ctx, st.Actor(), cs.ProjectID, invite.Input{OrgID: string(cs.StaffOrgID), Email: email, RoleKey: roleKey})
}
