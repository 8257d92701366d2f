package flow_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/login/flow"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

var admin = audit.Actor{Type: audit.ActorSecretKey, ID: "sk_test"}

// invite invites email to o as role.
func (w *world) invite(o *org.Organization, email, role string) *invite.Invite {
	w.t.Helper()
	inv, err := w.inv.Create(w.ctx, admin, w.p.ID, invite.Input{OrgID: string(o.ID), Email: email, RoleKey: role})
	if err != nil {
		w.t.Fatalf("invite %s to %s: %v", email, o.Name, err)
	}
	return inv
}

// inviteRequest is what the invitation's landing page starts an attempt with.
func inviteRequest(inv *invite.Invite) login.AuthRequest {
	return login.AuthRequest{LoginHint: inv.Email, OrganizationHint: inv.OrgID, Invite: inv.ID, InviteSend: inv.SendCount,
		ReturnTo: "/p/" + string(inv.ProjectID) + "/account", Scope: []string{}}
}

// startWithout opens an attempt no app asked for (the sign-in and
// invitation pages do).
func (w *world) startWithout(req login.AuthRequest) *browser {
	w.t.Helper()
	c := login.Client{IP: "203.0.113.8", UserAgent: "test"}
	a, cookie, err := w.svc.Start(w.ctx, w.p.ID, req, c)
	if err != nil {
		w.t.Fatalf("Start: %v", err)
	}
	return &browser{w: w, a: a, cookie: cookie, c: c}
}

// proveByCode takes a browser from the email form to the proven email.
func (b *browser) proveByCode(email string) *login.View {
	b.w.t.Helper()
	want(b.w.t, b.submit(login.Input{Action: login.ActionEmail, Email: email}), login.StepVerifyEmail)
	_, code, _ := b.w.mailTo(strings.ToLower(email))
	return b.submit(login.Input{Action: login.ActionCode, Code: code})
}

func (w *world) inviteState(inv *invite.Invite) *invite.Invite {
	w.t.Helper()
	got, err := w.inv.Get(w.ctx, w.p.ID, string(inv.ID))
	if err != nil {
		w.t.Fatalf("get invite: %v", err)
	}
	return got
}

func (w *world) roleKeys(u id.User) []string {
	w.t.Helper()
	roles, err := w.st.ListUserRoles(w.ctx, w.p.ID, u)
	if err != nil {
		w.t.Fatalf("roles: %v", err)
	}
	return rbac.Keys(roles)
}

func (w *world) usersOf(o *org.Organization) []*user.User {
	w.t.Helper()
	us, err := w.st.ListUsers(w.ctx, w.p.ID, store.UserFilter{OrganizationID: o.ID}, store.Page{Limit: 100})
	if err != nil {
		w.t.Fatalf("users: %v", err)
	}
	return us
}

func choice(v *login.View, o *org.Organization) *login.OrgChoice {
	for i := range v.Orgs {
		if v.Orgs[i].ID == o.ID {
			return &v.Orgs[i]
		}
	}
	return nil
}

func TestInviteLinkJoinsWithTheInvitedRole(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		o := w.org("Acme", nil)
		w.user(o, "owner@acme.example", "")
		inv := w.invite(o, "New.Hire@Example.com", rbac.RoleAdmin)
		b := w.startWithout(inviteRequest(inv))
		v := b.view()
		want(t, v, login.StepIdentify)
		if v.Email != "new.hire@example.com" {
			t.Fatalf("identify prefilled %q, want the invited address", v.Email)
		}
		// The link alone signs nobody in: the email is proven first.
		want(t, b.proveByCode("new.hire@example.com"), login.StepDone)
		s, _ := b.complete()
		if s.OrgID != o.ID || !s.Facts.EmailVerified {
			t.Fatalf("session %+v, want one at %s", s, o.Name)
		}
		u, err := w.st.GetUser(w.ctx, w.p.ID, s.UserID)
		if err != nil || u.Email != "new.hire@example.com" || !u.EmailVerified || u.OrganizationID != o.ID {
			t.Fatalf("new member %+v, %v", u, err)
		}
		if got := w.roleKeys(u.ID); len(got) != 1 || got[0] != rbac.RoleAdmin {
			t.Fatalf("roles = %v, want [admin]", got)
		}
		got := w.inviteState(inv)
		if got.Status != invite.StatusAccepted || got.AcceptedUserID != u.ID {
			t.Fatalf("invite after joining = %s by %q, want accepted by %s", got.Status, got.AcceptedUserID, u.ID)
		}
	})
}

