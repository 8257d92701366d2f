package storetest

import (
	"errors"
	"slices"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func (e *env) getRole(p id.Project, r id.Role) *rbac.Role {
	e.t.Helper()
	got, err := e.st.GetRole(e.ctx, p, r)
	noErr(e.t, err, "GetRole")
	return got
}

func testRoleRoundTrip(e *env) {
	a, _ := e.tenants()
	e.createPermissions(a.P.ID, "invoices.read", "invoices.write", "invoices.void")
	// Keys go in unsorted and come back sorted.
	r := e.newRole(a.P.ID, "", "billing", "invoices.write", "invoices.read")
	e.createRole(r)
	want := *r
	want.Permissions = []string{"invoices.read", "invoices.write"}
	same(e.t, &want, e.getRole(a.P.ID, r.ID), "created role")
	got, err := e.st.GetRoleByKey(e.ctx, a.P.ID, "", "billing")
	noErr(e.t, err, "GetRoleByKey")
	same(e.t, &want, got, "role by key")
	got, err = e.st.GetRoleByKey(e.ctx, a.P.ID, a.Org.ID, "billing")
	noErr(e.t, err, "GetRoleByKey from an organization")
	same(e.t, &want, got, "project-wide role seen from an organization")

	// Built-in roles round-trip with their flag.
	same(e.t, a.Owner, e.getRole(a.P.ID, a.Owner.ID), "built-in owner role")

	upd := want
	upd.Name = "Billing admin"
	upd.Description = "Voids invoices too"
	upd.Permissions = []string{"invoices.void", "invoices.read"}
	upd.UpdatedAt = e.clk.now()
	e.write(func(w store.Writer) error { return w.UpdateRole(e.ctx, &upd) })
	upd.Permissions = []string{"invoices.read", "invoices.void"}
	same(e.t, &upd, e.getRole(a.P.ID, r.ID), "updated role (permission set replaced)")

	upd.Permissions = []string{}
	e.write(func(w store.Writer) error { return w.UpdateRole(e.ctx, &upd) })
	same(e.t, &upd, e.getRole(a.P.ID, r.ID), "role with every permission removed")

	ghost := e.newRole(a.P.ID, "", "ghost")
	_, err = e.st.GetRole(e.ctx, a.P.ID, ghost.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetRole unknown")
	_, err = e.st.GetRoleByKey(e.ctx, a.P.ID, "", "ghost")
	wantErr(e.t, err, store.ErrNotFound, "GetRoleByKey unknown")
	err = e.writeErr(func(w store.Writer) error { return w.UpdateRole(e.ctx, ghost) })
	wantErr(e.t, err, store.ErrNotFound, "UpdateRole unknown")
	err = e.writeErr(func(w store.Writer) error { return w.DeleteRole(e.ctx, a.P.ID, ghost.ID) })
	wantErr(e.t, err, store.ErrNotFound, "DeleteRole unknown")
}

func testRoleUnknownPermission(e *env) {
	a, _ := e.tenants()
	e.createPermissions(a.P.ID, "known.perm")
	r := e.newRole(a.P.ID, "", "broken", "known.perm", "unknown.perm")
	err := e.writeErr(func(w store.Writer) error { return w.CreateRole(e.ctx, r) })
	wantErr(e.t, err, store.ErrNotFound, "CreateRole with an unknown permission key")
	_, err = e.st.GetRole(e.ctx, a.P.ID, r.ID)
	wantErr(e.t, err, store.ErrNotFound, "refused role")

	ok := e.newRole(a.P.ID, "", "fine", "known.perm")
	e.createRole(ok)
	before := e.getRole(a.P.ID, ok.ID)
	upd := *ok
	upd.Name = "Changed"
	upd.Permissions = []string{"unknown.perm"}
	err = e.writeErr(func(w store.Writer) error { return w.UpdateRole(e.ctx, &upd) })
	wantErr(e.t, err, store.ErrNotFound, "UpdateRole with an unknown permission key")
	same(e.t, before, e.getRole(a.P.ID, ok.ID), "role after refused update")
}

func testRoleForeignPermission(e *env) {
	a, b := e.tenants()
	e.createPermissions(b.P.ID, "secret.things")
	r := e.newRole(a.P.ID, "", "thief", "secret.things")
	err := e.writeErr(func(w store.Writer) error { return w.CreateRole(e.ctx, r) })
	wantErr(e.t, err, store.ErrNotFound, "CreateRole with another project's permission key")
	_, err = e.st.GetRole(e.ctx, a.P.ID, r.ID)
	wantErr(e.t, err, store.ErrNotFound, "refused role")
}

func testRoleOtherTenant(e *env) {
	a, b := e.tenants()
	e.createPermissions(a.P.ID, "x.read")
	r := e.newRole(a.P.ID, "", "viewer", "x.read")
	custom := e.newRole(a.P.ID, a.Org.ID, "org-viewer", "x.read")
	e.createRole(r)
	e.createRole(custom)
	beforeR, beforeC := e.getRole(a.P.ID, r.ID), e.getRole(a.P.ID, custom.ID)

	for _, victim := range []*rbac.Role{r, custom, a.Owner} {
		_, err := e.st.GetRole(e.ctx, b.P.ID, victim.ID)
		wantErr(e.t, err, store.ErrNotFound, "GetRole from another project")
		_, err = e.st.GetRoleByKey(e.ctx, b.P.ID, victim.OrganizationID, victim.Key)
		if victim.Builtin {
			// B has its own owner role; it must get that one, not A's.
			if err != nil {
				e.t.Fatalf("GetRoleByKey(owner) in project B: %v", err)
			}
		} else {
			wantErr(e.t, err, store.ErrNotFound, "GetRoleByKey from another project")
		}
		hijack := *victim
		hijack.ProjectID = b.P.ID
		hijack.Name = "Hijacked"
		hijack.Permissions = []string{}
		err = e.writeErr(func(w store.Writer) error { return w.UpdateRole(e.ctx, &hijack) })
		wantErr(e.t, err, store.ErrNotFound, "UpdateRole from another project")
		err = e.writeErr(func(w store.Writer) error { return w.DeleteRole(e.ctx, b.P.ID, victim.ID) })
		wantErr(e.t, err, store.ErrNotFound, "DeleteRole from another project")
	}
	got, err := e.st.GetRoleByKey(e.ctx, b.P.ID, "", rbac.RoleOwner)
	noErr(e.t, err, "GetRoleByKey owner in B")
	same(e.t, b.Owner, got, "project B's own owner role")

	for _, o := range []id.Org{"", a.Org.ID, b.Org.ID} {
		list, err := e.st.ListRoles(e.ctx, b.P.ID, o, store.Page{Limit: 100})
		if err != nil && o == a.Org.ID {
			wantErr(e.t, err, store.ErrNotFound, "ListRoles of another project's organization")
			continue
		}
		noErr(e.t, err, "ListRoles in project B")
		same(e.t, ids(b.Builtins, roleID), ids(list, roleID), "project B's roles")
	}
	same(e.t, beforeR, e.getRole(a.P.ID, r.ID), "role after other-tenant attempts")
	same(e.t, beforeC, e.getRole(a.P.ID, custom.ID), "custom role after other-tenant attempts")
	same(e.t, a.Owner, e.getRole(a.P.ID, a.Owner.ID), "owner role after other-tenant attempts")
}

func testRoleKeyUnique(e *env) {
	a, b := e.tenants()
	e.createRole(e.newRole(a.P.ID, "", "support"))
	for _, c := range []struct {
		what string
		r    *rbac.Role
	}{
		{"project-wide role with a taken key", e.newRole(a.P.ID, "", "support")},
		{"project-wide role with a built-in's key", e.newRole(a.P.ID, "", rbac.RoleOwner)},
	} {
		err := e.writeErr(func(w store.Writer) error { return w.CreateRole(e.ctx, c.r) })
		wantErr(e.t, err, store.ErrConflict, c.what)
	}
	e.createRole(e.newRole(a.P.ID, a.Org.ID, "custom"))
	dup := e.newRole(a.P.ID, a.Org.ID, "custom")
	err := e.writeErr(func(w store.Writer) error { return w.CreateRole(e.ctx, dup) })
	wantErr(e.t, err, store.ErrConflict, "custom role with a key taken in its organization")

	// Allowed: the same custom key in another organization, a custom role
	// shadowing a project-wide key, and any key in another project.
	e.createRole(e.newRole(a.P.ID, a.Org2.ID, "custom"))
	e.createRole(e.newRole(a.P.ID, a.Org.ID, "support"))
	e.createRole(e.newRole(b.P.ID, "", "support"))
	e.createRole(e.newRole(b.P.ID, b.Org.ID, "custom"))
}

func testRoleCustomScoped(e *env) {
	a, b := e.tenants()
	wide := e.newRole(a.P.ID, "", "billing")
	mine := e.newRole(a.P.ID, a.Org.ID, "billing")
	only := e.newRole(a.P.ID, a.Org.ID, "night-shift")
	sibling := e.newRole(a.P.ID, a.Org2.ID, "contractor")
	for _, r := range []*rbac.Role{wide, mine, only, sibling} {
		e.createRole(r)
	}
	lookup := func(o id.Org, key string) (*rbac.Role, error) {
		return e.st.GetRoleByKey(e.ctx, a.P.ID, o, key)
	}
	got, err := lookup(a.Org.ID, "billing")
	noErr(e.t, err, "GetRoleByKey billing in Org")
	same(e.t, mine, got, "organization's custom role shadows the project-wide one")
	got, err = lookup(a.Org2.ID, "billing")
	noErr(e.t, err, "GetRoleByKey billing in Org2")
	same(e.t, wide, got, "another organization sees the project-wide role")
	got, err = lookup("", "billing")
	noErr(e.t, err, "GetRoleByKey billing without organization")
	same(e.t, wide, got, "no organization sees the project-wide role")
	_, err = lookup(a.Org2.ID, "night-shift")
	wantErr(e.t, err, store.ErrNotFound, "another organization's custom role by key")
	_, err = lookup("", "night-shift")
	wantErr(e.t, err, store.ErrNotFound, "custom role by key without organization")
	_, err = e.st.GetRoleByKey(e.ctx, b.P.ID, a.Org.ID, "night-shift")
	wantErr(e.t, err, store.ErrNotFound, "custom role by key from another project")

	// GetRole finds any organization's custom role of the project.
	same(e.t, sibling, e.getRole(a.P.ID, sibling.ID), "custom role by ID")

	builtins := a.Builtins
	list := func(o id.Org) []*rbac.Role {
		return pages(e.t, 2, false, func(pg store.Page) ([]*rbac.Role, error) {
			return e.st.ListRoles(e.ctx, a.P.ID, o, pg)
		}, roleID)
	}
	same(e.t, append(builtins[:3:3], wide), list(""), "project-wide roles")
	same(e.t, append(builtins[:3:3], wide, mine, only), list(a.Org.ID), "roles seen from Org")
	same(e.t, append(builtins[:3:3], wide, sibling), list(a.Org2.ID), "roles seen from Org2")
}

func testRoleCustomForeignOrg(e *env) {
	a, b := e.tenants()
	r := e.newRole(a.P.ID, b.Org.ID, "intruder")
	err := e.writeErr(func(w store.Writer) error { return w.CreateRole(e.ctx, r) })
	wantErr(e.t, err, store.ErrNotFound, "custom role for another project's organization")
	_, err = e.st.GetRole(e.ctx, a.P.ID, r.ID)
	wantErr(e.t, err, store.ErrNotFound, "refused role in project A")
	_, err = e.st.GetRole(e.ctx, b.P.ID, r.ID)
	wantErr(e.t, err, store.ErrNotFound, "refused role in project B")
}

func testRoleList(e *env) {
	a, b := e.tenants()
	want := slices.Clone(a.Builtins)
	for _, k := range []string{"r1", "r2", "r3", "r4"} {
		r := e.newRole(a.P.ID, "", k)
		e.createRole(r)
		e.createRole(e.newRole(b.P.ID, "", k))
		want = append(want, r)
	}
	for _, limit := range []int{1, 3, 7, 20} {
		got := pages(e.t, limit, false, func(pg store.Page) ([]*rbac.Role, error) {
			return e.st.ListRoles(e.ctx, a.P.ID, "", pg)
		}, roleID)
		same(e.t, want, got, "all pages of roles")
	}
	got, err := e.st.ListRoles(e.ctx, a.P.ID, "", store.Page{After: string(want[2].ID), Limit: 2})
	noErr(e.t, err, "ListRoles after a middle ID")
	same(e.t, want[3:5], got, "page after a middle ID")
}

func testRoleDeleteAssignments(e *env) {
	a, _ := e.tenants()
	r := e.newRole(a.P.ID, "", "temp")
	e.createRole(r)
	u1 := e.createUser(a.Org, "one@example.com")
	u2 := e.createUser(a.Org2, "two@example.com")
	e.assign(u1, r)
	e.assign(u1, a.Member)
	e.assign(u2, r)

	e.write(func(w store.Writer) error { return w.DeleteRole(e.ctx, a.P.ID, r.ID) })
	_, err := e.st.GetRole(e.ctx, a.P.ID, r.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetRole after delete")
	_, err = e.st.GetRoleByKey(e.ctx, a.P.ID, "", "temp")
	wantErr(e.t, err, store.ErrNotFound, "GetRoleByKey after delete")
	roles, err := e.st.ListUserRoles(e.ctx, a.P.ID, u1.ID)
	noErr(e.t, err, "ListUserRoles")
	same(e.t, []string{roleID(a.Member)}, ids(roles, roleID), "roles after the role's deletion")
	roles, err = e.st.ListUserRoles(e.ctx, a.P.ID, u2.ID)
	noErr(e.t, err, "ListUserRoles")
	same(e.t, []string{}, ids(roles, roleID), "roles after the role's deletion")
	n, err := e.st.CountRoleMembers(e.ctx, a.P.ID, a.Org.ID, r.ID)
	notFoundOrEmpty(e.t, err, int(n), "members of a deleted role")
	// The key is free again.
	e.createRole(e.newRole(a.P.ID, "", "temp"))
}

// testRoleUpdateCannotMove: UpdateRole writes name, description and
// permissions only; naming another organization must not move a custom role
// there, nor turn a project-wide role into a custom one.
func testRoleUpdateCannotMove(e *env) {
	a, b := e.tenants()
	custom := e.newRole(a.P.ID, a.Org.ID, "org-only")
	e.createRole(custom)
	for _, c := range []struct {
		what string
		r    *rbac.Role
		to   id.Org
	}{
		{"custom role to the sibling organization", custom, a.Org2.ID},
		{"custom role to the other project's organization", custom, b.Org.ID},
		{"custom role to project-wide", custom, ""},
		{"project-wide role to an organization", a.Member, a.Org2.ID},
	} {
		upd := *e.getRole(a.P.ID, c.r.ID)
		upd.OrganizationID = c.to
		upd.Name = "Moved?"
		err := e.writeErr(func(w store.Writer) error { return w.UpdateRole(e.ctx, &upd) })
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			e.t.Fatalf("UpdateRole moving a %s: %v, want success without moving or ErrNotFound", c.what, err)
		}
		if got := e.getRole(a.P.ID, c.r.ID); got.OrganizationID != c.r.OrganizationID {
			e.t.Fatalf("UpdateRole moved a %s: organization now %q", c.what, got.OrganizationID)
		}
	}
	_, err := e.st.GetRoleByKey(e.ctx, a.P.ID, a.Org2.ID, "org-only")
	wantErr(e.t, err, store.ErrNotFound, "custom role by key from the sibling organization")
	_, err = e.st.GetRoleByKey(e.ctx, a.P.ID, "", "org-only")
	wantErr(e.t, err, store.ErrNotFound, "custom role by key without organization")
}

// testRoleKeyCountAndProjectLock covers the two helpers that keep role keys
// unambiguous and project configuration changes serialised.
func testRoleKeyCountAndProjectLock(e *env) {
	a, b := e.tenants()
	e.createRole(e.newRole(a.P.ID, a.Org.ID, "billing"))
	e.createRole(e.newRole(a.P.ID, a.Org2.ID, "billing"))
	count := func(p id.Project, key string) int64 {
		e.t.Helper()
		n, err := e.st.CountRolesWithKey(e.ctx, p, key)
		noErr(e.t, err, "CountRolesWithKey")
		return n
	}
	if n := count(a.P.ID, "billing"); n != 2 {
		e.t.Fatalf("custom roles with key billing = %d, want 2 (one per organization)", n)
	}
	if n := count(a.P.ID, rbac.RoleOwner); n != 1 {
		e.t.Fatalf("roles with key owner = %d, want 1", n)
	}
	if n := count(b.P.ID, "billing"); n != 0 {
		e.t.Fatalf("project B counts project A's custom roles: %d", n)
	}

	e.write(func(w store.Writer) error { return w.LockProject(e.ctx, a.P.ID) })
	err := e.writeErr(func(w store.Writer) error { return w.LockProject(e.ctx, id.New[id.Project](e.clk.now())) })
	wantErr(e.t, err, store.ErrNotFound, "LockProject of a project that does not exist")
}
