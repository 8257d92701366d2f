package selfserve_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/selfserve"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// world is two organizations of one project (A, the attackers' own, and B,
// the target) and an organization of another project (C), each with an
// owner, an admin and a member signed in, and B with one of everything.
type world struct {
	p1, p2                  *project.Project
	orgA, orgB, orgC        *org.Organization
	ownerA, adminA, memberA selfserve.Member
	ownerB, adminB, memberB selfserve.Member
	ownerC                  selfserve.Member
	userB, ownerBUser       *user.User
	inviteB                 *invite.Invite
	domainB                 *domain.Domain
	roleB                   *rbac.Role
	// sessB is a second session of memberB's user.
	sessB id.Session
}

func newWorld(t *testing.T, e *env) *world {
	t.Helper()
	w := &world{}
	w.p1 = e.project("Acme", true)
	w.p2 = e.project("Other", true)
	_, err := e.ten.CreatePermission(e.ctx, system, w.p1.ID, tenancy.PermissionInput{Key: "invoices.read"})
	fatalIf(t, err)
	w.orgA, w.orgB, w.orgC = e.org(w.p1, "Alpha"), e.org(w.p1, "Bravo"), e.org(w.p2, "Charlie")

	w.ownerA, _ = e.login(e.user(w.orgA, "owner@alpha.test"))
	w.adminA, _ = e.login(e.user(w.orgA, "admin@alpha.test", rbac.RoleAdmin))
	w.memberA, _ = e.login(e.user(w.orgA, "member@alpha.test"))

	w.ownerBUser = e.user(w.orgB, "owner@bravo.test")
	w.ownerB, _ = e.login(w.ownerBUser)
	w.adminB, _ = e.login(e.user(w.orgB, "admin@bravo.test", rbac.RoleAdmin))
	w.userB = e.user(w.orgB, "member@bravo.test")
	w.memberB, _ = e.login(w.userB)
	second, _ := e.login(w.userB)
	w.sessB = second.SessionID

	w.ownerC, _ = e.login(e.user(w.orgC, "owner@charlie.test"))

	w.inviteB, err = e.svc.CreateInvite(e.ctx, w.adminB, "new@bravo.test", rbac.RoleMember)
	fatalIf(t, err)
	w.domainB, err = e.svc.AddDomain(e.ctx, w.adminB, "bravo.test")
	fatalIf(t, err)
	w.roleB, err = e.svc.CreateRole(e.ctx, w.adminB, selfserve.RoleInput{Key: "bravo-billing", Name: "Billing", Permissions: []string{"invoices.read"}})
	fatalIf(t, err)
	for _, m := range []selfserve.Member{w.ownerA, w.adminB, w.ownerC} {
		if !m.IsAdmin() {
			t.Fatalf("fixture: %s is not an admin: %v", m.Email, m.Roles)
		}
	}
	if w.memberA.IsAdmin() || !w.ownerB.IsOwner() || w.adminB.IsOwner() {
		t.Fatal("fixture: roles are not as set up")
	}
	return w
}

// op is one self-serve action aimed at organization B's resources.
type op struct {
	name string
	// own actions are the member's own (everyone may call them); the rest
	// are admin actions.
	own bool
	do  func(m selfserve.Member) error
}

