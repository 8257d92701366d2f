package domain_test

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

func TestVerifyFindsTheRecord(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		p, acme, _ := e.project("Acme")
		d := e.add(p, acme, "  Example.COM. ")
		if d.Name != "example.com" || d.Status != domain.StatusPending || d.VerifiedAt != nil {
			t.Fatalf("added %+v, want pending example.com", d)
		}
		if d.RecordName() != "_gatehouse-challenge.example.com" {
			t.Fatalf("record name %q", d.RecordName())
		}
		if want := "gatehouse-domain-verification="; !strings.HasPrefix(d.RecordValue(), want) || len(d.Token) != 52 {
			t.Fatalf("record value %q (token %d chars), want %s + 52 characters", d.RecordValue(), len(d.Token), want)
		}
		// DNS consoles often show values quoted; other TXT records share the name.
		e.dns.SetTXT(d.RecordName(), "v=spf1 -all", ` "`+d.RecordValue()+`" `)
		got := e.verify(d)
		if got.Status != domain.StatusVerified || got.VerifiedAt == nil || got.LastCheckedAt == nil || got.LastError != "" {
			t.Fatalf("after verify: %+v", got)
		}
		if stored := e.get(d); stored.Status != domain.StatusVerified || !stored.VerifiedAt.Equal(*got.VerifiedAt) {
			t.Fatalf("stored: %+v", stored)
		}
		// Verified stays verified, even once the record is gone.
		e.dns.Remove(d.RecordName())
		if again := e.verify(d); again.Status != domain.StatusVerified || !again.VerifiedAt.Equal(*got.VerifiedAt) {
			t.Fatalf("verified again: %+v", again)
		}
		if ev := e.events(p, d); !slices.Equal(ev, []string{"domain.created", "domain.verified"}) {
			t.Fatalf("audit events %v", ev)
		}
	})
}

func TestVerifyRefusesWrongValue(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		p, acme, other := e.project("Acme")
		d := e.add(p, acme, "example.com")
		// Another organization's claim publishes its own token; it proves
		// nothing for this one.
		rival := e.add(p, other, "example.com")
		e.dns.SetTXT(d.RecordName(), rival.RecordValue(), "gatehouse-domain-verification=guess")
		got, err := e.svc.Verify(e.ctx, admin, p, string(d.ID))
		wantFault(t, err, fault.FailedPrecondition, domain.CodeDomainNotVerified, "verify with the wrong value")
		if got == nil || got.Status != domain.StatusPending || got.LastCheckedAt == nil || !strings.Contains(got.LastError, "gatehouse-domain-verification=guess") {
			t.Fatalf("returned domain %+v, want pending with the values found", got)
		}
		if !strings.Contains(fault.From(err).Message, "do not contain the expected value") {
			t.Fatalf("message %q does not say what is wrong", fault.From(err).Message)
		}
		stored := e.get(d)
		if stored.Status != domain.StatusPending || stored.LastError != got.LastError || !stored.LastCheckedAt.Equal(*got.LastCheckedAt) {
			t.Fatalf("stored after a failed check: %+v", stored)
		}
		// Baseline: the right value verifies, and clears the error.
		e.publish(d)
		if ok := e.verify(d); ok.Status != domain.StatusVerified || ok.LastError != "" {
			t.Fatalf("after publishing the right value: %+v", ok)
		}
		if ev := e.events(p, d); !slices.Equal(ev, []string{"domain.created", "domain.verification_failed", "domain.verified"}) {
			t.Fatalf("audit events %v", ev)
		}
	})
}

func TestVerifyMissingRecord(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		p, acme, _ := e.project("Acme")
		d := e.add(p, acme, "example.com")
		_, err := e.svc.Verify(e.ctx, admin, p, string(d.ID))
		wantFault(t, err, fault.FailedPrecondition, domain.CodeDomainNotVerified, "verify without a record")
		if s := e.get(d); !strings.Contains(s.LastError, "NXDOMAIN") || !strings.Contains(s.LastError, d.RecordName()) {
			t.Fatalf("last error %q should name the record and say it does not exist", s.LastError)
		}
		// The name exists but holds no TXT record.
		e.dns.SetTXT(d.RecordName())
		_, err = e.svc.Verify(e.ctx, admin, p, string(d.ID))
		wantFault(t, err, fault.FailedPrecondition, domain.CodeDomainNotVerified, "verify with no TXT record")
		if s := e.get(d); !strings.Contains(s.LastError, "no TXT record") {
			t.Fatalf("last error %q", s.LastError)
		}
	})
}

