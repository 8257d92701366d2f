package tenancy

import (
	"context"
	"errors"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// PermissionInput is what creating a permission takes.
type PermissionInput struct {
	Key         string
	Description string
}

func permissionKeyTaken() error {
	return fault.NewConflict(fault.CodePermissionKeyTaken, "a permission with this key already exists in the project")
}

// CreatePermission defines a permission for the project.
func (s *Service) CreatePermission(ctx context.Context, actor audit.Actor, projectID id.Project, in PermissionInput) (*rbac.Permission, error) {
	if err := rbac.ValidateKey("key", in.Key); err != nil {
		return nil, fault.From(err)
	}
	if err := rbac.ValidateDescription(in.Description); err != nil {
		return nil, fault.From(err)
	}
	now := s.now()
	p := &rbac.Permission{ID: id.New[id.Permission](now), ProjectID: projectID, Key: in.Key, Description: trimmed(in.Description), CreatedAt: now}
	err := s.write(ctx, "create permission", func(w store.Writer) error {
		if _, err := w.GetPermissionByKey(ctx, projectID, p.Key); err == nil {
			return permissionKeyTaken()
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := w.CreatePermission(ctx, p); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return permissionKeyTaken()
			}
			return err
		}
		return w.InsertAuditEvent(ctx, event(now, projectID, "", actor, "permission.created", "permission", string(p.ID), nil, permissionSnapshot(p)))
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// GetPermission returns one permission of the project.
func (s *Service) GetPermission(ctx context.Context, projectID id.Project, permID string) (*rbac.Permission, error) {
	pid, err := fault.ParseID[id.Permission](permID, "permission")
	if err != nil {
		return nil, err
	}
	p, err := s.st.GetPermission(ctx, projectID, pid)
	if err != nil {
		return nil, s.classify("get permission", store.NotFoundAs(err, "permission"))
	}
	return p, nil
}

// ListPermissions lists the project's permissions in creation order.
func (s *Service) ListPermissions(ctx context.Context, projectID id.Project, page store.Page) ([]*rbac.Permission, error) {
	ps, err := s.st.ListPermissions(ctx, projectID, clampPage(page))
	if err != nil {
		return nil, s.classify("list permissions", err)
	}
	return ps, nil
}

// PermissionUpdate is a partial update of a permission. Keys are immutable:
// the vendor's code checks them.
type PermissionUpdate struct {
	Description *string
}

// UpdatePermission changes a permission's description.
func (s *Service) UpdatePermission(ctx context.Context, actor audit.Actor, projectID id.Project, permID string, up PermissionUpdate) (*rbac.Permission, error) {
	pid, err := fault.ParseID[id.Permission](permID, "permission")
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out *rbac.Permission
	err = s.write(ctx, "update permission", func(w store.Writer) error {
		// Read under the project lock: the update writes every field back, so
		// concurrent updates must not restore each other's old values.
		if err := w.LockProject(ctx, projectID); err != nil {
			return store.NotFoundAs(err, "project")
		}
		p, err := w.GetPermission(ctx, projectID, pid)
		if err != nil {
			return store.NotFoundAs(err, "permission")
		}
		before := permissionSnapshot(p)
		if up.Description != nil {
			if err := rbac.ValidateDescription(*up.Description); err != nil {
				return err
			}
			p.Description = trimmed(*up.Description)
		}
		// A request that changes nothing writes nothing and records nothing.
		if unchanged(before, permissionSnapshot(p)) {
			out = p
			return nil
		}
		if err := w.UpdatePermission(ctx, p); err != nil {
			return store.NotFoundAs(err, "permission")
		}
		out = p
		return w.InsertAuditEvent(ctx, event(now, projectID, "", actor, "permission.updated", "permission", string(p.ID), before, permissionSnapshot(p)))
	})
	return out, err
}

// DeletePermission deletes a permission and removes it from every role.
func (s *Service) DeletePermission(ctx context.Context, actor audit.Actor, projectID id.Project, permID string) error {
	pid, err := fault.ParseID[id.Permission](permID, "permission")
	if err != nil {
		return err
	}
	now := s.now()
	return s.write(ctx, "delete permission", func(w store.Writer) error {
		p, err := w.GetPermission(ctx, projectID, pid)
		if err != nil {
			return store.NotFoundAs(err, "permission")
		}
		if err := w.DeletePermission(ctx, projectID, pid); err != nil {
			return store.NotFoundAs(err, "permission")
		}
		return w.InsertAuditEvent(ctx, event(now, projectID, "", actor, "permission.deleted", "permission", string(p.ID), permissionSnapshot(p), nil))
	})
}
