package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore/sqlcdb"
)

var _ store.RefreshRotator = (*DB)(nil)

func sessionFromRow(r sqlcdb.Session) *store.SessionRecord {
	s := &store.SessionRecord{
		ID:               id.Session(r.ID),
		ProjectID:        id.Project(r.ProjectID),
		OrgID:            id.Org(r.OrganizationID),
		UserID:           id.User(r.UserID),
		ClientID:         id.Client(r.ClientID),
		Facts:            json.RawMessage(r.Facts),
		BrowserTokenHash: r.BrowserTokenHash,
		RefreshHash:      r.RefreshHash,
		PrevRefreshHash:  r.PrevRefreshHash,
		RefreshedAt:      fromNullTime(r.RefreshedAt),
		CreatedAt:        r.CreatedAt.UTC(),
		LastActiveAt:     r.LastActiveAt.UTC(),
		ExpiresAt:        r.ExpiresAt.UTC(),
		IdleExpiresAt:    r.IdleExpiresAt.UTC(),
		RevokedAt:        fromNullTime(r.RevokedAt),
		RevokeReason:     r.RevokeReason,
		UserAgent:        r.UserAgent,
		IP:               r.Ip,
	}
	if r.ImpersonationOf != "" {
		s.Impersonation = &store.Impersonation{
			StaffUserID: r.ImpersonatorID, StaffEmail: r.ImpersonatorEmail, Reason: r.ImpersonationReason,
			OriginID: id.Session(r.ImpersonationOf),
		}
	}
	return s
}

func sessionsFromRows(rows []sqlcdb.Session) []*store.SessionRecord {
	out := make([]*store.SessionRecord, 0, len(rows))
	for _, r := range rows {
		out = append(out, sessionFromRow(r))
	}
	return out
}

// accessFrom assembles a SessionAccess from the columns every access query
// returns.
func accessFrom(s sqlcdb.Session, u sqlcdb.User, o sqlcdb.Organization, p sqlcdb.Project, roles, perms string) (*store.SessionAccess, error) {
	org, err := orgFromRow(o)
	if err != nil {
		return nil, err
	}
	proj, err := projectFromRow(p)
	if err != nil {
		return nil, err
	}
	return &store.SessionAccess{
		Session: sessionFromRow(s), User: userFromRow(u), Org: org, Project: proj,
		Roles: keySet(roles), Permissions: keySet(perms),
	}, nil
}

// keySet splits an aggregated key list into sorted keys without repeats (a
// permission held through two roles is listed once).
func keySet(agg string) []string {
	keys := strings.Fields(agg)
	slices.Sort(keys)
	return slices.Compact(keys)
}

func (r *reader) GetSession(ctx context.Context, projectID id.Project, sessionID id.Session) (*store.SessionRecord, error) {
	row, err := r.q().GetSession(ctx, sqlcdb.GetSessionParams{ProjectID: string(projectID), ID: string(sessionID)})
	if err != nil {
		return nil, wrap(err, "get session %s", sessionID)
	}
	return sessionFromRow(row), nil
}

// ListSessions picks the query whose index matches the filter, so every page
// is one index range scan in ID order.
func (r *reader) ListSessions(ctx context.Context, projectID id.Project, f store.SessionFilter, page store.Page) ([]*store.SessionRecord, error) {
	live := !f.LiveAt.IsZero()
	now := dbTime(f.LiveAt)
	var (
		rows []sqlcdb.Session
		err  error
	)
	switch {
	case f.UserID != "":
		rows, err = r.q().ListSessionsOfUser(ctx, sqlcdb.ListSessionsOfUserParams{
			ProjectID: string(projectID), UserID: string(f.UserID), After: page.After,
			OrganizationID: dbNullString(string(f.OrgID)), LiveOnly: live, Now: now, MaxRows: pageLimit(page),
		})
	case f.OrgID != "":
		rows, err = r.q().ListSessionsOfOrganization(ctx, sqlcdb.ListSessionsOfOrganizationParams{
			ProjectID: string(projectID), OrganizationID: string(f.OrgID), After: page.After,
			LiveOnly: live, Now: now, MaxRows: pageLimit(page),
		})
	default:
		rows, err = r.q().ListSessionsInProject(ctx, sqlcdb.ListSessionsInProjectParams{
			ProjectID: string(projectID), After: page.After, LiveOnly: live, Now: now, MaxRows: pageLimit(page),
		})
	}
	if err != nil {
		return nil, wrap(err, "list sessions")
	}
	return sessionsFromRows(rows), nil
}

