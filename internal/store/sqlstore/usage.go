package sqlstore

import (
	"context"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore/sqlcdb"
)

func (r *reader) OrgUsage(ctx context.Context, projectID id.Project, orgID id.Org, month string) (*store.OrgUsage, error) {
	row, err := r.q().OrganizationUsage(ctx, sqlcdb.OrganizationUsageParams{ProjectID: string(projectID), OrganizationID: string(orgID), Month: month})
	if err != nil {
		return nil, wrap(err, "usage of organization %s", orgID)
	}
	return &store.OrgUsage{OrgID: id.Org(row.ID), OrgName: row.Name, Seats: row.Seats, MonthlyActiveUsers: row.MonthlyActiveUsers}, nil
}

func (r *reader) ListOrgUsage(ctx context.Context, projectID id.Project, month string, page store.Page) ([]*store.OrgUsage, error) {
	rows, err := r.q().ListOrganizationUsage(ctx, sqlcdb.ListOrganizationUsageParams{
		ProjectID: string(projectID), Month: month, After: page.After, MaxRows: pageLimit(page),
	})
	if err != nil {
		return nil, wrap(err, "list usage of organizations")
	}
	out := make([]*store.OrgUsage, 0, len(rows))
	for _, row := range rows {
		out = append(out, &store.OrgUsage{OrgID: id.Org(row.ID), OrgName: row.Name, Seats: row.Seats, MonthlyActiveUsers: row.MonthlyActiveUsers})
	}
	return out, nil
}

func (w *writer) RecordActiveUser(ctx context.Context, a store.ActiveUser) error {
	_, err := w.q().RecordActiveUser(ctx, sqlcdb.RecordActiveUserParams{
		ProjectID: string(a.ProjectID), OrganizationID: string(a.OrgID), UserID: string(a.UserID),
		Month: a.Month, At: dbTime(a.At),
	})
	if err != nil {
		return wrap(err, "record active user %s in %s", a.UserID, a.Month)
	}
	return nil
}
