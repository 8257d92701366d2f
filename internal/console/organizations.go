package console

import (
	"context"
	"errors"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// ErrNoDomains: the server runs without the verified-domain service.
var ErrNoDomains = errors.New("verified domains are not available")

// ListOrganizations lists a project's organizations.
func (s *Service) ListOrganizations(ctx context.Context, st *Staff, projectID id.Project, page store.Page) ([]*org.Organization, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	return s.d.Tenancy.ListOrganizations(ctx, projectID, page)
}

// CreateOrganization creates an organization (up.Name is required).
func (s *Service) CreateOrganization(ctx context.Context, st *Staff, projectID id.Project, up tenancy.OrganizationUpdate) (*org.Organization, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	return s.d.Tenancy.CreateOrganization(ctx, st.Actor(), projectID, up)
}

// GetOrganization returns one organization.
func (s *Service) GetOrganization(ctx context.Context, st *Staff, projectID id.Project, orgID string) (*org.Organization, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	return s.d.Tenancy.GetOrganization(ctx, projectID, orgID)
}

// UpdateOrganization changes an organization's name and policy, the
// logins-disabled kill switch included. The kill switch of the Staff
// organization is refused: it would sign every staff member out of the
// console with no way back in from it.
func (s *Service) UpdateOrganization(ctx context.Context, st *Staff, projectID id.Project, orgID string, up tenancy.OrganizationUpdate) (*org.Organization, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	if cs, err := s.Settings(ctx); err == nil && projectID == cs.ProjectID && orgID == string(cs.StaffOrgID) &&
		up.LoginsDisabled != nil && *up.LoginsDisabled {
		return nil, fault.NewFailedPrecondition("staff_lockout", "logins of the staff cannot be turned off: no one could use the console any more")
	}
	return s.d.Tenancy.UpdateOrganization(ctx, st.Actor(), projectID, orgID, up)
}

// Usage returns an organization's seats and monthly active users for month
// ("YYYY-MM", "" for the current one).
func (s *Service) Usage(ctx context.Context, st *Staff, projectID id.Project, orgID, month string) (*session.Usage, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	return s.d.Sessions.Usage(ctx, projectID, orgID, month)
}

// ListInvites lists an organization's invitations.
func (s *Service) ListInvites(ctx context.Context, st *Staff, projectID id.Project, orgID id.Org) ([]*invite.Invite, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	if s.d.Invites == nil {
		return nil, ErrNoInvites
	}
	return s.d.Invites.List(ctx, projectID, invite.Filter{OrgID: orgID}, store.Page{})
}

// CreateInvite invites an email into an organization.
func (s *Service) CreateInvite(ctx context.Context, st *Staff, projectID id.Project, in invite.Input) (*invite.Invite, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	if s.d.Invites == nil {
		return nil, ErrNoInvites
	}
	return s.d.Invites.Create(ctx, st.Actor(), projectID, in)
}

// RevokeInvite revokes a pending invitation.
func (s *Service) RevokeInvite(ctx context.Context, st *Staff, projectID id.Project, inviteID string) (*invite.Invite, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	if s.d.Invites == nil {
		return nil, ErrNoInvites
	}
	return s.d.Invites.Revoke(ctx, st.Actor(), projectID, inviteID)
}

// ResendInvite sends a pending invitation again.
func (s *Service) ResendInvite(ctx context.Context, st *Staff, projectID id.Project, inviteID string) (*invite.Invite, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	if s.d.Invites == nil {
		return nil, ErrNoInvites
	}
	return s.d.Invites.Resend(ctx, st.Actor(), projectID, inviteID)
}

// ListDomains lists an organization's domains.
func (s *Service) ListDomains(ctx context.Context, st *Staff, projectID id.Project, orgID string) ([]*domain.Domain, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	if s.d.Domains == nil {
		return nil, ErrNoDomains
	}
	return s.d.Domains.List(ctx, projectID, orgID, store.Page{})
}

// AddDomain adds a domain to an organization, pending verification.
func (s *Service) AddDomain(ctx context.Context, st *Staff, projectID id.Project, orgID, name string) (*domain.Domain, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	if s.d.Domains == nil {
		return nil, ErrNoDomains
	}
	return s.d.Domains.Add(ctx, st.Actor(), projectID, orgID, name)
}

// VerifyDomain checks a domain's DNS record now.
func (s *Service) VerifyDomain(ctx context.Context, st *Staff, projectID id.Project, domainID string) (*domain.Domain, error) {
	if err := s.allow(st); err != nil {
		return nil, err
	}
	if s.d.Domains == nil {
		return nil, ErrNoDomains
	}
	return s.d.Domains.Verify(ctx, st.Actor(), projectID, domainID)
}

// DeleteDomain removes a domain.
func (s *Service) DeleteDomain(ctx context.Context, st *Staff, projectID id.Project, domainID string) error {
	if err := s.allow(st); err != nil {
		return err
	}
	if s.d.Domains == nil {
		return ErrNoDomains
	}
	return s.d.Domains.Delete(ctx, st.Actor(), projectID, domainID)
}