func targetedOps(e *env, w *world) []op {
	ctx := e.ctx
	s := e.svc
	uid := string(w.userB.ID)
	return []op{
		{name: "GetMember", do: func(m selfserve.Member) error { _, err := s.GetMember(ctx, m, uid); return err }},
		{name: "SetRoles", do: func(m selfserve.Member) error {
			_, err := s.SetRoles(ctx, m, uid, []string{rbac.RoleAdmin})
			return err
		}},
		{name: "SetRoles to owner", do: func(m selfserve.Member) error {
			_, err := s.SetRoles(ctx, m, uid, []string{rbac.RoleOwner})
			return err
		}},
		{name: "Deactivate", do: func(m selfserve.Member) error { _, err := s.SetMemberStatus(ctx, m, uid, false); return err }},
		{name: "Reactivate", do: func(m selfserve.Member) error { _, err := s.SetMemberStatus(ctx, m, uid, true); return err }},
		{name: "Deactivate owner", do: func(m selfserve.Member) error {
			_, err := s.SetMemberStatus(ctx, m, string(w.ownerBUser.ID), false)
			return err
		}},
		{name: "ResendInvite", do: func(m selfserve.Member) error { _, err := s.ResendInvite(ctx, m, string(w.inviteB.ID)); return err }},
		{name: "RevokeInvite", do: func(m selfserve.Member) error { _, err := s.RevokeInvite(ctx, m, string(w.inviteB.ID)); return err }},
		{name: "UpdateRole", do: func(m selfserve.Member) error {
			_, err := s.UpdateRole(ctx, m, string(w.roleB.ID), selfserve.RoleInput{Name: "Taken over"})
			return err
		}},
		{name: "DeleteRole", do: func(m selfserve.Member) error { return s.DeleteRole(ctx, m, string(w.roleB.ID)) }},
		{name: "VerifyDomain", do: func(m selfserve.Member) error { _, err := s.VerifyDomain(ctx, m, string(w.domainB.ID)); return err }},
		{name: "DeleteDomain", do: func(m selfserve.Member) error { return s.DeleteDomain(ctx, m, string(w.domainB.ID)) }},
		{name: "RevokeOrgSession", do: func(m selfserve.Member) error { return s.RevokeOrgSession(ctx, m, string(w.sessB)) }},
		{name: "RevokeOwnSession", own: true, do: func(m selfserve.Member) error { return s.RevokeOwnSession(ctx, m, string(w.sessB)) }},
		{name: "RemoveMember", do: func(m selfserve.Member) error { return s.RemoveMember(ctx, m, uid) }},
	}
}

// TestAuthorisationSweep: a member of A, an admin and an owner of A, and an
// owner in another project each try every action on B's resources; each is
// refused (members: forbidden before anything is read; everyone else: not
// found, exactly like a missing row) and nothing in either project
// changes. Then B's own owner does the same things and they work.
func TestAuthorisationSweep(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		attackers := []struct {
			name  string
			m     selfserve.Member
			admin bool
		}{
			{"member of A", w.memberA, false},
			{"admin of A", w.adminA, true},
			{"owner of A", w.ownerA, true},
			{"owner in another project", w.ownerC, true},
		}
		ops := targetedOps(e, w)
		for _, a := range attackers {
			for _, o := range ops {
				before1, before2 := e.state(w.p1.ID), e.state(w.p2.ID)
				err := o.do(a.m)
				if a.admin || o.own {
					refused(t, a.name+" "+o.name, err, fault.NotFound, fault.CodeNotFound)
				} else {
					refused(t, a.name+" "+o.name, err, fault.PermissionDenied, fault.CodeForbidden)
				}
				if after := e.state(w.p1.ID); after != before1 {
					t.Fatalf("%s %s: refused, but project changed:\nbefore %s\nafter %s", a.name, o.name, before1, after)
				}
				if after := e.state(w.p2.ID); after != before2 {
					t.Fatalf("%s %s: refused, but the other project changed", a.name, o.name)
				}
			}
		}

		// The same actions by B's owner work: the refusals above were
		// about who asked, not about the actions.
		e.dns.SetTXT(w.domainB.RecordName(), w.domainB.RecordValue())
		for _, o := range ops {
			m := w.ownerB
			if o.own {
				m = w.memberB
			}
			if o.name == "Deactivate owner" {
				// B's only owner: refused by the last-owner rule, not by
				// authorisation.
				refused(t, "owner deactivating self", o.do(m), fault.FailedPrecondition, selfserve.CodeSelf)
				continue
			}
			if err := o.do(m); err != nil {
				t.Fatalf("baseline %s by B's owner: %v", o.name, err)
			}
		}
	})
}