func (r *reader) SessionAccessByBrowserHash(ctx context.Context, projectID id.Project, hash store.TokenHash) (*store.SessionAccess, error) {
	row, err := r.q().SessionAccessByBrowserHash(ctx, sqlcdb.SessionAccessByBrowserHashParams{ProjectID: string(projectID), Hash: hash})
	if err != nil {
		return nil, wrap(err, "get session by browser token")
	}
	return accessFrom(row.Session, row.User, row.Organization, row.Project, row.RoleKeys, row.PermissionKeys)
}

func (r *reader) SessionAccess(ctx context.Context, projectID id.Project, sessionID id.Session) (*store.SessionAccess, error) {
	row, err := r.q().SessionAccessByID(ctx, sqlcdb.SessionAccessByIDParams{ProjectID: string(projectID), ID: string(sessionID)})
	if err != nil {
		return nil, wrap(err, "get session %s", sessionID)
	}
	return accessFrom(row.Session, row.User, row.Organization, row.Project, row.RoleKeys, row.PermissionKeys)
}

// CreateSession inserts s and normalises its times.
func (w *writer) CreateSession(ctx context.Context, s *store.SessionRecord) error {
	s.CreatedAt, s.LastActiveAt = dbTime(s.CreatedAt), dbTime(s.LastActiveAt)
	s.ExpiresAt, s.IdleExpiresAt = dbTime(s.ExpiresAt), dbTime(s.IdleExpiresAt)
	s.RefreshedAt, s.RevokedAt = normTimePtr(s.RefreshedAt), normTimePtr(s.RevokedAt)
	facts := string(s.Facts)
	if facts == "" {
		facts = "{}"
	}
	var imp store.Impersonation
	if s.Impersonation != nil {
		imp = *s.Impersonation
		if imp.OriginID == "" {
			return fmt.Errorf("create session %s: an impersonation needs the session it started as", s.ID)
		}
	}
	n, err := w.q().InsertSession(ctx, sqlcdb.InsertSessionParams{
		ID:                  string(s.ID),
		ProjectID:           string(s.ProjectID),
		OrganizationID:      string(s.OrgID),
		UserID:              string(s.UserID),
		ClientID:            string(s.ClientID),
		Facts:               facts,
		BrowserTokenHash:    s.BrowserTokenHash,
		RefreshHash:         s.RefreshHash,
		PrevRefreshHash:     s.PrevRefreshHash,
		RefreshedAt:         dbNullTime(s.RefreshedAt),
		CreatedAt:           s.CreatedAt,
		LastActiveAt:        s.LastActiveAt,
		ExpiresAt:           s.ExpiresAt,
		IdleExpiresAt:       s.IdleExpiresAt,
		RevokedAt:           dbNullTime(s.RevokedAt),
		RevokeReason:        s.RevokeReason,
		UserAgent:           s.UserAgent,
		Ip:                  s.IP,
		ImpersonatorID:      imp.StaffUserID,
		ImpersonatorEmail:   imp.StaffEmail,
		ImpersonationReason: imp.Reason,
		ImpersonationOf:     string(imp.OriginID),
	})
	if err != nil {
		return wrap(err, "create session %s in project %s", s.ID, s.ProjectID)
	}
	if n == 0 {
		return notFound("create session %s: no user %s in organization %s", s.ID, s.UserID, s.OrgID)
	}
	return nil
}

