-- Records that a user was active in a month. The SELECT yields no row unless
-- the user belongs to that organization in that project; a second record of
-- the same user and month changes nothing.
-- name: RecordActiveUser :execrows
INSERT INTO monthly_active_users (project_id, organization_id, month, user_id, first_seen_at)
SELECT u.project_id, u.organization_id, sqlc.arg(month), u.id, sqlc.arg(at)
FROM users u
WHERE u.project_id = sqlc.arg(project_id) AND u.organization_id = sqlc.arg(organization_id)
    AND u.id = sqlc.arg(user_id)
ON CONFLICT (project_id, organization_id, month, user_id) DO NOTHING;

-- Seats are the organization's active users now; monthly active users are
-- the distinct users recorded in the month (one row each by the key).
-- name: OrganizationUsage :one
SELECT o.id, o.name,
    (SELECT COUNT(*) FROM users u
     WHERE u.project_id = o.project_id AND u.organization_id = o.id AND u.status = 'active') AS seats,
    (SELECT COUNT(*) FROM monthly_active_users m
     WHERE m.project_id = o.project_id AND m.organization_id = o.id AND m.month = sqlc.arg(month)) AS monthly_active_users
FROM organizations o
WHERE o.project_id = sqlc.arg(project_id) AND o.id = sqlc.arg(organization_id);

-- name: ListOrganizationUsage :many
SELECT o.id, o.name,
    (SELECT COUNT(*) FROM users u
     WHERE u.project_id = o.project_id AND u.organization_id = o.id AND u.status = 'active') AS seats,
    (SELECT COUNT(*) FROM monthly_active_users m
     WHERE m.project_id = o.project_id AND m.organization_id = o.id AND m.month = sqlc.arg(month)) AS monthly_active_users
FROM organizations o
WHERE o.project_id = sqlc.arg(project_id) AND o.id > sqlc.arg(after)
ORDER BY o.id LIMIT sqlc.arg(max_rows);
