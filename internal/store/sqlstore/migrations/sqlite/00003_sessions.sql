-- +goose Up
-- Sessions: one logged-in user of one organization, minted from the facts of
-- a finished login, and the refresh-token chain of the client it was issued
-- to. Secrets are stored only as SHA-256 hashes. Same schema as the postgres
-- folder, with TIMESTAMP for TIMESTAMPTZ and BLOB for BYTEA.

CREATE TABLE sessions (
    id                 TEXT PRIMARY KEY,
    project_id         TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    organization_id    TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id            TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- '' for the hosted pages' own browser session until a client's first
    -- code exchange; no foreign key, so deleting a client leaves its
    -- sessions to expire or be revoked like any other.
    client_id          TEXT NOT NULL,
    -- login.Facts as JSON: what the login proved, judged again at every refresh.
    facts              TEXT NOT NULL,
    browser_token_hash BLOB,
    -- A refresh token names its session, so refresh reads the row by id
    -- and compares these two hashes; neither is searched for.
    refresh_hash       BLOB,
    -- The token the current one replaced: presenting it again is reuse,
    -- except within the grace period after refreshed_at. Any older token
    -- of the session matches neither hash and is reuse too.
    prev_refresh_hash  BLOB,
    refreshed_at       TIMESTAMP,
    created_at         TIMESTAMP NOT NULL,
    last_active_at     TIMESTAMP NOT NULL,
    expires_at         TIMESTAMP NOT NULL,
    idle_expires_at    TIMESTAMP NOT NULL,
    revoked_at         TIMESTAMP,
    revoke_reason      TEXT NOT NULL,
    user_agent         TEXT NOT NULL,
    ip                 TEXT NOT NULL,
    CONSTRAINT sessions_browser_token_hash UNIQUE (browser_token_hash),
    -- Not a lookup path: it keeps two sessions from ever holding the same
    -- current token.
    CONSTRAINT sessions_refresh_hash UNIQUE (refresh_hash)
);
CREATE INDEX sessions_project_id ON sessions (project_id, id);
CREATE INDEX sessions_project_organization ON sessions (project_id, organization_id, id);
CREATE INDEX sessions_project_user ON sessions (project_id, user_id, id);

-- +goose Down
DROP TABLE sessions;
