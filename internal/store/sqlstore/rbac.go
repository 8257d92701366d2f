package sqlstore

import (
	"context"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore/sqlcdb"
)

func permissionFromRow(r sqlcdb.Permission) *rbac.Permission {
	return &rbac.Permission{
		ID:          id.Permission(r.ID),
		ProjectID:   id.Project(r.ProjectID),
		Key:         r.Key,
		Description: r.Description,
		CreatedAt:   r.CreatedAt.UTC(),
	}
}

func roleFromRow(r sqlcdb.Role) *rbac.Role {
	return &rbac.Role{
		ID:             id.Role(r.ID),
		ProjectID:      id.Project(r.ProjectID),
		OrganizationID: id.Org(r.OrganizationID.String),
		Key:            r.Key,
		Name:           r.Name,
		Description:    r.Description,
		Builtin:        r.Builtin,
		Permissions:    []string{},
		CreatedAt:      r.CreatedAt.UTC(),
		UpdatedAt:      r.UpdatedAt.UTC(),
	}
}

func (r *reader) GetPermission(ctx context.Context, projectID id.Project, permID id.Permission) (*rbac.Permission, error) {
	row, err := r.q().GetPermission(ctx, sqlcdb.GetPermissionParams{ProjectID: string(projectID), ID: string(permID)})
	if err != nil {
		return nil, wrap(err, "get permission %s", permID)
	}
	return permissionFromRow(row), nil
}

func (r *reader) GetPermissionByKey(ctx context.Context, projectID id.Project, key string) (*rbac.Permission, error) {
	row, err := r.q().GetPermissionByKey(ctx, sqlcdb.GetPermissionByKeyParams{ProjectID: string(projectID), Key: key})
	if err != nil {
		return nil, wrap(err, "get permission %q", key)
	}
	return permissionFromRow(row), nil
}

func (r *reader) ListPermissions(ctx context.Context, projectID id.Project, page store.Page) ([]*rbac.Permission, error) {
	rows, err := r.q().ListPermissions(ctx, sqlcdb.ListPermissionsParams{
		ProjectID: string(projectID), After: page.After, MaxRows: pageLimit(page),
	})
	if err != nil {
		return nil, wrap(err, "list permissions")
	}
	out := make([]*rbac.Permission, 0, len(rows))
	for _, row := range rows {
		out = append(out, permissionFromRow(row))
	}
	return out, nil
}

// withPermissions loads the permission keys of one role.
func (r *reader) withPermissions(ctx context.Context, role *rbac.Role) (*rbac.Role, error) {
	keys, err := r.q().ListRolePermissions(ctx, sqlcdb.ListRolePermissionsParams{
		ProjectID: string(role.ProjectID), RoleID: string(role.ID),
	})
	if err != nil {
		return nil, wrap(err, "list permissions of role %s", role.ID)
	}
	role.Permissions = append(role.Permissions, keys...)
	return role, nil
}

func (r *reader) GetRole(ctx context.Context, projectID id.Project, roleID id.Role) (*rbac.Role, error) {
	row, err := r.q().GetRole(ctx, sqlcdb.GetRoleParams{ProjectID: string(projectID), ID: string(roleID)})
	if err != nil {
		return nil, wrap(err, "get role %s", roleID)
	}
	return r.withPermissions(ctx, roleFromRow(row))
}

func (r *reader) GetRoleByKey(ctx context.Context, projectID id.Project, orgID id.Org, key string) (*rbac.Role, error) {
	row, err := r.q().GetRoleByKey(ctx, sqlcdb.GetRoleByKeyParams{
		ProjectID: string(projectID), OrganizationID: dbNullString(string(orgID)), Key: key,
	})
	if err != nil {
		return nil, wrap(err, "get role %q", key)
	}
	return r.withPermissions(ctx, roleFromRow(row))
}

// ListRoles loads a page of roles and then, in one more query, the
// permissions of every role in the page's ID range.
func (r *reader) ListRoles(ctx context.Context, projectID id.Project, orgID id.Org, page store.Page) ([]*rbac.Role, error) {
	rows, err := r.q().ListRoles(ctx, sqlcdb.ListRolesParams{
		ProjectID: string(projectID), OrganizationID: dbNullString(string(orgID)),
		After: page.After, MaxRows: pageLimit(page),
	})
	if err != nil {
		return nil, wrap(err, "list roles")
	}
	out := make([]*rbac.Role, 0, len(rows))
	byID := make(map[string]*rbac.Role, len(rows))
	for _, row := range rows {
		role := roleFromRow(row)
		out = append(out, role)
		byID[row.ID] = role
	}
	if len(rows) == 0 {
		return out, nil
	}
	perms, err := r.q().ListRolePermissionsInRange(ctx, sqlcdb.ListRolePermissionsInRangeParams{
		ProjectID: string(projectID), OrganizationID: dbNullString(string(orgID)),
		FirstID: rows[0].ID, LastID: rows[len(rows)-1].ID,
	})
	if err != nil {
		return nil, wrap(err, "list permissions of roles")
	}
	for _, p := range perms {
		if role, ok := byID[p.RoleID]; ok {
			role.Permissions = append(role.Permissions, p.Key)
		}
	}
	return out, nil
}

