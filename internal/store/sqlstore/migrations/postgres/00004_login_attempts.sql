-- +goose Up
-- Login attempts: one server-side row per sign-up or log-in, from the email
-- form to the session. Facts and choices live in the JSON state; the secrets
-- that find a row (the browser cookie and the magic link) are stored only as
-- SHA-256 hashes in their own unique columns so each lookup is one index read.

CREATE TABLE login_attempts (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    cookie_hash  BYTEA NOT NULL,
    link_hash    BYTEA,
    request      TEXT NOT NULL,
    state        TEXT NOT NULL,
    version      BIGINT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    completed_at TIMESTAMPTZ,
    session_id   TEXT,
    CONSTRAINT login_attempts_cookie_hash UNIQUE (cookie_hash)
);
CREATE UNIQUE INDEX login_attempts_link_hash ON login_attempts (link_hash) WHERE link_hash IS NOT NULL;
CREATE INDEX login_attempts_project_id ON login_attempts (project_id, id);
CREATE INDEX login_attempts_expires_at ON login_attempts (expires_at);

-- +goose Down
DROP TABLE login_attempts;
