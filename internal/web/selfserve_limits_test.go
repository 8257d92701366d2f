package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// An admin who resends an invitation too often is told why and how long to
// wait, with 429, and no email leaves.
func TestSelfServeResendThrottled(t *testing.T) {
	t.Parallel()
	e := newSSEnv(t)
	b, _ := e.signIn(e.user("owner@southwest.test"))
	r := b.get(e.path("/org/invites"))
	r = b.submit(r, "invite-submit", map[string]string{"email": "new.hire@southwest.test", "role": "member"})
	invs, err := e.invites.List(e.ctx, e.project.ID, invite.Filter{OrgID: e.org.ID}, store.Page{Limit: 10})
	if err != nil || len(invs) != 1 {
		t.Fatalf("invites: %v %v", invs, err)
	}
	resend := "resend-" + string(invs[0].ID)
	for i := range invite.ResendPerInvite.Limit {
		if r = b.submit(r, resend, nil); r.Status != http.StatusOK || r.Doc.byID("notice") == nil {
			t.Fatalf("resend %d: %d\n%s", i+1, r.Status, r.Body)
		}
	}
	sent, _ := e.outbox.Inbox(e.ctx, e.project.ID, 100)
	r = b.submit(r, resend, nil)
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "resent too often") || !strings.Contains(r.Body, "try again in") {
		t.Fatalf("one resend too many: %d\n%s", r.Status, r.Body)
	}
	if after, _ := e.outbox.Inbox(e.ctx, e.project.ID, 100); len(after) != len(sent) {
		t.Fatalf("a refused resend sent an email (%d, was %d)", len(after), len(sent))
	}
}

// An admin who checks a domain too often is told why, and the DNS server is
// not asked.
func TestSelfServeVerifyThrottled(t *testing.T) {
	t.Parallel()
	e := newSSEnv(t)
	b, _ := e.signIn(e.user("owner@southwest.test"))
	r := b.get(e.path("/org/domains"))
	r = b.submit(r, "domain-submit", map[string]string{"domain": "southwest.test"})
	ds, err := e.domains.List(e.ctx, e.project.ID, string(e.org.ID), store.Page{Limit: 10})
	if err != nil || len(ds) != 1 {
		t.Fatalf("domains: %v %v", ds, err)
	}
	d := ds[0]
	for i := range domain.VerifyPerDomain.Limit {
		if r = b.submit(r, "verify-"+string(d.ID), nil); r.Status != http.StatusOK {
			t.Fatalf("check %d: %d\n%s", i+1, r.Status, r.Body)
		}
	}
	queries := e.dns.Queries(d.RecordName())
	r = b.submit(r, "verify-"+string(d.ID), nil)
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "checked too often") {
		t.Fatalf("one check too many: %d\n%s", r.Status, r.Body)
	}
	if e.dns.Queries(d.RecordName()) != queries {
		t.Fatal("a refused check asked the DNS server")
	}
}

// The console shows a throttled check the same way: 429 and the reason at
// the top of the organization's page.
func TestConsoleVerifyThrottled(t *testing.T) {
	t.Parallel()
	e := newConsoleEnv(t)
	staff, b := e.staff("ops@vendor.example")
	orgs := b.get(e.base() + "/projects/" + string(e.acme.ID) + "/orgs")
	r := b.submit(orgs, "create-org", map[string]string{"name": "Southwest"})
	r = b.submit(r, "domain-submit", map[string]string{"domain": "southwest.example"})
	os, _ := e.ten.ListOrganizations(e.t.Context(), e.acme.ID, store.Page{})
	if len(os) != 1 {
		t.Fatalf("organizations: %d", len(os))
	}
	ds, err := e.con.ListDomains(e.t.Context(), mustStaff(t, e, staff.ID), e.acme.ID, string(os[0].ID))
	if err != nil || len(ds) != 1 {
		t.Fatalf("domains: %v, %v", ds, err)
	}
	d := ds[0]
	for i := range domain.VerifyPerDomain.Limit {
		if r = b.submit(r, "verify-"+string(d.ID), nil); r.Status == http.StatusTooManyRequests {
			t.Fatalf("check %d refused:\n%s", i+1, r.Body)
		}
	}
	queries := e.dns.Queries(d.RecordName())
	r = b.submit(r, "verify-"+string(d.ID), nil)
	if r.Status != http.StatusTooManyRequests || !strings.Contains(r.Body, "checked too often") {
		t.Fatalf("one check too many: %d\n%s", r.Status, r.Body)
	}
	if e.dns.Queries(d.RecordName()) != queries {
		t.Fatal("a refused check asked the DNS server")
	}
}
