package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore/sqlcdb"
)

func (r *reader) GetPasswordHash(ctx context.Context, projectID id.Project, userID id.User) (string, error) {
	h, err := r.q().GetPasswordHash(ctx, sqlcdb.GetPasswordHashParams{ProjectID: string(projectID), UserID: string(userID)})
	if err != nil {
		return "", wrap(err, "get password of user %s", userID)
	}
	return h, nil
}

// SetPasswordHash writes nothing unless the user is in the project: the
// insert selects the user row within the project.
func (w *writer) SetPasswordHash(ctx context.Context, projectID id.Project, userID id.User, hash string, at time.Time) error {
	if hash == "" {
		return fmt.Errorf("set password of user %s: empty hash", userID)
	}
	n, err := w.q().UpsertPasswordHash(ctx, sqlcdb.UpsertPasswordHashParams{
		ProjectID: string(projectID), UserID: string(userID), Hash: hash, UpdatedAt: dbTime(at),
	})
	if err != nil {
		return wrap(err, "set password of user %s", userID)
	}
	if n == 0 {
		return notFound("set password of user %s", userID)
	}
	return nil
}

func (w *writer) DeletePasswordHash(ctx context.Context, projectID id.Project, userID id.User) error {
	n, err := w.q().DeletePasswordHash(ctx, sqlcdb.DeletePasswordHashParams{ProjectID: string(projectID), UserID: string(userID)})
	if err != nil {
		return wrap(err, "delete password of user %s", userID)
	}
	if n == 0 {
		return notFound("delete password of user %s", userID)
	}
	return nil
}

func (w *writer) HitThrottle(ctx context.Context, projectID id.Project, bucket string, now time.Time, window time.Duration) (int, time.Time, error) {
	if window <= 0 {
		return 0, time.Time{}, fmt.Errorf("hit throttle %q: window %v is not positive", bucket, window)
	}
	now = dbTime(now)
	row, err := w.q().HitThrottle(ctx, sqlcdb.HitThrottleParams{
		ProjectID: string(projectID), Bucket: bucket, Now: now, Cutoff: now.Add(-window),
	})
	if err != nil {
		return 0, time.Time{}, wrap(err, "hit throttle %q in project %s", bucket, projectID)
	}
	return int(row.Hits), row.WindowStart.UTC(), nil
}

func (w *writer) ResetThrottle(ctx context.Context, projectID id.Project, bucket string) error {
	if _, err := w.q().ResetThrottle(ctx, sqlcdb.ResetThrottleParams{ProjectID: string(projectID), Bucket: bucket}); err != nil {
		return wrap(err, "reset throttle %q in project %s", bucket, projectID)
	}
	return nil
}

func (w *writer) PruneThrottle(ctx context.Context, before time.Time) (int64, error) {
	n, err := w.q().PruneThrottle(ctx, dbTime(before))
	if err != nil {
		return 0, wrap(err, "prune throttle")
	}
	return n, nil
}