func TestInviteRefusesAnotherEmail(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		o := w.org("Acme", nil)
		w.user(o, "owner@acme.example", "")
		inv := w.invite(o, "invited@example.com", rbac.RoleMember)
		// Someone the invitation was forwarded to proves their own address.
		b := w.startWithout(inviteRequest(inv))
		v := b.proveByCode("forwarded-to@example.com")
		want(t, v, login.StepBlocked)
		if v.Blocked.Reason != login.ReasonInviteInvalid {
			t.Fatalf("blocked for %q, want %q", v.Blocked.Reason, login.ReasonInviteInvalid)
		}
		_, _, err := w.svc.Complete(w.ctx, b.a, b.c)
		isErr(t, err, flow.ErrNotDone, "Complete of a refused invitation")
		if n := len(w.usersOf(o)); n != 1 {
			t.Fatalf("%s has %d users, want only its owner", o.Name, n)
		}
		if got := w.inviteState(inv); got.Status != invite.StatusPending {
			t.Fatalf("invite is %s, want still pending", got.Status)
		}

		// Baseline: the invited address gets in.
		b = w.startWithout(inviteRequest(inv))
		want(t, b.proveByCode("invited@example.com"), login.StepDone)
		b.complete()
	})
}

func TestInviteRevokedBeforeCompleting(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		o := w.org("Acme", nil)
		w.user(o, "owner@acme.example", "")
		inv := w.invite(o, "pat@example.com", rbac.RoleMember)
		b := w.startWithout(inviteRequest(inv))
		want(t, b.proveByCode("pat@example.com"), login.StepDone)
		if _, err := w.inv.Revoke(w.ctx, admin, w.p.ID, string(inv.ID)); err != nil {
			t.Fatalf("revoke: %v", err)
		}
		_, _, err := w.svc.Complete(w.ctx, b.a, b.c)
		isErr(t, err, flow.ErrNotDone, "Complete after the invitation was revoked")
		if n := len(w.usersOf(o)); n != 1 {
			t.Fatalf("%s has %d users after a revoked invitation, want 1", o.Name, n)
		}
		v := b.view()
		want(t, v, login.StepBlocked)
		if v.Blocked.Reason != login.ReasonInviteInvalid {
			t.Fatalf("blocked for %q, want %q", v.Blocked.Reason, login.ReasonInviteInvalid)
		}
	})
}

// A resend replaces the invitation's link: an attempt started from the old
// link (before the resend) no longer accepts it, even once the address is
// proven; one started from the new link does.
func TestInviteResentBeforeCompleting(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		o := w.org("Acme", nil)
		w.user(o, "owner@acme.example", "")
		inv := w.invite(o, "pat@example.com", rbac.RoleMember)
		old := w.startWithout(inviteRequest(inv))
		resent, err := w.inv.Resend(w.ctx, admin, w.p.ID, string(inv.ID))
		if err != nil {
			t.Fatalf("resend: %v", err)
		}
		v := old.proveByCode("pat@example.com")
		want(t, v, login.StepBlocked)
		if v.Blocked.Reason != login.ReasonInviteInvalid {
			t.Fatalf("blocked for %q, want %q", v.Blocked.Reason, login.ReasonInviteInvalid)
		}
		_, _, err = w.svc.Complete(w.ctx, old.a, old.c)
		isErr(t, err, flow.ErrNotDone, "Complete from the replaced link")

		// Proven before the resend: Complete still refuses.
		inv2 := w.invite(o, "sam@example.com", rbac.RoleMember)
		early := w.startWithout(inviteRequest(inv2))
		want(t, early.proveByCode("sam@example.com"), login.StepDone)
		if _, err := w.inv.Resend(w.ctx, admin, w.p.ID, string(inv2.ID)); err != nil {
			t.Fatalf("resend: %v", err)
		}
		_, _, err = w.svc.Complete(w.ctx, early.a, early.c)
		isErr(t, err, flow.ErrNotDone, "Complete after the link was replaced")
		if n := len(w.usersOf(o)); n != 1 || w.inviteState(inv).Status != invite.StatusPending || w.inviteState(inv2).Status != invite.StatusPending {
			t.Fatalf("%s has %d users after replaced links, want 1", o.Name, n)
		}

		// Baseline: the new link joins.
		b := w.startWithout(inviteRequest(resent))
		want(t, b.proveByCode("pat@example.com"), login.StepDone)
		b.complete()
		if w.inviteState(inv).Status != invite.StatusAccepted {
			t.Fatalf("the new link did not accept the invitation")
		}
	})
}

