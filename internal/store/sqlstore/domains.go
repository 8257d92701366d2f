package sqlstore

import (
	"context"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore/sqlcdb"
)

func domainFromRow(r sqlcdb.Domain) *store.DomainRecord {
	return &store.DomainRecord{
		ID:            id.Domain(r.ID),
		ProjectID:     id.Project(r.ProjectID),
		OrgID:         id.Org(r.OrganizationID),
		Name:          r.Name,
		Token:         r.Token,
		Status:        r.Status,
		VerifiedAt:    fromNullTime(r.VerifiedAt),
		LastCheckedAt: fromNullTime(r.LastCheckedAt),
		LastError:     r.LastError,
		CreatedAt:     r.CreatedAt.UTC(),
		UpdatedAt:     r.UpdatedAt.UTC(),
	}
}

func domainsFromRows(rows []sqlcdb.Domain) []*store.DomainRecord {
	out := make([]*store.DomainRecord, 0, len(rows))
	for _, row := range rows {
		out = append(out, domainFromRow(row))
	}
	return out
}

func (r *reader) GetDomain(ctx context.Context, projectID id.Project, domainID id.Domain) (*store.DomainRecord, error) {
	row, err := r.q().GetDomain(ctx, sqlcdb.GetDomainParams{ProjectID: string(projectID), ID: string(domainID)})
	if err != nil {
		return nil, wrap(err, "get domain %s", domainID)
	}
	return domainFromRow(row), nil
}

func (r *reader) ListDomains(ctx context.Context, projectID id.Project, f store.DomainFilter, page store.Page) ([]*store.DomainRecord, error) {
	var rows []sqlcdb.Domain
	var err error
	if f.OrgID != "" {
		rows, err = r.q().ListOrganizationDomains(ctx, sqlcdb.ListOrganizationDomainsParams{
			ProjectID: string(projectID), OrganizationID: string(f.OrgID), After: page.After, MaxRows: pageLimit(page),
		})
	} else {
		rows, err = r.q().ListDomains(ctx, sqlcdb.ListDomainsParams{
			ProjectID: string(projectID), After: page.After, MaxRows: pageLimit(page),
		})
	}
	if err != nil {
		return nil, wrap(err, "list domains")
	}
	return domainsFromRows(rows), nil
}

func (r *reader) ListDomainsByName(ctx context.Context, projectID id.Project, name string) ([]*store.DomainRecord, error) {
	rows, err := r.q().ListDomainsByName(ctx, sqlcdb.ListDomainsByNameParams{ProjectID: string(projectID), Name: name})
	if err != nil {
		return nil, wrap(err, "list claims of domain %q", name)
	}
	return domainsFromRows(rows), nil
}

func (r *reader) GetVerifiedDomainByName(ctx context.Context, projectID id.Project, name string) (*store.DomainRecord, error) {
	row, err := r.q().GetVerifiedDomainByName(ctx, sqlcdb.GetVerifiedDomainByNameParams{ProjectID: string(projectID), Name: name})
	if err != nil {
		return nil, wrap(err, "get verified domain %q", name)
	}
	return domainFromRow(row), nil
}

// CreateDomain checks the organization first: the foreign key alone would
// accept another project's organization.
func (w *writer) CreateDomain(ctx context.Context, d *store.DomainRecord) error {
	d.CreatedAt, d.UpdatedAt = dbTime(d.CreatedAt), dbTime(d.UpdatedAt)
	d.VerifiedAt, d.LastCheckedAt = normTimePtr(d.VerifiedAt), normTimePtr(d.LastCheckedAt)
	n, err := w.q().OrganizationExists(ctx, sqlcdb.OrganizationExistsParams{ProjectID: string(d.ProjectID), ID: string(d.OrgID)})
	if err != nil {
		return wrap(err, "create domain %q: find organization %s", d.Name, d.OrgID)
	}
	if n == 0 {
		return notFound("create domain %q: organization %s", d.Name, d.OrgID)
	}
	n, err = w.q().InsertDomain(ctx, sqlcdb.InsertDomainParams{
		ID:             string(d.ID),
		ProjectID:      string(d.ProjectID),
		OrganizationID: string(d.OrgID),
		Name:           d.Name,
		Token:          d.Token,
		Status:         d.Status,
		VerifiedAt:     dbNullTime(d.VerifiedAt),
		LastCheckedAt:  dbNullTime(d.LastCheckedAt),
		LastError:      d.LastError,
		CreatedAt:      d.CreatedAt,
		UpdatedAt:      d.UpdatedAt,
	})
	if err != nil {
		return wrap(err, "create domain %q in organization %s", d.Name, d.OrgID)
	}
	if n == 0 {
		return conflict("create domain %q: the organization already claims it, or another organization verified it", d.Name)
	}
	return nil
}

func (w *writer) UpdateDomainCheck(ctx context.Context, d *store.DomainRecord) error {
	d.UpdatedAt = dbTime(d.UpdatedAt)
	d.VerifiedAt, d.LastCheckedAt = normTimePtr(d.VerifiedAt), normTimePtr(d.LastCheckedAt)
	n, err := w.q().UpdateDomainCheck(ctx, sqlcdb.UpdateDomainCheckParams{
		ProjectID:     string(d.ProjectID),
		ID:            string(d.ID),
		Status:        d.Status,
		VerifiedAt:    dbNullTime(d.VerifiedAt),
		LastCheckedAt: dbNullTime(d.LastCheckedAt),
		LastError:     d.LastError,
		UpdatedAt:     d.UpdatedAt,
	})
	if err != nil {
		return wrap(err, "update domain %s", d.ID)
	}
	if n == 0 {
		return notFound("update domain %s", d.ID)
	}
	return nil
}

func (w *writer) DeleteDomain(ctx context.Context, projectID id.Project, domainID id.Domain) error {
	n, err := w.q().DeleteDomain(ctx, sqlcdb.DeleteDomainParams{ProjectID: string(projectID), ID: string(domainID)})
	if err != nil {
		return wrap(err, "delete domain %s", domainID)
	}
	if n == 0 {
		return notFound("delete domain %s", domainID)
	}
	return nil
}
