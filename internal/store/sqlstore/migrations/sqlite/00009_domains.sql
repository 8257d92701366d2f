-- +goose Up
-- Domains organizations claim and prove with a DNS TXT record.
-- Same schema as the postgres folder, with TIMESTAMP for TIMESTAMPTZ.

CREATE TABLE domains (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    -- Lowercase ASCII (IDNA) form without a trailing dot.
    name            TEXT NOT NULL,
    -- The random part of the TXT record's value; shown to the organization,
    -- so not a secret.
    token           TEXT NOT NULL,
    status          TEXT NOT NULL,
    verified_at     TIMESTAMP,
    last_checked_at TIMESTAMP,
    last_error      TEXT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    -- An organization claims a domain once.
    CONSTRAINT domains_organization_name UNIQUE (organization_id, name)
);
CREATE INDEX domains_project_id ON domains (project_id, id);
CREATE INDEX domains_project_organization ON domains (project_id, organization_id, id);
CREATE INDEX domains_project_name ON domains (project_id, name);
-- Several organizations may claim a domain, but at most one per project may
-- have proven it: that one decides who joins by the domain at login.
CREATE UNIQUE INDEX domains_project_verified_name ON domains (project_id, name) WHERE status = 'verified';

-- +goose Down
DROP TABLE domains;
