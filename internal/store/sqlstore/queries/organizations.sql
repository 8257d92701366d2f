-- name: InsertOrganization :execrows
INSERT INTO organizations (
    id, project_id, name, allowed_login_methods, require_mfa, require_sso,
    session_max_lifetime_seconds, session_idle_timeout_seconds, logins_disabled,
    join_by_domain, join_role_key, member_count, created_at, updated_at
)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 0, $12, $13)
ON CONFLICT DO NOTHING;

-- name: UpdateOrganization :execrows
UPDATE organizations SET
    name = $3,
    allowed_login_methods = $4,
    require_mfa = $5,
    require_sso = $6,
    session_max_lifetime_seconds = $7,
    session_idle_timeout_seconds = $8,
    logins_disabled = $9,
    join_by_domain = $10,
    join_role_key = $11,
    updated_at = $12
WHERE project_id = $1 AND id = $2;

-- name: DeleteOrganization :execrows
DELETE FROM organizations WHERE project_id = $1 AND id = $2;

-- LockOrganization takes the row lock on Postgres; on SQLite the immediate
-- write transaction already holds the database's write lock.
-- name: LockOrganization :execrows
UPDATE organizations SET updated_at = updated_at WHERE project_id = $1 AND id = $2;

-- name: AddOrganizationMembers :execrows
UPDATE organizations SET member_count = member_count + sqlc.arg(delta)
WHERE project_id = sqlc.arg(project_id) AND id = sqlc.arg(id);

-- Uncounts a user from its organization before the user row is deleted, so
-- that every membership change locks the organization row first (the order
-- DeleteOrganization and CreateUser use too) and none can deadlock another.
-- name: RemoveMemberOfUser :one
UPDATE organizations SET member_count = member_count - 1
WHERE organizations.project_id = sqlc.arg(project_id)
    AND organizations.id = (SELECT u.organization_id FROM users u WHERE u.project_id = sqlc.arg(project_id) AND u.id = sqlc.arg(user_id))
RETURNING id;

-- name: OrganizationExists :one
SELECT count(*) FROM organizations WHERE project_id = $1 AND id = $2;

-- name: GetOrganization :one
SELECT * FROM organizations WHERE project_id = $1 AND id = $2;

-- name: ListOrganizations :many
SELECT * FROM organizations
WHERE project_id = sqlc.arg(project_id) AND id > sqlc.arg(after)
ORDER BY id LIMIT sqlc.arg(max_rows);
