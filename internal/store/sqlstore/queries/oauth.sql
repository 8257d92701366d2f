-- name: InsertOAuthClient :execrows
INSERT INTO oauth_clients (id, project_id, name, type, secret_hash, redirect_uris, post_logout_redirect_uris, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT DO NOTHING;

-- The type and project never change; the secret changes only by rotation.
-- name: UpdateOAuthClient :execrows
UPDATE oauth_clients
SET name = $3, secret_hash = $4, redirect_uris = $5, post_logout_redirect_uris = $6, updated_at = $7
WHERE project_id = $1 AND id = $2;

-- name: DeleteOAuthClient :execrows
DELETE FROM oauth_clients WHERE project_id = $1 AND id = $2;

-- name: GetOAuthClient :one
SELECT * FROM oauth_clients WHERE project_id = $1 AND id = $2;

-- name: ListOAuthClients :many
SELECT * FROM oauth_clients
WHERE project_id = sqlc.arg(project_id) AND id > sqlc.arg(after)
ORDER BY id LIMIT sqlc.arg(max_rows);

-- The (project_id, client_id) foreign key refuses a client of another project.
-- name: InsertAuthorizationCode :execrows
INSERT INTO authorization_codes (code_hash, project_id, client_id, session_id, redirect_uri, code_challenge,
    code_challenge_method, nonce, scope, created_at, expires_at, used_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
ON CONFLICT DO NOTHING;

-- First use wins: only an unused code is marked, so two concurrent
-- exchanges cannot both succeed.
-- name: UseAuthorizationCode :one
UPDATE authorization_codes SET used_at = $3
WHERE project_id = $1 AND code_hash = $2 AND used_at IS NULL
RETURNING *;

-- name: GetAuthorizationCode :one
SELECT * FROM authorization_codes WHERE project_id = $1 AND code_hash = $2;

-- name: DeleteAuthorizationCodesExpiredBefore :execrows
DELETE FROM authorization_codes WHERE project_id = $1 AND expires_at < $2;

-- name: SetAuthorizationCodeGrant :execrows
UPDATE authorization_codes SET granted_session_id = $3
WHERE project_id = $1 AND code_hash = $2;
