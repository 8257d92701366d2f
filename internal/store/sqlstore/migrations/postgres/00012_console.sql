-- +goose Up
-- The console: which project is the vendor's staff console (one row, written
-- once by the first instance that starts), and the one-time links that let
-- the first staff member in. Link tokens are stored only as SHA-256 hashes.

CREATE TABLE console_settings (
    -- Always 1: the primary key makes a second row a unique violation, which
    -- is how concurrent first starts agree on one console project.
    singleton          INTEGER PRIMARY KEY CHECK (singleton = 1),
    console_project_id TEXT NOT NULL REFERENCES projects (id),
    staff_org_id       TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL
);

CREATE TABLE console_setup_tokens (
    token_hash BYTEA PRIMARY KEY,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);
CREATE INDEX console_setup_tokens_project ON console_setup_tokens (project_id);

-- +goose Down
DROP TABLE console_setup_tokens;
DROP TABLE console_settings;
