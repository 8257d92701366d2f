package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// SessionService is what the session operations need (*session.Service).
type SessionService interface {
	Get(ctx context.Context, projectID id.Project, sessionID id.Session) (*session.Session, error)
	List(ctx context.Context, projectID id.Project, f session.Filter, page store.Page) ([]*session.Session, error)
	Revoke(ctx context.Context, projectID id.Project, sessionID id.Session, reason string) error
	RevokeUser(ctx context.Context, projectID id.Project, userID id.User, reason string) (int64, error)
	RevokeOrg(ctx context.Context, projectID id.Project, orgID id.Org, reason string) (int64, error)
}

var _ SessionService = (*session.Service)(nil)

// revokedByAPI is the revoke reason of the API's revocations.
const revokedByAPI = "revoked_by_api"

// Session is one logged-in user of one organization.
type Session struct {
	ID             string               `json:"id" example:"sess_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	OrganizationID string               `json:"organization_id" example:"org_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	UserID         string               `json:"user_id" example:"user_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	ClientID       *string              `json:"client_id" nullable:"true" doc:"The OAuth client the session's refresh tokens belong to; null for the hosted login pages' own session before any client signed in with it." example:"cli_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	CreatedAt      time.Time            `json:"created_at"`
	LastActiveAt   time.Time            `json:"last_active_at" doc:"Last refresh, or last use of the hosted pages (recorded at most once a minute)."`
	ExpiresAt      time.Time            `json:"expires_at" doc:"The absolute end, set at login from the organization's or project's maximum session lifetime."`
	IdleExpiresAt  time.Time            `json:"idle_expires_at" doc:"Moves forward with each use by the idle timeout, never past expires_at."`
	RevokedAt      *time.Time           `json:"revoked_at" nullable:"true"`
	RevokeReason   string               `json:"revoke_reason" doc:"Why the session was revoked: revoked_by_api, logout, token_revoked, refresh_token_reused, user_deactivated, logins_disabled, method_not_allowed, …; empty while not revoked." example:""`
	AMR            []string             `json:"amr" doc:"How the person authenticated (RFC 8176 method references)." example:"[\"otp\"]"`
	UserAgent      string               `json:"user_agent" example:"Mozilla/5.0"`
	IP             string               `json:"ip" example:"192.0.2.10"`
	Impersonator   *SessionImpersonator `json:"impersonator,omitempty" doc:"Present only when a console staff member started the session as this user."`
}

// SessionImpersonator is the staff member behind an impersonated session.
type SessionImpersonator struct {
	StaffUserID string `json:"staff_user_id" doc:"The staff member's user ID in the console project."`
	Email       string `json:"email"`
	Reason      string `json:"reason" doc:"The reason the staff member gave."`
}

func sessionOut(s *session.Session) Session {
	var client *string
	if s.ClientID != "" {
		c := string(s.ClientID)
		client = &c
	}
	return Session{
		ID: string(s.ID), OrganizationID: string(s.OrgID), UserID: string(s.UserID), ClientID: client,
		CreatedAt: s.CreatedAt.UTC(), LastActiveAt: s.LastActiveAt.UTC(), ExpiresAt: s.ExpiresAt.UTC(), IdleExpiresAt: s.IdleExpiresAt.UTC(),
		RevokedAt: utcPtr(s.RevokedAt), RevokeReason: s.RevokeReason, AMR: nonNil(s.Facts.AMR()),
		UserAgent: s.UserAgent, IP: s.IP, Impersonator: impersonatorOut(s.Impersonator),
	}
}

func impersonatorOut(i *session.Impersonator) *SessionImpersonator {
	if i == nil {
		return nil
	}
	return &SessionImpersonator{StaffUserID: i.StaffUserID, Email: i.Email, Reason: i.Reason}
}

// SessionsRevoked counts the sessions a bulk revocation ended.
type SessionsRevoked struct {
	RevokedSessions int64 `json:"revoked_sessions" doc:"How many live sessions were revoked (0 when none was left)." example:"2"`
}

type sessionListInput struct {
	ListParams
	OrganizationID string `query:"organization_id" doc:"Only sessions of this organization's users."`
	UserID         string `query:"user_id" doc:"Only this user's sessions."`
	Active         bool   `query:"active" doc:"Only sessions that are neither revoked nor expired."`
}

type SessionPath struct {
	ID string `path:"id" doc:"Session ID (sess_…)." example:"sess_01jd8x3k5m7q9s1v3x5z7b9d1f"`
}

// parseOr turns a caller's ID into its type; a malformed one is answered
// exactly like an unknown one.
func parseOr[T id.Kind](s, what string) (T, error) {
	v, err := id.Parse[T](s)
	if err != nil {
		return "", fault.NewNotFound(what)
	}
	return v, nil
}

func registerSessions(api huma.API, h *handler) {
	const tag = "Sessions"
	huma.Register(api, operation("listSessions", http.MethodGet, "/sessions", "List sessions", tag, http.StatusOK),
		func(ctx context.Context, in *sessionListInput) (*struct{ Body *List[Session] }, error) {
			pid, _ := caller(ctx)
			sp, err := page[id.Session](in.ListParams)
			if err != nil {
				return nil, h.fail(err)
			}
			f := session.Filter{ActiveOnly: in.Active}
			var badFilter bool
			if in.OrganizationID != "" {
				f.OrgID, err = id.Parse[id.Org](in.OrganizationID)
				badFilter = badFilter || err != nil
			}
			if in.UserID != "" {
				f.UserID, err = id.Parse[id.User](in.UserID)
				badFilter = badFilter || err != nil
			}
			ss := []*session.Session{}
			// No organization or user has a malformed ID: nothing matches.
			if !badFilter {
				if ss, err = h.sessions.List(ctx, pid, f, sp); err != nil {
					return nil, h.fail(err)
				}
			}
			return &struct{ Body *List[Session] }{pageOf(ss, sp, func(s *session.Session) string { return string(s.ID) }, sessionOut)}, nil
		})

	huma.Register(api, operation("getSession", http.MethodGet, "/sessions/{id}", "Get a session", tag, http.StatusOK, http.StatusNotFound),
		func(ctx context.Context, in *SessionPath) (*struct{ Body Session }, error) {
			pid, _ := caller(ctx)
			sid, err := parseOr[id.Session](in.ID, "session")
			if err != nil {
				return nil, h.fail(err)
			}
			s, err := h.sessions.Get(ctx, pid, sid)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body Session }{sessionOut(s)}, nil
		})

	huma.Register(api, operation("revokeSession", http.MethodDelete, "/sessions/{id}", "Revoke a session (idempotent)", tag, http.StatusNoContent, http.StatusNotFound),
		func(ctx context.Context, in *SessionPath) (*struct{}, error) {
			pid, actor := caller(ctx)
			sid, err := parseOr[id.Session](in.ID, "session")
			if err != nil {
				return nil, h.fail(err)
			}
			if err := h.sessions.Revoke(session.WithActor(ctx, actor), pid, sid, revokedByAPI); err != nil {
				return nil, h.fail(err)
			}
			return nil, nil
		})

	huma.Register(api, operation("revokeUserSessions", http.MethodPost, "/users/{id}/sessions/revoke", "Revoke every session of a user", tag, http.StatusOK, http.StatusNotFound),
		func(ctx context.Context, in *UserPath) (*struct{ Body SessionsRevoked }, error) {
			pid, actor := caller(ctx)
			uid, err := parseOr[id.User](in.ID, "user")
			if err != nil {
				return nil, h.fail(err)
			}
			n, err := h.sessions.RevokeUser(session.WithActor(ctx, actor), pid, uid, revokedByAPI)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body SessionsRevoked }{SessionsRevoked{RevokedSessions: n}}, nil
		})

	huma.Register(api, operation("revokeOrganizationSessions", http.MethodPost, "/organizations/{id}/sessions/revoke", "Revoke every session of an organization's users", tag, http.StatusOK, http.StatusNotFound),
		func(ctx context.Context, in *OrganizationPath) (*struct{ Body SessionsRevoked }, error) {
			pid, actor := caller(ctx)
			oid, err := parseOr[id.Org](in.ID, "organization")
			if err != nil {
				return nil, h.fail(err)
			}
			n, err := h.sessions.RevokeOrg(session.WithActor(ctx, actor), pid, oid, revokedByAPI)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body SessionsRevoked }{SessionsRevoked{RevokedSessions: n}}, nil
		})
}
