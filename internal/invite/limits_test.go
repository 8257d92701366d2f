package invite_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
)

// resend resends inv and fails the test if it is refused.
func (e *env) resend(p id.Project, inv *invite.Invite) *invite.Invite {
	e.t.Helper()
	got, err := e.svc.Resend(e.ctx, admin, p, string(inv.ID))
	if err != nil {
		e.t.Fatalf("resend %s: %v", inv.ID, err)
	}
	return got
}

// wantThrottled fails unless err is the throttled fault with a wait of at
// most window, and checks that nothing about inv changed and no email left.
func (e *env) wantThrottled(err error, p id.Project, inv *invite.Invite, mails int, window time.Duration, what string) {
	e.t.Helper()
	fe := wantFault(e.t, err, fault.Throttled, fault.CodeThrottled, what)
	if fe.Kind.HTTPStatus() != http.StatusTooManyRequests || fe.RetryAfter <= 0 || fe.RetryAfter > window {
		e.t.Fatalf("%s: status %d, retry after %v", what, fe.Kind.HTTPStatus(), fe.RetryAfter)
	}
	if n := e.mails(p); n != mails {
		e.t.Fatalf("%s: %d emails, want %d (a refused resend sent one)", what, n, mails)
	}
	if got := e.get(p, inv.ID); got.SendCount != inv.SendCount || !got.LastSentAt.Equal(inv.LastSentAt) {
		e.t.Fatalf("%s: the invite changed: %+v, was %+v", what, got, inv)
	}
}

func TestResendLimitPerInvite(t *testing.T) {
	t.Parallel()
	engines(t, func(e *env) {
		a, b := e.tenant("A"), e.tenant("B")
		inv, _ := e.create(a.id, a.org, "ann@example.com", "")
		for range invite.ResendPerInvite.Limit {
			e.clk.Advance(time.Minute)
			inv = e.resend(a.id, inv)
		}
		mails := e.mails(a.id)
		e.clk.Advance(time.Minute)
		_, err := e.svc.Resend(e.ctx, admin, a.id, string(inv.ID))
		e.wantThrottled(err, a.id, inv, mails, invite.ResendPerInvite.Window, "one resend too many")
		if n := len(e.events(a.id, "invite.resent")); n != invite.ResendPerInvite.Limit {
			t.Fatalf("%d invite.resent events, want %d", n, invite.ResendPerInvite.Limit)
		}

		// Another invite of the organization, and an invite of another
		// project, are resent as usual.
		other, _ := e.create(a.id, a.org, "bob@example.com", "")
		e.resend(a.id, other)
		elsewhere, _ := e.create(b.id, b.org, "ann@example.com", "")
		e.resend(b.id, elsewhere)

		// Once the hour that opened with the first resend is over, the
		// invite can be resent again.
		e.clk.Advance(invite.ResendPerInvite.Window)
		if got := e.resend(a.id, inv); got.SendCount != inv.SendCount+1 {
			t.Fatalf("resend after the window: %+v", got)
		}
	})
}

func TestResendLimitPerOrganization(t *testing.T) {
	t.Parallel()
	engines(t, func(e *env) {
		a := e.tenant("A")
		per := invite.ResendPerInvite.Limit
		n := (invite.ResendPerOrg.Limit + per - 1) / per
		var invs []*invite.Invite
		for i := range n + 1 {
			inv, _ := e.create(a.id, a.org2, fmt.Sprintf("person%d@example.com", i), "")
			invs = append(invs, inv)
		}
		sent := 0
		for _, inv := range invs[:n] {
			for range per {
				if sent == invite.ResendPerOrg.Limit {
					break
				}
				e.resend(a.id, inv)
				sent++
			}
		}
		// The last invite has not been resent yet, but its organization has
		// used up its resends.
		last, mails := invs[n], e.mails(a.id)
		_, err := e.svc.Resend(e.ctx, admin, a.id, string(last.ID))
		e.wantThrottled(err, a.id, last, mails, invite.ResendPerOrg.Window, "a resend over the organization's limit")

		// The other organization of the project is unaffected.
		other, _ := e.create(a.id, a.org, "someone@example.com", "")
		e.resend(a.id, other)
	})
}

// TestInvitationsToOneAddressAreLimited: revoking and inviting again makes
// a new invitation each time, yet one address gets at most SendsPerAddress
// invitation emails an hour from one organization; another address, and
// the same address from another organization, are invited as usual.
func TestInvitationsToOneAddressAreLimited(t *testing.T) {
	t.Parallel()
	engines(t, func(e *env) {
		a := e.tenant("A")
		sent := 0
		for sent < invite.SendsPerAddress.Limit {
			inv, _ := e.create(a.id, a.org, "ann@example.com", "")
			sent++
			if _, err := e.svc.Revoke(e.ctx, admin, a.id, string(inv.ID)); err != nil {
				t.Fatal(err)
			}
			e.clk.Advance(time.Minute)
		}
		mails := e.mails(a.id)
		_, err := e.svc.Create(e.ctx, admin, a.id, invite.Input{OrgID: string(a.org.ID), Email: "ann@example.com"})
		wantFault(t, err, fault.Throttled, fault.CodeThrottled, "one invitation too many to one address")
		if n := e.mails(a.id); n != mails {
			t.Fatalf("a refused invitation sent an email (%d, was %d)", n, mails)
		}
		if n := len(e.events(a.id, "invite.created")); n != sent {
			t.Fatalf("%d invite.created events, want %d", n, sent)
		}
		e.create(a.id, a.org, "bob@example.com", "")
		e.create(a.id, a.org2, "ann@example.com", "")
	})
}

// TestRefusedResendsAreNotCounted: resending an invite that is no longer
// pending is refused for that reason and does not use up the budget.
func TestRefusedResendsAreNotCounted(t *testing.T) {
	t.Parallel()
	engines(t, func(e *env) {
		a := e.tenant("A")
		gone, _ := e.create(a.id, a.org, "gone@example.com", "")
		if _, err := e.svc.Revoke(e.ctx, admin, a.id, string(gone.ID)); err != nil {
			t.Fatal(err)
		}
		for range invite.ResendPerOrg.Limit + 1 {
			_, err := e.svc.Resend(e.ctx, admin, a.id, string(gone.ID))
			wantFault(t, err, fault.Conflict, invite.CodeNotPending, "resending a revoked invite")
		}
		inv, _ := e.create(a.id, a.org, "ann@example.com", "")
		e.resend(a.id, inv)
	})
}
