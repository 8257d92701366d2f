package invite_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

func TestCreateEmailsTheLink(t *testing.T) {
	t.Parallel()
	engines(t, func(e *env) {
		a := e.tenant("Acme")
		start := e.clk.Now()
		inv, err := e.svc.Create(e.ctx, admin, a.id, invite.Input{OrgID: string(a.org.ID), Email: "  Ann.Lee@Example.COM "})
		if err != nil {
			t.Fatal(err)
		}
		if inv.Email != "ann.lee@example.com" || inv.RoleKey != "member" || inv.Status != invite.StatusPending ||
			inv.OrgID != a.org.ID || inv.ProjectID != a.id || inv.SendCount != 1 || inv.InvitedBy != admin {
			t.Fatalf("created invite %+v", inv)
		}
		if !inv.ExpiresAt.Equal(start.Add(7*24*time.Hour)) || !inv.LastSentAt.Equal(start) {
			t.Fatalf("expires %v, last sent %v; want a week after %v", inv.ExpiresAt, inv.LastSentAt, start)
		}

		m := e.lastMail(a.id, "ann.lee@example.com")
		token := e.lastToken(a.id, "ann.lee@example.com")
		if m.Subject != "You're invited to join Acme customer on Acme" {
			t.Fatalf("subject %q", m.Subject)
		}
		for _, part := range []struct{ name, body string }{{"text", m.Text}, {"HTML", m.HTML}} {
			contains(t, part.body, "Acme invited you to join", part.name)
			contains(t, part.body, "with the role", part.name)
			contains(t, part.body, "Member", part.name)
			contains(t, part.body, "expires in 7 days, on 13 May 2026 at 07:08 UTC", part.name)
			contains(t, part.body, "/p/"+string(a.id)+"/invite/"+token, part.name)
		}

		// The link's token finds the invite; the stored row never holds it.
		got, err := e.svc.FindByToken(e.ctx, a.id, token)
		if err != nil || got.ID != inv.ID {
			t.Fatalf("FindByToken: %+v, %v", got, err)
		}
		evs := e.events(a.id, "invite.created")
		if len(evs) != 1 || evs[0].ResourceID != string(inv.ID) || evs[0].OrganizationID != a.org.ID || evs[0].Actor != admin {
			t.Fatalf("invite.created events: %+v", evs)
		}
		if strings.Contains(string(evs[0].Details), token) || strings.Contains(string(evs[0].Details), "gh_inv_") {
			t.Fatalf("audit details show the token: %s", evs[0].Details)
		}
		var details struct{ After map[string]any }
		if err := json.Unmarshal(evs[0].Details, &details); err != nil || details.After["email"] != "ann.lee@example.com" || details.After["role"] != "member" {
			t.Fatalf("audit details %s", evs[0].Details)
		}
	})
}

// Names in the email come from people who can choose them; the HTML part
// escapes them, and an inviting member is named with their email.
func TestEmailEscapesNamesAndNamesTheInviter(t *testing.T) {
	t.Parallel()
	engines(t, func(e *env) {
		a := e.tenant("Acme")
		o := e.org(a.id, `Bob's <b>"Tools"</b> & Co`)
		inviter := e.user(a.id, o, "owner@example.com", "Olivia <Owner>")
		inv, err := e.svc.Create(e.ctx, audit.Actor{Type: audit.ActorUser, ID: string(inviter.ID)}, a.id,
			invite.Input{OrgID: string(o.ID), Email: "new@example.com", RoleKey: "admin"})
		if err != nil {
			t.Fatal(err)
		}
		m := e.lastMail(a.id, "new@example.com")
		contains(t, m.HTML, "Bob&#39;s &lt;b&gt;&#34;Tools&#34;&lt;/b&gt; &amp; Co", "HTML")
		contains(t, m.HTML, "Olivia &lt;Owner&gt; (owner@example.com) invited you", "HTML")
		if strings.Contains(m.HTML, "<b>") || strings.Contains(m.HTML, "<Owner>") {
			t.Fatalf("HTML carries markup from names:\n%s", m.HTML)
		}
		contains(t, m.Text, `Olivia <Owner> (owner@example.com) invited you to join Bob's <b>"Tools"</b> & Co`, "text")
		contains(t, m.Text, "with the role Admin.", "text")
		if inv.RoleKey != "admin" {
			t.Fatalf("role %q", inv.RoleKey)
		}
	})
}

