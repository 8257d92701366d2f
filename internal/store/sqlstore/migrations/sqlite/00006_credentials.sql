-- +goose Up
-- Credentials: password hashes and the counters behind login throttling.
-- Same schema as the postgres folder, with TIMESTAMP for TIMESTAMPTZ.

-- One password per user. Deleting the user (directly, or through its
-- organization or project) deletes the hash with it, so no credential outlives
-- its account.
CREATE TABLE passwords (
    user_id    TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    hash       TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX passwords_project_id ON passwords (project_id, user_id);

-- Fixed-window counters, one row per (project, rule and hashed key). A hit is
-- a single upsert, so concurrent hits on any instance never lose a count.
CREATE TABLE throttle_buckets (
    project_id   TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    bucket       TEXT NOT NULL,
    window_start TIMESTAMP NOT NULL,
    hits         BIGINT NOT NULL,
    PRIMARY KEY (project_id, bucket)
);
-- Pruning deletes windows that ended long ago, across projects.
CREATE INDEX throttle_buckets_window_start ON throttle_buckets (window_start);

-- +goose Down
DROP TABLE throttle_buckets;
DROP TABLE passwords;
