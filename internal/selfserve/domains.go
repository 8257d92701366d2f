package selfserve

import (
	"context"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
)

// CodeDomainsOff answers domain actions on a server built without the
// domain service.
const CodeDomainsOff = "domains_unavailable"

// domainsOn refuses domain actions when no domain service is wired.
func (s *Service) domainsOn() error {
	if s.d.Domains == nil {
		return fault.NewFailedPrecondition(CodeDomainsOff, "domain verification is not available on this server")
	}
	return nil
}

// ListDomains lists the organization's claimed domains.
func (s *Service) ListDomains(ctx context.Context, m Member, page Page) ([]*domain.Domain, error) {
	if err := requireAdmin(m); err != nil {
		return nil, err
	}
	if err := s.domainsOn(); err != nil {
		return nil, err
	}
	out, err := s.d.Domains.List(ctx, m.ProjectID, string(m.OrgID), page.store())
	if err != nil {
		return nil, s.internal("list domains", err)
	}
	return out, nil
}

// AddDomain claims a domain for the organization; it is pending until its
// TXT record (RecordName, RecordValue) is found by VerifyDomain.
func (s *Service) AddDomain(ctx context.Context, m Member, name string) (*domain.Domain, error) {
	if err := requireAdmin(m); err != nil {
		return nil, err
	}
	if err := s.domainsOn(); err != nil {
		return nil, err
	}
	d, err := s.d.Domains.Add(ctx, m.actor(), m.ProjectID, string(m.OrgID), name)
	if err != nil {
		return nil, s.internal("add domain", err)
	}
	return d, nil
}

// orgDomain loads a domain of the member's organization; any other is not
// found.
func (s *Service) orgDomain(ctx context.Context, m Member, domainID string) (*domain.Domain, error) {
	d, err := s.d.Domains.Get(ctx, m.ProjectID, domainID)
	if err != nil {
		return nil, s.internal("get domain", err)
	}
	if d.ProjectID != m.ProjectID || d.OrgID != m.OrgID {
		return nil, fault.NewNotFound("domain")
	}
	return d, nil
}

// VerifyDomain looks up the domain's TXT record now.
func (s *Service) VerifyDomain(ctx context.Context, m Member, domainID string) (*domain.Domain, error) {
	if err := requireAdmin(m); err != nil {
		return nil, err
	}
	if err := s.domainsOn(); err != nil {
		return nil, err
	}
	d, err := s.orgDomain(ctx, m, domainID)
	if err != nil {
		return nil, err
	}
	out, err := s.d.Domains.Verify(ctx, m.actor(), m.ProjectID, string(d.ID))
	if err != nil {
		return nil, s.internal("verify domain", err)
	}
	return out, nil
}

// DeleteDomain gives up a claim.
func (s *Service) DeleteDomain(ctx context.Context, m Member, domainID string) error {
	if err := requireAdmin(m); err != nil {
		return err
	}
	if err := s.domainsOn(); err != nil {
		return err
	}
	d, err := s.orgDomain(ctx, m, domainID)
	if err != nil {
		return err
	}
	if err := s.d.Domains.Delete(ctx, m.actor(), m.ProjectID, string(d.ID)); err != nil {
		return s.internal("delete domain", err)
	}
	return nil
}
