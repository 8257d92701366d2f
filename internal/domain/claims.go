package domain

import (
	"context"
	"errors"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// MaxPageSize bounds every list call, whatever the caller asks for.
const MaxPageSize = 1000

// Add claims a domain for an organization. The claim is pending until
// Verify finds its TXT record. Several organizations may claim a domain
// while none has verified it; once one has, nobody else in the project can
// claim it (domain_taken).
func (s *Service) Add(ctx context.Context, actor audit.Actor, projectID id.Project, orgID string, name string) (*Domain, error) {
	oid, err := id.Parse[id.Org](orgID)
	if err != nil {
		return nil, fault.NewNotFound("organization")
	}
	name, err = Normalize(name)
	if err != nil {
		return nil, err
	}
	if IsPublicProvider(name) {
		return nil, fault.InvalidCode(CodePublicEmailDomain,
			name+" belongs to a public email provider: anyone can get an address there, so it cannot be claimed for one organization",
			fault.FieldViolation{Field: "domain", Message: "is a public email provider's domain", Value: name})
	}
	now := s.now()
	d := &Domain{
		ID: id.New[id.Domain](now), ProjectID: projectID, OrgID: oid, Name: name, Token: newToken(),
		Status: StatusPending, CreatedAt: now, UpdatedAt: now,
	}
	err = s.write(ctx, "add domain", func(w store.Writer) error {
		if _, err := w.GetOrganization(ctx, projectID, oid); err != nil {
			return store.NotFoundAs(err, "organization")
		}
		claims, err := w.ListDomainsByName(ctx, projectID, name)
		if err != nil {
			return err
		}
		for _, c := range claims {
			if c.OrgID == oid {
				return existsErr(name)
			}
		}
		for _, c := range claims {
			if c.Status == store.DomainStatusVerified {
				return takenErr(name)
			}
		}
		rec := d.record()
		if err := w.CreateDomain(ctx, rec); err != nil {
			if errors.Is(err, store.ErrConflict) {
				// A concurrent Add of the same claim got there first.
				return existsErr(name)
			}
			return store.NotFoundAs(err, "organization")
		}
		*d = *fromRecord(rec)
		return w.InsertAuditEvent(ctx, event(now, d, actor, "domain.created", nil, d.snapshot()))
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

func existsErr(name string) error {
	return fault.NewConflict(CodeDomainExists, "the organization already claims "+name)
}

func takenErr(name string) error {
	return fault.NewConflict(CodeDomainTaken, "another organization of this project has already verified "+name)
}

// Get returns one domain of the project.
func (s *Service) Get(ctx context.Context, projectID id.Project, domainID string) (*Domain, error) {
	did, err := id.Parse[id.Domain](domainID)
	if err != nil {
		return nil, fault.NewNotFound("domain")
	}
	r, err := s.st.GetDomain(ctx, projectID, did)
	if err != nil {
		return nil, s.classify("get domain", store.NotFoundAs(err, "domain"))
	}
	return fromRecord(r), nil
}

// List lists an organization's domains ("" lists the project's), in
// creation order.
func (s *Service) List(ctx context.Context, projectID id.Project, orgID string, page store.Page) ([]*Domain, error) {
	var f store.DomainFilter
	if orgID != "" {
		oid, err := id.Parse[id.Org](orgID)
		if err != nil {
			// No organization has a malformed ID: nothing matches.
			return []*Domain{}, nil
		}
		f.OrgID = oid
	}
	if page.Limit <= 0 || page.Limit > MaxPageSize {
		page.Limit = MaxPageSize
	}
	rs, err := s.st.ListDomains(ctx, projectID, f, page)
	if err != nil {
		return nil, s.classify("list domains", err)
	}
	out := make([]*Domain, 0, len(rs))
	for _, r := range rs {
		out = append(out, fromRecord(r))
	}
	return out, nil
}

// Delete removes a claim. Deleting a verified domain ends joining by it at
// once, and lets another organization of the project verify it.
func (s *Service) Delete(ctx context.Context, actor audit.Actor, projectID id.Project, domainID string) error {
	did, err := id.Parse[id.Domain](domainID)
	if err != nil {
		return fault.NewNotFound("domain")
	}
	now := s.now()
	return s.write(ctx, "delete domain", func(w store.Writer) error {
		r, err := w.GetDomain(ctx, projectID, did)
		if err != nil {
			return store.NotFoundAs(err, "domain")
		}
		if err := w.DeleteDomain(ctx, projectID, did); err != nil {
			return store.NotFoundAs(err, "domain")
		}
		d := fromRecord(r)
		return w.InsertAuditEvent(ctx, event(now, d, actor, "domain.deleted", d.snapshot(), nil))
	})
}
