package tenancy

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// RoleInput is what creating a role takes. OrganizationID makes it that
// organization's custom role (the project must allow custom roles).
type RoleInput struct {
	OrganizationID string
	Key            string
	Name           string
	Description    string
	// Permissions are permission keys.
	Permissions []string
}

func roleKeyTaken() error {
	return fault.NewConflict(fault.CodeRoleKeyTaken, "a role with this key already exists")
}

// CreateRole creates a project-wide role or an organization's custom role.
func (s *Service) CreateRole(ctx context.Context, actor audit.Actor, projectID id.Project, in RoleInput) (*rbac.Role, error) {
	if err := rbac.ValidateKey("key", in.Key); err != nil {
		return nil, fault.From(err)
	}
	if err := project.ValidateName("name", in.Name); err != nil {
		return nil, fault.From(err)
	}
	if err := rbac.ValidateDescription(in.Description); err != nil {
		return nil, fault.From(err)
	}
	var oid id.Org
	if in.OrganizationID != "" {
		var err error
		if oid, err = fault.ParseID[id.Org](in.OrganizationID, "organization"); err != nil {
			return nil, err
		}
	}
	now := s.now()
	r := &rbac.Role{
		ID: id.New[id.Role](now), ProjectID: projectID, OrganizationID: oid, Key: in.Key,
		Name: trimmed(in.Name), Description: trimmed(in.Description), CreatedAt: now, UpdatedAt: now,
	}
	err := s.write(ctx, "create role", func(w store.Writer) error {
		// Serialise role creation in the project so that the key check below
		// cannot race with another creation of the same key.
		if err := w.LockProject(ctx, projectID); err != nil {
			return store.NotFoundAs(err, "project")
		}
		if oid != "" {
			if _, err := w.GetOrganization(ctx, projectID, oid); err != nil {
				return store.NotFoundAs(err, "organization")
			}
			p, err := w.GetProject(ctx, projectID)
			if err != nil {
				return store.NotFoundAs(err, "project")
			}
			if !p.AllowCustomRoles {
				return fault.NewFailedPrecondition(fault.CodeCustomRolesOff, "this project does not allow organization custom roles; enable allow_custom_roles on the project first")
			}
		}
		// As seen from any organization, a key must name exactly one role: a
		// custom role may not reuse a project-wide key, and a new project-wide
		// role may not reuse any organization's custom key.
		if oid != "" {
			if _, err := w.GetRoleByKey(ctx, projectID, oid, r.Key); err == nil {
				return roleKeyTaken()
			} else if !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("role by key: %w", err)
			}
		} else {
			n, err := w.CountRolesWithKey(ctx, projectID, r.Key)
			if err != nil {
				return fmt.Errorf("roles with key: %w", err)
			}
			if n > 0 {
				return roleKeyTaken()
			}
		}
		perms, err := resolvePermissions(ctx, w, projectID, in.Permissions)
		if err != nil {
			return err
		}
		r.Permissions = perms
		if err := w.CreateRole(ctx, r); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return roleKeyTaken()
			}
			return fmt.Errorf("insert role: %w", err)
		}
		return w.InsertAuditEvent(ctx, event(now, projectID, oid, actor, "role.created", "role", string(r.ID), nil, roleSnapshot(r)))
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// resolvePermissions checks that every key names a permission of the project
// and returns the keys de-duplicated and sorted.
func resolvePermissions(ctx context.Context, w store.Writer, projectID id.Project, keys []string) ([]string, error) {
	out := dedupe(keys)
	for _, k := range out {
		if _, err := w.GetPermissionByKey(ctx, projectID, k); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				msg := "unknown permission " + quote(k) + "; create it first"
				return nil, fault.InvalidInput("permissions: "+msg, fault.FieldViolation{Field: "permissions", Message: msg, Value: k})
			}
			return nil, fmt.Errorf("permission %s: %w", k, err)
		}
	}
	slices.Sort(out)
	return out, nil
}

// GetRole returns one role of the project (project-wide or custom).
func (s *Service) GetRole(ctx context.Context, projectID id.Project, roleID string) (*rbac.Role, error) {
	rid, err := fault.ParseID[id.Role](roleID, "role")
	if err != nil {
		return nil, err
	}
	r, err := s.st.GetRole(ctx, projectID, rid)
	if err != nil {
		return nil, s.classify("get role", store.NotFoundAs(err, "role"))
	}
	return r, nil
}