// TestMembersCannotUseAdminActions: a plain member is refused every admin
// action on its own organization with forbidden, and nothing changes.
func TestMembersCannotUseAdminActions(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		ctx, s, m := e.ctx, e.svc, w.memberB
		name := "Renamed"
		attempts := map[string]func() error{
			"ListMembers":     func() error { _, _, err := s.ListMembers(ctx, m, "", selfserve.Page{}); return err },
			"ListInvites":     func() error { _, err := s.ListInvites(ctx, m, "", selfserve.Page{}); return err },
			"CreateInvite":    func() error { _, err := s.CreateInvite(ctx, m, "friend@bravo.test", ""); return err },
			"ListRoles":       func() error { _, err := s.ListRoles(ctx, m); return err },
			"CreateRole":      func() error { _, err := s.CreateRole(ctx, m, selfserve.RoleInput{Key: "x", Name: "X"}); return err },
			"ListDomains":     func() error { _, err := s.ListDomains(ctx, m, selfserve.Page{}); return err },
			"AddDomain":       func() error { _, err := s.AddDomain(ctx, m, "other.test"); return err },
			"Organization":    func() error { _, err := s.Organization(ctx, m); return err },
			"UpdateSettings":  func() error { _, err := s.UpdateSettings(ctx, m, selfserve.Settings{Name: &name}); return err },
			"ListOrgSessions": func() error { _, _, err := s.ListOrgSessions(ctx, m, selfserve.Page{}); return err },
			"ListAudit":       func() error { _, _, err := s.ListAudit(ctx, m, selfserve.Page{}); return err },
			"SetRoles self":   func() error { _, err := s.SetRoles(ctx, m, string(m.UserID), []string{rbac.RoleAdmin}); return err },
		}
		for what, do := range attempts {
			before := e.state(w.p1.ID)
			refused(t, what, do(), fault.PermissionDenied, fault.CodeForbidden)
			if after := e.state(w.p1.ID); after != before {
				t.Fatalf("%s: refused, but state changed", what)
			}
		}
		// A zero member (nobody signed in) is refused as unauthenticated.
		_, err := s.Account(ctx, selfserve.Member{})
		refused(t, "no member", err, fault.Unauthenticated, "")
	})
}

// TestListingsStayInTheOrganization: an admin's listings show only its own
// organization, whatever exists next to it.
func TestListingsStayInTheOrganization(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		ctx, s, m := e.ctx, e.svc, w.adminA
		members, _, err := s.ListMembers(ctx, m, "", selfserve.Page{})
		fatalIf(t, err)
		if len(members) != 3 {
			t.Fatalf("A has 3 members, listed %d", len(members))
		}
		for _, r := range members {
			if r.User.OrganizationID != w.orgA.ID {
				t.Fatalf("listed %s of another organization", r.User.Email)
			}
		}
		invs, err := s.ListInvites(ctx, m, "", selfserve.Page{})
		fatalIf(t, err)
		ds, err := s.ListDomains(ctx, m, selfserve.Page{})
		fatalIf(t, err)
		if len(invs) != 0 || len(ds) != 0 {
			t.Fatalf("A listed B's invites (%d) or domains (%d)", len(invs), len(ds))
		}
		sess, _, err := s.ListOrgSessions(ctx, m, selfserve.Page{})
		fatalIf(t, err)
		if len(sess) != 3 {
			t.Fatalf("A has 3 live sessions, listed %d", len(sess))
		}
		for _, r := range sess {
			if r.Session.OrgID != w.orgA.ID {
				t.Fatal("listed a session of another organization")
			}
		}
		evs, _, err := s.ListAudit(ctx, m, selfserve.Page{})
		fatalIf(t, err)
		if len(evs) == 0 {
			t.Fatal("A's audit log is empty")
		}
		for _, ev := range evs {
			if ev.OrganizationID != w.orgA.ID {
				t.Fatalf("A's audit log shows %s of another organization", ev.Type)
			}
		}
		roles, err := s.ListRoles(ctx, m)
		fatalIf(t, err)
		for _, r := range roles.Roles {
			if r.OrganizationID != "" && r.OrganizationID != w.orgA.ID {
				t.Fatalf("A sees B's custom role %s", r.Key)
			}
		}
		// B's custom role cannot be given by key to one of A's members.
		before := e.state(w.p1.ID)
		_, err = s.SetRoles(ctx, m, string(w.memberA.UserID), []string{w.roleB.Key})
		refused(t, "give B's role", err, fault.Invalid, "")
		if e.state(w.p1.ID) != before {
			t.Fatal("refused, but state changed")
		}
		// Search narrows by email or name prefix.
		found, _, err := s.ListMembers(ctx, m, "ADMIN@", selfserve.Page{})
		fatalIf(t, err)
		if len(found) != 1 || found[0].User.Email != "admin@alpha.test" {
			t.Fatalf("search found %d members", len(found))
		}
	})
}

