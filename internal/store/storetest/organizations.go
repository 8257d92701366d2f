package storetest

import (
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func (e *env) getOrg(p id.Project, o id.Org) *org.Organization {
	e.t.Helper()
	got, err := e.st.GetOrganization(e.ctx, p, o)
	noErr(e.t, err, "GetOrganization")
	return got
}

func testOrgRoundTrip(e *env) {
	a, _ := e.tenants()
	o, err := org.New(a.P.ID, "Southwest Airlines", e.clk.now())
	noErr(e.t, err, "org.New")
	o.Policy = org.Policy{
		AllowedLoginMethods: []project.LoginMethod{project.MethodPassword, project.MethodSAML},
		RequireMFA:          true,
		RequireSSO:          true,
		SessionMaxLifetime:  dur(12 * time.Hour),
		SessionIdleTimeout:  dur(30*time.Minute + time.Second),
		LoginsDisabled:      true,
		JoinByDomain:        true,
		JoinRoleKey:         "admin",
	}
	e.write(func(w store.Writer) error { return w.CreateOrganization(e.ctx, o) })
	same(e.t, o, e.getOrg(a.P.ID, o.ID), "created organization")

	// The default policy (nil overrides, every method) round-trips too.
	same(e.t, a.Org, e.getOrg(a.P.ID, a.Org.ID), "organization with default policy")

	upd := *o
	upd.Name = "Southwest"
	upd.Policy = org.Policy{AllowedLoginMethods: []project.LoginMethod{project.MethodEmail}, JoinRoleKey: "member"}
	upd.UpdatedAt = e.clk.now()
	e.write(func(w store.Writer) error { return w.UpdateOrganization(e.ctx, &upd) })
	same(e.t, &upd, e.getOrg(a.P.ID, o.ID), "updated organization (overrides cleared)")

	// Neighbours are untouched.
	same(e.t, a.Org2, e.getOrg(a.P.ID, a.Org2.ID), "sibling organization")
}

func testOrgOtherTenant(e *env) {
	a, b := e.tenants()
	before := e.getOrg(a.P.ID, a.Org.ID)

	_, err := e.st.GetOrganization(e.ctx, b.P.ID, a.Org.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetOrganization from another project")

	hijack := *a.Org
	hijack.ProjectID = b.P.ID
	hijack.Name = "Hijacked"
	hijack.Policy.LoginsDisabled = true
	hijack.Policy.JoinByDomain = true
	hijack.Policy.JoinRoleKey = "admin"
	err = e.writeErr(func(w store.Writer) error { return w.UpdateOrganization(e.ctx, &hijack) })
	wantErr(e.t, err, store.ErrNotFound, "UpdateOrganization from another project")

	err = e.writeErr(func(w store.Writer) error { return w.DeleteOrganization(e.ctx, b.P.ID, a.Org.ID) })
	wantErr(e.t, err, store.ErrNotFound, "DeleteOrganization from another project")

	list, err := e.st.ListOrganizations(e.ctx, b.P.ID, store.Page{Limit: 100})
	noErr(e.t, err, "ListOrganizations")
	same(e.t, []string{orgID(b.Org), orgID(b.Org2)}, ids(list, orgID), "other project's organization list")

	same(e.t, before, e.getOrg(a.P.ID, a.Org.ID), "organization after other-tenant attempts")
}

func testOrgNotFound(e *env) {
	a, _ := e.tenants()
	ghost, err := org.New(a.P.ID, "Ghost", e.clk.now())
	noErr(e.t, err, "org.New")
	_, err = e.st.GetOrganization(e.ctx, a.P.ID, ghost.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetOrganization unknown")
	err = e.writeErr(func(w store.Writer) error { return w.UpdateOrganization(e.ctx, ghost) })
	wantErr(e.t, err, store.ErrNotFound, "UpdateOrganization unknown")
	err = e.writeErr(func(w store.Writer) error { return w.DeleteOrganization(e.ctx, a.P.ID, ghost.ID) })
	wantErr(e.t, err, store.ErrNotFound, "DeleteOrganization unknown")
	err = e.writeErr(func(w store.Writer) error { return w.LockOrganization(e.ctx, a.P.ID, ghost.ID) })
	wantErr(e.t, err, store.ErrNotFound, "LockOrganization unknown")
	_, err = e.st.GetOrganization(e.ctx, a.P.ID, ghost.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetOrganization after update of unknown")
}

func testOrgList(e *env) {
	a, b := e.tenants()
	want := []*org.Organization{a.Org, a.Org2}
	var more []*org.Organization
	for range 7 {
		o, err := org.New(a.P.ID, "Customer", e.clk.now())
		noErr(e.t, err, "org.New")
		more = append(more, o)
	}
	e.write(func(w store.Writer) error {
		for _, o := range more {
			if err := w.CreateOrganization(e.ctx, o); err != nil {
				return err
			}
		}
		// Rows of the other project interleave with ours.
		o, err := org.New(b.P.ID, "Other customer", e.clk.now())
		if err != nil {
			return err
		}
		return w.CreateOrganization(e.ctx, o)
	})
	want = append(want, more...)
	for _, limit := range []int{1, 2, 4, 9, 50} {
		got := pages(e.t, limit, false, func(pg store.Page) ([]*org.Organization, error) {
			return e.st.ListOrganizations(e.ctx, a.P.ID, pg)
		}, orgID)
		same(e.t, want, got, "all pages of organizations")
	}
	mid := want[4]
	got, err := e.st.ListOrganizations(e.ctx, a.P.ID, store.Page{After: string(mid.ID), Limit: 3})
	noErr(e.t, err, "ListOrganizations after mid")
	same(e.t, want[5:8], got, "page after a middle ID")

	// An After cursor taken from another project shows nothing of ours that
	// the other project could not see anyway: its list stays its own.
	got, err = e.st.ListOrganizations(e.ctx, b.P.ID, store.Page{After: string(a.Org.ID), Limit: 100})
	noErr(e.t, err, "ListOrganizations with foreign cursor")
	for _, o := range got {
		if o.ProjectID != b.P.ID {
			e.t.Fatalf("project B's listing returned organization %s of project %s", o.ID, o.ProjectID)
		}
	}
}

func testOrgUpdateKeepsMemberCount(e *env) {
	a, _ := e.tenants()
	e.createUsers(a.Org, 2)
	upd := *e.getOrg(a.P.ID, a.Org.ID)
	upd.MemberCount = 99
	upd.Name = "Renamed"
	upd.UpdatedAt = e.clk.now()
	e.write(func(w store.Writer) error { return w.UpdateOrganization(e.ctx, &upd) })
	got := e.getOrg(a.P.ID, a.Org.ID)
	if got.MemberCount != 2 || got.Name != "Renamed" {
		e.t.Fatalf("after update: member_count %d name %q, want 2 and Renamed", got.MemberCount, got.Name)
	}
}

func testOrgDeleteCascades(e *env) {
	a, b := e.tenants()
	u1 := e.createUser(a.Org, "one@example.com")
	u2 := e.createUser(a.Org, "two@example.com")
	keep := e.createUser(a.Org2, "one@example.com")
	custom := e.newRole(a.P.ID, a.Org.ID, "auditor")
	e.createRole(custom)
	e.assign(u1, a.Owner)
	e.assign(u2, custom)
	e.assign(keep, a.Owner)
	ev := e.newEvent(a.P.ID, a.Org.ID, "organization.updated", string(a.Org.ID), e.clk.now())
	e.write(func(w store.Writer) error { return w.InsertAuditEvent(e.ctx, ev) })

	// The other tenant cannot delete it.
	err := e.writeErr(func(w store.Writer) error { return w.DeleteOrganization(e.ctx, b.P.ID, a.Org.ID) })
	wantErr(e.t, err, store.ErrNotFound, "DeleteOrganization from another project")
	e.getOrg(a.P.ID, a.Org.ID)
	_, err = e.st.GetUser(e.ctx, a.P.ID, u1.ID)
	noErr(e.t, err, "user survives other-tenant delete")

	e.write(func(w store.Writer) error { return w.DeleteOrganization(e.ctx, a.P.ID, a.Org.ID) })

	_, err = e.st.GetOrganization(e.ctx, a.P.ID, a.Org.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetOrganization after delete")
	for _, u := range []*struct {
		id    id.User
		email string
	}{{u1.ID, u1.Email}, {u2.ID, u2.Email}} {
		_, err = e.st.GetUser(e.ctx, a.P.ID, u.id)
		wantErr(e.t, err, store.ErrNotFound, "GetUser of deleted organization")
		_, err = e.st.GetUserByEmail(e.ctx, a.P.ID, a.Org.ID, u.email)
		wantErr(e.t, err, store.ErrNotFound, "GetUserByEmail of deleted organization")
	}
	users, err := e.st.ListUsers(e.ctx, a.P.ID, store.UserFilter{OrganizationID: a.Org.ID}, store.Page{Limit: 10})
	noErr(e.t, err, "ListUsers of deleted organization")
	if len(users) != 0 {
		e.t.Fatalf("ListUsers of deleted organization returned %d users", len(users))
	}
	_, err = e.st.GetRole(e.ctx, a.P.ID, custom.ID)
	wantErr(e.t, err, store.ErrNotFound, "custom role of deleted organization")
	n, err := e.st.CountRoleMembers(e.ctx, a.P.ID, a.Org.ID, a.Owner.ID)
	notFoundOrEmpty(e.t, err, int(n), "owners of deleted organization")

	// The audit trail outlives the organization.
	evs, err := e.st.ListAuditEvents(e.ctx, a.P.ID, audit.Filter{OrganizationID: a.Org.ID}, store.Page{Limit: 10})
	noErr(e.t, err, "ListAuditEvents of deleted organization")
	same(e.t, []string{eventID(ev)}, ids(evs, eventID), "audit events of deleted organization")

	// The sibling organization, its user, its assignment and the
	// project-wide role are untouched.
	sib := e.getOrg(a.P.ID, a.Org2.ID)
	if sib.MemberCount != 1 {
		e.t.Fatalf("sibling member_count %d, want 1", sib.MemberCount)
	}
	gotKeep, err := e.st.GetUser(e.ctx, a.P.ID, keep.ID)
	noErr(e.t, err, "sibling's user")
	same(e.t, keep, gotKeep, "sibling's user")
	roles, err := e.st.ListUserRoles(e.ctx, a.P.ID, keep.ID)
	noErr(e.t, err, "sibling's user roles")
	same(e.t, []string{roleID(a.Owner)}, ids(roles, roleID), "sibling's user roles")
	owner, err := e.st.GetRole(e.ctx, a.P.ID, a.Owner.ID)
	noErr(e.t, err, "project-wide role")
	same(e.t, a.Owner, owner, "project-wide role")
}

func testOrgLockOtherTenant(e *env) {
	a, b := e.tenants()
	err := e.writeErr(func(w store.Writer) error { return w.LockOrganization(e.ctx, b.P.ID, a.Org.ID) })
	wantErr(e.t, err, store.ErrNotFound, "LockOrganization from another project")
	e.write(func(w store.Writer) error { return w.LockOrganization(e.ctx, a.P.ID, a.Org.ID) })
}
