-- name: InsertSecretKey :execrows
INSERT INTO secret_keys (id, project_id, name, token_hash, hint, created_at, last_used_at, revoked_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT DO NOTHING;

-- Revoking twice keeps the first revocation time.
-- name: RevokeSecretKey :execrows
UPDATE secret_keys SET revoked_at = COALESCE(revoked_at, $3)
WHERE project_id = $1 AND id = $2;

-- name: TouchSecretKey :execrows
UPDATE secret_keys SET last_used_at = $3
WHERE project_id = $1 AND id = $2;

-- name: GetSecretKey :one
SELECT * FROM secret_keys WHERE project_id = $1 AND id = $2;

-- name: GetSecretKeyByHash :one
SELECT * FROM secret_keys WHERE token_hash = $1;

-- name: ListSecretKeys :many
SELECT * FROM secret_keys
WHERE project_id = sqlc.arg(project_id) AND id > sqlc.arg(after)
ORDER BY id LIMIT sqlc.arg(max_rows);
