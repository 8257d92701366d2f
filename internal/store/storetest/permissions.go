package storetest

import (
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func (e *env) getPermission(p id.Project, pm id.Permission) *rbac.Permission {
	e.t.Helper()
	got, err := e.st.GetPermission(e.ctx, p, pm)
	noErr(e.t, err, "GetPermission")
	return got
}

func testPermissionRoundTrip(e *env) {
	a, _ := e.tenants()
	pm := e.createPermissions(a.P.ID, "invoices.read")[0]
	same(e.t, pm, e.getPermission(a.P.ID, pm.ID), "created permission")
	got, err := e.st.GetPermissionByKey(e.ctx, a.P.ID, "invoices.read")
	noErr(e.t, err, "GetPermissionByKey")
	same(e.t, pm, got, "permission by key")

	upd := *pm
	upd.Description = "Read every invoice of the organization"
	e.write(func(w store.Writer) error { return w.UpdatePermission(e.ctx, &upd) })
	same(e.t, &upd, e.getPermission(a.P.ID, pm.ID), "updated permission")

	ghost := e.newPermission(a.P.ID, "ghost.read")
	_, err = e.st.GetPermission(e.ctx, a.P.ID, ghost.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetPermission unknown")
	_, err = e.st.GetPermissionByKey(e.ctx, a.P.ID, ghost.Key)
	wantErr(e.t, err, store.ErrNotFound, "GetPermissionByKey unknown")
	err = e.writeErr(func(w store.Writer) error { return w.UpdatePermission(e.ctx, ghost) })
	wantErr(e.t, err, store.ErrNotFound, "UpdatePermission unknown")
	err = e.writeErr(func(w store.Writer) error { return w.DeletePermission(e.ctx, a.P.ID, ghost.ID) })
	wantErr(e.t, err, store.ErrNotFound, "DeletePermission unknown")
}

func testPermissionOtherTenant(e *env) {
	a, b := e.tenants()
	pm := e.createPermissions(a.P.ID, "reports.export")[0]
	e.createPermissions(b.P.ID, "other.thing")
	before := e.getPermission(a.P.ID, pm.ID)

	_, err := e.st.GetPermission(e.ctx, b.P.ID, pm.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetPermission from another project")
	_, err = e.st.GetPermissionByKey(e.ctx, b.P.ID, pm.Key)
	wantErr(e.t, err, store.ErrNotFound, "GetPermissionByKey from another project")
	hijack := *pm
	hijack.ProjectID = b.P.ID
	hijack.Description = "hijacked"
	err = e.writeErr(func(w store.Writer) error { return w.UpdatePermission(e.ctx, &hijack) })
	wantErr(e.t, err, store.ErrNotFound, "UpdatePermission from another project")
	err = e.writeErr(func(w store.Writer) error { return w.DeletePermission(e.ctx, b.P.ID, pm.ID) })
	wantErr(e.t, err, store.ErrNotFound, "DeletePermission from another project")
	list, err := e.st.ListPermissions(e.ctx, b.P.ID, store.Page{Limit: 100})
	noErr(e.t, err, "ListPermissions of the other project")
	for _, p := range list {
		if p.ProjectID != b.P.ID {
			e.t.Fatalf("the other project's listing includes permission %s of %s", p.ID, p.ProjectID)
		}
	}
	same(e.t, before, e.getPermission(a.P.ID, pm.ID), "permission after other-tenant attempts")
}

func testPermissionKeyUnique(e *env) {
	a, b := e.tenants()
	e.createPermissions(a.P.ID, "users.manage")
	dup := e.newPermission(a.P.ID, "users.manage")
	err := e.writeErr(func(w store.Writer) error { return w.CreatePermission(e.ctx, dup) })
	wantErr(e.t, err, store.ErrConflict, "CreatePermission with a taken key")
	_, err = e.st.GetPermission(e.ctx, a.P.ID, dup.ID)
	wantErr(e.t, err, store.ErrNotFound, "refused permission")
	// Keys are per project.
	other := e.createPermissions(b.P.ID, "users.manage")[0]
	got, err := e.st.GetPermissionByKey(e.ctx, b.P.ID, "users.manage")
	noErr(e.t, err, "GetPermissionByKey in the other project")
	same(e.t, other, got, "same key in another project")
}

func testPermissionList(e *env) {
	a, b := e.tenants()
	mine := e.createPermissions(a.P.ID, "p.a", "p.b", "p.c", "p.d", "p.e")
	e.createPermissions(b.P.ID, "p.a", "p.b")
	for _, limit := range []int{1, 2, 5, 10} {
		got := pages(e.t, limit, false, func(pg store.Page) ([]*rbac.Permission, error) {
			return e.st.ListPermissions(e.ctx, a.P.ID, pg)
		}, permID)
		same(e.t, mine, got, "all pages of permissions")
	}
	got, err := e.st.ListPermissions(e.ctx, a.P.ID, store.Page{After: string(mine[1].ID), Limit: 2})
	noErr(e.t, err, "ListPermissions after a middle ID")
	same(e.t, mine[2:4], got, "page after a middle ID")
}

func testPermissionDeleteFromRoles(e *env) {
	a, b := e.tenants()
	pms := e.createPermissions(a.P.ID, "docs.read", "docs.write")
	e.createPermissions(b.P.ID, "docs.read")
	role := e.newRole(a.P.ID, "", "editor", "docs.read", "docs.write")
	custom := e.newRole(a.P.ID, a.Org.ID, "reader", "docs.read")
	otherRole := e.newRole(b.P.ID, "", "editor", "docs.read")
	e.createRole(role)
	e.createRole(custom)
	e.createRole(otherRole)

	e.write(func(w store.Writer) error { return w.DeletePermission(e.ctx, a.P.ID, pms[0].ID) })

	_, err := e.st.GetPermission(e.ctx, a.P.ID, pms[0].ID)
	wantErr(e.t, err, store.ErrNotFound, "GetPermission after delete")
	_, err = e.st.GetPermissionByKey(e.ctx, a.P.ID, "docs.read")
	wantErr(e.t, err, store.ErrNotFound, "GetPermissionByKey after delete")
	for _, c := range []struct {
		r    *rbac.Role
		want []string
	}{{role, []string{"docs.write"}}, {custom, []string{}}} {
		got, err := e.st.GetRole(e.ctx, a.P.ID, c.r.ID)
		noErr(e.t, err, "GetRole")
		same(e.t, c.want, got.Permissions, "permissions of role "+c.r.Key+" after delete")
	}
	// The other project's permission with the same key is untouched.
	got, err := e.st.GetRole(e.ctx, b.P.ID, otherRole.ID)
	noErr(e.t, err, "GetRole other project")
	same(e.t, []string{"docs.read"}, got.Permissions, "other project's role permissions")
	_, err = e.st.GetPermissionByKey(e.ctx, b.P.ID, "docs.read")
	noErr(e.t, err, "other project's permission")
}
