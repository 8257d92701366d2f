-- name: InsertProject :execrows
INSERT INTO projects (
    id, name, enabled_login_methods, redirect_uris, trusted_origins,
    auto_create_organizations, self_serve_create_organizations, allow_custom_roles,
    session_max_lifetime_seconds, session_idle_timeout_seconds,
    brand_color, logo_url, app_url, created_at, updated_at
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)
ON CONFLICT DO NOTHING;

-- name: UpdateProject :execrows
UPDATE projects SET
    name = $2,
    enabled_login_methods = $3,
    redirect_uris = $4,
    trusted_origins = $5,
    auto_create_organizations = $6,
    self_serve_create_organizations = $7,
    allow_custom_roles = $8,
    session_max_lifetime_seconds = $9,
    session_idle_timeout_seconds = $10,
    brand_color = $11,
    logo_url = $12,
    app_url = $13,
    updated_at = $14
WHERE id = $1;

-- name: GetProject :one
SELECT * FROM projects WHERE id = $1;

-- name: ListProjects :many
SELECT * FROM projects WHERE id > sqlc.arg(after) ORDER BY id LIMIT sqlc.arg(max_rows);

-- LockProject takes the project row's lock on Postgres (SQLite's immediate
-- write transaction already serialises writers): read-modify-write changes
-- of project-level configuration take it before reading.
-- name: LockProject :execrows
UPDATE projects SET updated_at = updated_at WHERE id = $1;
