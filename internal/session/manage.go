package session

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// maxPage bounds every list call.
const maxPage = 1000

// Filter narrows List. Zero fields do not filter.
type Filter struct {
	OrgID  id.Org
	UserID id.User
	// ActiveOnly keeps sessions that are neither revoked nor expired now.
	ActiveOnly bool
}

// internal classifies an unexpected failure, logging its cause once.
func (s *Service) internal(op string, err error) error {
	if fe, ok := fault.As(err); ok {
		return fe
	}
	s.log.Error("session operation failed", "op", op, "err", err)
	return fault.NewInternal(fmt.Errorf("%s: %w", op, err))
}

// Get returns one of the project's sessions; another project's session is
// not found like an unknown one.
func (s *Service) Get(ctx context.Context, projectID id.Project, sessionID id.Session) (*Session, error) {
	rec, err := s.st.GetSession(ctx, projectID, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fault.NewNotFound("session")
	}
	if err != nil {
		return nil, s.internal("get session", err)
	}
	sess, err := fromRecord(rec)
	if err != nil {
		return nil, s.internal("get session", err)
	}
	return sess, nil
}

// List lists the project's sessions in creation order.
func (s *Service) List(ctx context.Context, projectID id.Project, f Filter, page store.Page) ([]*Session, error) {
	if page.Limit <= 0 || page.Limit > maxPage {
		page.Limit = maxPage
	}
	sf := store.SessionFilter{OrgID: f.OrgID, UserID: f.UserID}
	if f.ActiveOnly {
		sf.LiveAt = s.now()
	}
	recs, err := s.st.ListSessions(ctx, projectID, sf, page)
	if err != nil {
		return nil, s.internal("list sessions", err)
	}
	out := make([]*Session, 0, len(recs))
	for _, r := range recs {
		sess, err := fromRecord(r)
		if err != nil {
			return nil, s.internal("list sessions", err)
		}
		out = append(out, sess)
	}
	return out, nil
}

// Revoke ends one session. Revoking a revoked session changes nothing and
// records nothing. Revoking any session of an impersonation ends the whole
// impersonation (EndImpersonation): its app sessions were made from the one
// signed out and must not outlive it. The audit actor comes from WithActor.
func (s *Service) Revoke(ctx context.Context, projectID id.Project, sessionID id.Session, reason string) error {
	rec, err := s.st.GetSession(ctx, projectID, sessionID)
	if errors.Is(err, store.ErrNotFound) {
		return fault.NewNotFound("session")
	}
	if err != nil {
		return s.internal("revoke session", err)
	}
	if rec.RevokedAt != nil {
		return nil
	}
	if rec.Impersonation != nil {
		return s.EndImpersonation(ctx, projectID, sessionID)
	}
	if err := s.revokeRecord(ctx, rec, s.now(), reason, actorOf(ctx)); err != nil {
		return s.internal("revoke session", err)
	}
	return nil
}

// RevokeUser ends every live session of a user and returns how many.
func (s *Service) RevokeUser(ctx context.Context, projectID id.Project, userID id.User, reason string) (int64, error) {
	u, err := s.st.GetUser(ctx, projectID, userID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, fault.NewNotFound("user")
	}
	if err != nil {
		return 0, s.internal("revoke user sessions", err)
	}
	return s.revokeMany(ctx, "revoke user sessions", projectID, u.OrganizationID, "user", string(u.ID), reason,
		func(w store.Writer, now time.Time) (int64, error) {
			return w.RevokeUserSessions(ctx, projectID, u.ID, now, reason)
		})
}

// RevokeOrg ends every live session of an organization's users and returns
// how many.
func (s *Service) RevokeOrg(ctx context.Context, projectID id.Project, orgID id.Org, reason string) (int64, error) {
	o, err := s.st.GetOrganization(ctx, projectID, orgID)
	if errors.Is(err, store.ErrNotFound) {
		return 0, fault.NewNotFound("organization")
	}
	if err != nil {
		return 0, s.internal("revoke organization sessions", err)
	}
	return s.revokeMany(ctx, "revoke organization sessions", projectID, o.ID, "organization", string(o.ID), reason,
		func(w store.Writer, now time.Time) (int64, error) {
			return w.RevokeOrgSessions(ctx, projectID, o.ID, now, reason)
		})
}

// revokeMany runs a bulk revocation and, when it revoked anything, records
// one event with the count in the same transaction.
func (s *Service) revokeMany(ctx context.Context, op string, projectID id.Project, orgID id.Org, resourceType, resourceID, reason string,
	revoke func(w store.Writer, now time.Time) (int64, error)) (int64, error) {
	now := s.now()
	var n int64
	err := s.st.Write(ctx, func(w store.Writer) error {
		var err error
		if n, err = revoke(w, now); err != nil || n == 0 {
			return err
		}
		return w.InsertAuditEvent(ctx, event(now, projectID, orgID, actorOf(ctx), "session.revoked", resourceType, resourceID,
			nil, map[string]any{"revoked_sessions": n, "reason": reason}))
	})
	if err != nil {
		return 0, s.internal(op, err)
	}
	return n, nil
}