func TestPendingInviteOfferedAtLogin(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		home := w.org("Home", nil)
		w.user(home, "pat@example.com", "pat's password 123")
		acme := w.org("Acme", nil)
		w.user(acme, "owner@acme.example", "")
		inv := w.invite(acme, "pat@example.com", rbac.RoleAdmin)

		// A password proves the account at Home, not the mailbox the
		// invitation went to: nothing is offered.
		b := w.start(login.AuthRequest{})
		v := b.submit(login.Input{Action: login.ActionPassword, Email: "pat@example.com", Password: "pat's password 123"})
		want(t, v, login.StepDone)

		// With the email proven the invitation is listed beside the account.
		b, v = w.loginByCode("pat@example.com", login.AuthRequest{})
		want(t, v, login.StepChooseOrg)
		c := choice(v, acme)
		if c == nil || c.Kind != login.ChoiceInvite || c.InviteID != inv.ID || c.RoleName == "" {
			t.Fatalf("choices %+v, want the invitation to %s", v.Orgs, acme.Name)
		}
		if m := choice(v, home); m == nil || m.Kind != login.ChoiceMember {
			t.Fatalf("choices %+v, want the account at %s", v.Orgs, home.Name)
		}
		want(t, b.submit(login.Input{Action: login.ActionChooseOrg, OrgID: acme.ID}), login.StepDone)
		s, _ := b.complete()
		if s.OrgID != acme.ID {
			t.Fatalf("session at %s, want %s", s.OrgID, acme.ID)
		}
		if got := w.inviteState(inv); got.Status != invite.StatusAccepted || got.AcceptedUserID != s.UserID {
			t.Fatalf("invite %s by %s", got.Status, got.AcceptedUserID)
		}
		// Accepted: the next login finds two accounts and no invitation.
		_, v = w.loginByCode("pat@example.com", login.AuthRequest{})
		want(t, v, login.StepChooseOrg)
		for _, c := range v.Orgs {
			if c.Kind != login.ChoiceMember {
				t.Fatalf("after accepting, choices %+v still offer %s", v.Orgs, c.Kind)
			}
		}
	})
}

func TestInviteForAnExistingMemberIsAccepted(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		o := w.org("Acme", nil)
		w.user(o, "owner@acme.example", "")
		inv := w.invite(o, "pat@example.com", rbac.RoleMember)
		// An administrator adds the person directly while the invitation
		// is out.
		u := w.user(o, "pat@example.com", "")
		b := w.startWithout(inviteRequest(inv))
		want(t, b.proveByCode("pat@example.com"), login.StepDone)
		s, _ := b.complete()
		if s.UserID != u.ID {
			t.Fatalf("session for %s, want the existing user %s", s.UserID, u.ID)
		}
		if n := len(w.usersOf(o)); n != 2 {
			t.Fatalf("%s has %d users, want 2 (no duplicate)", o.Name, n)
		}
		if got := w.inviteState(inv); got.Status != invite.StatusAccepted || got.AcceptedUserID != u.ID {
			t.Fatalf("invite %s by %q, want accepted by %s", got.Status, got.AcceptedUserID, u.ID)
		}
	})
}

// joinable gives o a verified domain name and turns joining by domain on
// with role (or member for "").
func (w *world) joinable(o *org.Organization, name, role string) *domain.Domain {
	w.t.Helper()
	up := tenancy.OrganizationUpdate{JoinByDomain: ptr(true)}
	if role != "" {
		up.JoinRoleKey = &role
	}
	if _, err := w.ten.UpdateOrganization(w.ctx, admin, w.p.ID, string(o.ID), up); err != nil {
		w.t.Fatalf("enable joining by domain: %v", err)
	}
	d, err := w.dom.Add(w.ctx, admin, w.p.ID, string(o.ID), name)
	if err != nil {
		w.t.Fatalf("add domain: %v", err)
	}
	w.dns.SetTXT(d.RecordName(), d.RecordValue())
	if d, err = w.dom.Verify(w.ctx, admin, w.p.ID, string(d.ID)); err != nil || d.Status != domain.StatusVerified {
		w.t.Fatalf("verify domain: %+v, %v", d, err)
	}
	return d
}