// TestOwnerOnlyRules: admins manage members, but the owner role (giving it,
// taking it, inviting as owner, deactivating or removing an owner) is the
// owners' alone; owners can.
func TestOwnerOnlyRules(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		ctx, s := e.ctx, e.svc
		owner := string(w.ownerBUser.ID)
		member := string(w.userB.ID)
		adminAttempts := map[string]func() error{
			"promote to owner": func() error { _, err := s.SetRoles(ctx, w.adminB, member, []string{rbac.RoleOwner}); return err },
			"demote the owner": func() error { _, err := s.SetRoles(ctx, w.adminB, owner, []string{rbac.RoleMember}); return err },
			"deactivate owner": func() error { _, err := s.SetMemberStatus(ctx, w.adminB, owner, false); return err },
			"remove owner":     func() error { return s.RemoveMember(ctx, w.adminB, owner) },
			"invite as owner":  func() error { _, err := s.CreateInvite(ctx, w.adminB, "boss@bravo.test", rbac.RoleOwner); return err },
			"invite as owner, spaced": func() error {
				_, err := s.CreateInvite(ctx, w.adminB, "boss@bravo.test", " owner ")
				return err
			},
			"invite as owner, capitals": func() error { _, err := s.CreateInvite(ctx, w.adminB, "boss@bravo.test", "OWNER"); return err },
		}
		for what, do := range adminAttempts {
			before := e.state(w.p1.ID)
			refused(t, "admin: "+what, do(), fault.PermissionDenied, fault.CodeForbidden)
			if e.state(w.p1.ID) != before {
				t.Fatalf("admin: %s: refused, but state changed", what)
			}
		}
		// An admin manages plain members.
		if _, err := s.SetRoles(ctx, w.adminB, member, []string{rbac.RoleAdmin}); err != nil {
			t.Fatalf("admin promoting a member to admin: %v", err)
		}
		if _, err := s.SetMemberStatus(ctx, w.adminB, member, false); err != nil {
			t.Fatalf("admin deactivating a member: %v", err)
		}
		// Admins do not lock themselves out.
		_, err := s.SetMemberStatus(ctx, w.adminB, string(w.adminB.UserID), false)
		refused(t, "deactivate self", err, fault.FailedPrecondition, selfserve.CodeSelf)

		// The owner can give the owner role, and then step down.
		row, err := s.SetRoles(ctx, w.ownerB, string(w.adminB.UserID), []string{rbac.RoleOwner})
		if err != nil || !slices.Equal(row.Roles, []string{rbac.RoleOwner}) {
			t.Fatalf("owner promoting the admin: %v %v", row, err)
		}
		rs, err := e.ten.ListUserRoles(ctx, w.p1.ID, string(w.adminB.UserID))
		fatalIf(t, err)
		if keys := rbac.Keys(rs); !slices.Equal(keys, []string{rbac.RoleOwner}) {
			t.Fatalf("promoted admin holds %v, want exactly owner", keys)
		}
		for i, key := range []string{rbac.RoleOwner, " owner", "OWNER"} {
			inv, err := s.CreateInvite(ctx, w.ownerB, fmt.Sprintf("boss%d@bravo.test", i), key)
			if err != nil || inv.RoleKey != rbac.RoleOwner {
				t.Fatalf("owner inviting an owner as %q: %+v %v", key, inv, err)
			}
		}
		// The last owner cannot be demoted, and nothing changes trying.
		_, err = s.SetRoles(ctx, w.ownerA, string(w.ownerA.UserID), []string{rbac.RoleMember})
		refused(t, "last owner steps down", err, fault.FailedPrecondition, fault.CodeLastOwner)
		rs, err = e.ten.ListUserRoles(ctx, w.p1.ID, string(w.ownerA.UserID))
		fatalIf(t, err)
		if keys := rbac.Keys(rs); !slices.Equal(keys, []string{rbac.RoleOwner}) {
			t.Fatalf("refused demotion left roles %v", keys)
		}
	})
}

