-- +goose Up
-- Token signing keys, one set per project. The private key is sealed under
-- the master key (internal/seal) and erased when the key retires; the public
-- JWK is stored in clear because it is published.

CREATE TABLE signing_keys (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    algorithm    TEXT NOT NULL,
    state        TEXT NOT NULL,
    public_jwk   TEXT NOT NULL,
    private_key  BYTEA NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    activated_at TIMESTAMPTZ,
    retired_at   TIMESTAMPTZ,
    CONSTRAINT signing_keys_state CHECK (state IN ('next', 'current', 'retired'))
);
CREATE INDEX signing_keys_project_id ON signing_keys (project_id, id);
-- Two instances rotating at once must never leave a project with two keys
-- that sign, or two successors.
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys (project_id) WHERE state = 'current';
CREATE UNIQUE INDEX signing_keys_one_next ON signing_keys (project_id) WHERE state = 'next';

-- +goose Down
DROP TABLE signing_keys;
