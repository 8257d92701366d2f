package storetest

import (
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

func (e *env) userRoles(p id.Project, u id.User) []string {
	e.t.Helper()
	roles, err := e.st.ListUserRoles(e.ctx, p, u)
	noErr(e.t, err, "ListUserRoles")
	return ids(roles, roleID)
}

func (e *env) count(p id.Project, o id.Org, r id.Role) int64 {
	e.t.Helper()
	n, err := e.st.CountRoleMembers(e.ctx, p, o, r)
	noErr(e.t, err, "CountRoleMembers")
	return n
}

func testAssignIdempotent(e *env) {
	a, _ := e.tenants()
	e.createPermissions(a.P.ID, "a.read", "z.write")
	zeta := e.newRole(a.P.ID, "", "zeta", "z.write")
	alpha := e.newRole(a.P.ID, a.Org.ID, "alpha", "a.read", "z.write")
	e.createRole(zeta)
	e.createRole(alpha)
	u := e.createUser(a.Org, "roles@example.com")
	e.assign(u, zeta)
	e.assign(u, zeta)
	asg := &rbac.Assignment{ProjectID: a.P.ID, OrganizationID: a.Org.ID, UserID: u.ID, RoleID: a.Owner.ID, CreatedAt: e.clk.now()}
	e.write(func(w store.Writer) error {
		if err := w.AssignRole(e.ctx, asg); err != nil {
			return err
		}
		return w.AssignRole(e.ctx, asg)
	})
	e.assign(u, alpha)

	// Ordered by key, each with its permissions.
	roles, err := e.st.ListUserRoles(e.ctx, a.P.ID, u.ID)
	noErr(e.t, err, "ListUserRoles")
	same(e.t, []*rbac.Role{alpha, a.Owner, zeta}, roles, "user's roles")
	if n := e.count(a.P.ID, a.Org.ID, zeta.ID); n != 1 {
		e.t.Fatalf("CountRoleMembers after assigning twice: %d, want 1", n)
	}
	if n := e.count(a.P.ID, a.Org.ID, a.Owner.ID); n != 1 {
		e.t.Fatalf("owners after assigning twice in one transaction: %d, want 1", n)
	}
}

func testAssignRefusals(e *env) {
	a, b := e.tenants()
	u := e.createUser(a.Org, "member@example.com")
	sibling := e.newRole(a.P.ID, a.Org2.ID, "sibling-only")
	e.createRole(sibling)
	mk := func(p id.Project, o id.Org, usr id.User, r id.Role) *rbac.Assignment {
		return &rbac.Assignment{ProjectID: p, OrganizationID: o, UserID: usr, RoleID: r, CreatedAt: e.clk.now()}
	}
	for _, c := range []struct {
		what string
		a    *rbac.Assignment
	}{
		{"user of another organization", mk(a.P.ID, a.Org2.ID, u.ID, a.Member.ID)},
		{"custom role of another organization", mk(a.P.ID, a.Org.ID, u.ID, sibling.ID)},
		{"another project's role", mk(a.P.ID, a.Org.ID, u.ID, b.Owner.ID)},
		{"assignment made from another project", mk(b.P.ID, a.Org.ID, u.ID, a.Owner.ID)},
		{"assignment made from another project's organization", mk(b.P.ID, b.Org.ID, u.ID, b.Owner.ID)},
		{"unknown user", mk(a.P.ID, a.Org.ID, id.New[id.User](e.clk.now()), a.Member.ID)},
		{"unknown role", mk(a.P.ID, a.Org.ID, u.ID, id.New[id.Role](e.clk.now()))},
	} {
		err := e.writeErr(func(w store.Writer) error { return w.AssignRole(e.ctx, c.a) })
		wantErr(e.t, err, store.ErrNotFound, "AssignRole with "+c.what)
	}
	same(e.t, []string{}, e.userRoles(a.P.ID, u.ID), "roles after refused assignments")
	for _, r := range []*rbac.Role{a.Member, a.Owner} {
		if n := e.count(a.P.ID, a.Org2.ID, r.ID); n != 0 {
			e.t.Fatalf("sibling organization counts %d holders of %s", n, r.Key)
		}
	}
	if n, err := e.st.CountRoleMembers(e.ctx, b.P.ID, b.Org.ID, b.Owner.ID); err != nil || n != 0 {
		e.t.Fatalf("project B owners: %d, %v; want 0", n, err)
	}
	// The matching assignment, with the organization's own custom role, is
	// accepted.
	own := e.newRole(a.P.ID, a.Org.ID, "own-only")
	e.createRole(own)
	e.assign(u, own)
	same(e.t, []string{roleID(own)}, e.userRoles(a.P.ID, u.ID), "roles after a valid assignment")
}

func testUnassign(e *env) {
	a, b := e.tenants()
	u := e.createUser(a.Org, "unassign@example.com")
	e.assign(u, a.Owner)
	e.assign(u, a.Member)
	e.write(func(w store.Writer) error { return w.UnassignRole(e.ctx, a.P.ID, u.ID, a.Member.ID) })
	same(e.t, []string{roleID(a.Owner)}, e.userRoles(a.P.ID, u.ID), "roles after unassign")

	err := e.writeErr(func(w store.Writer) error { return w.UnassignRole(e.ctx, b.P.ID, u.ID, a.Owner.ID) })
	wantErr(e.t, err, store.ErrNotFound, "UnassignRole from another project")
	same(e.t, []string{roleID(a.Owner)}, e.userRoles(a.P.ID, u.ID), "roles after other-tenant unassign")
	roles, err := e.st.ListUserRoles(e.ctx, b.P.ID, u.ID)
	notFoundOrEmpty(e.t, err, len(roles), "ListUserRoles from another project")
}

func testCountRoleMembers(e *env) {
	a, b := e.tenants()
	var us []*user.User
	for _, email := range []string{"c1@example.com", "c2@example.com", "c3@example.com"} {
		u := e.createUser(a.Org, email)
		e.assign(u, a.Admin)
		us = append(us, u)
	}
	for _, email := range []string{"c1@example.com", "c4@example.com"} {
		e.assign(e.createUser(a.Org2, email), a.Admin)
	}
	e.assign(e.createUser(b.Org, "c1@example.com"), b.Admin)

	if n := e.count(a.P.ID, a.Org.ID, a.Admin.ID); n != 3 {
		e.t.Fatalf("admins of Org: %d, want 3", n)
	}
	if n := e.count(a.P.ID, a.Org2.ID, a.Admin.ID); n != 2 {
		e.t.Fatalf("admins of Org2: %d, want 2", n)
	}
	if n := e.count(a.P.ID, a.Org.ID, a.Owner.ID); n != 0 {
		e.t.Fatalf("owners of Org: %d, want 0", n)
	}
	// Only active users count.
	for _, u := range us[:2] {
		upd := *u
		upd.Status = user.StatusDeactivated
		e.write(func(w store.Writer) error { return w.UpdateUser(e.ctx, &upd) })
	}
	if n := e.count(a.P.ID, a.Org.ID, a.Admin.ID); n != 1 {
		e.t.Fatalf("active admins of Org after deactivating two: %d, want 1", n)
	}
	// The other project cannot count A's members, with either project's role.
	n, err := e.st.CountRoleMembers(e.ctx, b.P.ID, a.Org.ID, a.Admin.ID)
	notFoundOrEmpty(e.t, err, int(n), "CountRoleMembers from another project")
	n, err = e.st.CountRoleMembers(e.ctx, b.P.ID, a.Org.ID, b.Admin.ID)
	notFoundOrEmpty(e.t, err, int(n), "CountRoleMembers of another project's organization")
}

func testDeleteUserAssignments(e *env) {
	a, _ := e.tenants()
	u := e.createUser(a.Org, "leaving@example.com")
	stay := e.createUser(a.Org, "staying@example.com")
	e.assign(u, a.Owner)
	e.assign(stay, a.Owner)
	e.write(func(w store.Writer) error { return w.DeleteUser(e.ctx, a.P.ID, u.ID) })
	if n := e.count(a.P.ID, a.Org.ID, a.Owner.ID); n != 1 {
		e.t.Fatalf("owners after deleting one: %d, want 1", n)
	}
	roles, err := e.st.ListUserRoles(e.ctx, a.P.ID, u.ID)
	notFoundOrEmpty(e.t, err, len(roles), "roles of a deleted user")
	// A new user reusing the email starts without the old roles.
	again := e.createUser(a.Org, "leaving@example.com")
	same(e.t, []string{}, e.userRoles(a.P.ID, again.ID), "roles of a new user with a reused email")
}

// testRoleKeysOfUsers checks the batched role lookup used to render a page of
// users: one entry per user with roles, keys sorted, nothing from another
// project even when its user IDs are asked for.
func testRoleKeysOfUsers(e *env) {
	a, b := e.tenants()
	e.createPermissions(a.P.ID, "x.read")
	custom := e.newRole(a.P.ID, a.Org.ID, "auditor", "x.read")
	e.createRole(custom)
	owner := e.createUser(a.Org, "owner@example.com")
	e.assign(owner, a.Owner)
	e.assign(owner, custom)
	member := e.createUser(a.Org, "member@example.com")
	e.assign(member, a.Member)
	loner := e.createUser(a.Org2, "loner@example.com")
	foreign := e.createUser(b.Org, "owner@example.com")
	e.assign(foreign, b.Owner)

	got, err := e.st.RoleKeysOfUsers(e.ctx, a.P.ID, []id.User{owner.ID, member.ID, loner.ID, foreign.ID})
	noErr(e.t, err, "RoleKeysOfUsers")
	same(e.t, map[id.User][]string{
		owner.ID:  {"auditor", rbac.RoleOwner},
		member.ID: {rbac.RoleMember},
	}, got, "role keys of a page of users (another project's user asked for too)")

	// Another project sees nothing of A's users.
	got, err = e.st.RoleKeysOfUsers(e.ctx, b.P.ID, []id.User{owner.ID, member.ID})
	noErr(e.t, err, "RoleKeysOfUsers from another project")
	if len(got) != 0 {
		e.t.Fatalf("project B read project A's role assignments: %v", got)
	}
	// More users than one query's IN list holds.
	many := e.createUsers(a.Org, 30)
	asked := []id.User{}
	for range 20 {
		for _, u := range many {
			asked = append(asked, u.ID)
		}
	}
	asked = append(asked, owner.ID)
	got, err = e.st.RoleKeysOfUsers(e.ctx, a.P.ID, asked)
	noErr(e.t, err, "RoleKeysOfUsers with 601 IDs")
	if len(got[owner.ID]) != 2 {
		e.t.Fatalf("owner's keys lost across chunks: %v", got[owner.ID])
	}
}
