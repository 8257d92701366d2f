-- name: GetConsoleSettings :one
SELECT * FROM console_settings WHERE singleton = 1;

-- name: InsertConsoleSettings :execrows
INSERT INTO console_settings (singleton, console_project_id, staff_org_id, created_at)
VALUES (1, $1, $2, $3);

-- name: InsertConsoleSetupToken :execrows
INSERT INTO console_setup_tokens (token_hash, project_id, created_at, expires_at, used_at)
VALUES ($1, $2, $3, $4, NULL);

-- name: GetConsoleSetupToken :one
SELECT * FROM console_setup_tokens WHERE project_id = $1 AND token_hash = $2;

-- Spending a link is one conditional update: of two concurrent uses exactly
-- one changes a row.
-- name: UseConsoleSetupToken :execrows
UPDATE console_setup_tokens SET used_at = $3
WHERE project_id = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > $3;