func TestCreateRefusals(t *testing.T) {
	t.Parallel()
	engines(t, func(e *env) {
		a, b := e.tenant("A"), e.tenant("B")
		e.user(a.id, a.org, "member@example.com", "")
		gone := e.user(a.id, a.org, "gone@example.com", "")
		off := "deactivated"
		if _, err := e.tenants.UpdateUser(e.ctx, admin, a.id, string(gone.ID), tenancy.UserUpdate{Status: &off}); err != nil {
			t.Fatal(err)
		}
		custom, err := e.tenants.CreateRole(e.ctx, admin, a.id, tenancy.RoleInput{OrganizationID: string(a.org.ID), Key: "auditor", Name: "Auditor"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.tenants.CreateRole(e.ctx, admin, a.id, tenancy.RoleInput{OrganizationID: string(a.org2.ID), Key: "elsewhere", Name: "Elsewhere"}); err != nil {
			t.Fatal(err)
		}
		e.create(a.id, a.org, "pending@example.com", "")

		create := func(orgID, email, role string) error {
			_, err := e.svc.Create(e.ctx, admin, a.id, invite.Input{OrgID: orgID, Email: email, RoleKey: role})
			return err
		}
		// Baselines: the same addresses elsewhere, and the organization's own custom role.
		for _, email := range []string{"member@example.com", "gone@example.com", "pending@example.com"} {
			if err := create(string(a.org2.ID), email, ""); err != nil {
				t.Fatalf("invite %s to the other organization: %v", email, err)
			}
		}
		inv, err := e.svc.Create(e.ctx, admin, a.id, invite.Input{OrgID: string(a.org.ID), Email: "auditor@example.com", RoleKey: "auditor"})
		if err != nil || inv.RoleID != custom.ID {
			t.Fatalf("invite with the organization's custom role: %+v, %v", inv, err)
		}
		mailsBefore := e.mails(a.id)

		fe := wantFault(t, create(string(a.org.ID), "MEMBER@example.com", ""), fault.Conflict, invite.CodeAlreadyMember, "inviting a member")
		contains(t, fe.Message, "already has an account", "already_member message")
		wantFault(t, create(string(a.org.ID), "gone@example.com", ""), fault.Conflict, invite.CodeAlreadyMember, "inviting a deactivated member")
		fe = wantFault(t, create(string(a.org.ID), "pending@example.com", "admin"), fault.Conflict, invite.CodeInviteExists, "a second pending invite")
		contains(t, fe.Message, "resend it instead", "invite_exists message")
		fe = wantFault(t, create(string(a.org.ID), "x@example.com", "nope"), fault.Invalid, fault.CodeInvalidRequest, "an unknown role")
		if len(fe.Fields) != 1 || fe.Fields[0].Field != "role" {
			t.Fatalf("unknown role fields: %+v", fe.Fields)
		}
		wantFault(t, create(string(a.org.ID), "x@example.com", "elsewhere"), fault.Invalid, fault.CodeInvalidRequest, "another organization's custom role")
		wantFault(t, create(string(a.org.ID), "not an email", ""), fault.Invalid, fault.CodeInvalidRequest, "a malformed email")
		wantFault(t, create("", "x@example.com", ""), fault.Invalid, fault.CodeInvalidRequest, "no organization")
		wantFault(t, create(string(b.org.ID), "x@example.com", ""), fault.NotFound, fault.CodeNotFound, "another project's organization")
		wantFault(t, create("org_bogus", "x@example.com", ""), fault.NotFound, fault.CodeNotFound, "a malformed organization ID")
		wantFault(t, create(string(id.New[id.Org](time.Now())), "x@example.com", ""), fault.NotFound, fault.CodeNotFound, "an unknown organization")

		if n := e.mails(a.id); n != mailsBefore {
			t.Fatalf("refused invites sent %d emails", n-mailsBefore)
		}
		if n := e.mails(b.id); n != 0 {
			t.Fatalf("project B got %d emails", n)
		}
	})
}

func TestExpiry(t *testing.T) {
	t.Parallel()
	engines(t, func(e *env) {
		a := e.tenant("A")
		inv, token := e.create(a.id, a.org, "late@example.com", "")
		e.clk.Advance(7*24*time.Hour - time.Second)
		if _, err := e.svc.FindByToken(e.ctx, a.id, token); err != nil {
			t.Fatalf("a second before expiry: %v", err)
		}
		if ps, err := e.svc.Pending(e.ctx, e.st, a.id, "Late@Example.com"); err != nil || len(ps) != 1 {
			t.Fatalf("Pending before expiry: %v, %v", ps, err)
		}
		e.clk.Advance(time.Second)
		_, err := e.svc.FindByToken(e.ctx, a.id, token)
		wantInvalid(t, err, "FindByToken at expiry")
		if ps, err := e.svc.Pending(e.ctx, e.st, a.id, "late@example.com"); err != nil || len(ps) != 0 {
			t.Fatalf("Pending after expiry: %v, %v", ps, err)
		}
		got := e.get(a.id, inv.ID)
		if got.Status != invite.StatusPending || got.State(e.clk.Now()) != invite.StatusExpired {
			t.Fatalf("stored %s, state %s", got.Status, got.State(e.clk.Now()))
		}
		for _, c := range []struct {
			status invite.Status
			want   int
		}{{invite.StatusExpired, 1}, {invite.StatusPending, 0}, {"", 1}} {
			l, err := e.svc.List(e.ctx, a.id, invite.Filter{Status: c.status}, store.Page{})
			if err != nil || len(l) != c.want {
				t.Fatalf("List(%q) = %d invites, %v; want %d", c.status, len(l), err, c.want)
			}
		}
		u := e.user(a.id, a.org, "late@example.com", "")
		wantInvalid(t, e.accept(got, u), "Accept after expiry")
		if got := e.get(a.id, inv.ID); got.Status != invite.StatusPending || got.AcceptedUserID != "" {
			t.Fatalf("expired invite changed by a refused Accept: %+v", got)
		}
		if evs := e.events(a.id, "invite.accepted"); len(evs) != 0 {
			t.Fatalf("refused Accept recorded %d events", len(evs))
		}
	})
}

// An expired invite is resent rather than re-created: it becomes pending
// again with a new link, and the dead link stays dead.
func TestResendExpired(t *testing.T) {
	t.Parallel()
	engines(t, func(e *env) {
		a := e.tenant("A")
		inv, old := e.create(a.id, a.org, "late@example.com", "")
		e.clk.Advance(8 * 24 * time.Hour)
		again, err := e.svc.Resend(e.ctx, admin, a.id, string(inv.ID))
		if err != nil {
			t.Fatal(err)
		}
		now := e.clk.Now()
		if again.State(now) != invite.StatusPending || !again.ExpiresAt.Equal(now.Add(7*24*time.Hour)) || again.SendCount != 2 {
			t.Fatalf("resent expired invite: %+v", again)
		}
		fresh := e.lastToken(a.id, "late@example.com")
		if _, err := e.svc.FindByToken(e.ctx, a.id, fresh); err != nil {
			t.Fatalf("new link: %v", err)
		}
		_, err = e.svc.FindByToken(e.ctx, a.id, old)
		wantInvalid(t, err, "the expired link after a resend")
	})
}

// An expired invite does not block a new one; the old one then cannot be
// resent next to it, which would make two live invites.
func TestExpiredInviteMakesRoomForANewOne(t *testing.T) {
	t.Parallel()
	engines(t, func(e *env) {
		a := e.tenant("A")
		old, _ := e.create(a.id, a.org, "late@example.com", "")
		e.clk.Advance(8 * 24 * time.Hour)
		fresh, _ := e.create(a.id, a.org, "late@example.com", "admin")
		_, err := e.svc.Resend(e.ctx, admin, a.id, string(old.ID))
		wantFault(t, err, fault.Conflict, invite.CodeInviteExists, "resending the expired invite next to a live one")
		if _, err := e.svc.Resend(e.ctx, admin, a.id, string(fresh.ID)); err != nil {
			t.Fatalf("resending the live one: %v", err)
		}
		// Revoking the expired one tidies the list.
		if _, err := e.svc.Revoke(e.ctx, admin, a.id, string(old.ID)); err != nil {
			t.Fatalf("revoking an expired invite: %v", err)
		}
	})
}

func TestResendRotatesTheLink(t *testing.T) {
	t.Parallel()
	engines(t, func(e *env) {
		a := e.tenant("A")
		inv, old := e.create(a.id, a.org, "ann@example.com", "")
		e.clk.Advance(2 * 24 * time.Hour)
		got, err := e.svc.Resend(e.ctx, admin, a.id, string(inv.ID))
		if err != nil {
			t.Fatal(err)
		}
		now := e.clk.Now()
		if got.SendCount != 2 || !got.LastSentAt.Equal(now) || !got.ExpiresAt.Equal(now.Add(7*24*time.Hour)) || !got.CreatedAt.Equal(inv.CreatedAt) {
			t.Fatalf("resent invite %+v", got)
		}
		fresh := e.lastToken(a.id, "ann@example.com")
		if fresh == old {
			t.Fatal("the resent email repeats the old link")
		}
		_, err = e.svc.FindByToken(e.ctx, a.id, old)
		wantInvalid(t, err, "the old link after a resend")
		if f, err := e.svc.FindByToken(e.ctx, a.id, fresh); err != nil || f.ID != inv.ID {
			t.Fatalf("the new link: %+v, %v", f, err)
		}
		if n := e.mails(a.id); n != 2 {
			t.Fatalf("%d emails, want 2", n)
		}
		evs := e.events(a.id, "invite.resent")
		if len(evs) != 1 || strings.Contains(string(evs[0].Details), "gh_inv_") {
			t.Fatalf("invite.resent events %+v", evs)
		}

		// Someone who joined in the meantime is not invited again.
		e.user(a.id, a.org, "ann@example.com", "")
		_, err = e.svc.Resend(e.ctx, admin, a.id, string(inv.ID))
		wantFault(t, err, fault.Conflict, invite.CodeAlreadyMember, "resend to a member")
		if n := e.mails(a.id); n != 2 {
			t.Fatalf("refused resend sent an email")
		}
	})
}

func TestRevoke(t *testing.T) {
	t.Parallel()
	engines(t, func(e *env) {
		a := e.tenant("A")
		inv, token := e.create(a.id, a.org, "ann@example.com", "")
		got, err := e.svc.Revoke(e.ctx, admin, a.id, string(inv.ID))
		if err != nil || got.Status != invite.StatusRevoked || got.RevokedAt == nil {
			t.Fatalf("revoke: %+v, %v", got, err)
		}
		_, err = e.svc.FindByToken(e.ctx, a.id, token)
		wantInvalid(t, err, "a revoked invite's link")
		_, err = e.svc.Revoke(e.ctx, admin, a.id, string(inv.ID))
		wantFault(t, err, fault.Conflict, invite.CodeNotPending, "revoking twice")
		_, err = e.svc.Resend(e.ctx, admin, a.id, string(inv.ID))
		wantFault(t, err, fault.Conflict, invite.CodeNotPending, "resending a revoked invite")
		if evs := e.events(a.id, "invite.revoked"); len(evs) != 1 {
			t.Fatalf("%d invite.revoked events", len(evs))
		}
		// A revoked invite does not block a new one.
		if _, err := e.svc.Create(e.ctx, admin, a.id, invite.Input{OrgID: string(a.org.ID), Email: "ann@example.com"}); err != nil {
			t.Fatalf("invite again after revoking: %v", err)
		}
	})
}

func TestAccept(t *testing.T) {
	t.Parallel()
	engines(t, func(e *env) {
		a := e.tenant("A")
		inv, token := e.create(a.id, a.org, "ann@example.com", "admin")
		found, err := e.svc.FindByToken(e.ctx, a.id, token)
		if err != nil {
			t.Fatal(err)
		}
		// Attacks: a user with another email, or the same email at another
		// organization, cannot take the invite.
		stranger := e.user(a.id, a.org, "mallory@example.com", "")
		elsewhere := e.user(a.id, a.org2, "ann@example.com", "")
		for _, u := range []struct {
			what string
			id   string
			err  error
		}{{"another email", string(stranger.ID), e.accept(found, stranger)}, {"another organization", string(elsewhere.ID), e.accept(found, elsewhere)}} {
			if !errors.Is(u.err, invite.ErrWrongUser) {
				t.Fatalf("Accept as %s: %v, want ErrWrongUser", u.what, u.err)
			}
		}
		if got := e.get(a.id, inv.ID); got.Status != invite.StatusPending {
			t.Fatalf("refused accepts changed the invite: %+v", got)
		}

		ann := e.user(a.id, a.org, "ann@example.com", "Ann")
		if err := e.accept(found, ann); err != nil {
			t.Fatal(err)
		}
		if found.Status != invite.StatusAccepted || found.AcceptedUserID != ann.ID || found.AcceptedAt == nil {
			t.Fatalf("Accept did not update the caller's invite: %+v", found)
		}
		got := e.get(a.id, inv.ID)
		if got.Status != invite.StatusAccepted || got.AcceptedUserID != ann.ID || got.AcceptedAt == nil {
			t.Fatalf("accepted invite %+v", got)
		}
		evs := e.events(a.id, "invite.accepted")
		if len(evs) != 1 || evs[0].Actor != (audit.Actor{Type: audit.ActorUser, ID: string(ann.ID)}) || evs[0].OrganizationID != a.org.ID {
			t.Fatalf("invite.accepted events %+v", evs)
		}
		_, err = e.svc.FindByToken(e.ctx, a.id, token)
		wantInvalid(t, err, "an accepted invite's link")
		wantInvalid(t, e.accept(found, ann), "accepting twice")
		_, err = e.svc.Revoke(e.ctx, admin, a.id, string(inv.ID))
		wantFault(t, err, fault.Conflict, invite.CodeNotPending, "revoking an accepted invite")
		_, err = e.svc.Resend(e.ctx, admin, a.id, string(inv.ID))
		wantFault(t, err, fault.Conflict, invite.CodeNotPending, "resending an accepted invite")
		if ps, err := e.svc.Pending(e.ctx, e.st, a.id, "ann@example.com"); err != nil || len(ps) != 0 {
			t.Fatalf("Pending after accept: %v, %v", ps, err)
		}
	})
}

// An Accept in a transaction that rolls back (the member's creation failed)
// leaves the invite pending and its link working.
func TestAcceptRollsBackWithTheCaller(t *testing.T) {
	t.Parallel()
	engines(t, func(e *env) {
		a := e.tenant("A")
		inv, token := e.create(a.id, a.org, "ann@example.com", "")
		ann := e.user(a.id, a.org, "ann@example.com", "")
		boom := errors.New("member creation failed")
		err := e.st.Write(e.ctx, func(w store.Writer) error {
			if err := e.svc.Accept(e.ctx, w, inv, ann, e.clk.Now()); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("write: %v", err)
		}
		if _, err := e.svc.FindByToken(e.ctx, a.id, token); err != nil {
			t.Fatalf("link after a rolled back accept: %v", err)
		}
		if evs := e.events(a.id, "invite.accepted"); len(evs) != 0 {
			t.Fatalf("rolled back accept left %d events", len(evs))
		}
	})
}

// Another project sees none of A's invites and can change none; within a
// project, filters by organization keep organizations apart.
func TestOtherTenants(t *testing.T) {
	t.Parallel()
	engines(t, func(e *env) {
		a, b := e.tenant("A"), e.tenant("B")
		inv, token := e.create(a.id, a.org, "ann@example.com", "")
		other, _ := e.create(a.id, a.org2, "bob@example.com", "")
		before := e.get(a.id, inv.ID)

		_, err := e.svc.Get(e.ctx, b.id, string(inv.ID))
		wantFault(t, err, fault.NotFound, fault.CodeNotFound, "Get from another project")
		_, err = e.svc.Revoke(e.ctx, admin, b.id, string(inv.ID))
		wantFault(t, err, fault.NotFound, fault.CodeNotFound, "Revoke from another project")
		_, err = e.svc.Resend(e.ctx, admin, b.id, string(inv.ID))
		wantFault(t, err, fault.NotFound, fault.CodeNotFound, "Resend from another project")
		_, err = e.svc.FindByToken(e.ctx, b.id, token)
		wantInvalid(t, err, "A's link in project B")
		if ps, err := e.svc.Pending(e.ctx, e.st, b.id, "ann@example.com"); err != nil || len(ps) != 0 {
			t.Fatalf("Pending in B: %v, %v", ps, err)
		}
		for _, f := range []invite.Filter{{}, {OrgID: a.org.ID}} {
			if l, err := e.svc.List(e.ctx, b.id, f, store.Page{}); err != nil || len(l) != 0 {
				t.Fatalf("List in B with %+v: %d invites, %v", f, len(l), err)
			}
		}
		// B's own user with A's invite in hand.
		intruder := e.user(b.id, b.org, "ann@example.com", "")
		if err := e.accept(before, intruder); !errors.Is(err, invite.ErrWrongUser) {
			t.Fatalf("Accept by another project's user: %v", err)
		}

		if got := e.get(a.id, inv.ID); got.Status != before.Status || !got.ExpiresAt.Equal(before.ExpiresAt) || got.SendCount != 1 {
			t.Fatalf("A's invite changed: %+v", got)
		}
		if _, err := e.svc.FindByToken(e.ctx, a.id, token); err != nil {
			t.Fatalf("A's link after B's attempts: %v", err)
		}
		if n := e.mails(b.id); n != 0 {
			t.Fatalf("B got %d emails", n)
		}

		l, err := e.svc.List(e.ctx, a.id, invite.Filter{OrgID: a.org2.ID}, store.Page{})
		if err != nil || len(l) != 1 || l[0].ID != other.ID {
			t.Fatalf("List of the other organization: %+v, %v", l, err)
		}
		_, err = e.svc.List(e.ctx, a.id, invite.Filter{Status: "bogus"}, store.Page{})
		wantFault(t, err, fault.Invalid, fault.CodeInvalidRequest, "List with an unknown status")
	})
}

// A malformed token, another prefix, or nothing at all is refused like an
// unknown one, before any lookup.
func TestFindByTokenRefusesOtherShapes(t *testing.T) {
	t.Parallel()
	engines(t, func(e *env) {
		a := e.tenant("A")
		_, token := e.create(a.id, a.org, "ann@example.com", "")
		for _, bad := range []string{"", "gh_inv_", strings.TrimPrefix(token, "gh_inv_"), "gh_ml_" + strings.TrimPrefix(token, "gh_inv_"), token + "A", strings.ToLower(token)} {
			_, err := e.svc.FindByToken(e.ctx, a.id, bad)
			wantInvalid(t, err, "FindByToken("+bad+")")
		}
		if _, err := e.svc.FindByToken(e.ctx, a.id, token); err != nil {
			t.Fatalf("the real token: %v", err)
		}
	})
}

// Concurrent invitations of one address to one organization (two admins
// clicking at once) make one invite and one email; the others are told it
// exists.
func TestConcurrentCreatesMakeOneInvite(t *testing.T) {
	t.Parallel()
	engines(t, func(e *env) {
		a := e.tenant("A")
		const n = 8
		errs := make(chan error, n)
		for range n {
			go func() {
				_, err := e.svc.Create(e.ctx, admin, a.id, invite.Input{OrgID: string(a.org.ID), Email: "ann@example.com"})
				errs <- err
			}()
		}
		ok := 0
		for range n {
			err := <-errs
			if err == nil {
				ok++
				continue
			}
			wantFault(t, err, fault.Conflict, invite.CodeInviteExists, "a concurrent duplicate")
		}
		if ok != 1 {
			t.Fatalf("%d of %d concurrent invites succeeded, want 1", ok, n)
		}
		if l, err := e.svc.List(e.ctx, a.id, invite.Filter{}, store.Page{}); err != nil || len(l) != 1 {
			t.Fatalf("%d invites stored, %v", len(l), err)
		}
		if m := e.mails(a.id); m != 1 {
			t.Fatalf("%d emails sent, want 1", m)
		}
	})
}

// A resend replaces the link: an invite read before it (what the old link
// started) is no longer accepted; the invite as read after it is.
func TestAcceptRefusesWhatAResendReplaced(t *testing.T) {
	t.Parallel()
	engines(t, func(e *env) {
		a := e.tenant("A")
		_, token := e.create(a.id, a.org, "ann@example.com", "")
		old, err := e.svc.FindByToken(e.ctx, a.id, token)
		if err != nil {
			t.Fatal(err)
		}
		resent, err := e.svc.Resend(e.ctx, admin, a.id, string(old.ID))
		if err != nil {
			t.Fatal(err)
		}
		ann := e.user(a.id, a.org, "ann@example.com", "")
		wantInvalid(t, e.accept(old, ann), "accepting the invite as its replaced link knew it")
		if got := e.get(a.id, old.ID); got.Status != invite.StatusPending || len(e.events(a.id, "invite.accepted")) != 0 {
			t.Fatalf("a refused accept changed the invite: %+v", got)
		}
		if err := e.accept(resent, ann); err != nil {
			t.Fatalf("accepting the resent invite: %v", err)
		}
	})
}
