package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// TokenHash is the SHA-256 digest of a secret token (browser cookie or
// refresh token); the token itself is never stored.
type TokenHash []byte

// SessionRecord is a session row. Package session gives it meaning; the
// store only keeps it, so the facts stay opaque JSON here.
type SessionRecord struct {
	ID        id.Session
	ProjectID id.Project
	OrgID     id.Org
	UserID    id.User
	// ClientID is empty for the hosted pages' own browser session until a
	// client's first code exchange binds it.
	ClientID id.Client
	// Facts is the JSON of the login.Facts the session was minted from.
	Facts json.RawMessage
	// The SHA-256 hashes of the session's secrets; nil when none. A
	// refresh token names its session, so the refresh hashes are compared
	// after reading the row by ID, never searched for.
	BrowserTokenHash TokenHash
	RefreshHash      TokenHash
	PrevRefreshHash  TokenHash
	// RefreshedAt is when the refresh token was last issued or rotated.
	RefreshedAt   *time.Time
	CreatedAt     time.Time
	LastActiveAt  time.Time
	ExpiresAt     time.Time
	IdleExpiresAt time.Time
	RevokedAt     *time.Time
	RevokeReason  string
	UserAgent     string
	IP            string
	// Impersonation is set on a session a console staff member started as
	// the user, and on every session derived from it; nil otherwise.
	Impersonation *Impersonation
}

// Impersonation is who is behind an impersonated session, and why.
type Impersonation struct {
	// StaffUserID is the staff member's user ID in the console project.
	StaffUserID string
	StaffEmail  string
	Reason      string
	// OriginID is the session the impersonation started as; client
	// sessions derived from it carry it too, so ending the impersonation
	// ends them all.
	OriginID id.Session
}

// SessionAccess is a session with everything needed to judge and use it,
// read in one statement: its user, organization and project, and the user's
// role and permission keys (sorted, without repeats).
type SessionAccess struct {
	Session     *SessionRecord
	User        *user.User
	Org         *org.Organization
	Project     *project.Project
	Roles       []string
	Permissions []string
}

// SessionFilter narrows a session listing. Zero fields do not filter.
type SessionFilter struct {
	OrgID  id.Org
	UserID id.User
	// LiveAt, when set, keeps only sessions that are neither revoked nor
	// expired (absolute or idle) at that instant.
	LiveAt time.Time
}

// RefreshRotation replaces a session's refresh token: the current hash
// becomes the previous one, provided the current hash is still OldHash.
type RefreshRotation struct {
	ProjectID     id.Project
	SessionID     id.Session
	OldHash       TokenHash
	NewHash       TokenHash
	At            time.Time
	IdleExpiresAt time.Time
}

// FirstRefresh binds a session that has no client yet to a client and gives
// it its first refresh token.
type FirstRefresh struct {
	ProjectID     id.Project
	SessionID     id.Session
	ClientID      id.Client
	Hash          TokenHash
	At            time.Time
	IdleExpiresAt time.Time
}

// SessionReader reads sessions and their refresh tokens.
type SessionReader interface {
	GetSession(ctx context.Context, projectID id.Project, sessionID id.Session) (*SessionRecord, error)
	// ListSessions lists the project's sessions in ID (creation) order.
	ListSessions(ctx context.Context, projectID id.Project, f SessionFilter, page Page) ([]*SessionRecord, error)
	// SessionAccessByBrowserHash finds the session of a browser cookie.
	SessionAccessByBrowserHash(ctx context.Context, projectID id.Project, hash TokenHash) (*SessionAccess, error)
	// SessionAccess reads a session by ID with the same companions: the
	// refresh hot path (a refresh token names its session), one statement.
	SessionAccess(ctx context.Context, projectID id.Project, sessionID id.Session) (*SessionAccess, error)
}

// SessionWriter changes sessions and their refresh tokens.
type SessionWriter interface {
	// CreateSession inserts s and normalises its times. ErrNotFound unless
	// the user belongs to s.OrgID in s.ProjectID; ErrConflict for a taken
	// ID, browser token hash or current refresh token hash.
	CreateSession(ctx context.Context, s *SessionRecord) error
	// IssueFirstRefresh binds a client-less, refresh-less, unrevoked session;
	// false when the session is not in that state (or not in the project).
	IssueFirstRefresh(ctx context.Context, f FirstRefresh) (bool, error)
	// RotateRefreshToken applies r to an unrevoked session whose current
	// hash is r.OldHash; false when another rotation got there first.
	RotateRefreshToken(ctx context.Context, r RefreshRotation) (bool, error)
	// TouchSession records activity: last_active_at and the idle expiry.
	TouchSession(ctx context.Context, projectID id.Project, sessionID id.Session, at, idleExpiresAt time.Time) error
	// RevokeSession revokes an unrevoked session; false when it was already
	// revoked or is not in the project.
	RevokeSession(ctx context.Context, projectID id.Project, sessionID id.Session, at time.Time, reason string) (bool, error)
	// RevokeUserSessions and RevokeOrgSessions revoke the sessions still
	// live at `at` and count them.
	RevokeUserSessions(ctx context.Context, projectID id.Project, userID id.User, at time.Time, reason string) (int64, error)
	RevokeOrgSessions(ctx context.Context, projectID id.Project, orgID id.Org, at time.Time, reason string) (int64, error)
	// RevokeImpersonation revokes the unrevoked sessions of the
	// impersonation that started as session originID and counts them.
	RevokeImpersonation(ctx context.Context, projectID id.Project, originID id.Session, at time.Time, reason string) (int64, error)
}

// RefreshRotator is implemented by stores that can rotate a refresh token
// as one statement committed on its own, without the round trips of a
// transaction around it. Refresh is the hottest write there is, and the
// rotation is a single conditional UPDATE that needs no transaction.
type RefreshRotator interface {
	RotateRefreshToken(ctx context.Context, r RefreshRotation) (bool, error)
}
