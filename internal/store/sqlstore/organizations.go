package sqlstore

import (
	"context"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore/sqlcdb"
)

func orgFromRow(r sqlcdb.Organization) (*org.Organization, error) {
	methods, err := decodeList[project.LoginMethod]("allowed_login_methods", r.AllowedLoginMethods)
	if err != nil {
		return nil, err
	}
	return &org.Organization{
		ID:        id.Org(r.ID),
		ProjectID: id.Project(r.ProjectID),
		Name:      r.Name,
		Policy: org.Policy{
			AllowedLoginMethods: methods,
			RequireMFA:          r.RequireMfa,
			RequireSSO:          r.RequireSso,
			SessionMaxLifetime:  fromSeconds(r.SessionMaxLifetimeSeconds),
			SessionIdleTimeout:  fromSeconds(r.SessionIdleTimeoutSeconds),
			LoginsDisabled:      r.LoginsDisabled,
			JoinByDomain:        r.JoinByDomain,
			JoinRoleKey:         r.JoinRoleKey,
		},
		MemberCount: r.MemberCount,
		CreatedAt:   r.CreatedAt.UTC(),
		UpdatedAt:   r.UpdatedAt.UTC(),
	}, nil
}

func (r *reader) GetOrganization(ctx context.Context, projectID id.Project, orgID id.Org) (*org.Organization, error) {
	row, err := r.q().GetOrganization(ctx, sqlcdb.GetOrganizationParams{ProjectID: string(projectID), ID: string(orgID)})
	if err != nil {
		return nil, wrap(err, "get organization %s", orgID)
	}
	return orgFromRow(row)
}

func (r *reader) ListOrganizations(ctx context.Context, projectID id.Project, page store.Page) ([]*org.Organization, error) {
	rows, err := r.q().ListOrganizations(ctx, sqlcdb.ListOrganizationsParams{
		ProjectID: string(projectID), After: page.After, MaxRows: pageLimit(page),
	})
	if err != nil {
		return nil, wrap(err, "list organizations")
	}
	out := make([]*org.Organization, 0, len(rows))
	for _, row := range rows {
		o, err := orgFromRow(row)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// CreateOrganization inserts o with a member count of zero (which it also
// sets on o) and normalises o's times. ErrNotFound when the project does not exist.
func (w *writer) CreateOrganization(ctx context.Context, o *org.Organization) error {
	o.CreatedAt, o.UpdatedAt = dbTime(o.CreatedAt), dbTime(o.UpdatedAt)
	o.MemberCount = 0
	n, err := w.q().InsertOrganization(ctx, sqlcdb.InsertOrganizationParams{
		ID:                        string(o.ID),
		ProjectID:                 string(o.ProjectID),
		Name:                      o.Name,
		AllowedLoginMethods:       encodeList(o.Policy.AllowedLoginMethods),
		RequireMfa:                o.Policy.RequireMFA,
		RequireSso:                o.Policy.RequireSSO,
		SessionMaxLifetimeSeconds: dbSeconds(o.Policy.SessionMaxLifetime),
		SessionIdleTimeoutSeconds: dbSeconds(o.Policy.SessionIdleTimeout),
		LoginsDisabled:            o.Policy.LoginsDisabled,
		JoinByDomain:              o.Policy.JoinByDomain,
		JoinRoleKey:               o.Policy.JoinRoleKey,
		CreatedAt:                 o.CreatedAt,
		UpdatedAt:                 o.UpdatedAt,
	})
	if err != nil {
		return wrap(err, "create organization %s in project %s", o.ID, o.ProjectID)
	}
	if n == 0 {
		return conflict("create organization %s: id already exists", o.ID)
	}
	return nil
}

func (w *writer) UpdateOrganization(ctx context.Context, o *org.Organization) error {
	o.UpdatedAt = dbTime(o.UpdatedAt)
	n, err := w.q().UpdateOrganization(ctx, sqlcdb.UpdateOrganizationParams{
		ProjectID:                 string(o.ProjectID),
		ID:                        string(o.ID),
		Name:                      o.Name,
		AllowedLoginMethods:       encodeList(o.Policy.AllowedLoginMethods),
		RequireMfa:                o.Policy.RequireMFA,
		RequireSso:                o.Policy.RequireSSO,
		SessionMaxLifetimeSeconds: dbSeconds(o.Policy.SessionMaxLifetime),
		SessionIdleTimeoutSeconds: dbSeconds(o.Policy.SessionIdleTimeout),
		LoginsDisabled:            o.Policy.LoginsDisabled,
		JoinByDomain:              o.Policy.JoinByDomain,
		JoinRoleKey:               o.Policy.JoinRoleKey,
		UpdatedAt:                 o.UpdatedAt,
	})
	if err != nil {
		return wrap(err, "update organization %s", o.ID)
	}
	if n == 0 {
		return notFound("update organization %s", o.ID)
	}
	return nil
}

// DeleteOrganization relies on ON DELETE CASCADE for the organization's users,
// their role assignments and its custom roles; audit events are kept.
func (w *writer) DeleteOrganization(ctx context.Context, projectID id.Project, orgID id.Org) error {
	n, err := w.q().DeleteOrganization(ctx, sqlcdb.DeleteOrganizationParams{ProjectID: string(projectID), ID: string(orgID)})
	if err != nil {
		return wrap(err, "delete organization %s", orgID)
	}
	if n == 0 {
		return notFound("delete organization %s", orgID)
	}
	return nil
}

func (w *writer) LockOrganization(ctx context.Context, projectID id.Project, orgID id.Org) error {
	n, err := w.q().LockOrganization(ctx, sqlcdb.LockOrganizationParams{ProjectID: string(projectID), ID: string(orgID)})
	if err != nil {
		return wrap(err, "lock organization %s", orgID)
	}
	if n == 0 {
		return notFound("lock organization %s", orgID)
	}
	return nil
}
