-- name: InsertMail :exec
INSERT INTO mail_outbox (id, project_id, recipient, subject, text_body, html_body, template, status,
                         attempts, next_attempt_at, locked_until, last_error, created_at, sent_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14);

-- name: GetMail :one
SELECT * FROM mail_outbox WHERE project_id = $1 AND id = $2;

-- IDs sort by creation time, so descending IDs are newest first.
-- name: ListMail :many
SELECT * FROM mail_outbox
WHERE project_id = sqlc.arg(project_id)
ORDER BY id DESC LIMIT sqlc.arg(max_rows);

-- The claim is optimistic and portable: the subquery picks the most overdue
-- unleased row and the outer WHERE re-checks the lease, so of two workers that
-- picked the same row only one updates it (on Postgres the loser re-reads the
-- row after the winner commits and no longer matches; SQLite runs writers one
-- at a time). No row lock outlives the statement; the lease and the attempt
-- count it bumps stand in for it.
-- name: ClaimMail :one
UPDATE mail_outbox
SET locked_until = sqlc.arg(locked_until), attempts = attempts + 1
WHERE id = (
        SELECT due.id FROM mail_outbox AS due
        WHERE due.status = 'pending'
          AND due.next_attempt_at <= sqlc.arg(now)
          AND (due.locked_until IS NULL OR due.locked_until < sqlc.arg(now))
        ORDER BY due.next_attempt_at, due.id
        LIMIT 1)
  AND status = 'pending'
  AND (locked_until IS NULL OR locked_until < sqlc.arg(now))
RETURNING *;

-- The attempt number fences the update: a worker whose lease ran out and whose
-- row was claimed again cannot overwrite the newer claim's outcome.
-- name: MarkMailSent :execrows
UPDATE mail_outbox
SET status = 'sent', sent_at = sqlc.arg(sent_at), locked_until = NULL, last_error = ''
WHERE project_id = sqlc.arg(project_id) AND id = sqlc.arg(id)
  AND status = 'pending' AND attempts = sqlc.arg(attempts);

-- name: MarkMailFailed :execrows
UPDATE mail_outbox
SET status = sqlc.arg(status), next_attempt_at = sqlc.arg(next_attempt_at), locked_until = NULL,
    last_error = sqlc.arg(last_error)
WHERE project_id = sqlc.arg(project_id) AND id = sqlc.arg(id)
  AND status = 'pending' AND attempts = sqlc.arg(attempts);

-- Delivered and abandoned messages go after the retention period: their
-- bodies hold sign-in codes and links, useless once expired but not
-- worth keeping. Pending messages stay whatever their age.
-- name: PurgeMail :execrows
DELETE FROM mail_outbox WHERE status <> 'pending' AND created_at < sqlc.arg(before);