// ListRoles lists project-wide roles, plus the custom roles of orgID when it
// names an organization of the project.
func (s *Service) ListRoles(ctx context.Context, projectID id.Project, orgID string, page store.Page) ([]*rbac.Role, error) {
	var oid id.Org
	if orgID != "" {
		// A malformed ID names no organization: only project-wide roles match.
		oid, _ = id.Parse[id.Org](orgID)
	}
	rs, err := s.st.ListRoles(ctx, projectID, oid, clampPage(page))
	if err != nil {
		return nil, s.classify("list roles", err)
	}
	return rs, nil
}

// RoleUpdate is a partial update of a role; nil fields stay unchanged. Keys
// are immutable (access tokens and the vendor's code refer to them), and a
// built-in role's key is doubly so; Key is accepted only when unchanged.
type RoleUpdate struct {
	Key         *string
	Name        *string
	Description *string
	Permissions *[]string
}

// UpdateRole changes a role's name, description or permission set. Built-in
// roles may have their permissions edited.
func (s *Service) UpdateRole(ctx context.Context, actor audit.Actor, projectID id.Project, roleID string, up RoleUpdate) (*rbac.Role, error) {
	rid, err := fault.ParseID[id.Role](roleID, "role")
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out *rbac.Role
	err = s.write(ctx, "update role", func(w store.Writer) error {
		// Read under the project lock: the update writes every field back, so
		// concurrent updates must not restore each other's old values.
		if err := w.LockProject(ctx, projectID); err != nil {
			return store.NotFoundAs(err, "project")
		}
		r, err := w.GetRole(ctx, projectID, rid)
		if err != nil {
			return store.NotFoundAs(err, "role")
		}
		before := roleSnapshot(r)
		if up.Key != nil && *up.Key != r.Key {
			if r.Builtin {
				return fault.NewFailedPrecondition(fault.CodeBuiltinRole, "the key of a built-in role cannot be changed")
			}
			return fault.InvalidField("key", "a role's key cannot be changed; create a new role instead")
		}
		if up.Name != nil {
			if err := project.ValidateName("name", *up.Name); err != nil {
				return err
			}
			r.Name = trimmed(*up.Name)
		}
		if up.Description != nil {
			if err := rbac.ValidateDescription(*up.Description); err != nil {
				return err
			}
			r.Description = trimmed(*up.Description)
		}
		if up.Permissions != nil {
			perms, err := resolvePermissions(ctx, w, projectID, *up.Permissions)
			if err != nil {
				return err
			}
			r.Permissions = perms
		}
		// A request that changes nothing writes nothing and records nothing.
		if unchanged(before, roleSnapshot(r)) {
			out = r
			return nil
		}
		r.UpdatedAt = now
		if err := w.UpdateRole(ctx, r); err != nil {
			return store.NotFoundAs(err, "role")
		}
		out = r
		return w.InsertAuditEvent(ctx, event(now, projectID, r.OrganizationID, actor, "role.updated", "role", string(r.ID), before, roleSnapshot(r)))
	})
	return out, err
}

// DeleteRole deletes a role and every assignment of it. Built-in roles cannot
// be deleted.
func (s *Service) DeleteRole(ctx context.Context, actor audit.Actor, projectID id.Project, roleID string) error {
	rid, err := fault.ParseID[id.Role](roleID, "role")
	if err != nil {
		return err
	}
	now := s.now()
	return s.write(ctx, "delete role", func(w store.Writer) error {
		r, err := w.GetRole(ctx, projectID, rid)
		if err != nil {
			return store.NotFoundAs(err, "role")
		}
		if r.Builtin {
			return fault.NewFailedPrecondition(fault.CodeBuiltinRole, "built-in roles cannot be deleted")
		}
		if err := w.DeleteRole(ctx, projectID, rid); err != nil {
			return store.NotFoundAs(err, "role")
		}
		return w.InsertAuditEvent(ctx, event(now, projectID, r.OrganizationID, actor, "role.deleted", "role", string(r.ID), roleSnapshot(r), nil))
	})
}
