-- +goose Up
-- Organization join-by-domain policy and project branding. Existing rows get
-- the defaults: joining by domain off (with the member role once turned on),
-- no brand colour, logo or app URL.

ALTER TABLE organizations ADD COLUMN join_by_domain BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE organizations ADD COLUMN join_role_key TEXT NOT NULL DEFAULT 'member';

ALTER TABLE projects ADD COLUMN brand_color TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN logo_url TEXT NOT NULL DEFAULT '';
ALTER TABLE projects ADD COLUMN app_url TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE projects DROP COLUMN app_url;
ALTER TABLE projects DROP COLUMN logo_url;
ALTER TABLE projects DROP COLUMN brand_color;
ALTER TABLE organizations DROP COLUMN join_role_key;
ALTER TABLE organizations DROP COLUMN join_by_domain;
