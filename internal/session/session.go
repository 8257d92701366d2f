// Package session keeps logged-in sessions: one user of one organization,
// minted from the facts a login proved, with the browser cookie of the hosted
// pages and the rotating refresh tokens of the OAuth clients.
//
// Every use of a session (a refresh, a cookie) judges its facts again with
// login.Permits against current policy, so deactivating a user, disabling an
// organization's logins or forbidding a login method reaches sessions that
// already exist at their next use. Secrets are stored only as SHA-256 hashes.
package session

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// Token prefixes: greppable, so a leaked token is recognisable.
const (
	RefreshTokenPrefix = "gh_rt_"
	BrowserTokenPrefix = "gh_bs_"
)

// Grace is how long after a rotation the previous refresh token still
// yields the same successor, so concurrent refreshes of one token (two tabs,
// a retried request) all succeed instead of looking like theft.
const Grace = 30 * time.Second

// touchEvery bounds how often a browser session's activity is written.
const touchEvery = time.Minute

// Revoke reasons set by this package.
const (
	ReasonReused       = "refresh_token_reused"
	ReasonTokenRevoked = "token_revoked"
	// ReasonStaffRemoved: the staff member behind an impersonation lost
	// their console access.
	ReasonStaffRemoved = "impersonator_removed"
)

// Errors of the token operations. Callers map them to OAuth errors:
// ErrInvalid, ErrReused and ErrRefused are all invalid_grant.
var (
	// ErrInvalid: the token is unknown, expired, revoked, malformed, of
	// another project or of another client.
	ErrInvalid = errors.New("session: invalid or expired token")
	// ErrReused: an already rotated refresh token was presented; the session
	// has been revoked.
	ErrReused = errors.New("session: refresh token reused; session revoked")
	// ErrRefused: current policy no longer lets this session go on; it has
	// been revoked. The error wraps the *login.Refusal.
	ErrRefused = errors.New("session: refused by policy; session revoked")
)

// Session is one logged-in user of one organization.
type Session struct {
	ID        id.Session
	ProjectID id.Project
	OrgID     id.Org
	UserID    id.User
	// ClientID is empty for the hosted pages' own browser session.
	ClientID id.Client
	Facts    login.Facts
	// CreatedAt, LastActiveAt; ExpiresAt is the absolute end; IdleExpiresAt
	// moves forward with use, never past ExpiresAt.
	CreatedAt, LastActiveAt, ExpiresAt, IdleExpiresAt time.Time
	RevokedAt                                         *time.Time
	RevokeReason                                      string
	UserAgent, IP                                     string
	// Impersonator is set on a session a console staff member started as
	// this user; such a session never outlives MaxImpersonation.
	Impersonator *Impersonator
}

// Impersonator is the staff member behind an impersonated session.
type Impersonator struct {
	// StaffUserID is the staff member's user ID in the console project.
	StaffUserID string `json:"staff_user_id"`
	Email       string `json:"email"`
	Reason      string `json:"reason"`
}

// Active reports whether the session is usable at now by its own times.
func (s *Session) Active(now time.Time) bool {
	return s.RevokedAt == nil && now.Before(s.ExpiresAt) && now.Before(s.IdleExpiresAt)
}

// Grant is a session that current policy lets go on, with what a token
// needs: the user, organization, project, and the user's roles and
// permissions as they are now.
type Grant struct {
	Session     *Session
	User        *user.User
	Org         *org.Organization
	Project     *project.Project
	Roles       []string
	Permissions []string
	// RefreshToken is the refresh token to hand to the client; "" when
	// none was issued (browser sessions).
	RefreshToken string
}

// Service manages sessions.
type Service struct {
	st      store.Store
	rotator store.RefreshRotator
	keys    refreshKeys
	clock   func() time.Time
	log     *slog.Logger
	// staffActive says whether the staff member behind an impersonation
	// may still act (nil: not checked).
	staffActive StaffCheck
}

// StaffCheck reports whether a console staff member (by user ID) may still
// act; an error is a failure to find out, not a "no".
type StaffCheck func(ctx context.Context, staffUserID string) (bool, error)

// WithStaffCheck makes every use of an impersonated session ask whether the
// staff member behind it may still act: one whose console access was taken
// away ends the impersonation at its next use instead of at its hour's end.
func WithStaffCheck(f StaffCheck) Option { return func(s *Service) { s.staffActive = f } }

// Option configures a Service.
type Option func(*Service)

// WithClock injects the time source.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.clock = now } }

