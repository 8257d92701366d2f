-- +goose Up
-- Invitations to join an organization with a role. The link's token is kept
-- only as its SHA-256 hash. An invite belongs to its organization: deleting
-- the organization (or the project) deletes its invites, and deleting a role
-- deletes the invites that would have granted it. accepted_user_id has no
-- foreign key: like an audit record, an accepted invite keeps naming the user
-- it made even after that user is deleted.
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
    token_hash       BYTEA NOT NULL,
    expires_at       TIMESTAMPTZ NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    accepted_at      TIMESTAMPTZ,
    revoked_at       TIMESTAMPTZ,
    accepted_user_id TEXT,
    send_count       BIGINT NOT NULL,
    last_sent_at     TIMESTAMPTZ NOT NULL,
    CONSTRAINT invites_token_hash UNIQUE (token_hash)
);
CREATE INDEX invites_project_id ON invites (project_id, id);
CREATE INDEX invites_project_organization ON invites (project_id, organization_id, id);
CREATE INDEX invites_project_email ON invites (project_id, email, id);
CREATE INDEX invites_role_id ON invites (role_id);

-- +goose Down
DROP TABLE invites;