func (w *writer) IssueFirstRefresh(ctx context.Context, f store.FirstRefresh) (bool, error) {
	n, err := w.q().IssueFirstRefresh(ctx, sqlcdb.IssueFirstRefreshParams{
		ProjectID: string(f.ProjectID), ID: string(f.SessionID), ClientID: string(f.ClientID),
		RefreshHash: f.Hash, At: dbNullTime(&f.At), IdleExpiresAt: dbTime(f.IdleExpiresAt),
	})
	if err != nil {
		return false, wrap(err, "issue first refresh token of session %s", f.SessionID)
	}
	return n == 1, nil
}

func (w *writer) RotateRefreshToken(ctx context.Context, r store.RefreshRotation) (bool, error) {
	return rotate(ctx, w.q(), r)
}

// RotateRefreshToken runs the rotation on the write pool as one statement
// in its own implicit transaction.
func (db *DB) RotateRefreshToken(ctx context.Context, r store.RefreshRotation) (bool, error) {
	return rotate(ctx, db.writeQ.Load(), r)
}

func rotate(ctx context.Context, q *sqlcdb.Queries, r store.RefreshRotation) (bool, error) {
	n, err := q.RotateRefreshToken(ctx, sqlcdb.RotateRefreshTokenParams{
		ID: string(r.SessionID), ProjectID: string(r.ProjectID), OldHash: r.OldHash, NewHash: r.NewHash,
		At: dbNullTime(&r.At), IdleExpiresAt: dbTime(r.IdleExpiresAt),
	})
	if err != nil {
		return false, wrap(err, "rotate refresh token of session %s", r.SessionID)
	}
	return n == 1, nil
}

func (w *writer) TouchSession(ctx context.Context, projectID id.Project, sessionID id.Session, at, idleExpiresAt time.Time) error {
	n, err := w.q().TouchSession(ctx, sqlcdb.TouchSessionParams{
		ProjectID: string(projectID), ID: string(sessionID), LastActiveAt: dbTime(at), IdleExpiresAt: dbTime(idleExpiresAt),
	})
	if err != nil {
		return wrap(err, "touch session %s", sessionID)
	}
	if n == 0 {
		return notFound("touch session %s", sessionID)
	}
	return nil
}

func (w *writer) RevokeSession(ctx context.Context, projectID id.Project, sessionID id.Session, at time.Time, reason string) (bool, error) {
	n, err := w.q().RevokeSession(ctx, sqlcdb.RevokeSessionParams{
		ProjectID: string(projectID), ID: string(sessionID), RevokedAt: dbNullTime(&at), RevokeReason: reason,
	})
	if err != nil {
		return false, wrap(err, "revoke session %s", sessionID)
	}
	return n == 1, nil
}

func (w *writer) RevokeUserSessions(ctx context.Context, projectID id.Project, userID id.User, at time.Time, reason string) (int64, error) {
	n, err := w.q().RevokeUserSessions(ctx, sqlcdb.RevokeUserSessionsParams{
		ProjectID: string(projectID), UserID: string(userID), At: dbNullTime(&at), Reason: reason,
	})
	if err != nil {
		return 0, wrap(err, "revoke sessions of user %s", userID)
	}
	return n, nil
}

func (w *writer) RevokeOrgSessions(ctx context.Context, projectID id.Project, orgID id.Org, at time.Time, reason string) (int64, error) {
	n, err := w.q().RevokeOrgSessions(ctx, sqlcdb.RevokeOrgSessionsParams{
		ProjectID: string(projectID), OrganizationID: string(orgID), At: dbNullTime(&at), Reason: reason,
	})
	if err != nil {
		return 0, wrap(err, "revoke sessions of organization %s", orgID)
	}
	return n, nil
}

func (w *writer) RevokeImpersonation(ctx context.Context, projectID id.Project, originID id.Session, at time.Time, reason string) (int64, error) {
	n, err := w.q().RevokeImpersonationSessions(ctx, sqlcdb.RevokeImpersonationSessionsParams{
		ProjectID: string(projectID), ImpersonationOf: string(originID), At: dbNullTime(&at), Reason: reason,
	})
	if err != nil {
		return 0, wrap(err, "revoke sessions of impersonation %s", originID)
	}
	return n, nil
}
