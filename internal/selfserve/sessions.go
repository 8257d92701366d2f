package selfserve

import (
	"context"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/session"
)

// Revoke reasons of the self-serve pages, as the audit log shows them.
const (
	ReasonRevokedByAdmin  = "revoked_by_admin"
	ReasonRevokedByUser   = "revoked_by_user"
	ReasonSignedOutOthers = "signed_out_elsewhere"
	ReasonPasswordChanged = "password_changed"
)

// SessionRow is a live session as the session pages list it.
type SessionRow struct {
	Session *session.Session
	// Email is the session's user's email (on the organization's list).
	Email string
	// Current is the session of the request itself.
	Current bool
}

// ListOrgSessions lists the live sessions of the organization's users.
func (s *Service) ListOrgSessions(ctx context.Context, m Member, page Page) (rows []SessionRow, next string, err error) {
	if err := requireAdmin(m); err != nil {
		return nil, "", err
	}
	return s.listSessions(ctx, m, session.Filter{OrgID: m.OrgID, ActiveOnly: true}, page)
}

// ListOwnSessions lists the member's own live sessions.
func (s *Service) ListOwnSessions(ctx context.Context, m Member, page Page) (rows []SessionRow, next string, err error) {
	if err := requireMember(m); err != nil {
		return nil, "", err
	}
	return s.listSessions(ctx, m, session.Filter{OrgID: m.OrgID, UserID: m.UserID, ActiveOnly: true}, page)
}

func (s *Service) listSessions(ctx context.Context, m Member, f session.Filter, page Page) ([]SessionRow, string, error) {
	sp := page.store()
	ss, err := s.d.Sessions.List(ctx, m.ProjectID, f, sp)
	if err != nil {
		return nil, "", s.internal("list sessions", err)
	}
	emails := map[id.User]string{m.UserID: m.Email}
	rows := make([]SessionRow, 0, len(ss))
	for _, se := range ss {
		if se.OrgID != m.OrgID {
			continue
		}
		email, ok := emails[se.UserID]
		if !ok {
			if u, err := s.d.Tenancy.GetUser(ctx, m.ProjectID, string(se.UserID)); err == nil {
				email = u.Email
			} else if !fault.Is(err, fault.NotFound) {
				return nil, "", s.internal("list sessions", err)
			}
			emails[se.UserID] = email
		}
		rows = append(rows, SessionRow{Session: se, Email: email, Current: se.ID == m.SessionID})
	}
	next := ""
	if len(ss) == sp.Limit {
		next = string(ss[len(ss)-1].ID)
	}
	return rows, next, nil
}

// orgSession loads a session of the member's organization; with own set,
// only the member's own. Any other is not found.
func (s *Service) orgSession(ctx context.Context, m Member, sessionID string, own bool) (*session.Session, error) {
	sid, err := id.Parse[id.Session](sessionID)
	if err != nil {
		return nil, fault.NewNotFound("session")
	}
	se, err := s.d.Sessions.Get(ctx, m.ProjectID, sid)
	if err != nil {
		return nil, s.internal("get session", err)
	}
	if se.ProjectID != m.ProjectID || se.OrgID != m.OrgID || (own && se.UserID != m.UserID) {
		return nil, fault.NewNotFound("session")
	}
	return se, nil
}

// RevokeOrgSession ends a session of one of the organization's users.
func (s *Service) RevokeOrgSession(ctx context.Context, m Member, sessionID string) error {
	if err := requireAdmin(m); err != nil {
		return err
	}
	se, err := s.orgSession(ctx, m, sessionID, false)
	if err != nil {
		return err
	}
	return s.revoke(ctx, m, se, ReasonRevokedByAdmin)
}

// RevokeOwnSession ends one of the member's own sessions (possibly this
// one, which signs the member out).
func (s *Service) RevokeOwnSession(ctx context.Context, m Member, sessionID string) error {
	if err := requireMember(m); err != nil {
		return err
	}
	se, err := s.orgSession(ctx, m, sessionID, true)
	if err != nil {
		return err
	}
	return s.revoke(ctx, m, se, ReasonRevokedByUser)
}

func (s *Service) revoke(ctx context.Context, m Member, se *session.Session, reason string) error {
	if err := s.d.Sessions.Revoke(session.WithActor(ctx, m.actor()), m.ProjectID, se.ID, reason); err != nil {
		return s.internal("revoke session", err)
	}
	return nil
}

// SignOutOthers ends every live session of the member except the current
// one ("sign out everywhere else") and returns how many it ended.
func (s *Service) SignOutOthers(ctx context.Context, m Member) (int, error) {
	if err := requireMember(m); err != nil {
		return 0, err
	}
	n := 0
	for {
		rows, next, err := s.ListOwnSessions(ctx, m, Page{Limit: MaxPageSize})
		if err != nil {
			return n, err
		}
		ended := 0
		for _, r := range rows {
			if r.Current {
				continue
			}
			if err := s.revoke(ctx, m, r.Session, ReasonSignedOutOthers); err != nil {
				return n, err
			}
			ended++
		}
		n += ended
		// Revoked sessions drop out of the live list, so the next round
		// starts from the beginning again; it ends when a round ends none.
		if next == "" || ended == 0 {
			return n, nil
		}
	}
}
