package domain

import (
	"context"
	"errors"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Verify checks the domain's TXT record now. It succeeds when one of the
// TXT values at RecordName() is RecordValue(). Otherwise it saves the check
// (last_checked_at and a last_error saying what was found) and returns the
// domain with the fault domain_not_verified, or domain_taken when another
// organization of the project verified the name first. A verified domain
// stays verified: verifying it again changes nothing and asks no DNS server.
// Checks are limited per domain and per organization (throttled, see
// VerifyPerDomain and VerifyPerOrg), counted before the lookup.
func (s *Service) Verify(ctx context.Context, actor audit.Actor, projectID id.Project, domainID string) (*Domain, error) {
	d, err := s.Get(ctx, projectID, domainID)
	if err != nil {
		return nil, err
	}
	if d.Status == StatusVerified {
		return d, nil
	}
	if err := s.allowCheck(ctx, d); err != nil {
		return nil, err
	}
	// The lookup runs outside the transaction: a slow DNS server must not
	// hold the database's write lock.
	found, lookupErr := s.lookup(ctx, d.RecordName())
	proven := lookupErr == nil && matches(found, d.RecordValue())

	now := s.now()
	var out *Domain
	var outcome error
	err = s.write(ctx, "verify domain", func(w store.Writer) error {
		r, err := w.GetDomain(ctx, projectID, d.ID)
		if err != nil {
			return store.NotFoundAs(err, "domain")
		}
		cur := fromRecord(r)
		out = cur
		if cur.Status == StatusVerified {
			// A concurrent Verify of the same claim succeeded.
			return nil
		}
		before := cur.snapshot()
		cur.LastCheckedAt, cur.UpdatedAt = &now, now
		typ := "domain.verification_failed"
		other, err := w.GetVerifiedDomainByName(ctx, projectID, cur.Name)
		switch {
		case err == nil && other.ID != cur.ID:
			outcome = takenErr(cur.Name)
			cur.LastError = "another organization of this project has already verified " + cur.Name
		case err != nil && !errors.Is(err, store.ErrNotFound):
			return err
		case proven:
			typ = "domain.verified"
			cur.Status, cur.VerifiedAt, cur.LastError = StatusVerified, &now, ""
		default:
			cur.LastError = describeLookup(cur.RecordName(), found, lookupErr)
			outcome = fault.NewFailedPrecondition(CodeDomainNotVerified, cur.Name+" is not verified: "+cur.LastError)
		}
		rec := cur.record()
		if err := w.UpdateDomainCheck(ctx, rec); err != nil {
			if errors.Is(err, store.ErrConflict) {
				// Another organization's Verify committed first (the
				// database's one-verified-per-project index said so).
				return takenErr(cur.Name)
			}
			return store.NotFoundAs(err, "domain")
		}
		*cur = *fromRecord(rec)
		return w.InsertAuditEvent(ctx, event(now, cur, actor, typ, before, cur.snapshot()))
	})
	if err != nil {
		return nil, err
	}
	return out, outcome
}

// lookup asks the resolver for the TXT values at name, within the lookup
// timeout.
func (s *Service) lookup(ctx context.Context, name string) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	found, err := s.res.LookupTXT(ctx, name)
	if err != nil {
		s.log.Debug("domain TXT lookup failed", "name", name, "err", err)
	}
	return found, err
}