func (r *reader) ListUserRoles(ctx context.Context, projectID id.Project, userID id.User) ([]*rbac.Role, error) {
	rows, err := r.q().ListUserRoles(ctx, sqlcdb.ListUserRolesParams{ProjectID: string(projectID), UserID: string(userID)})
	if err != nil {
		return nil, wrap(err, "list roles of user %s", userID)
	}
	out := make([]*rbac.Role, 0, len(rows))
	byID := make(map[string]*rbac.Role, len(rows))
	for _, row := range rows {
		role := roleFromRow(row)
		out = append(out, role)
		byID[row.ID] = role
	}
	if len(rows) == 0 {
		return out, nil
	}
	perms, err := r.q().ListUserRolePermissions(ctx, sqlcdb.ListUserRolePermissionsParams{
		ProjectID: string(projectID), UserID: string(userID),
	})
	if err != nil {
		return nil, wrap(err, "list permissions of user %s", userID)
	}
	for _, p := range perms {
		if role, ok := byID[p.RoleID]; ok {
			role.Permissions = append(role.Permissions, p.Key)
		}
	}
	return out, nil
}

func (r *reader) CountRoleMembers(ctx context.Context, projectID id.Project, orgID id.Org, roleID id.Role) (int64, error) {
	n, err := r.q().CountRoleMembers(ctx, sqlcdb.CountRoleMembersParams{
		ProjectID: string(projectID), OrganizationID: string(orgID), RoleID: string(roleID),
	})
	if err != nil {
		return 0, wrap(err, "count members of role %s", roleID)
	}
	return n, nil
}

func (w *writer) CreatePermission(ctx context.Context, p *rbac.Permission) error {
	p.CreatedAt = dbTime(p.CreatedAt)
	n, err := w.q().InsertPermission(ctx, sqlcdb.InsertPermissionParams{
		ID: string(p.ID), ProjectID: string(p.ProjectID), Key: p.Key,
		Description: p.Description, CreatedAt: p.CreatedAt,
	})
	if err != nil {
		return wrap(err, "create permission %q", p.Key)
	}
	if n == 0 {
		return conflict("create permission %q: key or id already exists", p.Key)
	}
	return nil
}

func (w *writer) UpdatePermission(ctx context.Context, p *rbac.Permission) error {
	n, err := w.q().UpdatePermission(ctx, sqlcdb.UpdatePermissionParams{
		ProjectID: string(p.ProjectID), ID: string(p.ID), Key: p.Key, Description: p.Description,
	})
	if err != nil {
		return wrap(err, "update permission %s", p.ID)
	}
	if n == 0 {
		return notFound("update permission %s", p.ID)
	}
	return nil
}

// DeletePermission removes it from every role by ON DELETE CASCADE.
func (w *writer) DeletePermission(ctx context.Context, projectID id.Project, permID id.Permission) error {
	n, err := w.q().DeletePermission(ctx, sqlcdb.DeletePermissionParams{ProjectID: string(projectID), ID: string(permID)})
	if err != nil {
		return wrap(err, "delete permission %s", permID)
	}
	if n == 0 {
		return notFound("delete permission %s", permID)
	}
	return nil
}

// CreateRole inserts the role and its permissions. A custom role's
// organization must be in the role's project.
func (w *writer) CreateRole(ctx context.Context, r *rbac.Role) error {
	r.CreatedAt, r.UpdatedAt = dbTime(r.CreatedAt), dbTime(r.UpdatedAt)
	if r.OrganizationID != "" {
		n, err := w.q().OrganizationExists(ctx, sqlcdb.OrganizationExistsParams{
			ProjectID: string(r.ProjectID), ID: string(r.OrganizationID),
		})
		if err != nil {
			return wrap(err, "create role %q: find organization %s", r.Key, r.OrganizationID)
		}
		if n == 0 {
			return notFound("create role %q: organization %s", r.Key, r.OrganizationID)
		}
	}
	n, err := w.q().InsertRole(ctx, sqlcdb.InsertRoleParams{
		ID:             string(r.ID),
		ProjectID:      string(r.ProjectID),
		OrganizationID: dbNullString(string(r.OrganizationID)),
		Key:            r.Key,
		Name:           r.Name,
		Description:    r.Description,
		Builtin:        r.Builtin,
		CreatedAt:      r.CreatedAt,
		UpdatedAt:      r.UpdatedAt,
	})
	if err != nil {
		return wrap(err, "create role %q", r.Key)
	}
	if n == 0 {
		return conflict("create role %q: key or id already exists", r.Key)
	}
	return w.setRolePermissions(ctx, r)
}

