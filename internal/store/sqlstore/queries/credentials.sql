-- The user must be in the project: the SELECT yields no row otherwise, and
-- an existing hash is only replaced for the same project.
-- name: UpsertPasswordHash :execrows
INSERT INTO passwords (user_id, project_id, hash, updated_at)
SELECT u.id, u.project_id, CAST(sqlc.arg(hash) AS TEXT), sqlc.arg(updated_at)
FROM users u
WHERE u.project_id = sqlc.arg(project_id) AND u.id = sqlc.arg(user_id)
ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_at = excluded.updated_at
WHERE passwords.project_id = excluded.project_id;

-- name: GetPasswordHash :one
SELECT hash FROM passwords WHERE project_id = $1 AND user_id = $2;

-- name: DeletePasswordHash :execrows
DELETE FROM passwords WHERE project_id = $1 AND user_id = $2;

-- One statement per hit: a window that started at or before the cutoff
-- (now - window) has ended, so the hit opens a new one at now; otherwise it
-- counts in the current window. Every assignment reads the old row.
-- name: HitThrottle :one
INSERT INTO throttle_buckets (project_id, bucket, window_start, hits)
VALUES (sqlc.arg(project_id), sqlc.arg(bucket), sqlc.arg(now), 1)
ON CONFLICT (project_id, bucket) DO UPDATE SET
    hits = CASE WHEN throttle_buckets.window_start <= sqlc.arg(cutoff) THEN 1 ELSE throttle_buckets.hits + 1 END,
    window_start = CASE WHEN throttle_buckets.window_start <= sqlc.arg(cutoff) THEN excluded.window_start ELSE throttle_buckets.window_start END
RETURNING hits, window_start;

-- name: ResetThrottle :execrows
DELETE FROM throttle_buckets WHERE project_id = $1 AND bucket = $2;

-- Maintenance across projects: windows that started before the given time.
-- name: PruneThrottle :execrows
DELETE FROM throttle_buckets WHERE window_start < $1;
