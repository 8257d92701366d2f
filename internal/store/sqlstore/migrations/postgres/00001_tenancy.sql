-- +goose Up
-- Tenancy core: projects, organizations, users, RBAC, audit log, secret keys.
-- The SQLite folder holds the same schema with TIMESTAMP for TIMESTAMPTZ and
-- BLOB for BYTEA; JSON lists are TEXT in both so they round-trip byte for byte.

CREATE TABLE projects (
    id                              TEXT PRIMARY KEY,
    name                            TEXT NOT NULL,
    enabled_login_methods           TEXT NOT NULL,
    redirect_uris                   TEXT NOT NULL,
    trusted_origins                 TEXT NOT NULL,
    auto_create_organizations       BOOLEAN NOT NULL,
    self_serve_create_organizations BOOLEAN NOT NULL,
    allow_custom_roles              BOOLEAN NOT NULL,
    session_max_lifetime_seconds    BIGINT NOT NULL,
    session_idle_timeout_seconds    BIGINT NOT NULL,
    created_at                      TIMESTAMPTZ NOT NULL,
    updated_at                      TIMESTAMPTZ NOT NULL
);

CREATE TABLE organizations (
    id                           TEXT PRIMARY KEY,
    project_id                   TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name                         TEXT NOT NULL,
    allowed_login_methods        TEXT NOT NULL,
    require_mfa                  BOOLEAN NOT NULL,
    require_sso                  BOOLEAN NOT NULL,
    session_max_lifetime_seconds BIGINT,
    session_idle_timeout_seconds BIGINT,
    logins_disabled              BOOLEAN NOT NULL,
    member_count                 BIGINT NOT NULL,
    created_at                   TIMESTAMPTZ NOT NULL,
    updated_at                   TIMESTAMPTZ NOT NULL
);
CREATE INDEX organizations_project_id ON organizations (project_id, id);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email           TEXT NOT NULL,
    email_verified  BOOLEAN NOT NULL,
    display_name    TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    last_login_at   TIMESTAMPTZ,
    CONSTRAINT users_organization_email UNIQUE (organization_id, email)
);
CREATE INDEX users_project_id ON users (project_id, id);
CREATE INDEX users_project_email ON users (project_id, email, id);
CREATE INDEX users_project_organization ON users (project_id, organization_id, id);

CREATE TABLE permissions (
    id          TEXT PRIMARY KEY,
    project_id  TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    key         TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    CONSTRAINT permissions_project_key UNIQUE (project_id, key)
);
CREATE INDEX permissions_project_id ON permissions (project_id, id);

CREATE TABLE roles (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    organization_id TEXT REFERENCES organizations (id) ON DELETE CASCADE,
    key             TEXT NOT NULL,
    name            TEXT NOT NULL,
    description     TEXT NOT NULL,
    builtin         BOOLEAN NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
-- A project-wide key is unique in the project; a custom role key is unique in
-- its organization (it may shadow a project-wide key there).
CREATE UNIQUE INDEX roles_project_key ON roles (project_id, key) WHERE organization_id IS NULL;
CREATE UNIQUE INDEX roles_organization_key ON roles (organization_id, key) WHERE organization_id IS NOT NULL;
CREATE INDEX roles_project_id ON roles (project_id, id);
CREATE INDEX roles_organization_id ON roles (organization_id);

CREATE TABLE role_permissions (
    role_id       TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    permission_id TEXT NOT NULL REFERENCES permissions (id) ON DELETE CASCADE,
    project_id    TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    PRIMARY KEY (role_id, permission_id)
);
CREATE INDEX role_permissions_permission_id ON role_permissions (permission_id);

CREATE TABLE role_assignments (
    user_id         TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role_id         TEXT NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
    project_id      TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    organization_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    created_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, role_id)
);
CREATE INDEX role_assignments_organization_role ON role_assignments (organization_id, role_id);
CREATE INDEX role_assignments_role_id ON role_assignments (role_id);

-- Audit events outlive what they describe: no foreign key to organizations.
CREATE TABLE audit_events (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    organization_id TEXT,
    actor_type      TEXT NOT NULL,
    actor_id        TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    resource_type   TEXT NOT NULL,
    resource_id     TEXT NOT NULL,
    details         TEXT NOT NULL,
    occurred_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_events_project_id ON audit_events (project_id, id);
CREATE INDEX audit_events_organization ON audit_events (project_id, organization_id, id);
CREATE INDEX audit_events_actor ON audit_events (project_id, actor_id, id);
CREATE INDEX audit_events_type ON audit_events (project_id, event_type, id);

CREATE TABLE secret_keys (
    id           TEXT PRIMARY KEY,
    project_id   TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   BYTEA NOT NULL,
    hint         TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at   TIMESTAMPTZ,
    CONSTRAINT secret_keys_token_hash UNIQUE (token_hash)
);
CREATE INDEX secret_keys_project_id ON secret_keys (project_id, id);

-- +goose Down
DROP TABLE secret_keys;
DROP TABLE audit_events;
DROP TABLE role_assignments;
DROP TABLE role_permissions;
DROP TABLE roles;
DROP TABLE permissions;
DROP TABLE users;
DROP TABLE organizations;
DROP TABLE projects;
