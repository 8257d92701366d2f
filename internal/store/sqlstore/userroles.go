package sqlstore

import (
	"context"
	"strconv"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// roleKeysChunk bounds the IN list of one query, well under both engines'
// parameter limits (SQLite 32766, Postgres 65535).
const roleKeysChunk = 500

// RoleKeysOfUsers is written by hand because sqlc's postgresql engine can
// only pass a list as an array, which SQLite does not have; an IN list of
// numbered placeholders is valid on both engines.
func (r *reader) RoleKeysOfUsers(ctx context.Context, projectID id.Project, userIDs []id.User) (map[id.User][]string, error) {
	out := make(map[id.User][]string, len(userIDs))
	for start := 0; start < len(userIDs); start += roleKeysChunk {
		chunk := userIDs[start:min(start+roleKeysChunk, len(userIDs))]
		var sb strings.Builder
		sb.WriteString(`SELECT ra.user_id, r.key FROM role_assignments ra
JOIN roles r ON r.id = ra.role_id AND r.project_id = ra.project_id
WHERE ra.project_id = $1 AND ra.user_id IN (`)
		args := make([]any, 0, len(chunk)+1)
		args = append(args, string(projectID))
		for i, u := range chunk {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString("$" + strconv.Itoa(i+2))
			args = append(args, string(u))
		}
		sb.WriteString(") ORDER BY ra.user_id, r.key")
		rows, err := r.dbtx.QueryContext(ctx, sb.String(), args...)
		if err != nil {
			return nil, wrap(err, "list role keys of %d users", len(chunk))
		}
		for rows.Next() {
			var uid, key string
			if err := rows.Scan(&uid, &key); err != nil {
				rows.Close()
				return nil, wrap(err, "scan role keys")
			}
			out[id.User(uid)] = append(out[id.User(uid)], key)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, wrap(err, "list role keys of %d users", len(chunk))
		}
	}
	return out, nil
}
