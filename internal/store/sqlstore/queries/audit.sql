-- name: InsertAuditEvent :exec
INSERT INTO audit_events (
    id, project_id, organization_id, actor_type, actor_id, event_type,
    resource_type, resource_id, details, occurred_at
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10);

-- Newest first. The time bounds are always bound (the store passes the widest
-- range when the filter has none) because a CAST to a time type is not portable.
-- name: ListAuditEvents :many
SELECT * FROM audit_events
WHERE project_id = sqlc.arg(project_id)
    AND id < sqlc.arg(before)
    AND (CAST(sqlc.narg(organization_id) AS TEXT) IS NULL OR organization_id = sqlc.narg(organization_id))
    AND (CAST(sqlc.narg(actor_id) AS TEXT) IS NULL OR actor_id = sqlc.narg(actor_id))
    AND (CAST(sqlc.narg(event_type) AS TEXT) IS NULL OR event_type = sqlc.narg(event_type))
    AND occurred_at >= sqlc.arg(since)
    AND occurred_at < sqlc.arg(until)
ORDER BY id DESC
LIMIT sqlc.arg(max_rows);
