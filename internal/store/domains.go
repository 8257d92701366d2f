package store

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// Domains organizations claim and verify (package domain).

// DomainRecord is a domain row. Package domain gives it meaning.
type DomainRecord struct {
	ID        id.Domain
	ProjectID id.Project
	OrgID     id.Org
	// Name is the normalised (lowercase ASCII) domain name.
	Name  string
	Token string
	// Status is "pending" or "verified".
	Status        string
	VerifiedAt    *time.Time
	LastCheckedAt *time.Time
	LastError     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// DomainStatusVerified is the status that at most one organization of a
// project may hold for a name.
const DomainStatusVerified = "verified"

// DomainFilter narrows a domain listing. Zero fields do not filter.
type DomainFilter struct {
	OrgID id.Org
}

// DomainReader reads them.
type DomainReader interface {
	GetDomain(ctx context.Context, projectID id.Project, domainID id.Domain) (*DomainRecord, error)
	// ListDomains lists the project's domains in ID (creation) order.
	ListDomains(ctx context.Context, projectID id.Project, f DomainFilter, page Page) ([]*DomainRecord, error)
	// ListDomainsByName returns every organization's claim of name in the
	// project, in ID order.
	ListDomainsByName(ctx context.Context, projectID id.Project, name string) ([]*DomainRecord, error)
	// GetVerifiedDomainByName returns the project's one verified claim of
	// name; ErrNotFound when no organization has verified it.
	GetVerifiedDomainByName(ctx context.Context, projectID id.Project, name string) (*DomainRecord, error)
}

// DomainWriter changes them.
type DomainWriter interface {
	// CreateDomain inserts d and normalises its times. ErrNotFound unless
	// d.OrgID is an organization of d.ProjectID; ErrConflict when the
	// organization already claims the name (or the ID is taken).
	CreateDomain(ctx context.Context, d *DomainRecord) error
	// UpdateDomainCheck writes status, verified_at, last_checked_at,
	// last_error and updated_at. ErrConflict when d would become the
	// project's second verified claim of its name.
	UpdateDomainCheck(ctx context.Context, d *DomainRecord) error
	DeleteDomain(ctx context.Context, projectID id.Project, domainID id.Domain) error
}
