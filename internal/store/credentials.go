package store

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// CredentialReader reads password hashes.
type CredentialReader interface {
	// GetPasswordHash returns the user's encoded password hash; ErrNotFound
	// when the user has no password (or is not in the project).
	GetPasswordHash(ctx context.Context, projectID id.Project, userID id.User) (string, error)
}

// CredentialWriter changes password hashes and throttle counters.
type CredentialWriter interface {
	// SetPasswordHash sets or replaces the user's password hash. ErrNotFound
	// when the user is not in the project.
	SetPasswordHash(ctx context.Context, projectID id.Project, userID id.User, hash string, at time.Time) error
	// DeletePasswordHash removes the user's password; ErrNotFound when it had none.
	DeletePasswordHash(ctx context.Context, projectID id.Project, userID id.User) error

	// HitThrottle counts one hit on the project's bucket in a fixed window:
	// when the bucket's window started at or before now-window it starts a
	// new one at now with a count of 1, otherwise it adds 1. It returns the
	// count and the window's start after this hit. ErrNotFound when the
	// project does not exist.
	HitThrottle(ctx context.Context, projectID id.Project, bucket string, now time.Time, window time.Duration) (count int, windowStart time.Time, err error)
	// ResetThrottle forgets the bucket's hits (nil when there were none).
	ResetThrottle(ctx context.Context, projectID id.Project, bucket string) error
	// PruneThrottle deletes, in every project, the buckets whose window
	// started before the given time, and returns how many it deleted.
	PruneThrottle(ctx context.Context, before time.Time) (int64, error)
}