func TestVerifyTimeout(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t), domain.WithLookupTimeout(300*time.Millisecond))
	p, acme, _ := e.project("Acme")
	d := e.add(p, acme, "example.com")
	e.dns.SetSilent(d.RecordName())
	_, err := e.svc.Verify(e.ctx, admin, p, string(d.ID))
	wantFault(t, err, fault.FailedPrecondition, domain.CodeDomainNotVerified, "verify against a silent server")
	if s := e.get(d); !strings.Contains(s.LastError, "timed out") {
		t.Fatalf("last error %q should say the lookup timed out", s.LastError)
	}
}

func TestPublicProvidersRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t))
	p, acme, _ := e.project("Acme")
	for _, name := range []string{"gmail.com", "GMail.com.", "googlemail.com", "outlook.com", "hotmail.co.uk", "yahoo.co.jp", "icloud.com", "proton.me", "gmx.de", "gmx.net", "yandex.com.tr", "mail.ru", "qq.com", "163.com", "eu.gmail.com"} {
		_, err := e.svc.Add(e.ctx, admin, p, string(acme.ID), name)
		wantFault(t, err, fault.Invalid, domain.CodePublicEmailDomain, "add "+name)
	}
	// Baseline: names that merely resemble a provider's are anyone's to claim.
	for _, name := range []string{"gmail-team.com", "acme-yahoo.com", "gmx-partners.com", "mymail.ru"} {
		e.add(p, acme, name)
	}
	list, err := e.svc.List(e.ctx, p, string(acme.ID), store.Page{})
	if err != nil || len(list) != 4 {
		t.Fatalf("list: %d domains, %v; want only the 4 accepted ones", len(list), err)
	}
}

func TestDomainTakenAcrossOrganizations(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		p, acme, rival := e.project("Acme")
		third := e.org(p, "Third")
		// Pending claims may coexist.
		mine := e.add(p, acme, "example.com")
		theirs := e.add(p, rival, "example.com")
		// The DNS owner published both tokens; the first to verify wins.
		e.dns.SetTXT(mine.RecordName(), mine.RecordValue(), theirs.RecordValue())
		e.verify(mine)

		got, err := e.svc.Verify(e.ctx, admin, p, string(theirs.ID))
		wantFault(t, err, fault.Conflict, domain.CodeDomainTaken, "verify a name another organization verified")
		if got == nil || got.Status != domain.StatusPending || !strings.Contains(got.LastError, "already verified") {
			t.Fatalf("rival's claim after verify: %+v", got)
		}
		if s := e.get(theirs); s.Status != domain.StatusPending || s.LastCheckedAt == nil {
			t.Fatalf("rival's stored claim: %+v", s)
		}
		_, err = e.svc.Add(e.ctx, admin, p, string(third.ID), "EXAMPLE.com")
		wantFault(t, err, fault.Conflict, domain.CodeDomainTaken, "claim a verified name")
		_, err = e.svc.Add(e.ctx, admin, p, string(rival.ID), "example.com")
		wantFault(t, err, fault.Conflict, domain.CodeDomainExists, "claim the same name twice")
		_, err = e.svc.Add(e.ctx, admin, p, string(acme.ID), "example.com.")
		wantFault(t, err, fault.Conflict, domain.CodeDomainExists, "the verifier claims it again")

		// Deleting the verified claim frees the name.
		if err := e.svc.Delete(e.ctx, admin, p, string(mine.ID)); err != nil {
			t.Fatalf("delete: %v", err)
		}
		if v := e.verify(theirs); v.Status != domain.StatusVerified {
			t.Fatalf("rival after the name was freed: %+v", v)
		}
		if ev := e.events(p, mine); !slices.Equal(ev, []string{"domain.created", "domain.verified", "domain.deleted"}) {
			t.Fatalf("audit events %v", ev)
		}
		_, err = e.svc.Get(e.ctx, p, string(mine.ID))
		wantFault(t, err, fault.NotFound, fault.CodeNotFound, "get a deleted domain")
	})
}

