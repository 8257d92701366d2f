-- name: InsertLoginAttempt :execrows
INSERT INTO login_attempts (id, project_id, cookie_hash, link_hash, request, state, version,
    created_at, updated_at, expires_at, completed_at, session_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT DO NOTHING;

-- name: GetLoginAttempt :one
SELECT * FROM login_attempts WHERE project_id = $1 AND id = $2;

-- name: GetLoginAttemptByCookie :one
SELECT * FROM login_attempts WHERE project_id = $1 AND cookie_hash = $2;

-- name: GetLoginAttemptByLink :one
SELECT * FROM login_attempts WHERE project_id = $1 AND link_hash = $2;

-- LockLoginAttempt takes the row lock on Postgres; on SQLite the immediate
-- write transaction already holds the database's write lock.
-- name: LockLoginAttempt :execrows
UPDATE login_attempts SET version = version WHERE project_id = $1 AND id = $2;

-- The version check refuses a write based on a stale read.
-- name: UpdateLoginAttempt :execrows
UPDATE login_attempts
SET link_hash = sqlc.narg(link_hash), state = sqlc.arg(state), version = version + 1,
    updated_at = sqlc.arg(updated_at), expires_at = sqlc.arg(expires_at),
    completed_at = sqlc.narg(completed_at), session_id = sqlc.narg(session_id)
WHERE project_id = sqlc.arg(project_id) AND id = sqlc.arg(id) AND version = sqlc.arg(version);

-- name: DeleteExpiredLoginAttempts :execrows
DELETE FROM login_attempts
WHERE id IN (SELECT la.id FROM login_attempts la WHERE la.expires_at < sqlc.arg(before) ORDER BY la.expires_at LIMIT sqlc.arg(max_rows));
