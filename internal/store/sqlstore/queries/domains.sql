-- name: InsertDomain :execrows
INSERT INTO domains (
    id, project_id, organization_id, name, token, status,
    verified_at, last_checked_at, last_error, created_at, updated_at
)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT DO NOTHING;

-- Records a verification check. Marking a domain verified that another
-- organization of the project has verified violates
-- domains_project_verified_name.
-- name: UpdateDomainCheck :execrows
UPDATE domains SET
    status = $3,
    verified_at = $4,
    last_checked_at = $5,
    last_error = $6,
    updated_at = $7
WHERE project_id = $1 AND id = $2;

-- name: DeleteDomain :execrows
DELETE FROM domains WHERE project_id = $1 AND id = $2;

-- name: GetDomain :one
SELECT * FROM domains WHERE project_id = $1 AND id = $2;

-- Every organization's claim of one name in the project.
-- name: ListDomainsByName :many
SELECT * FROM domains WHERE project_id = $1 AND name = $2 ORDER BY id;

-- name: GetVerifiedDomainByName :one
SELECT * FROM domains WHERE project_id = $1 AND name = $2 AND status = 'verified';

-- name: ListDomains :many
SELECT * FROM domains
WHERE project_id = sqlc.arg(project_id) AND id > sqlc.arg(after)
ORDER BY id LIMIT sqlc.arg(max_rows);

-- name: ListOrganizationDomains :many
SELECT * FROM domains
WHERE project_id = sqlc.arg(project_id) AND organization_id = sqlc.arg(organization_id) AND id > sqlc.arg(after)
ORDER BY id LIMIT sqlc.arg(max_rows);