func TestOtherProjectIsolation(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		pa, acme, _ := e.project("Project A")
		pb, bOrg, _ := e.project("Project B")
		d := e.add(pa, acme, "example.com")
		e.publish(d)
		before := e.get(d)

		_, err := e.svc.Get(e.ctx, pb, string(d.ID))
		wantFault(t, err, fault.NotFound, fault.CodeNotFound, "get from another project")
		_, err = e.svc.Verify(e.ctx, admin, pb, string(d.ID))
		wantFault(t, err, fault.NotFound, fault.CodeNotFound, "verify from another project")
		err = e.svc.Delete(e.ctx, admin, pb, string(d.ID))
		wantFault(t, err, fault.NotFound, fault.CodeNotFound, "delete from another project")
		_, err = e.svc.Add(e.ctx, admin, pb, string(acme.ID), "acme-b.example")
		wantFault(t, err, fault.NotFound, fault.CodeNotFound, "claim for another project's organization")
		for _, orgID := range []string{"", string(acme.ID)} {
			list, err := e.svc.List(e.ctx, pb, orgID, store.Page{})
			if err != nil || len(list) != 0 {
				t.Fatalf("B lists %d domains (org %q), %v; want none", len(list), orgID, err)
			}
		}
		if after := e.get(d); after.Status != domain.StatusPending || !after.UpdatedAt.Equal(before.UpdatedAt) || after.LastCheckedAt != nil {
			t.Fatalf("A's domain changed by B: %+v", after)
		}

		// Projects are independent: B's organization proves the same name
		// for itself while A's is verified too.
		e.verify(d)
		theirs := e.add(pb, bOrg, "example.com")
		e.dns.SetTXT(d.RecordName(), d.RecordValue(), theirs.RecordValue())
		if v := e.verify(theirs); v.Status != domain.StatusVerified {
			t.Fatalf("B's claim: %+v", v)
		}
		if ev := e.events(pb, d); len(ev) != 0 {
			t.Fatalf("B's audit log shows A's domain: %v", ev)
		}
	})
}

func TestGetUnknownAndMalformed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t))
	p, acme, _ := e.project("Acme")
	for _, ref := range []string{"", "nope", string(id.New[id.Domain](time.Now())), string(acme.ID)} {
		_, err := e.svc.Get(e.ctx, p, ref)
		wantFault(t, err, fault.NotFound, fault.CodeNotFound, "get "+ref)
		_, err = e.svc.Verify(e.ctx, admin, p, ref)
		wantFault(t, err, fault.NotFound, fault.CodeNotFound, "verify "+ref)
	}
	_, err := e.svc.Add(e.ctx, admin, p, "org_nope", "example.com")
	wantFault(t, err, fault.NotFound, fault.CodeNotFound, "add to a malformed organization")
	_, err = e.svc.Add(e.ctx, admin, p, string(acme.ID), "not a domain")
	wantFault(t, err, fault.Invalid, fault.CodeInvalidRequest, "add a malformed name")
}

// TestConcurrentVerifyOneWinner races several organizations' verifications
// of one name, every proof published: exactly one may win, whichever
// transaction commits first, and the others are told the name is taken.
func TestConcurrentVerifyOneWinner(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		p, first, second := e.project("Acme")
		claims := []*domain.Domain{e.add(p, first, "example.com"), e.add(p, second, "example.com")}
		for i := range 4 {
			claims = append(claims, e.add(p, e.org(p, "Org "+string(rune('a'+i))), "example.com"))
		}
		var values []string
		for _, d := range claims {
			values = append(values, d.RecordValue())
		}
		e.dns.SetTXT(claims[0].RecordName(), values...)

		errs := make([]error, len(claims))
		var wg sync.WaitGroup
		for i, d := range claims {
			wg.Go(func() { _, errs[i] = e.svc.Verify(e.ctx, admin, p, string(d.ID)) })
		}
		wg.Wait()
		won := 0
		for i, err := range errs {
			if err == nil {
				won++
				continue
			}
			wantFault(t, err, fault.Conflict, domain.CodeDomainTaken, "losing verification "+string(claims[i].OrgID))
		}
		if won != 1 {
			t.Fatalf("%d organizations verified example.com, want exactly 1", won)
		}
		verified := 0
		for _, d := range claims {
			if e.get(d).Status == domain.StatusVerified {
				verified++
			}
		}
		if verified != 1 {
			t.Fatalf("%d verified claims stored, want 1", verified)
		}
	})
}
