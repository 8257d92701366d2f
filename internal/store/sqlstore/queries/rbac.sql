-- name: InsertPermission :execrows
INSERT INTO permissions (id, project_id, key, description, created_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING;

-- name: UpdatePermission :execrows
UPDATE permissions SET key = $3, description = $4 WHERE project_id = $1 AND id = $2;

-- name: DeletePermission :execrows
DELETE FROM permissions WHERE project_id = $1 AND id = $2;

-- name: GetPermission :one
SELECT * FROM permissions WHERE project_id = $1 AND id = $2;

-- name: GetPermissionByKey :one
SELECT * FROM permissions WHERE project_id = $1 AND key = $2;

-- name: ListPermissions :many
SELECT * FROM permissions
WHERE project_id = sqlc.arg(project_id) AND id > sqlc.arg(after)
ORDER BY id LIMIT sqlc.arg(max_rows);

-- name: InsertRole :execrows
INSERT INTO roles (id, project_id, organization_id, key, name, description, builtin, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT DO NOTHING;

-- name: UpdateRole :execrows
UPDATE roles SET name = $3, description = $4, updated_at = $5
WHERE project_id = $1 AND id = $2;

-- name: DeleteRole :execrows
DELETE FROM roles WHERE project_id = $1 AND id = $2;

-- name: GetRole :one
SELECT * FROM roles WHERE project_id = $1 AND id = $2;

-- An organization's own custom role wins over a project-wide role of the same
-- key. An empty organization ID matches project-wide roles only.
-- name: GetRoleByKey :one
SELECT * FROM roles
WHERE project_id = sqlc.arg(project_id) AND key = sqlc.arg(key)
    AND (organization_id IS NULL OR organization_id = sqlc.arg(organization_id))
ORDER BY CASE WHEN organization_id IS NULL THEN 1 ELSE 0 END
LIMIT 1;

-- name: ListRoles :many
SELECT * FROM roles
WHERE project_id = sqlc.arg(project_id)
    AND (organization_id IS NULL OR organization_id = sqlc.arg(organization_id))
    AND id > sqlc.arg(after)
ORDER BY id LIMIT sqlc.arg(max_rows);

-- Permission keys of the roles ListRoles returned: the same filter over the
-- listed ID range, so a page costs two queries whatever its size.
-- name: ListRolePermissionsInRange :many
SELECT rp.role_id, p.key
FROM roles r
JOIN role_permissions rp ON rp.role_id = r.id
JOIN permissions p ON p.id = rp.permission_id
WHERE r.project_id = sqlc.arg(project_id)
    AND (r.organization_id IS NULL OR r.organization_id = sqlc.arg(organization_id))
    AND r.id >= sqlc.arg(first_id) AND r.id <= sqlc.arg(last_id)
ORDER BY rp.role_id, p.key;

-- name: ListRolePermissions :many
SELECT p.key
FROM role_permissions rp
JOIN permissions p ON p.id = rp.permission_id
WHERE rp.project_id = $1 AND rp.role_id = $2
ORDER BY p.key;

-- The permission must be in the role's project: the SELECT yields no row otherwise.
-- name: AddRolePermission :execrows
INSERT INTO role_permissions (role_id, permission_id, project_id)
SELECT r.id, p.id, r.project_id
FROM roles r JOIN permissions p ON p.project_id = r.project_id
WHERE r.project_id = sqlc.arg(project_id) AND r.id = sqlc.arg(role_id) AND p.key = sqlc.arg(permission_key)
ON CONFLICT DO NOTHING;

-- name: ClearRolePermissions :exec
DELETE FROM role_permissions WHERE project_id = $1 AND role_id = $2;

-- name: ListUserRoles :many
SELECT r.*
FROM role_assignments ra
JOIN roles r ON r.id = ra.role_id
WHERE ra.project_id = $1 AND ra.user_id = $2
ORDER BY r.key, r.id;

-- name: ListUserRolePermissions :many
SELECT rp.role_id, p.key
FROM role_assignments ra
JOIN role_permissions rp ON rp.role_id = ra.role_id
JOIN permissions p ON p.id = rp.permission_id
WHERE ra.project_id = $1 AND ra.user_id = $2
ORDER BY rp.role_id, p.key;

-- AssignableRole counts (0 or 1) the pairs where the user is in the project
-- and the organization, and the role is project-wide or that organization's.
-- name: AssignableRole :one
SELECT count(*)
FROM users u
JOIN roles r ON r.project_id = u.project_id
WHERE u.project_id = sqlc.arg(project_id) AND u.id = sqlc.arg(user_id)
    AND u.organization_id = sqlc.arg(organization_id) AND r.id = sqlc.arg(role_id)
    AND (r.organization_id IS NULL OR r.organization_id = u.organization_id);

-- name: InsertRoleAssignment :exec
INSERT INTO role_assignments (user_id, role_id, project_id, organization_id, created_at)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT DO NOTHING;

-- name: DeleteRoleAssignment :execrows
DELETE FROM role_assignments WHERE project_id = $1 AND user_id = $2 AND role_id = $3;

-- name: CountRoleMembers :one
SELECT count(*)
FROM role_assignments ra
JOIN users u ON u.id = ra.user_id
WHERE ra.project_id = $1 AND ra.organization_id = $2 AND ra.role_id = $3
    AND u.status = 'active';

-- CountRolesWithKey counts the project's roles with this key, project-wide
-- and every organization's custom roles alike.
-- name: CountRolesWithKey :one
SELECT COUNT(*) FROM roles WHERE project_id = $1 AND key = $2;