func TestJoinByVerifiedDomain(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		acme := w.org("Acme", nil)
		w.user(acme, "owner@acme.example", "")
		w.joinable(acme, "acme.example", rbac.RoleAdmin)

		b, v := w.loginByCode("Sam@Acme.example", login.AuthRequest{})
		want(t, v, login.StepChooseOrg)
		c := choice(v, acme)
		if c == nil || c.Kind != login.ChoiceDomain {
			t.Fatalf("choices %+v, want to join %s by domain", v.Orgs, acme.Name)
		}
		want(t, b.submit(login.Input{Action: login.ActionChooseOrg, OrgID: acme.ID}), login.StepDone)
		s, _ := b.complete()
		u, err := w.st.GetUser(w.ctx, w.p.ID, s.UserID)
		if err != nil || u.OrganizationID != acme.ID || u.Email != "sam@acme.example" || !u.EmailVerified {
			t.Fatalf("joined user %+v, %v", u, err)
		}
		if got := w.roleKeys(u.ID); len(got) != 1 || got[0] != rbac.RoleAdmin {
			t.Fatalf("roles = %v, want the join role [admin]", got)
		}
		// A member now: not offered again.
		_, v = w.loginByCode("sam@acme.example", login.AuthRequest{})
		want(t, v, login.StepDone)
	})
}

func TestJoinByDomainNotOffered(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		verified := w.org("Verified", nil)
		w.user(verified, "owner@verified.example", "")
		w.joinable(verified, "verified.example", "")

		// A claimed but unverified domain offers nothing.
		pending := w.org("Pending", nil)
		w.user(pending, "owner@pending.example", "")
		if _, err := w.ten.UpdateOrganization(w.ctx, admin, w.p.ID, string(pending.ID), tenancy.OrganizationUpdate{JoinByDomain: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.dom.Add(w.ctx, admin, w.p.ID, string(pending.ID), "pending.example"); err != nil {
			t.Fatal(err)
		}
		_, v := w.loginByCode("kim@pending.example", login.AuthRequest{})
		want(t, v, login.StepCreateOrg)
		if choice(v, pending) != nil {
			t.Fatalf("an unverified domain's organization was offered: %+v", v.Orgs)
		}

		// A password proves one account, not the mailbox: no join offer.
		home := w.org("Home", nil)
		w.user(home, "lee@verified.example", "lee's password 123")
		b := w.start(login.AuthRequest{})
		v = b.submit(login.Input{Action: login.ActionPassword, Email: "lee@verified.example", Password: "lee's password 123"})
		want(t, v, login.StepDone)
		s, _ := b.complete()
		if s.OrgID != home.ID {
			t.Fatalf("password login went to %s, want %s", s.OrgID, home.ID)
		}
		// Choosing the joinable organization without a proven email is refused.
		b = w.start(login.AuthRequest{})
		want(t, b.submit(login.Input{Action: login.ActionPassword, Email: "lee@verified.example", Password: "lee's password 123"}), login.StepDone)
		v = b.submit(login.Input{Action: login.ActionChooseOrg, OrgID: verified.ID})
		want(t, v, login.StepDone)
		if s, _ := b.complete(); s.OrgID != home.ID {
			t.Fatalf("a password proof joined %s", s.OrgID)
		}

		// Baseline: the same person proving the email is offered the join.
		_, v = w.loginByCode("lee@verified.example", login.AuthRequest{})
		want(t, v, login.StepChooseOrg)
		if c := choice(v, verified); c == nil || c.Kind != login.ChoiceDomain {
			t.Fatalf("choices %+v, want to join %s", v.Orgs, verified.Name)
		}
	})
}

// sessionOf logs email in by code to o (which must be its only account or
// the hint) and returns the session the browser would hold.
func (w *world) sessionOf(email string, o *org.Organization) *session.Session {
	w.t.Helper()
	b, v := w.loginByCode(email, login.AuthRequest{OrganizationHint: o.ID})
	want(w.t, v, login.StepDone)
	s, _ := b.complete()
	return s
}

func (w *world) switchTo(from *session.Session, o *org.Organization) *browser {
	w.t.Helper()
	c := login.Client{IP: "203.0.113.9", UserAgent: "test"}
	req := login.AuthRequest{ClientID: "cli_test", RedirectURI: "https://app.example.com/callback", Scope: []string{"openid"}, OrganizationHint: o.ID}
	a, cookie, err := w.svc.Switch(w.ctx, w.p.ID, req, from, c)
	if err != nil {
		w.t.Fatalf("Switch: %v", err)
	}
	return &browser{w: w, a: a, cookie: cookie, c: c}
}

