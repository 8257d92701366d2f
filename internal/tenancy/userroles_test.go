package tenancy_test

import (
	"context"
	"slices"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// membership is one organization of a project with custom roles allowed,
// its roles by key, and a way to make users in it.
type membership struct {
	t     *testing.T
	ctx   context.Context
	svc   *tenancy.Service
	p     id.Project
	org   *org.Organization
	roles map[string]*rbac.Role
}

var admin = audit.Actor{Type: audit.ActorUser, ID: "user_admin"}

func newMembership(t *testing.T, st store.Store) *membership {
	t.Helper()
	ctx := context.Background()
	svc := tenancy.New(st)
	p, _, _, err := svc.CreateProject(ctx, audit.System("test"), tenancy.ProjectInput{Name: "Acme"})
	must(t, err)
	on := true
	_, err = svc.UpdateProject(ctx, audit.System("test"), p.ID, tenancy.ProjectUpdate{AllowCustomRoles: &on})
	must(t, err)
	name := "Initech"
	o, err := svc.CreateOrganization(ctx, audit.System("test"), p.ID, tenancy.OrganizationUpdate{Name: &name})
	must(t, err)
	_, err = svc.CreateRole(ctx, audit.System("test"), p.ID, tenancy.RoleInput{OrganizationID: string(o.ID), Key: "billing", Name: "Billing"})
	must(t, err)
	rs, err := svc.ListRoles(ctx, p.ID, string(o.ID), store.Page{Limit: 50})
	must(t, err)
	m := &membership{t: t, ctx: ctx, svc: svc, p: p.ID, org: o, roles: map[string]*rbac.Role{}}
	for _, r := range rs {
		m.roles[r.Key] = r
	}
	return m
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (m *membership) user(email string, roles ...string) *user.User {
	m.t.Helper()
	u, _, err := m.svc.CreateUser(m.ctx, audit.System("test"), m.p, tenancy.UserInput{OrganizationID: string(m.org.ID), Email: email, Roles: roles})
	must(m.t, err)
	return u
}

func (m *membership) ids(keys ...string) []string {
	var out []string
	for _, k := range keys {
		out = append(out, string(m.roles[k].ID))
	}
	return out
}

func (m *membership) held(u *user.User) []string {
	m.t.Helper()
	rs, err := m.svc.ListUserRoles(m.ctx, m.p, string(u.ID))
	must(m.t, err)
	return rbac.Keys(rs)
}

func (m *membership) events(typ string) int {
	m.t.Helper()
	evs, err := m.svc.ListAuditEvents(m.ctx, m.p, tenancy.AuditFilter{Type: typ}, store.Page{Limit: 200})
	must(m.t, err)
	return len(evs)
}

// TestSetUserRolesReplacesTheSet: the user ends with exactly the roles
// asked for, each change audited as a single assignment would be, and an
// unchanged set records nothing.
func TestSetUserRolesReplacesTheSet(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		m := newMembership(t, st)
		m.user("owner@initech.test")
		u := m.user("milton@initech.test", rbac.RoleAdmin, "billing")
		assigned, unassigned := m.events("role.assigned"), m.events("role.unassigned")

		rs, err := m.svc.SetUserRoles(m.ctx, admin, m.p, string(u.ID), m.ids("member", "billing", "member"), nil)
		must(t, err)
		if got := rbac.Keys(rs); !slices.Equal(got, []string{"billing", "member"}) {
			t.Fatalf("returned %v", got)
		}
		if got := m.held(u); !slices.Equal(got, []string{"billing", "member"}) {
			t.Fatalf("holds %v, want billing and member", got)
		}
		if a, un := m.events("role.assigned")-assigned, m.events("role.unassigned")-unassigned; a != 1 || un != 1 {
			t.Fatalf("recorded %d assignments and %d removals, want 1 and 1", a, un)
		}
		evs, err := m.svc.ListAuditEvents(m.ctx, m.p, tenancy.AuditFilter{Type: "role.unassigned"}, store.Page{Limit: 1})
		must(t, err)
		if evs[0].Actor != admin || evs[0].ResourceID != string(u.ID) {
			t.Fatalf("removal recorded as %+v", evs[0])
		}

		// The same set again changes nothing and records nothing.
		before := m.events("")
		_, err = m.svc.SetUserRoles(m.ctx, admin, m.p, string(u.ID), m.ids("billing", "member"), nil)
		must(t, err)
		if m.events("") != before {
			t.Fatal("an unchanged set wrote audit events")
		}
	})
}

