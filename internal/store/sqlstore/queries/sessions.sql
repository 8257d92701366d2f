-- The session must belong to a user of that organization in that project:
-- the SELECT yields no row otherwise (the foreign keys alone would accept
-- another project's user).
-- name: InsertSession :execrows
INSERT INTO sessions (
    id, project_id, organization_id, user_id, client_id, facts,
    browser_token_hash, refresh_hash, prev_refresh_hash, refreshed_at,
    created_at, last_active_at, expires_at, idle_expires_at,
    revoked_at, revoke_reason, user_agent, ip,
    impersonator_id, impersonator_email, impersonation_reason, impersonation_of
)
SELECT sqlc.arg(id), u.project_id, u.organization_id, u.id, sqlc.arg(client_id), sqlc.arg(facts),
    sqlc.narg(browser_token_hash), sqlc.narg(refresh_hash), sqlc.narg(prev_refresh_hash), sqlc.narg(refreshed_at),
    sqlc.arg(created_at), sqlc.arg(last_active_at), sqlc.arg(expires_at), sqlc.arg(idle_expires_at),
    sqlc.narg(revoked_at), sqlc.arg(revoke_reason), sqlc.arg(user_agent), sqlc.arg(ip),
    sqlc.arg(impersonator_id), sqlc.arg(impersonator_email), sqlc.arg(impersonation_reason), sqlc.arg(impersonation_of)
FROM users u
WHERE u.project_id = sqlc.arg(project_id) AND u.organization_id = sqlc.arg(organization_id)
    AND u.id = sqlc.arg(user_id);

-- name: GetSession :one
SELECT * FROM sessions WHERE project_id = $1 AND id = $2;

-- The session lists are separate queries per filter so that each one walks a
-- single index in ID order. live_only keeps the sessions usable at now.

-- name: ListSessionsInProject :many
SELECT * FROM sessions
WHERE project_id = sqlc.arg(project_id) AND id > sqlc.arg(after)
    AND (NOT CAST(sqlc.arg(live_only) AS BOOLEAN) OR (revoked_at IS NULL AND expires_at > sqlc.arg(now) AND idle_expires_at > sqlc.arg(now)))
ORDER BY id LIMIT sqlc.arg(max_rows);

-- name: ListSessionsOfOrganization :many
SELECT * FROM sessions
WHERE project_id = sqlc.arg(project_id) AND organization_id = sqlc.arg(organization_id) AND id > sqlc.arg(after)
    AND (NOT CAST(sqlc.arg(live_only) AS BOOLEAN) OR (revoked_at IS NULL AND expires_at > sqlc.arg(now) AND idle_expires_at > sqlc.arg(now)))
ORDER BY id LIMIT sqlc.arg(max_rows);

-- A user belongs to one organization, so the organization filter is only
-- a further condition here.
-- name: ListSessionsOfUser :many
SELECT * FROM sessions
WHERE project_id = sqlc.arg(project_id) AND user_id = sqlc.arg(user_id) AND id > sqlc.arg(after)
    AND (CAST(sqlc.narg(organization_id) AS TEXT) IS NULL OR organization_id = sqlc.narg(organization_id))
    AND (NOT CAST(sqlc.arg(live_only) AS BOOLEAN) OR (revoked_at IS NULL AND expires_at > sqlc.arg(now) AND idle_expires_at > sqlc.arg(now)))
ORDER BY id LIMIT sqlc.arg(max_rows);

-- The two SessionAccess queries read a session with its user,
-- organization and project, and the user's role and permission keys, in one
-- statement. The keys come from correlated subqueries, each an index lookup
-- by user; string_agg exists on both engines (SQLite since 3.44). Keys never
-- contain spaces (rbac.ValidateKey); the caller sorts and de-duplicates.

-- name: SessionAccessByBrowserHash :one
SELECT sqlc.embed(s), sqlc.embed(u), sqlc.embed(o), sqlc.embed(p),
    CAST(COALESCE((
        SELECT string_agg(r.key, ' ') FROM role_assignments ra JOIN roles r ON r.id = ra.role_id
        WHERE ra.project_id = s.project_id AND ra.user_id = s.user_id
    ), '') AS TEXT) AS role_keys,
    CAST(COALESCE((
        SELECT string_agg(pm.key, ' ') FROM role_assignments ra
        JOIN role_permissions rp ON rp.role_id = ra.role_id
        JOIN permissions pm ON pm.id = rp.permission_id
        WHERE ra.project_id = s.project_id AND ra.user_id = s.user_id
    ), '') AS TEXT) AS permission_keys
FROM sessions s
JOIN users u ON u.id = s.user_id AND u.project_id = s.project_id
JOIN organizations o ON o.id = s.organization_id AND o.project_id = s.project_id
JOIN projects p ON p.id = s.project_id
WHERE s.project_id = sqlc.arg(project_id) AND s.browser_token_hash = sqlc.arg(hash);

-- The refresh hot path: a refresh token names its session, so the row is
-- read by primary key and the token's hash compared with the current and
-- previous ones in Go.
-- name: SessionAccessByID :one
SELECT sqlc.embed(s), sqlc.embed(u), sqlc.embed(o), sqlc.embed(p),
    CAST(COALESCE((
        SELECT string_agg(r.key, ' ') FROM role_assignments ra JOIN roles r ON r.id = ra.role_id
        WHERE ra.project_id = s.project_id AND ra.user_id = s.user_id
    ), '') AS TEXT) AS role_keys,
    CAST(COALESCE((
        SELECT string_agg(pm.key, ' ') FROM role_assignments ra
        JOIN role_permissions rp ON rp.role_id = ra.role_id
        JOIN permissions pm ON pm.id = rp.permission_id
        WHERE ra.project_id = s.project_id AND ra.user_id = s.user_id
    ), '') AS TEXT) AS permission_keys
FROM sessions s
JOIN users u ON u.id = s.user_id AND u.project_id = s.project_id
JOIN organizations o ON o.id = s.organization_id AND o.project_id = s.project_id
JOIN projects p ON p.id = s.project_id
WHERE s.project_id = sqlc.arg(project_id) AND s.id = sqlc.arg(id);

-- name: IssueFirstRefresh :execrows
UPDATE sessions SET
    client_id = sqlc.arg(client_id),
    refresh_hash = sqlc.arg(refresh_hash),
    refreshed_at = sqlc.arg(at),
    last_active_at = sqlc.arg(at),
    idle_expires_at = sqlc.arg(idle_expires_at)
WHERE project_id = sqlc.arg(project_id) AND id = sqlc.arg(id)
    AND client_id = '' AND refresh_hash IS NULL AND revoked_at IS NULL;

-- The refresh write: it succeeds only for the refresher that still holds
-- the current token, so concurrent refreshes of one token rotate it once.
-- name: RotateRefreshToken :execrows
UPDATE sessions SET
    prev_refresh_hash = refresh_hash,
    refresh_hash = sqlc.arg(new_hash),
    refreshed_at = sqlc.arg(at),
    last_active_at = sqlc.arg(at),
    idle_expires_at = sqlc.arg(idle_expires_at)
WHERE id = sqlc.arg(id) AND project_id = sqlc.arg(project_id)
    AND refresh_hash = sqlc.arg(old_hash) AND revoked_at IS NULL;

-- name: TouchSession :execrows
UPDATE sessions SET last_active_at = $3, idle_expires_at = $4
WHERE project_id = $1 AND id = $2;

-- name: RevokeSession :execrows
UPDATE sessions SET revoked_at = $3, revoke_reason = $4
WHERE project_id = $1 AND id = $2 AND revoked_at IS NULL;

-- name: RevokeUserSessions :execrows
UPDATE sessions SET revoked_at = sqlc.arg(at), revoke_reason = sqlc.arg(reason)
WHERE project_id = sqlc.arg(project_id) AND user_id = sqlc.arg(user_id)
    AND revoked_at IS NULL AND expires_at > sqlc.arg(at) AND idle_expires_at > sqlc.arg(at);

-- name: RevokeOrgSessions :execrows
UPDATE sessions SET revoked_at = sqlc.arg(at), revoke_reason = sqlc.arg(reason)
WHERE project_id = sqlc.arg(project_id) AND organization_id = sqlc.arg(organization_id)
    AND revoked_at IS NULL AND expires_at > sqlc.arg(at) AND idle_expires_at > sqlc.arg(at);

-- Ends an impersonation: the session it started as and every client session
-- derived from it.
-- name: RevokeImpersonationSessions :execrows
UPDATE sessions SET revoked_at = sqlc.arg(at), revoke_reason = sqlc.arg(reason)
WHERE project_id = sqlc.arg(project_id) AND impersonation_of = sqlc.arg(impersonation_of)
    AND impersonation_of <> '' AND revoked_at IS NULL;
