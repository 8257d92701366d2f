-- name: InsertSigningKey :execrows
INSERT INTO signing_keys (id, project_id, algorithm, state, public_jwk, private_key, created_at, activated_at, retired_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9);

-- name: ListSigningKeys :many
SELECT * FROM signing_keys WHERE project_id = $1 ORDER BY id;

-- name: GetSigningKey :one
SELECT * FROM signing_keys WHERE project_id = $1 AND id = $2;

-- name: ActivateSigningKey :execrows
UPDATE signing_keys SET state = 'current', activated_at = $3
WHERE project_id = $1 AND id = $2 AND state = 'next';

-- Retiring erases the private half: a retired key only ever verifies.
-- name: RetireSigningKey :execrows
UPDATE signing_keys SET state = 'retired', retired_at = $3, private_key = $4
WHERE project_id = $1 AND id = $2 AND state <> 'retired';

-- name: DeleteSigningKey :execrows
DELETE FROM signing_keys WHERE project_id = $1 AND id = $2;
