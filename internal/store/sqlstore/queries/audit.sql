-- name: InsertAuditEvent :exec
INSERT INTO audit_events (
    id, project_id, organization_id, actor_type, actor_id, event_type,
    resource_type, resource_id, details, occurred_at
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10);

-- The four lists below return events newest first. The store picks the
-- one whose leading equality matches an index, so a filtered page is one
-- index range scan; the remaining filters are optional. The time bounds are
-- always bound (the store passes the widest range when the filter has none)
-- because a CAST to a time type is not portable.

-- name: ListAuditEvents :many
SELECT * FROM audit_events
WHERE project_id = sqlc.arg(project_id)
    AND id < sqlc.arg(before)
    AND occurred_at >= sqlc.arg(since)
    AND occurred_at < sqlc.arg(until)
ORDER BY id DESC
LIMIT sqlc.arg(max_rows);

-- name: ListAuditEventsForOrganization :many
SELECT * FROM audit_events
WHERE project_id = sqlc.arg(project_id)
    AND organization_id = sqlc.arg(organization_id)
    AND id < sqlc.arg(before)
    AND (CAST(sqlc.narg(actor_id) AS TEXT) IS NULL OR actor_id = sqlc.narg(actor_id))
    AND (CAST(sqlc.narg(event_type) AS TEXT) IS NULL OR event_type = sqlc.narg(event_type))
    AND occurred_at >= sqlc.arg(since)
    AND occurred_at < sqlc.arg(until)
ORDER BY id DESC
LIMIT sqlc.arg(max_rows);

-- name: ListAuditEventsForActor :many
SELECT * FROM audit_events
WHERE project_id = sqlc.arg(project_id)
    AND actor_id = sqlc.arg(actor_id)
    AND id < sqlc.arg(before)
    AND (CAST(sqlc.narg(event_type) AS TEXT) IS NULL OR event_type = sqlc.narg(event_type))
    AND occurred_at >= sqlc.arg(since)
    AND occurred_at < sqlc.arg(until)
ORDER BY id DESC
LIMIT sqlc.arg(max_rows);

-- name: ListAuditEventsOfType :many
SELECT * FROM audit_events
WHERE project_id = sqlc.arg(project_id)
    AND event_type = sqlc.arg(event_type)
    AND id < sqlc.arg(before)
    AND occurred_at >= sqlc.arg(since)
    AND occurred_at < sqlc.arg(until)
ORDER BY id DESC
LIMIT sqlc.arg(max_rows);
