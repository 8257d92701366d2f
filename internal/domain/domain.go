// Package domain holds the domains organizations claim and prove with a DNS
// TXT record. A verified domain lets people with a verified email at it find
// and join the organization at login, when the organization allows it.
package domain

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Status is a domain's verification state.
type Status string

// Domain states.
const (
	StatusPending  Status = "pending"
	StatusVerified Status = "verified"
)

// Domain is a domain one organization claims.
type Domain struct {
	ID            id.Domain
	ProjectID     id.Project
	OrgID         id.Org
	Name          string
	Token         string
	Status        Status
	VerifiedAt    *time.Time
	LastCheckedAt *time.Time
	LastError     string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// RecordName is the DNS name of the TXT record that proves the claim.
func (d *Domain) RecordName() string { return "_gatehouse-challenge." + d.Name }

// RecordValue is the TXT record's value.
func (d *Domain) RecordValue() string { return "gatehouse-domain-verification=" + d.Token }

// Resolver looks up TXT records; tests inject one that asks an in-process
// DNS server.
type Resolver interface {
	LookupTXT(ctx context.Context, name string) ([]string, error)
}

// Service manages domains.
type Service struct {
	st    store.Store
	res   Resolver
	clock func() time.Time
	log   *slog.Logger
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock.
func WithClock(now func() time.Time) Option { return func(s *Service) { s.clock = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// New returns the domain service.
func New(st store.Store, r Resolver, opts ...Option) *Service {
	s := &Service{st: st, res: r, clock: time.Now, log: slog.Default()}
	for _, o := range opts {
		o(s)
	}
	return s
}

var errTODO = errors.New("domains: not built yet")

// Add claims a domain for an organization.
func (s *Service) Add(ctx context.Context, actor audit.Actor, projectID id.Project, orgID string, name string) (*Domain, error) {
	return nil, errTODO
}

// Get returns one domain.
func (s *Service) Get(ctx context.Context, projectID id.Project, domainID string) (*Domain, error) {
	return nil, errTODO
}

// List lists an organization's domains ("" lists the project's).
func (s *Service) List(ctx context.Context, projectID id.Project, orgID string, page store.Page) ([]*Domain, error) {
	return nil, errTODO
}

// Verify checks the domain's TXT record now.
func (s *Service) Verify(ctx context.Context, actor audit.Actor, projectID id.Project, domainID string) (*Domain, error) {
	return nil, errTODO
}

// Delete removes a claim.
func (s *Service) Delete(ctx context.Context, actor audit.Actor, projectID id.Project, domainID string) error {
	return errTODO
}

// JoinableOrgs are the organizations an email may join by its domain.
func (s *Service) JoinableOrgs(ctx context.Context, r store.Reader, projectID id.Project, email string) ([]*org.Organization, error) {
	return nil, nil
}