// UpdateRole writes name and description and replaces the permission set.
func (w *writer) UpdateRole(ctx context.Context, r *rbac.Role) error {
	r.UpdatedAt = dbTime(r.UpdatedAt)
	n, err := w.q().UpdateRole(ctx, sqlcdb.UpdateRoleParams{
		ProjectID: string(r.ProjectID), ID: string(r.ID),
		Name: r.Name, Description: r.Description, UpdatedAt: r.UpdatedAt,
	})
	if err != nil {
		return wrap(err, "update role %s", r.ID)
	}
	if n == 0 {
		return notFound("update role %s", r.ID)
	}
	if err := w.q().ClearRolePermissions(ctx, sqlcdb.ClearRolePermissionsParams{
		ProjectID: string(r.ProjectID), RoleID: string(r.ID),
	}); err != nil {
		return wrap(err, "update role %s: clear permissions", r.ID)
	}
	return w.setRolePermissions(ctx, r)
}

// setRolePermissions adds r.Permissions to the role. A key that is not a
// permission of the project is ErrNotFound; a repeated key is harmless.
func (w *writer) setRolePermissions(ctx context.Context, r *rbac.Role) error {
	for _, key := range r.Permissions {
		n, err := w.q().AddRolePermission(ctx, sqlcdb.AddRolePermissionParams{
			ProjectID: string(r.ProjectID), RoleID: string(r.ID), PermissionKey: key,
		})
		if err != nil {
			return wrap(err, "role %q: add permission %q", r.Key, key)
		}
		if n == 0 {
			if _, err := w.GetPermissionByKey(ctx, r.ProjectID, key); err != nil {
				return wrap(err, "role %q: permission %q", r.Key, key)
			}
		}
	}
	return nil
}

// DeleteRole removes its assignments and permission links by ON DELETE CASCADE.
func (w *writer) DeleteRole(ctx context.Context, projectID id.Project, roleID id.Role) error {
	n, err := w.q().DeleteRole(ctx, sqlcdb.DeleteRoleParams{ProjectID: string(projectID), ID: string(roleID)})
	if err != nil {
		return wrap(err, "delete role %s", roleID)
	}
	if n == 0 {
		return notFound("delete role %s", roleID)
	}
	return nil
}

// AssignRole checks in SQL that the user is in the project and in
// a.OrganizationID, and that the role is project-wide or that organization's.
func (w *writer) AssignRole(ctx context.Context, a *rbac.Assignment) error {
	a.CreatedAt = dbTime(a.CreatedAt)
	n, err := w.q().AssignableRole(ctx, sqlcdb.AssignableRoleParams{
		ProjectID: string(a.ProjectID), UserID: string(a.UserID),
		OrganizationID: string(a.OrganizationID), RoleID: string(a.RoleID),
	})
	if err != nil {
		return wrap(err, "assign role %s to user %s", a.RoleID, a.UserID)
	}
	if n == 0 {
		return notFound("assign role %s to user %s in organization %s", a.RoleID, a.UserID, a.OrganizationID)
	}
	if err := w.q().InsertRoleAssignment(ctx, sqlcdb.InsertRoleAssignmentParams{
		UserID: string(a.UserID), RoleID: string(a.RoleID), ProjectID: string(a.ProjectID),
		OrganizationID: string(a.OrganizationID), CreatedAt: a.CreatedAt,
	}); err != nil {
		return wrap(err, "assign role %s to user %s", a.RoleID, a.UserID)
	}
	return nil
}

func (w *writer) UnassignRole(ctx context.Context, projectID id.Project, userID id.User, roleID id.Role) error {
	n, err := w.q().DeleteRoleAssignment(ctx, sqlcdb.DeleteRoleAssignmentParams{
		ProjectID: string(projectID), UserID: string(userID), RoleID: string(roleID),
	})
	if err != nil {
		return wrap(err, "unassign role %s from user %s", roleID, userID)
	}
	if n == 0 {
		return notFound("unassign role %s from user %s", roleID, userID)
	}
	return nil
}

func (r *reader) CountRolesWithKey(ctx context.Context, projectID id.Project, key string) (int64, error) {
	n, err := r.q().CountRolesWithKey(ctx, sqlcdb.CountRolesWithKeyParams{ProjectID: string(projectID), Key: key})
	if err != nil {
		return 0, wrap(err, "count roles with key %q", key)
	}
	return n, nil
}
