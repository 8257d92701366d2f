-- +goose Up
-- The email outbox: a message is inserted in the same transaction as the
-- change that caused it, and delivery workers claim due rows with an
-- optimistic UPDATE (no row locks held across the SMTP conversation), so any
-- number of server instances can send without sending a message twice per
-- claim. The same table is the development inbox.
-- The SQLite folder holds the same schema with TIMESTAMP for TIMESTAMPTZ.

CREATE TABLE mail_outbox (
    id              TEXT PRIMARY KEY,
    project_id      TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    recipient       TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    template        TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    locked_until    TIMESTAMPTZ,
    last_error      TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    sent_at         TIMESTAMPTZ,
    CONSTRAINT mail_outbox_status CHECK (status IN ('pending', 'sent', 'dead'))
);
-- The claim scans only what is still to be delivered, in due order.
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at, id) WHERE status = 'pending';
-- The development inbox: a project's messages, newest first.
CREATE INDEX mail_outbox_project_id ON mail_outbox (project_id, id);

-- +goose Down
DROP TABLE mail_outbox;
