package selfserve

import (
	"context"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// visibleRoles are the roles the organization sees: the project's and its
// own custom ones.
func (s *Service) visibleRoles(ctx context.Context, m Member) ([]*rbac.Role, error) {
	rs, err := s.d.Tenancy.ListRoles(ctx, m.ProjectID, string(m.OrgID), store.Page{Limit: tenancy.MaxPageSize})
	if err != nil {
		return nil, s.internal("list roles", err)
	}
	return rs, nil
}

// Roles is what the roles page shows: every role the organization sees,
// the permissions a custom role may hold, and whether the project lets the
// organization define its own roles.
type Roles struct {
	Roles       []*rbac.Role
	Permissions []*rbac.Permission
	CustomRoles bool
}

// ListRoles lists the roles the organization sees (the project's and its
// own) and the project's permissions.
func (s *Service) ListRoles(ctx context.Context, m Member) (*Roles, error) {
	if err := requireAdmin(m); err != nil {
		return nil, err
	}
	p, err := s.d.Tenancy.GetProject(ctx, m.ProjectID)
	if err != nil {
		return nil, s.internal("list roles", err)
	}
	rs, err := s.visibleRoles(ctx, m)
	if err != nil {
		return nil, err
	}
	ps, err := s.d.Tenancy.ListPermissions(ctx, m.ProjectID, store.Page{Limit: tenancy.MaxPageSize})
	if err != nil {
		return nil, s.internal("list permissions", err)
	}
	return &Roles{Roles: rs, Permissions: ps, CustomRoles: p.AllowCustomRoles}, nil
}

// RoleInput is a custom role's key, name, description and permission keys.
type RoleInput struct {
	Key         string
	Name        string
	Description string
	Permissions []string
}

// customRolesOn refuses custom-role changes when the project does not allow
// them (custom_roles_disabled).
func (s *Service) customRolesOn(ctx context.Context, m Member) error {
	p, err := s.d.Tenancy.GetProject(ctx, m.ProjectID)
	if err != nil {
		return s.internal("get project", err)
	}
	if !p.AllowCustomRoles {
		return fault.NewFailedPrecondition(fault.CodeCustomRolesOff, "this app does not let organizations define their own roles")
	}
	return nil
}

// CreateRole creates a custom role of the organization, when the project
// allows custom roles, with permissions from the project's.
func (s *Service) CreateRole(ctx context.Context, m Member, in RoleInput) (*rbac.Role, error) {
	if err := requireAdmin(m); err != nil {
		return nil, err
	}
	if err := s.customRolesOn(ctx, m); err != nil {
		return nil, err
	}
	r, err := s.d.Tenancy.CreateRole(ctx, m.actor(), m.ProjectID, tenancy.RoleInput{
		OrganizationID: string(m.OrgID), Key: in.Key, Name: in.Name, Description: in.Description, Permissions: in.Permissions,
	})
	if err != nil {
		return nil, s.internal("create role", err)
	}
	return r, nil
}

// orgRole loads one of the organization's own custom roles. The project's
// roles are visible but the vendor's to change (forbidden); another
// organization's custom role is not found.
func (s *Service) orgRole(ctx context.Context, m Member, roleID string) (*rbac.Role, error) {
	r, err := s.d.Tenancy.GetRole(ctx, m.ProjectID, roleID)
	if err != nil {
		return nil, s.internal("get role", err)
	}
	switch {
	case r.ProjectID != m.ProjectID:
		return nil, fault.NewNotFound("role")
	case r.OrganizationID == "":
		return nil, fault.NewForbidden("this role is defined by the app for every organization; only the organization's own roles can be changed here")
	case r.OrganizationID != m.OrgID:
		return nil, fault.NewNotFound("role")
	}
	return r, nil
}

// UpdateRole changes one of the organization's custom roles; the key stays.
func (s *Service) UpdateRole(ctx context.Context, m Member, roleID string, in RoleInput) (*rbac.Role, error) {
	if err := requireAdmin(m); err != nil {
		return nil, err
	}
	r, err := s.orgRole(ctx, m, roleID)
	if err != nil {
		return nil, err
	}
	if err := s.customRolesOn(ctx, m); err != nil {
		return nil, err
	}
	if err := project.ValidateName("name", in.Name); err != nil {
		return nil, fault.From(err)
	}
	perms := in.Permissions
	if perms == nil {
		perms = []string{}
	}
	out, err := s.d.Tenancy.UpdateRole(ctx, m.actor(), m.ProjectID, string(r.ID), tenancy.RoleUpdate{
		Name: &in.Name, Description: &in.Description, Permissions: &perms,
	})
	if err != nil {
		return nil, s.internal("update role", err)
	}
	return out, nil
}

// DeleteRole deletes one of the organization's custom roles and takes it
// from everyone who holds it. It works even after the project stopped
// allowing custom roles, so an organization can clean up.
func (s *Service) DeleteRole(ctx context.Context, m Member, roleID string) error {
	if err := requireAdmin(m); err != nil {
		return err
	}
	r, err := s.orgRole(ctx, m, roleID)
	if err != nil {
		return err
	}
	if err := s.d.Tenancy.DeleteRole(ctx, m.actor(), m.ProjectID, string(r.ID)); err != nil {
		return s.internal("delete role", err)
	}
	return nil
}