// TestSetUserRolesIsAllOrNothing: a set with one bad role, the last owner's
// demotion, a user of another project: each is refused and nothing of the
// set is applied, not even its valid part.
func TestSetUserRolesIsAllOrNothing(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		m := newMembership(t, st)
		owner := m.user("owner@initech.test")
		u := m.user("milton@initech.test")

		// Another organization's custom role is invisible from this user.
		name := "Globex"
		other, err := m.svc.CreateOrganization(m.ctx, audit.System("test"), m.p, tenancy.OrganizationUpdate{Name: &name})
		must(t, err)
		foreign, err := m.svc.CreateRole(m.ctx, audit.System("test"), m.p, tenancy.RoleInput{OrganizationID: string(other.ID), Key: "globex", Name: "Globex"})
		must(t, err)
		before := m.events("")
		_, err = m.svc.SetUserRoles(m.ctx, admin, m.p, string(u.ID), append(m.ids("admin"), string(foreign.ID)), nil)
		if fault.KindOf(err) != fault.NotFound {
			t.Fatalf("another organization's role: %v, want not found", err)
		}
		if got := m.held(u); !slices.Equal(got, []string{"member"}) || m.events("") != before {
			t.Fatalf("refused set left %v and %d new events", got, m.events("")-before)
		}

		// The last active owner keeps the owner role; the admin role asked
		// for alongside is not given either.
		_, err = m.svc.SetUserRoles(m.ctx, admin, m.p, string(owner.ID), m.ids("admin"), nil)
		if fe := fault.From(err); fe.Code != fault.CodeLastOwner {
			t.Fatalf("demoting the last owner: %v, want last_owner", err)
		}
		if got := m.held(owner); !slices.Equal(got, []string{"owner"}) || m.events("") != before {
			t.Fatalf("refused demotion left %v and %d new events", got, m.events("")-before)
		}
		// With a second owner the demotion goes through.
		_, err = m.svc.SetUserRoles(m.ctx, admin, m.p, string(u.ID), m.ids("owner"), nil)
		must(t, err)
		_, err = m.svc.SetUserRoles(m.ctx, admin, m.p, string(owner.ID), m.ids("admin"), nil)
		must(t, err)
		if got := m.held(owner); !slices.Equal(got, []string{"admin"}) {
			t.Fatalf("demoted owner holds %v", got)
		}

		// A user of another project is not found from this one, and keeps
		// its roles.
		o2 := newMembership(t, st)
		stranger := o2.user("stranger@elsewhere.test")
		_, err = m.svc.SetUserRoles(m.ctx, admin, m.p, string(stranger.ID), m.ids("member"), nil)
		if fault.KindOf(err) != fault.NotFound {
			t.Fatalf("another project's user: %v, want not found", err)
		}
		if got := o2.held(stranger); !slices.Equal(got, []string{"owner"}) {
			t.Fatalf("another project's user now holds %v", got)
		}
	})
}

// TestGuardSeesCurrentRoles: a caller reads a user (a plain member), then
// someone else makes that user an owner; the caller's guard, which refuses
// to touch owners, runs inside the change on what is held now and refuses
// the demotion, the deactivation and the deletion. A baseline without the
// promotion goes through.
func TestGuardSeesCurrentRoles(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		m := newMembership(t, st)
		m.user("owner@initech.test")
		bob := m.user("bob@initech.test")
		carol := m.user("carol@initech.test")

		noOwners := func(_ *user.User, held []*rbac.Role) error {
			for _, r := range held {
				if r.Key == rbac.RoleOwner {
					return fault.NewForbidden("only owners may change an owner")
				}
			}
			return nil
		}
		// The caller's read: bob is a plain member, so it may act on him.
		if got := m.held(bob); !slices.Equal(got, []string{"member"}) {
			t.Fatalf("bob holds %v", got)
		}
		// Meanwhile bob is promoted.
		_, err := m.svc.AssignRole(m.ctx, admin, m.p, string(bob.ID), tenancy.RoleRef{Key: rbac.RoleOwner})
		must(t, err)
		before := m.events("")

		_, err = m.svc.SetUserRoles(m.ctx, admin, m.p, string(bob.ID), m.ids("member"), noOwners)
		if fault.KindOf(err) != fault.PermissionDenied {
			t.Fatalf("demotion after the promotion: %v, want forbidden", err)
		}
		deactivated := string(user.StatusDeactivated)
		_, err = m.svc.UpdateUser(m.ctx, admin, m.p, string(bob.ID), tenancy.UserUpdate{Status: &deactivated, Guard: noOwners})
		if fault.KindOf(err) != fault.PermissionDenied {
			t.Fatalf("deactivation after the promotion: %v, want forbidden", err)
		}
		err = m.svc.DeleteUserGuarded(m.ctx, admin, m.p, string(bob.ID), noOwners)
		if fault.KindOf(err) != fault.PermissionDenied {
			t.Fatalf("deletion after the promotion: %v, want forbidden", err)
		}
		got, err := m.svc.GetUser(m.ctx, m.p, string(bob.ID))
		must(t, err)
		if got.Status != user.StatusActive || !slices.Equal(m.held(bob), []string{"member", "owner"}) || m.events("") != before {
			t.Fatalf("refused changes left bob %s with %v and %d new events", got.Status, m.held(bob), m.events("")-before)
		}

		// Baseline: carol is still a plain member, and the same guard lets
		// each change through.
		_, err = m.svc.SetUserRoles(m.ctx, admin, m.p, string(carol.ID), m.ids("billing"), noOwners)
		must(t, err)
		_, err = m.svc.UpdateUser(m.ctx, admin, m.p, string(carol.ID), tenancy.UserUpdate{Status: &deactivated, Guard: noOwners})
		must(t, err)
		must(t, m.svc.DeleteUserGuarded(m.ctx, admin, m.p, string(carol.ID), noOwners))
		if _, err := m.svc.GetUser(m.ctx, m.p, string(carol.ID)); fault.KindOf(err) != fault.NotFound {
			t.Fatalf("carol after deletion: %v", err)
		}
	})
}