// WithLogger sets the logger for failures that are not the caller's.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// New returns a Service over st. refreshKey (32 secret bytes, e.g. derived
// from the master key) is the root of the sub-keys that authenticate refresh
// tokens and derive each one's successor (see token.go).
func New(st store.Store, refreshKey []byte, opts ...Option) *Service {
	s := &Service{st: st, keys: deriveRefreshKeys(refreshKey), clock: time.Now, log: slog.Default()}
	// A store that can rotate in one autocommitted statement saves the
	// transaction's round trips on every refresh.
	s.rotator, _ = st.(store.RefreshRotator)
	for _, o := range opts {
		o(s)
	}
	return s
}

// now is the current time as stored: UTC, microseconds.
func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

type actorKey struct{}

// WithActor returns a context in which revocations are recorded in the audit
// log as made by actor (the backend API passes its secret key). Without it
// they are recorded as made by Gatehouse itself.
func WithActor(ctx context.Context, a audit.Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

func actorOf(ctx context.Context) audit.Actor {
	if a, ok := ctx.Value(actorKey{}).(audit.Actor); ok {
		return a
	}
	return audit.System("session")
}

func hashToken(tok string) store.TokenHash {
	h := sha256.Sum256([]byte(tok))
	return h[:]
}

// lifetimes are the organization's overrides or the project's defaults.
func lifetimes(p *project.Project, o *org.Organization) (maxLife, idle time.Duration) {
	maxLife, idle = p.SessionMaxLifetime, p.SessionIdleTimeout
	if d := o.Policy.SessionMaxLifetime; d != nil {
		maxLife = *d
	}
	if d := o.Policy.SessionIdleTimeout; d != nil {
		idle = *d
	}
	return maxLife, idle
}

// deadlines are a session's absolute and idle ends under current policy: the
// stored ones, brought forward when policy has since been shortened.
func deadlines(r *store.SessionRecord, p *project.Project, o *org.Organization) (abs, idle time.Time) {
	maxLife, idleFor := lifetimes(p, o)
	abs = earliest(r.ExpiresAt, r.CreatedAt.Add(maxLife))
	idle = earliest(r.IdleExpiresAt, r.LastActiveAt.Add(idleFor), abs)
	return abs, idle
}

func earliest(t time.Time, more ...time.Time) time.Time {
	for _, m := range more {
		if m.Before(t) {
			t = m
		}
	}
	return t
}

func fromRecord(r *store.SessionRecord) (*Session, error) {
	var f login.Facts
	if err := json.Unmarshal(r.Facts, &f); err != nil {
		return nil, fmt.Errorf("session %s: decode facts: %w", r.ID, err)
	}
	sess := &Session{
		ID: r.ID, ProjectID: r.ProjectID, OrgID: r.OrgID, UserID: r.UserID, ClientID: r.ClientID, Facts: f,
		CreatedAt: r.CreatedAt, LastActiveAt: r.LastActiveAt, ExpiresAt: r.ExpiresAt, IdleExpiresAt: r.IdleExpiresAt,
		RevokedAt: r.RevokedAt, RevokeReason: r.RevokeReason, UserAgent: r.UserAgent, IP: r.IP,
	}
	if imp := r.Impersonation; imp != nil {
		sess.Impersonator = &Impersonator{StaffUserID: imp.StaffUserID, Email: imp.StaffEmail, Reason: imp.Reason}
	}
	return sess, nil
}

func grantOf(sess *Session, acc *store.SessionAccess, refresh string) *Grant {
	return &Grant{
		Session: sess, User: acc.User, Org: acc.Org, Project: acc.Project,
		Roles: acc.Roles, Permissions: acc.Permissions, RefreshToken: refresh,
	}
}

// snapshot is a session as the audit log shows it (never a secret).
func snapshot(s *store.SessionRecord) map[string]any {
	m := map[string]any{
		"user_id": s.UserID, "client_id": s.ClientID, "expires_at": s.ExpiresAt, "ip": s.IP, "user_agent": s.UserAgent,
	}
	var f login.Facts
	if json.Unmarshal(s.Facts, &f) == nil {
		m["amr"] = f.AMR()
	}
	if imp := s.Impersonation; imp != nil {
		m["impersonator"] = map[string]any{"staff_user_id": imp.StaffUserID, "email": imp.StaffEmail, "reason": imp.Reason}
	}
	if s.RevokedAt != nil {
		m["revoked_at"], m["revoke_reason"] = *s.RevokedAt, s.RevokeReason
	}
	return m
}

func event(now time.Time, projectID id.Project, orgID id.Org, actor audit.Actor, typ, resourceType, resourceID string, before, after any) *audit.Event {
	return &audit.Event{
		ID: id.New[id.AuditEvent](now), ProjectID: projectID, OrganizationID: orgID, Actor: actor,
		Type: typ, ResourceType: resourceType, ResourceID: resourceID,
		Details: audit.Details(before, after), OccurredAt: now,
	}
}
