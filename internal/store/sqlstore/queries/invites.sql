-- The organization and the role must be in the project, and the role must be
-- project-wide or the organization's own: the SELECT yields no row otherwise.
-- name: InsertInvite :execrows
INSERT INTO invites (
    id, project_id, organization_id, email, role_id, role_key, invited_by_type, invited_by_id,
    status, token_hash, expires_at, created_at, updated_at, accepted_at, revoked_at,
    accepted_user_id, send_count, last_sent_at
)
SELECT
    sqlc.arg(id), o.project_id, o.id, sqlc.arg(email), r.id, r.key, sqlc.arg(invited_by_type), sqlc.arg(invited_by_id),
    sqlc.arg(status), sqlc.arg(token_hash), sqlc.arg(expires_at), sqlc.arg(created_at), sqlc.arg(updated_at),
    sqlc.narg(accepted_at), sqlc.narg(revoked_at), sqlc.narg(accepted_user_id), sqlc.arg(send_count), sqlc.arg(last_sent_at)
FROM organizations o
JOIN roles r ON r.project_id = o.project_id
WHERE o.project_id = sqlc.arg(project_id) AND o.id = sqlc.arg(organization_id) AND r.id = sqlc.arg(role_id)
    AND (r.organization_id IS NULL OR r.organization_id = o.id);

-- Only the lifecycle changes; who was invited, where and with which role
-- stay as created. The update applies only while the invite is still in
-- from_status, so a revocation and an acceptance racing each other cannot
-- both win.
-- name: UpdateInvite :execrows
UPDATE invites SET
    status = sqlc.arg(status),
    token_hash = sqlc.arg(token_hash),
    expires_at = sqlc.arg(expires_at),
    updated_at = sqlc.arg(updated_at),
    accepted_at = sqlc.narg(accepted_at),
    revoked_at = sqlc.narg(revoked_at),
    accepted_user_id = sqlc.narg(accepted_user_id),
    send_count = sqlc.arg(send_count),
    last_sent_at = sqlc.arg(last_sent_at)
WHERE project_id = sqlc.arg(project_id) AND organization_id = sqlc.arg(organization_id) AND id = sqlc.arg(id)
    AND status = sqlc.arg(from_status);

-- name: GetInvite :one
SELECT * FROM invites WHERE project_id = $1 AND id = $2;

-- name: GetInviteByTokenHash :one
SELECT * FROM invites WHERE project_id = $1 AND token_hash = $2;

-- The invite lists bind both expiry bounds always (a CAST to a time type
-- means different things on the two engines); the store passes the widest
-- range when the filter leaves it open.

-- name: ListInvitesInProject :many
SELECT * FROM invites
WHERE project_id = sqlc.arg(project_id) AND id > sqlc.arg(after)
    AND (CAST(sqlc.narg(status) AS TEXT) IS NULL OR status = sqlc.narg(status))
    AND expires_at > sqlc.arg(expires_after) AND expires_at <= sqlc.arg(expires_until)
ORDER BY id LIMIT sqlc.arg(max_rows);

-- name: ListInvitesInOrganization :many
SELECT * FROM invites
WHERE project_id = sqlc.arg(project_id) AND organization_id = sqlc.arg(organization_id) AND id > sqlc.arg(after)
    AND (CAST(sqlc.narg(status) AS TEXT) IS NULL OR status = sqlc.narg(status))
    AND expires_at > sqlc.arg(expires_after) AND expires_at <= sqlc.arg(expires_until)
ORDER BY id LIMIT sqlc.arg(max_rows);

-- name: ListPendingInvitesByEmail :many
SELECT * FROM invites
WHERE project_id = sqlc.arg(project_id) AND email = sqlc.arg(email)
    AND status = 'pending' AND expires_at > sqlc.arg(now)
ORDER BY id LIMIT sqlc.arg(max_rows);
