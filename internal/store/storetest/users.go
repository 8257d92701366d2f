package storetest

import (
	"errors"
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

func (e *env) getUser(p id.Project, u id.User) *user.User {
	e.t.Helper()
	got, err := e.st.GetUser(e.ctx, p, u)
	noErr(e.t, err, "GetUser")
	return got
}

func testUserRoundTrip(e *env) {
	a, _ := e.tenants()
	u := e.newUser(a.Org, "  Ann.Lee@Example.COM ")
	if u.Email != "ann.lee@example.com" {
		e.t.Fatalf("user.New normalised email to %q", u.Email)
	}
	u.EmailVerified = true
	u.DisplayName = "Ann Lee — Ops"
	u.LastLoginAt = tm(e.clk.now())
	e.write(func(w store.Writer) error { return w.CreateUser(e.ctx, u) })
	same(e.t, u, e.getUser(a.P.ID, u.ID), "created user")

	got, err := e.st.GetUserByEmail(e.ctx, a.P.ID, a.Org.ID, "ann.lee@example.com")
	noErr(e.t, err, "GetUserByEmail")
	same(e.t, u, got, "user by email")

	upd := *u
	upd.Email = "ann@example.org"
	upd.EmailVerified = false
	upd.DisplayName = "Ann"
	upd.Status = user.StatusDeactivated
	upd.LastLoginAt = nil
	upd.UpdatedAt = e.clk.now()
	e.write(func(w store.Writer) error { return w.UpdateUser(e.ctx, &upd) })
	same(e.t, &upd, e.getUser(a.P.ID, u.ID), "updated user")
	_, err = e.st.GetUserByEmail(e.ctx, a.P.ID, a.Org.ID, "ann.lee@example.com")
	wantErr(e.t, err, store.ErrNotFound, "GetUserByEmail with the old email")
	got, err = e.st.GetUserByEmail(e.ctx, a.P.ID, a.Org.ID, "ann@example.org")
	noErr(e.t, err, "GetUserByEmail with the new email")
	same(e.t, &upd, got, "user by new email")

	upd.Status = user.StatusActive
	upd.LastLoginAt = tm(e.clk.now())
	upd.UpdatedAt = e.clk.now()
	e.write(func(w store.Writer) error { return w.UpdateUser(e.ctx, &upd) })
	same(e.t, &upd, e.getUser(a.P.ID, u.ID), "reactivated user with last login")
}

// testUserTimesUTC writes times in other zones with microseconds and expects
// the same instants back, in UTC.
func testUserTimesUTC(e *env) {
	a, _ := e.tenants()
	east := time.FixedZone("east", 5*3600+1800)
	west := time.FixedZone("west", -7*3600)
	created := time.Date(2026, 3, 4, 5, 6, 7, 123456000, east)
	login := time.Date(2026, 7, 8, 23, 59, 59, 999999000, west)
	u := e.newUser(a.Org, "zones@example.com")
	u.CreatedAt, u.UpdatedAt, u.LastLoginAt = created, created.Add(time.Microsecond), &login
	e.write(func(w store.Writer) error { return w.CreateUser(e.ctx, u) })

	want := *u
	want.CreatedAt, want.UpdatedAt, want.LastLoginAt = created.UTC(), created.Add(time.Microsecond).UTC(), tm(login.UTC())
	got := e.getUser(a.P.ID, u.ID)
	same(e.t, &want, got, "user with zoned times")
	if got.CreatedAt.Nanosecond() != 123456000 || got.LastLoginAt.Nanosecond() != 999999000 {
		e.t.Fatalf("microseconds lost: created %v, last login %v", got.CreatedAt, got.LastLoginAt)
	}

	// Nanoseconds beyond what the engines keep come back within a
	// microsecond, at microsecond precision, on both engines alike.
	precise := time.Date(2026, 9, 10, 11, 12, 13, 456789321, east)
	upd := *got
	upd.LastLoginAt = &precise
	e.write(func(w store.Writer) error { return w.UpdateUser(e.ctx, &upd) })
	got = e.getUser(a.P.ID, u.ID)
	requireUTC(e.t, got, "user with nanosecond last login")
	if d := got.LastLoginAt.Sub(precise).Abs(); d >= time.Microsecond || got.LastLoginAt.Nanosecond()%1000 != 0 {
		e.t.Fatalf("last login %v for %v: want the same instant at microsecond precision", got.LastLoginAt, precise)
	}
}

func testUserOtherTenant(e *env) {
	a, b := e.tenants()
	u := e.createUser(a.Org, "victim@example.com")
	before := e.getUser(a.P.ID, u.ID)

	_, err := e.st.GetUser(e.ctx, b.P.ID, u.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetUser from another project")
	_, err = e.st.GetUserByEmail(e.ctx, b.P.ID, a.Org.ID, u.Email)
	wantErr(e.t, err, store.ErrNotFound, "GetUserByEmail from another project")
	_, err = e.st.GetUserByEmail(e.ctx, b.P.ID, b.Org.ID, u.Email)
	wantErr(e.t, err, store.ErrNotFound, "GetUserByEmail in the other project's own organization")
	_, err = e.st.GetUserByEmail(e.ctx, a.P.ID, a.Org2.ID, u.Email)
	wantErr(e.t, err, store.ErrNotFound, "GetUserByEmail from another organization")

	hijack := *u
	hijack.ProjectID = b.P.ID
	hijack.DisplayName = "Hijacked"
	hijack.Status = user.StatusDeactivated
	err = e.writeErr(func(w store.Writer) error { return w.UpdateUser(e.ctx, &hijack) })
	wantErr(e.t, err, store.ErrNotFound, "UpdateUser from another project")
	err = e.writeErr(func(w store.Writer) error { return w.DeleteUser(e.ctx, b.P.ID, u.ID) })
	wantErr(e.t, err, store.ErrNotFound, "DeleteUser from another project")

	for _, f := range []store.UserFilter{{}, {Email: u.Email}, {OrganizationID: a.Org.ID}} {
		list, err := e.st.ListUsers(e.ctx, b.P.ID, f, store.Page{Limit: 100})
		notFoundOrEmpty(e.t, err, len(list), fmt.Sprintf("ListUsers from another project with %+v", f))
	}

	same(e.t, before, e.getUser(a.P.ID, u.ID), "user after other-tenant attempts")
	if n := e.getOrg(a.P.ID, a.Org.ID).MemberCount; n != 1 {
		e.t.Fatalf("member_count %d after other-tenant delete, want 1", n)
	}
}

func testUserNotFound(e *env) {
	a, _ := e.tenants()
	ghost := e.newUser(a.Org, "ghost@example.com")
	_, err := e.st.GetUser(e.ctx, a.P.ID, ghost.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetUser unknown")
	_, err = e.st.GetUserByEmail(e.ctx, a.P.ID, a.Org.ID, ghost.Email)
	wantErr(e.t, err, store.ErrNotFound, "GetUserByEmail unknown")
	err = e.writeErr(func(w store.Writer) error { return w.UpdateUser(e.ctx, ghost) })
	wantErr(e.t, err, store.ErrNotFound, "UpdateUser unknown")
	err = e.writeErr(func(w store.Writer) error { return w.DeleteUser(e.ctx, a.P.ID, ghost.ID) })
	wantErr(e.t, err, store.ErrNotFound, "DeleteUser unknown")
	if n := e.getOrg(a.P.ID, a.Org.ID).MemberCount; n != 0 {
		e.t.Fatalf("member_count %d after failed writes, want 0", n)
	}
}

func testUserEmailUnique(e *env) {
	a, b := e.tenants()
	first := e.createUser(a.Org, "Dup@Example.com")

	// Differing only by case: the domain lowercases, the store must refuse.
	dup := e.newUser(a.Org, "DUP@EXAMPLE.COM")
	err := e.writeErr(func(w store.Writer) error { return w.CreateUser(e.ctx, dup) })
	wantErr(e.t, err, store.ErrConflict, "CreateUser with a taken email")
	_, err = e.st.GetUser(e.ctx, a.P.ID, dup.ID)
	wantErr(e.t, err, store.ErrNotFound, "refused user")
	if n := e.getOrg(a.P.ID, a.Org.ID).MemberCount; n != 1 {
		e.t.Fatalf("member_count %d after refused duplicate, want 1", n)
	}

	// The same person at another organization, or in another project, is
	// another user.
	other := e.createUser(a.Org2, "dup@example.com")
	foreign := e.createUser(b.Org, "dup@example.com")
	for _, c := range []struct {
		p   id.Project
		o   id.Org
		who *user.User
	}{{a.P.ID, a.Org.ID, first}, {a.P.ID, a.Org2.ID, other}, {b.P.ID, b.Org.ID, foreign}} {
		got, err := e.st.GetUserByEmail(e.ctx, c.p, c.o, "dup@example.com")
		noErr(e.t, err, "GetUserByEmail")
		same(e.t, c.who, got, "user by email in "+string(c.o))
	}
}

func testUserUpdateEmailConflict(e *env) {
	a, _ := e.tenants()
	u1 := e.createUser(a.Org, "first@example.com")
	u2 := e.createUser(a.Org, "second@example.com")
	e.createUser(a.Org2, "third@example.com")
	before := e.getUser(a.P.ID, u2.ID)

	upd := *u2
	upd.Email = u1.Email
	err := e.writeErr(func(w store.Writer) error { return w.UpdateUser(e.ctx, &upd) })
	wantErr(e.t, err, store.ErrConflict, "UpdateUser to a taken email")
	same(e.t, before, e.getUser(a.P.ID, u2.ID), "user after refused email change")

	// An email taken only in a sibling organization is free here.
	upd.Email = "third@example.com"
	e.write(func(w store.Writer) error { return w.UpdateUser(e.ctx, &upd) })
	same(e.t, &upd, e.getUser(a.P.ID, u2.ID), "user with email used in a sibling organization")
}

func testUserMemberCount(e *env) {
	a, b := e.tenants()
	us := e.createUsers(a.Org, 3)
	e.createUsers(a.Org2, 2)
	e.createUsers(b.Org, 4)
	check := func(wantB, want1, want2 int64) {
		e.t.Helper()
		if got := e.getOrg(a.P.ID, a.Org.ID).MemberCount; got != want1 {
			e.t.Fatalf("member_count %d, want %d", got, want1)
		}
		if got := e.getOrg(a.P.ID, a.Org2.ID).MemberCount; got != want2 {
			e.t.Fatalf("sibling member_count %d, want %d", got, want2)
		}
		if got := e.getOrg(b.P.ID, b.Org.ID).MemberCount; got != wantB {
			e.t.Fatalf("other project's member_count %d, want %d", got, wantB)
		}
	}
	check(4, 3, 2)

	// Deactivated users are still members (seats).
	upd := *us[0]
	upd.Status = user.StatusDeactivated
	e.write(func(w store.Writer) error { return w.UpdateUser(e.ctx, &upd) })
	check(4, 3, 2)

	e.write(func(w store.Writer) error { return w.DeleteUser(e.ctx, a.P.ID, us[1].ID) })
	check(4, 2, 2)
	_, err := e.st.GetUser(e.ctx, a.P.ID, us[1].ID)
	wantErr(e.t, err, store.ErrNotFound, "GetUser after delete")
	err = e.writeErr(func(w store.Writer) error { return w.DeleteUser(e.ctx, a.P.ID, us[1].ID) })
	wantErr(e.t, err, store.ErrNotFound, "DeleteUser twice")
	check(4, 2, 2)
}

func testUserCreateForeignOrg(e *env) {
	a, b := e.tenants()
	// A user claiming project B but naming A's organization.
	u := e.newUser(a.Org, "sneaky@example.com")
	u.ProjectID = b.P.ID
	err := e.writeErr(func(w store.Writer) error { return w.CreateUser(e.ctx, u) })
	wantErr(e.t, err, store.ErrNotFound, "CreateUser in another project's organization")
	// An organization that does not exist at all.
	ghost := e.newUser(a.Org, "ghost@example.com")
	ghost.OrganizationID = id.New[id.Org](e.clk.now())
	err = e.writeErr(func(w store.Writer) error { return w.CreateUser(e.ctx, ghost) })
	wantErr(e.t, err, store.ErrNotFound, "CreateUser in an unknown organization")
	if n := e.getOrg(a.P.ID, a.Org.ID).MemberCount; n != 0 {
		e.t.Fatalf("member_count %d after refused creates, want 0", n)
	}
	_, err = e.st.GetUser(e.ctx, b.P.ID, u.ID)
	wantErr(e.t, err, store.ErrNotFound, "refused user in project B")
	_, err = e.st.GetUser(e.ctx, a.P.ID, u.ID)
	wantErr(e.t, err, store.ErrNotFound, "refused user in project A")
}

// testUserUpdateCannotMove: UpdateUser writes the listed fields only; naming
// another organization (of this project or another) must not move the user.
func testUserUpdateCannotMove(e *env) {
	a, b := e.tenants()
	u := e.createUser(a.Org, "stay@example.com")
	for _, o := range []struct {
		what string
		org  string
	}{{"sibling organization", string(a.Org2.ID)}, {"other project's organization", string(b.Org.ID)}} {
		upd := *e.getUser(a.P.ID, u.ID)
		upd.OrganizationID = id.Org(o.org)
		upd.DisplayName = "Moved?"
		err := e.writeErr(func(w store.Writer) error { return w.UpdateUser(e.ctx, &upd) })
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			e.t.Fatalf("UpdateUser naming the %s: %v, want success without moving or ErrNotFound", o.what, err)
		}
		got := e.getUser(a.P.ID, u.ID)
		if got.OrganizationID != a.Org.ID {
			e.t.Fatalf("UpdateUser naming the %s moved the user to %s", o.what, got.OrganizationID)
		}
	}
	_, err := e.st.GetUserByEmail(e.ctx, a.P.ID, a.Org2.ID, u.Email)
	wantErr(e.t, err, store.ErrNotFound, "user by email in the sibling organization")
	for _, c := range []struct {
		p    id.Project
		o    id.Org
		want int64
	}{{a.P.ID, a.Org.ID, 1}, {a.P.ID, a.Org2.ID, 0}, {b.P.ID, b.Org.ID, 0}} {
		if n := e.getOrg(c.p, c.o).MemberCount; n != c.want {
			e.t.Fatalf("member_count of %s: %d, want %d", c.o, n, c.want)
		}
	}
}
