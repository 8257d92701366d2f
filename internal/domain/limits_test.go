package domain_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
)

// check verifies d, expecting the record not to be there yet.
func (e *env) check(d *domain.Domain) {
	e.t.Helper()
	_, err := e.svc.Verify(e.ctx, admin, d.ProjectID, string(d.ID))
	wantFault(e.t, err, fault.FailedPrecondition, domain.CodeDomainNotVerified, "check of "+d.Name)
}

// wantThrottled checks d once more and fails unless it is refused as
// throttled before any DNS query, with the domain's last check unchanged.
func (e *env) wantThrottled(d *domain.Domain, window time.Duration, what string) {
	e.t.Helper()
	before, queries := e.get(d), e.dns.Queries(d.RecordName())
	e.clock.Advance(time.Second)
	_, err := e.svc.Verify(e.ctx, admin, d.ProjectID, string(d.ID))
	wantFault(e.t, err, fault.Throttled, fault.CodeThrottled, what)
	fe, _ := fault.As(err)
	if fe.Kind.HTTPStatus() != http.StatusTooManyRequests || fe.RetryAfter <= 0 || fe.RetryAfter > window {
		e.t.Fatalf("%s: status %d, retry after %v", what, fe.Kind.HTTPStatus(), fe.RetryAfter)
	}
	if n := e.dns.Queries(d.RecordName()); n != queries {
		e.t.Fatalf("%s: the DNS server was asked %d more times", what, n-queries)
	}
	after := e.get(d)
	if !after.LastCheckedAt.Equal(*before.LastCheckedAt) || !after.UpdatedAt.Equal(before.UpdatedAt) || after.Status != before.Status {
		e.t.Fatalf("%s: the domain changed: %+v, was %+v", what, after, before)
	}
}

func TestVerifyLimitPerDomain(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		p, acme, globex := e.project("Acme")
		d := e.add(p, acme, "acme.example")
		for range domain.VerifyPerDomain.Limit {
			e.check(d)
		}
		if n := e.dns.Queries(d.RecordName()); n < domain.VerifyPerDomain.Limit {
			t.Fatalf("baseline: %d DNS queries for %d checks", n, domain.VerifyPerDomain.Limit)
		}
		e.wantThrottled(d, domain.VerifyPerDomain.Window, "one check too many")
		// Publishing the record does not buy another check in the window.
		e.publish(d)
		e.wantThrottled(d, domain.VerifyPerDomain.Window, "a check after publishing")

		// Another domain of the organization, another organization's claim
		// and the same name in another project are checked as usual.
		other := e.add(p, acme, "acme-two.example")
		e.publish(other)
		if got := e.verify(other); got.Status != domain.StatusVerified {
			t.Fatalf("another domain: %+v", got)
		}
		e.check(e.add(p, globex, "globex.example"))
		q, qacme, _ := e.project("Elsewhere")
		e.check(e.add(q, qacme, "acme.example"))

		// Once the window is over, the domain is checked again.
		e.clock.Advance(domain.VerifyPerDomain.Window)
		if got := e.verify(d); got.Status != domain.StatusVerified {
			t.Fatalf("after the window: %+v", got)
		}
	})
}

func TestVerifyLimitPerOrganization(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		p, acme, globex := e.project("Acme")
		per := domain.VerifyPerDomain.Limit
		n := (domain.VerifyPerOrg.Limit + per - 1) / per
		var claims []*domain.Domain
		for i := range n + 1 {
			claims = append(claims, e.add(p, acme, fmt.Sprintf("d%d.acme.example", i)))
		}
		checked := 0
		for _, d := range claims[:n] {
			for range per {
				if checked == domain.VerifyPerOrg.Limit {
					break
				}
				e.check(d)
				checked++
			}
		}
		// The last claim has never been checked: there is no last check to
		// compare, so only the refusal and the silent DNS server count.
		last := claims[n]
		queries := e.dns.Queries(last.RecordName())
		_, err := e.svc.Verify(e.ctx, admin, p, string(last.ID))
		wantFault(t, err, fault.Throttled, fault.CodeThrottled, "a check over the organization's limit")
		if e.dns.Queries(last.RecordName()) != queries || e.get(last).LastCheckedAt != nil {
			t.Fatalf("a refused check asked the DNS server or was recorded")
		}
		// Another organization of the project is unaffected.
		e.check(e.add(p, globex, "globex.example"))
	})
}
