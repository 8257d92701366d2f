-- +goose Up
-- Impersonation: a console staff member acting as a user. The session a
-- staff member starts, and every client session derived from it, names the
-- staff member, the reason given, and the session the impersonation started
-- as (impersonation_of), so ending it ends them all. '' on every other
-- session. Same schema as the postgres folder, with TIMESTAMP for
-- TIMESTAMPTZ.

ALTER TABLE sessions ADD COLUMN impersonator_id TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN impersonator_email TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN impersonation_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN impersonation_of TEXT NOT NULL DEFAULT '';
CREATE INDEX sessions_project_impersonation ON sessions (project_id, impersonation_of)
    WHERE impersonation_of <> '';

-- Monthly active users: one row per user and month ("YYYY-MM", UTC) in which
-- a session of theirs was created or used. Billing history: the row stays
-- when the user is deleted (no foreign key to users), and goes with the
-- organization.
CREATE TABLE monthly_active_users (
    project_id      TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    month           TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    first_seen_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (project_id, organization_id, month, user_id)
);

-- +goose Down
DROP TABLE monthly_active_users;
DROP INDEX sessions_project_impersonation;
ALTER TABLE sessions DROP COLUMN impersonation_of;
ALTER TABLE sessions DROP COLUMN impersonation_reason;
ALTER TABLE sessions DROP COLUMN impersonator_email;
ALTER TABLE sessions DROP COLUMN impersonator_id;
