-- +goose Up
-- Invitations to join an organization with a role. Same schema as the
-- postgres folder, with TIMESTAMP for TIMESTAMPTZ and BLOB for BYTEA.
CREATE TABLE invites (
    id               TEXT PRIMARY KEY,
    project_id       TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    organization_id  TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email            TEXT NOT NULL,
    role_id          TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    role_key         TEXT NOT NULL,
    invited_by_type  TEXT NOT NULL,
    invited_by_id    TEXT NOT NULL,
    status           TEXT NOT NULL,
    token_hash       BLOB NOT NULL,
    expires_at       TIMESTAMP NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    accepted_at      TIMESTAMP,
    revoked_at       TIMESTAMP,
    accepted_user_id TEXT,
    send_count       BIGINT NOT NULL,
    last_sent_at     TIMESTAMP NOT NULL,
    CONSTRAINT invites_token_hash UNIQUE (token_hash)
);
CREATE INDEX invites_project_id ON invites (project_id, id);
CREATE INDEX invites_project_organization ON invites (project_id, organization_id, id);
CREATE INDEX invites_project_email ON invites (project_id, email, id);
CREATE INDEX invites_role_id ON invites (role_id);

-- +goose Down
DROP TABLE invites;
