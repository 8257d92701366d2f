package sqlstore

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore/sqlcdb"
)

func inviteFromRow(r sqlcdb.Invite) *store.InviteRecord {
	return &store.InviteRecord{
		ID:             id.Invite(r.ID),
		ProjectID:      id.Project(r.ProjectID),
		OrgID:          id.Org(r.OrganizationID),
		Email:          r.Email,
		RoleID:         id.Role(r.RoleID),
		RoleKey:        r.RoleKey,
		InvitedBy:      audit.Actor{Type: audit.ActorType(r.InvitedByType), ID: r.InvitedByID},
		Status:         r.Status,
		TokenHash:      store.TokenHash(r.TokenHash),
		ExpiresAt:      r.ExpiresAt.UTC(),
		CreatedAt:      r.CreatedAt.UTC(),
		UpdatedAt:      r.UpdatedAt.UTC(),
		AcceptedAt:     fromNullTime(r.AcceptedAt),
		RevokedAt:      fromNullTime(r.RevokedAt),
		AcceptedUserID: id.User(r.AcceptedUserID.String),
		SendCount:      int(r.SendCount),
		LastSentAt:     r.LastSentAt.UTC(),
	}
}

func invitesFromRows(rows []sqlcdb.Invite) []*store.InviteRecord {
	out := make([]*store.InviteRecord, 0, len(rows))
	for _, r := range rows {
		out = append(out, inviteFromRow(r))
	}
	return out
}

func (r *reader) GetInvite(ctx context.Context, projectID id.Project, inviteID id.Invite) (*store.InviteRecord, error) {
	row, err := r.q().GetInvite(ctx, sqlcdb.GetInviteParams{ProjectID: string(projectID), ID: string(inviteID)})
	if err != nil {
		return nil, wrap(err, "get invite %s", inviteID)
	}
	return inviteFromRow(row), nil
}

func (r *reader) GetInviteByTokenHash(ctx context.Context, projectID id.Project, hash store.TokenHash) (*store.InviteRecord, error) {
	if len(hash) == 0 {
		return nil, notFound("get invite by token: no hash")
	}
	row, err := r.q().GetInviteByTokenHash(ctx, sqlcdb.GetInviteByTokenHashParams{ProjectID: string(projectID), TokenHash: hash})
	if err != nil {
		return nil, wrap(err, "get invite by token")
	}
	return inviteFromRow(row), nil
}

// ListInvites picks the query whose index matches the filter, so every page
// is one index range scan in ID order.
func (r *reader) ListInvites(ctx context.Context, projectID id.Project, f store.InviteFilter, page store.Page) ([]*store.InviteRecord, error) {
	after, until := minAuditTime, maxAuditTime
	if !f.ExpiresAfter.IsZero() {
		after = dbTime(f.ExpiresAfter)
	}
	if !f.ExpiresUntil.IsZero() {
		until = dbTime(f.ExpiresUntil)
	}
	var (
		rows []sqlcdb.Invite
		err  error
	)
	if f.OrgID != "" {
		rows, err = r.q().ListInvitesInOrganization(ctx, sqlcdb.ListInvitesInOrganizationParams{
			ProjectID: string(projectID), OrganizationID: string(f.OrgID), After: page.After,
			Status: dbNullString(f.Status), ExpiresAfter: after, ExpiresUntil: until, MaxRows: pageLimit(page),
		})
	} else {
		rows, err = r.q().ListInvitesInProject(ctx, sqlcdb.ListInvitesInProjectParams{
			ProjectID: string(projectID), After: page.After,
			Status: dbNullString(f.Status), ExpiresAfter: after, ExpiresUntil: until, MaxRows: pageLimit(page),
		})
	}
	if err != nil {
		return nil, wrap(err, "list invites")
	}
	return invitesFromRows(rows), nil
}

func (r *reader) ListPendingInvitesByEmail(ctx context.Context, projectID id.Project, email string, now time.Time) ([]*store.InviteRecord, error) {
	rows, err := r.q().ListPendingInvitesByEmail(ctx, sqlcdb.ListPendingInvitesByEmailParams{
		ProjectID: string(projectID), Email: email, Now: dbTime(now), MaxRows: maxPageSize,
	})
	if err != nil {
		return nil, wrap(err, "list pending invites by email")
	}
	return invitesFromRows(rows), nil
}

// CreateInvite inserts through a SELECT of the organization and the role
// within the project, so a foreign organization or role inserts nothing.
func (w *writer) CreateInvite(ctx context.Context, r *store.InviteRecord) error {
	normInviteTimes(r)
	n, err := w.q().InsertInvite(ctx, sqlcdb.InsertInviteParams{
		ID:             string(r.ID),
		ProjectID:      string(r.ProjectID),
		OrganizationID: string(r.OrgID),
		RoleID:         string(r.RoleID),
		Email:          r.Email,
		InvitedByType:  string(r.InvitedBy.Type),
		InvitedByID:    r.InvitedBy.ID,
		Status:         r.Status,
		TokenHash:      r.TokenHash,
		ExpiresAt:      r.ExpiresAt,
		CreatedAt:      r.CreatedAt,
		UpdatedAt:      r.UpdatedAt,
		AcceptedAt:     dbNullTime(r.AcceptedAt),
		RevokedAt:      dbNullTime(r.RevokedAt),
		AcceptedUserID: dbNullString(string(r.AcceptedUserID)),
		SendCount:      int64(r.SendCount),
		LastSentAt:     r.LastSentAt,
	})
	if err != nil {
		return wrap(err, "create invite %s", r.ID)
	}
	if n == 0 {
		return notFound("create invite %s: organization %s or role %s", r.ID, r.OrgID, r.RoleID)
	}
	return nil
}

func (w *writer) UpdateInvite(ctx context.Context, r *store.InviteRecord, fromStatus string) error {
	normInviteTimes(r)
	n, err := w.q().UpdateInvite(ctx, sqlcdb.UpdateInviteParams{
		ProjectID:      string(r.ProjectID),
		OrganizationID: string(r.OrgID),
		ID:             string(r.ID),
		FromStatus:     fromStatus,
		Status:         r.Status,
		TokenHash:      r.TokenHash,
		ExpiresAt:      r.ExpiresAt,
		UpdatedAt:      r.UpdatedAt,
		AcceptedAt:     dbNullTime(r.AcceptedAt),
		RevokedAt:      dbNullTime(r.RevokedAt),
		AcceptedUserID: dbNullString(string(r.AcceptedUserID)),
		SendCount:      int64(r.SendCount),
		LastSentAt:     r.LastSentAt,
	})
	if err != nil {
		return wrap(err, "update invite %s", r.ID)
	}
	if n == 0 {
		return notFound("update invite %s (in status %s)", r.ID, fromStatus)
	}
	return nil
}

// normInviteTimes stores every time as dbTime does, so reads equal writes.
func normInviteTimes(r *store.InviteRecord) {
	r.ExpiresAt, r.CreatedAt, r.UpdatedAt, r.LastSentAt = dbTime(r.ExpiresAt), dbTime(r.CreatedAt), dbTime(r.UpdatedAt), dbTime(r.LastSentAt)
	r.AcceptedAt, r.RevokedAt = normTimePtr(r.AcceptedAt), normTimePtr(r.RevokedAt)
}
