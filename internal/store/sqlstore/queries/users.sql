-- name: InsertUser :execrows
INSERT INTO users (
    id, project_id, organization_id, email, email_verified, display_name,
    status, created_at, updated_at, last_login_at
)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT DO NOTHING;

-- name: UpdateUser :execrows
UPDATE users SET
    email = $3,
    email_verified = $4,
    display_name = $5,
    status = $6,
    updated_at = $7,
    last_login_at = $8
WHERE project_id = $1 AND id = $2;

-- name: DeleteUser :execrows
DELETE FROM users WHERE project_id = $1 AND id = $2;

-- name: GetUser :one
SELECT * FROM users WHERE project_id = $1 AND id = $2;

-- name: GetUserByEmail :one
SELECT * FROM users WHERE project_id = $1 AND organization_id = $2 AND email = $3;

-- The user lists are separate queries per filter so that each one walks a
-- single index in ID order on both engines.

-- name: ListUsersInProject :many
SELECT * FROM users
WHERE project_id = sqlc.arg(project_id) AND id > sqlc.arg(after)
ORDER BY id LIMIT sqlc.arg(max_rows);

-- name: ListUsersInOrganization :many
SELECT * FROM users
WHERE project_id = sqlc.arg(project_id) AND organization_id = sqlc.arg(organization_id) AND id > sqlc.arg(after)
ORDER BY id LIMIT sqlc.arg(max_rows);

-- name: ListUsersByEmail :many
SELECT * FROM users
WHERE project_id = sqlc.arg(project_id) AND email = sqlc.arg(email) AND id > sqlc.arg(after)
    AND (CAST(sqlc.narg(organization_id) AS TEXT) IS NULL OR organization_id = sqlc.narg(organization_id))
ORDER BY id LIMIT sqlc.arg(max_rows);

-- Search: the email starts with the prefix, or the display name or a word
-- of it (after a space) does, compared lower-cased (the prefix in Go) or
-- exactly as typed: SQLite's lower() folds only ASCII letters, so a name
-- starting with an accented capital is still found there when typed so. It compares with substr and
-- replace rather than LIKE: they take the prefix literally, so % and _ need
-- no escaping, and they behave the same on both engines. An organization's
-- search has its own query, so it walks that organization's index only.

-- name: ListOrgUsersBySearch :many
SELECT * FROM users
WHERE project_id = sqlc.arg(project_id) AND organization_id = sqlc.arg(organization_id) AND id > sqlc.arg(after)
    AND (CAST(sqlc.narg(email) AS TEXT) IS NULL OR email = sqlc.narg(email))
    AND (substr(lower(email), 1, length(CAST(sqlc.arg(prefix) AS TEXT))) = CAST(sqlc.arg(prefix) AS TEXT)
        OR length(replace(' ' || lower(display_name), ' ' || CAST(sqlc.arg(prefix) AS TEXT), ''))
            < length(' ' || lower(display_name))
        OR length(replace(' ' || display_name, ' ' || CAST(sqlc.arg(typed) AS TEXT), ''))
            < length(' ' || display_name))
ORDER BY id LIMIT sqlc.arg(max_rows);

-- name: ListUsersBySearch :many
SELECT * FROM users
WHERE project_id = sqlc.arg(project_id) AND id > sqlc.arg(after)
    AND (CAST(sqlc.narg(email) AS TEXT) IS NULL OR email = sqlc.narg(email))
    AND (substr(lower(email), 1, length(CAST(sqlc.arg(prefix) AS TEXT))) = CAST(sqlc.arg(prefix) AS TEXT)
        OR length(replace(' ' || lower(display_name), ' ' || CAST(sqlc.arg(prefix) AS TEXT), ''))
            < length(' ' || lower(display_name))
        OR length(replace(' ' || display_name, ' ' || CAST(sqlc.arg(typed) AS TEXT), ''))
            < length(' ' || display_name))
ORDER BY id LIMIT sqlc.arg(max_rows);
