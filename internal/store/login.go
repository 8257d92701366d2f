package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// SecretHash is the SHA-256 digest of a secret a browser or an email link
// presents; the secret itself is never stored.
type SecretHash []byte

// LoginAttempt is the stored form of one login attempt. The login package
// owns the meaning of Request and State (JSON documents); the store keeps
// them opaque and indexes only what finds a row.
type LoginAttempt struct {
	ID        id.LoginAttempt
	ProjectID id.Project
	// CookieHash is the SHA-256 of the browser's attempt cookie (unique).
	CookieHash SecretHash
	// LinkHash is the SHA-256 of the outstanding magic-link token, nil when
	// none is outstanding (unique when set).
	LinkHash SecretHash
	// Request is the authorization request that started the attempt (JSON).
	Request json.RawMessage
	// State holds the facts and choices recorded so far (JSON).
	State json.RawMessage
	// Version counts writes; UpdateLoginAttempt refuses a stale one.
	Version     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ExpiresAt   time.Time
	CompletedAt *time.Time
	SessionID   id.Session
}

// LoginReader reads login attempts with their email codes and magic links.
type LoginReader interface {
	GetLoginAttempt(ctx context.Context, projectID id.Project, attemptID id.LoginAttempt) (*LoginAttempt, error)
	// GetLoginAttemptByCookie finds the attempt whose cookie hashes to hash.
	GetLoginAttemptByCookie(ctx context.Context, projectID id.Project, cookieHash SecretHash) (*LoginAttempt, error)
	// GetLoginAttemptByLink finds the attempt whose outstanding magic link
	// hashes to hash.
	GetLoginAttemptByLink(ctx context.Context, projectID id.Project, linkHash SecretHash) (*LoginAttempt, error)
}

// LoginWriter changes login attempts with their email codes and magic links.
type LoginWriter interface {
	// CreateLoginAttempt inserts a; ErrConflict for a taken ID, cookie or link
	// hash, ErrNotFound when the project does not exist. Version starts at a.Version.
	CreateLoginAttempt(ctx context.Context, a *LoginAttempt) error
	// LockLoginAttempt serialises changes of one attempt until the
	// transaction ends (read it again after locking).
	LockLoginAttempt(ctx context.Context, projectID id.Project, attemptID id.LoginAttempt) error
	// UpdateLoginAttempt writes the link hash, state, times, completion and
	// session of a, provided the stored version is still a.Version, and then
	// increments a.Version. ErrConflict when the row changed since it was
	// read, ErrNotFound when it is not in the project.
	UpdateLoginAttempt(ctx context.Context, a *LoginAttempt) error
	// DeleteExpiredLoginAttempts removes up to limit attempts of any project
	// that expired before the given time (maintenance).
	DeleteExpiredLoginAttempts(ctx context.Context, before time.Time, limit int) (int64, error)
}
