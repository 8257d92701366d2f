package sqlstore

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore/sqlcdb"
)

func projectFromRow(r sqlcdb.Project) (*project.Project, error) {
	methods, err := decodeList[project.LoginMethod]("enabled_login_methods", r.EnabledLoginMethods)
	if err != nil {
		return nil, err
	}
	redirects, err := decodeList[string]("redirect_uris", r.RedirectUris)
	if err != nil {
		return nil, err
	}
	origins, err := decodeList[string]("trusted_origins", r.TrustedOrigins)
	if err != nil {
		return nil, err
	}
	return &project.Project{
		ID:                           id.Project(r.ID),
		Name:                         r.Name,
		EnabledLoginMethods:          methods,
		RedirectURIs:                 redirects,
		TrustedOrigins:               origins,
		AutoCreateOrganizations:      r.AutoCreateOrganizations,
		SelfServeCreateOrganizations: r.SelfServeCreateOrganizations,
		AllowCustomRoles:             r.AllowCustomRoles,
		SessionMaxLifetime:           time.Duration(r.SessionMaxLifetimeSeconds) * time.Second,
		SessionIdleTimeout:           time.Duration(r.SessionIdleTimeoutSeconds) * time.Second,
		BrandColor:                   r.BrandColor,
		LogoURL:                      r.LogoUrl,
		AppURL:                       r.AppUrl,
		CreatedAt:                    r.CreatedAt.UTC(),
		UpdatedAt:                    r.UpdatedAt.UTC(),
	}, nil
}

func (r *reader) GetProject(ctx context.Context, projectID id.Project) (*project.Project, error) {
	row, err := r.q().GetProject(ctx, string(projectID))
	if err != nil {
		return nil, wrap(err, "get project %s", projectID)
	}
	return projectFromRow(row)
}

func (r *reader) ListProjects(ctx context.Context, page store.Page) ([]*project.Project, error) {
	rows, err := r.q().ListProjects(ctx, sqlcdb.ListProjectsParams{After: page.After, MaxRows: pageLimit(page)})
	if err != nil {
		return nil, wrap(err, "list projects")
	}
	out := make([]*project.Project, 0, len(rows))
	for _, row := range rows {
		p, err := projectFromRow(row)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// CreateProject inserts p; it normalises p's times to what the database keeps.
func (w *writer) CreateProject(ctx context.Context, p *project.Project) error {
	p.CreatedAt, p.UpdatedAt = dbTime(p.CreatedAt), dbTime(p.UpdatedAt)
	n, err := w.q().InsertProject(ctx, sqlcdb.InsertProjectParams{
		ID:                           string(p.ID),
		Name:                         p.Name,
		EnabledLoginMethods:          encodeList(p.EnabledLoginMethods),
		RedirectUris:                 encodeList(p.RedirectURIs),
		TrustedOrigins:               encodeList(p.TrustedOrigins),
		AutoCreateOrganizations:      p.AutoCreateOrganizations,
		SelfServeCreateOrganizations: p.SelfServeCreateOrganizations,
		AllowCustomRoles:             p.AllowCustomRoles,
		SessionMaxLifetimeSeconds:    int64(p.SessionMaxLifetime / time.Second),
		SessionIdleTimeoutSeconds:    int64(p.SessionIdleTimeout / time.Second),
		BrandColor:                   p.BrandColor,
		LogoUrl:                      p.LogoURL,
		AppUrl:                       p.AppURL,
		CreatedAt:                    p.CreatedAt,
		UpdatedAt:                    p.UpdatedAt,
	})
	if err != nil {
		return wrap(err, "create project %s", p.ID)
	}
	if n == 0 {
		return conflict("create project %s: id already exists", p.ID)
	}
	return nil
}

func (w *writer) UpdateProject(ctx context.Context, p *project.Project) error {
	p.UpdatedAt = dbTime(p.UpdatedAt)
	n, err := w.q().UpdateProject(ctx, sqlcdb.UpdateProjectParams{
		ID:                           string(p.ID),
		Name:                         p.Name,
		EnabledLoginMethods:          encodeList(p.EnabledLoginMethods),
		RedirectUris:                 encodeList(p.RedirectURIs),
		TrustedOrigins:               encodeList(p.TrustedOrigins),
		AutoCreateOrganizations:      p.AutoCreateOrganizations,
		SelfServeCreateOrganizations: p.SelfServeCreateOrganizations,
		AllowCustomRoles:             p.AllowCustomRoles,
		SessionMaxLifetimeSeconds:    int64(p.SessionMaxLifetime / time.Second),
		SessionIdleTimeoutSeconds:    int64(p.SessionIdleTimeout / time.Second),
		BrandColor:                   p.BrandColor,
		LogoUrl:                      p.LogoURL,
		AppUrl:                       p.AppURL,
		UpdatedAt:                    p.UpdatedAt,
	})
	if err != nil {
		return wrap(err, "update project %s", p.ID)
	}
	if n == 0 {
		return notFound("update project %s", p.ID)
	}
	return nil
}

func (w *writer) LockProject(ctx context.Context, projectID id.Project) error {
	n, err := w.q().LockProject(ctx, string(projectID))
	if err != nil {
		return wrap(err, "lock project %s", projectID)
	}
	if n == 0 {
		return notFound("lock project %s", projectID)
	}
	return nil
}
