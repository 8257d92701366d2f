package domain

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
)

// Each check may hold a DNS lookup open for up to LookupTimeout and makes
// Gatehouse query a name its caller chose, so checks are limited: enough
// for an admin waiting on a record to appear, not enough to keep many
// lookups open at once or to use Gatehouse against a DNS server. Treat
// these as constants.
var (
	// VerifyPerDomain: checks of one domain claim (key: the domain ID).
	VerifyPerDomain = throttle.Rule{Name: "domain_verify", Limit: 10, Window: 10 * time.Minute}
	// VerifyPerOrg: checks of all the domain claims of one organization
	// (key: the organization ID).
	VerifyPerOrg = throttle.Rule{Name: "domain_verify_org", Limit: 60, Window: time.Hour}
)

// allowCheck counts a check of d against its own budget and its
// organization's, before any DNS lookup. The count runs in a transaction of
// its own.
func (s *Service) allowCheck(ctx context.Context, d *Domain) error {
	if s.limiter == nil {
		return nil
	}
	dec, err := s.limiter.AllowAll(ctx, d.ProjectID,
		throttle.Limit{Rule: VerifyPerDomain, Key: string(d.ID)},
		throttle.Limit{Rule: VerifyPerOrg, Key: string(d.OrgID)})
	if err != nil {
		return s.classify("verify domain", err)
	}
	if !dec.Allowed {
		return fault.NewThrottled(fmt.Sprintf("domains have been checked too often recently (at most %d checks of a domain per %d minutes, %d per organization an hour); try again in %s",
			VerifyPerDomain.Limit, int(VerifyPerDomain.Window/time.Minute), VerifyPerOrg.Limit, fault.WaitText(dec.RetryAfter)), dec.RetryAfter)
	}
	return nil
}
