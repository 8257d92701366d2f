-- +goose Up
-- OAuth clients of a project and the authorization codes issued to them.
-- Secrets and codes are stored only as SHA-256 hashes (SQLite: TIMESTAMP, BLOB).

CREATE TABLE oauth_clients (
    id                        TEXT PRIMARY KEY,
    project_id                TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name                      TEXT NOT NULL,
    type                      TEXT NOT NULL CHECK (type IN ('public', 'confidential')),
    secret_hash               BLOB,
    redirect_uris             TEXT NOT NULL,
    post_logout_redirect_uris TEXT NOT NULL,
    created_at                TIMESTAMP NOT NULL,
    updated_at                TIMESTAMP NOT NULL,
    -- Lets codes reference (project, client) so a code can only name a
    -- client of its own project.
    CONSTRAINT oauth_clients_project_client UNIQUE (project_id, id)
);
CREATE INDEX oauth_clients_project_id ON oauth_clients (project_id, id);

-- A code is looked up by its hash at exchange; the project is in every WHERE.
CREATE TABLE authorization_codes (
    code_hash             BLOB PRIMARY KEY,
    project_id            TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    client_id             TEXT NOT NULL,
    session_id            TEXT NOT NULL,
    redirect_uri          TEXT NOT NULL,
    code_challenge        TEXT NOT NULL,
    code_challenge_method TEXT NOT NULL,
    nonce                 TEXT NOT NULL,
    scope                 TEXT NOT NULL,
    created_at            TIMESTAMP NOT NULL,
    expires_at            TIMESTAMP NOT NULL,
    used_at               TIMESTAMP,
    -- The session the exchange handed tokens to (the code's own session, or
    -- a copy of it for a second client): what a replayed code revokes.
    granted_session_id    TEXT NOT NULL DEFAULT '',
    CONSTRAINT authorization_codes_client FOREIGN KEY (project_id, client_id)
        REFERENCES oauth_clients (project_id, id) ON DELETE CASCADE
);
CREATE INDEX authorization_codes_client ON authorization_codes (project_id, client_id);
CREATE INDEX authorization_codes_expires ON authorization_codes (expires_at);

-- +goose Down
DROP TABLE authorization_codes;
DROP TABLE oauth_clients;