func TestSwitchOrganization(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		a := w.org("Alpha", nil)
		b := w.org("Bravo", nil)
		pwOnly := w.org("Strict", &tenancy.OrganizationUpdate{AllowedLoginMethods: &[]string{"password"}})
		ua := w.user(a, "pat@example.com", "")
		ub := w.user(b, "pat@example.com", "")
		us := w.user(pwOnly, "pat@example.com", "strict password 123")
		from := w.sessionOf("pat@example.com", a)
		if from.UserID != ua.ID {
			t.Fatalf("first session for %s", from.UserID)
		}

		// The session's email code satisfies Bravo: done at once.
		br := w.switchTo(from, b)
		want(t, br.view(), login.StepDone)
		s, _ := br.complete()
		if s.UserID != ub.ID || s.OrgID != b.ID || !s.Facts.EmailVerified || !s.Facts.AuthTime().Equal(from.Facts.AuthTime()) {
			t.Fatalf("switched session %+v, want Bravo's user with the first proof", s)
		}
		// The first session goes on: switching replaces the browser's
		// cookie, it revokes nothing.
		if got, err := w.sess.Get(w.ctx, w.p.ID, from.ID); err != nil || got.RevokedAt != nil {
			t.Fatalf("first session after switching: %+v, %v", got, err)
		}

		// Strict requires a password; only a code was proven: the password,
		// and nothing else, is asked.
		br = w.switchTo(from, pwOnly)
		want(t, br.view(), login.StepPassword)
		v := br.submit(login.Input{Action: login.ActionPassword, Password: "wrong password 000"})
		want(t, v, login.StepPassword)
		want(t, br.submit(login.Input{Action: login.ActionPassword, Password: "strict password 123"}), login.StepDone)
		s, _ = br.complete()
		if s.UserID != us.ID || !s.Facts.Has(login.FactorPassword) || !s.Facts.Has(login.FactorEmailCode) {
			t.Fatalf("switched session %+v, want Strict's user with code and password", s)
		}
	})
}

func TestSwitchNeverCarriesFactsAcrossProjects(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		home := w.org("Home", nil)
		w.user(home, "pat@example.com", "")
		from := w.sessionOf("pat@example.com", home)

		other := w.project("Other", nil)
		c := login.Client{IP: "203.0.113.10"}
		_, _, err := w.svc.Switch(w.ctx, other.ID, login.AuthRequest{}, from, c)
		isErr(t, err, flow.ErrGone, "Switch with another project's session")

		// Baseline: the same session switches within its project.
		if _, _, err := w.svc.Switch(w.ctx, w.p.ID, login.AuthRequest{OrganizationHint: home.ID}, from, c); err != nil {
			t.Fatalf("Switch within the project: %v", err)
		}
	})
}

func TestSwitchWithPasswordSessionProvesNothingElsewhere(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		a := w.org("Alpha", nil)
		b := w.org("Bravo", nil)
		w.user(a, "pat@example.com", "same password 123")
		w.user(b, "pat@example.com", "same password 123")
		st := w.start(login.AuthRequest{OrganizationHint: a.ID})
		want(t, st.submit(login.Input{Action: login.ActionPassword, Email: "pat@example.com", Password: "same password 123"}), login.StepDone)
		from, _ := st.complete()
		if from.Facts.EmailVerified {
			t.Fatalf("a password session claims a proven email")
		}
		// Alpha's password proves nothing about Bravo's user: the email (or
		// Bravo's password) is asked.
		br := w.switchTo(from, b)
		v := br.view()
		want(t, v, login.StepVerifyEmail)
		_, _, err := w.svc.Complete(w.ctx, br.a, br.c)
		isErr(t, err, flow.ErrNotDone, "Complete of a switch with another account's password")
	})
}

// A staff member acting as a user proves nothing the user did: their
// session seeds no switch into the user's other accounts.
func TestSwitchRefusesImpersonatedSessions(t *testing.T) {
	engines(t, func(t *testing.T, w *world) {
		a := w.org("Alpha", nil)
		b := w.org("Bravo", nil)
		ua := w.user(a, "pat@example.com", "")
		w.user(b, "pat@example.com", "")
		imp, _, err := w.sess.Impersonate(w.ctx, session.Impersonation{
			ProjectID: w.p.ID, UserID: ua.ID, Staff: audit.Actor{Type: audit.ActorStaff, ID: "user_staff"},
			StaffEmail: "staff@vendor.example", Reason: "customer asked for help with billing",
		})
		if err != nil {
			t.Fatalf("impersonate: %v", err)
		}
		if flow.CanSwitchFrom(imp) {
			t.Fatal("an impersonated session may seed a switch")
		}
		_, _, err = w.svc.Switch(w.ctx, w.p.ID, login.AuthRequest{OrganizationHint: b.ID}, imp, login.Client{IP: "203.0.113.11"})
		isErr(t, err, flow.ErrNotSwitchable, "Switch from an impersonated session")

		// Baseline: the user's own session switches.
		own := w.sessionOf("pat@example.com", a)
		if !flow.CanSwitchFrom(own) {
			t.Fatal("the user's own session may not seed a switch")
		}
		want(t, w.switchTo(own, b).view(), login.StepDone)
	})
}