// TestInviteSendsMail: an admin's invite reaches the outbox with the link.
func TestInviteSendsMail(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		inv, err := e.svc.CreateInvite(e.ctx, w.adminA, "friend@alpha.test", "")
		fatalIf(t, err)
		if inv.OrgID != w.orgA.ID || inv.RoleKey != rbac.RoleMember {
			t.Fatalf("invite %+v, want A's with role member", inv)
		}
		msgs, err := e.outbox.Inbox(e.ctx, w.p1.ID, 20)
		fatalIf(t, err)
		found := false
		for _, m := range msgs {
			if m.To == "friend@alpha.test" && strings.Contains(m.Text, "/invite/") {
				found = true
			}
		}
		if !found {
			t.Fatal("no invitation email with a link in the outbox")
		}
	})
}

// TestPolicy: admins set the policy within what the project enables; the
// vendor's kill switch is not theirs.
func TestPolicy(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		ctx, s, m := e.ctx, e.svc, w.adminA
		on := true
		before := e.state(w.p1.ID)
		_, err := s.UpdateSettings(ctx, m, selfserve.Settings{LoginsDisabled: &on})
		refused(t, "logins_disabled", err, fault.PermissionDenied, fault.CodeForbidden)
		_, err = s.UpdateSettings(ctx, w.ownerA, selfserve.Settings{LoginsDisabled: &on})
		refused(t, "logins_disabled by owner", err, fault.PermissionDenied, fault.CodeForbidden)
		sso := []string{"saml"}
		_, err = s.UpdateSettings(ctx, m, selfserve.Settings{AllowedLoginMethods: &sso})
		refused(t, "method the project does not enable", err, fault.Invalid, "")
		join, ownerRole, bRole := true, rbac.RoleOwner, w.roleB.Key
		_, err = s.UpdateSettings(ctx, m, selfserve.Settings{JoinByDomain: &join, JoinRoleKey: &ownerRole})
		refused(t, "join as owner", err, fault.Invalid, "")
		_, err = s.UpdateSettings(ctx, m, selfserve.Settings{JoinByDomain: &join, JoinRoleKey: &bRole})
		if err == nil {
			t.Fatal("A's join role set to B's custom role")
		}
		if e.state(w.p1.ID) != before {
			t.Fatal("refused, but state changed")
		}
		email := []string{"email"}
		o, err := s.UpdateSettings(ctx, m, selfserve.Settings{AllowedLoginMethods: &email})
		fatalIf(t, err)
		if len(o.Policy.AllowedLoginMethods) != 1 || o.Policy.AllowedLoginMethods[0] != project.MethodEmail || o.ID != w.orgA.ID {
			t.Fatalf("policy not saved on A: %+v", o.Policy)
		}
		// With passwords off for A, its members cannot set one.
		_, err = s.ChangePassword(ctx, w.memberA, "", "violet stapler orbit 1987")
		refused(t, "password where the policy allows none", err, fault.FailedPrecondition, selfserve.CodePasswordsOff)
		a, err := s.Account(ctx, w.memberA)
		fatalIf(t, err)
		if a.PasswordsEnabled {
			t.Fatal("the account page offers a password the policy does not allow")
		}
	})
}

