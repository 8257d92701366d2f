package selfserve

import (
	"context"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
)

// ListInvites lists the organization's invites, newest state first as the
// invite service orders them; status "" lists every state.
func (s *Service) ListInvites(ctx context.Context, m Member, status invite.Status, page Page) ([]*invite.Invite, error) {
	if err := requireAdmin(m); err != nil {
		return nil, err
	}
	out, err := s.d.Invites.List(ctx, m.ProjectID, invite.Filter{OrgID: m.OrgID, Status: status}, page.store())
	if err != nil {
		return nil, s.internal("list invites", err)
	}
	return out, nil
}

// CreateInvite invites email to the organization with roleKey ("" is
// member) and sends the invitation. Inviting someone as owner is for owners
// only.
func (s *Service) CreateInvite(ctx context.Context, m Member, email, roleKey string) (*invite.Invite, error) {
	if err := requireAdmin(m); err != nil {
		return nil, err
	}
	// Role keys are lower-case and the invite service trims them: judge
	// the key it will look up, so " owner" or "OWNER" is owner here too.
	roleKey = strings.ToLower(strings.TrimSpace(roleKey))
	if roleKey == "" {
		roleKey = rbac.RoleMember
	}
	if roleKey == rbac.RoleOwner {
		if err := requireOwner(m); err != nil {
			return nil, err
		}
	}
	inv, err := s.d.Invites.Create(ctx, m.actor(), m.ProjectID, invite.Input{OrgID: string(m.OrgID), Email: email, RoleKey: roleKey})
	if err != nil {
		return nil, s.internal("create invite", err)
	}
	return inv, nil
}

// orgInvite loads an invite of the member's organization; any other is not
// found.
func (s *Service) orgInvite(ctx context.Context, m Member, inviteID string) (*invite.Invite, error) {
	inv, err := s.d.Invites.Get(ctx, m.ProjectID, inviteID)
	if err != nil {
		return nil, s.internal("get invite", err)
	}
	if inv.ProjectID != m.ProjectID || inv.OrgID != m.OrgID {
		return nil, fault.NewNotFound("invite")
	}
	return inv, nil
}

// RevokeInvite revokes a pending invite: its link stops working.
func (s *Service) RevokeInvite(ctx context.Context, m Member, inviteID string) (*invite.Invite, error) {
	if err := requireAdmin(m); err != nil {
		return nil, err
	}
	inv, err := s.orgInvite(ctx, m, inviteID)
	if err != nil {
		return nil, err
	}
	out, err := s.d.Invites.Revoke(ctx, m.actor(), m.ProjectID, string(inv.ID))
	if err != nil {
		return nil, s.internal("revoke invite", err)
	}
	return out, nil
}

// ResendInvite sends a pending invite again with a fresh link. An invite
// to the owner role is resent by owners only, as it was made.
func (s *Service) ResendInvite(ctx context.Context, m Member, inviteID string) (*invite.Invite, error) {
	if err := requireAdmin(m); err != nil {
		return nil, err
	}
	inv, err := s.orgInvite(ctx, m, inviteID)
	if err != nil {
		return nil, err
	}
	if inv.RoleKey == rbac.RoleOwner {
		if err := requireOwner(m); err != nil {
			return nil, err
		}
	}
	out, err := s.d.Invites.Resend(ctx, m.actor(), m.ProjectID, string(inv.ID))
	if err != nil {
		return nil, s.internal("resend invite", err)
	}
	return out, nil
}