// TestPassword: setting a first password needs none; changing it needs
// the current one; a change ends the other sessions; impersonation cannot.
func TestPassword(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		ctx, s, m := e.ctx, e.svc, w.memberB
		const first, second = "violet stapler orbit 1987", "quiet harbour lantern 2024"

		imp := m
		imp.Impersonated = true
		before := e.state(w.p1.ID)
		_, err := s.ChangePassword(ctx, imp, "", first)
		refused(t, "impersonated", err, fault.PermissionDenied, fault.CodeForbidden)
		if e.state(w.p1.ID) != before {
			t.Fatal("refused, but state changed")
		}

		_, err = s.ChangePassword(ctx, m, "", "password")
		refused(t, "weak password", err, fault.Invalid, "")
		if _, err := s.ChangePassword(ctx, m, "", first); err != nil {
			t.Fatalf("first password: %v", err)
		}
		a, err := s.Account(ctx, m)
		fatalIf(t, err)
		if !a.HasPassword {
			t.Fatal("account has no password after setting one")
		}
		_, err = s.ChangePassword(ctx, m, "", second)
		refused(t, "no current password", err, fault.Invalid, "")
		_, err = s.ChangePassword(ctx, m, "wrong horse", second)
		refused(t, "wrong current password", err, fault.Invalid, "")

		// Another live session of the same user ends; this one stays.
		other, _ := e.login(w.userB)
		n, err := s.ChangePassword(ctx, m, first, second)
		if err != nil || n < 1 {
			t.Fatalf("change: %d ended, %v", n, err)
		}
		rows, _, err := s.ListOwnSessions(ctx, m, selfserve.Page{})
		fatalIf(t, err)
		if len(rows) != 1 || rows[0].Session.ID != m.SessionID {
			t.Fatalf("after the change %d sessions are live, want only this one", len(rows))
		}
		if se, err := e.sessions.Get(ctx, w.p1.ID, other.SessionID); err != nil || se.RevokedAt == nil {
			t.Fatalf("the other session is still live: %v", err)
		}
	})
}

// TestOwnSessions: a member lists and ends its own sessions only, and
// "sign out everywhere else" keeps the current one.
func TestOwnSessions(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		w := newWorld(t, e)
		ctx, s, m := e.ctx, e.svc, w.memberB
		rows, _, err := s.ListOwnSessions(ctx, m, selfserve.Page{})
		fatalIf(t, err)
		if len(rows) != 2 {
			t.Fatalf("member B has 2 sessions, listed %d", len(rows))
		}
		for _, r := range rows {
			if r.Session.UserID != m.UserID {
				t.Fatal("listed someone else's session")
			}
		}
		// Another user's session in the same organization is not the
		// member's to end.
		err = s.RevokeOwnSession(ctx, m, string(w.adminB.SessionID))
		refused(t, "revoke a colleague's session", err, fault.NotFound, "")
		n, err := s.SignOutOthers(ctx, m)
		if err != nil || n != 1 {
			t.Fatalf("sign out others: %d, %v", n, err)
		}
		rows, _, err = s.ListOwnSessions(ctx, m, selfserve.Page{})
		fatalIf(t, err)
		if len(rows) != 1 || !rows[0].Current {
			t.Fatalf("after signing out elsewhere: %d sessions", len(rows))
		}
		if _, err := e.sessions.Get(ctx, w.p1.ID, w.adminB.SessionID); err != nil {
			t.Fatal(err)
		}
		rows, _, err = s.ListOrgSessions(ctx, w.adminB, selfserve.Page{})
		fatalIf(t, err)
		if len(rows) != 3 {
			t.Fatalf("B's other members kept their sessions: %d live", len(rows))
		}
	})
}
