package storetest

import (
	"fmt"
	"slices"

	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// createInterleaved creates n users in each organization, alternating between
// them, in one transaction, and returns them in creation (= ID) order.
func (e *env) createInterleaved(n int, email func(o *org.Organization, i int) string, orgs ...*org.Organization) []*user.User {
	e.t.Helper()
	var us []*user.User
	for i := range n {
		for _, o := range orgs {
			us = append(us, e.newUser(o, email(o, i)))
		}
	}
	e.write(func(w store.Writer) error {
		for _, u := range us {
			if err := w.CreateUser(e.ctx, u); err != nil {
				return err
			}
		}
		return nil
	})
	return us
}

func testUserList(e *env) {
	a, b := e.tenants()
	all := e.createInterleaved(6, func(o *org.Organization, i int) string {
		return fmt.Sprintf("u%d@%s.example.com", i, o.ID)
	}, a.Org, b.Org, a.Org2)
	var mine []*user.User
	for _, u := range all {
		if u.ProjectID == a.P.ID {
			mine = append(mine, u)
		}
	}
	for _, limit := range []int{1, 3, 5, 12, 100} {
		got := pages(e.t, limit, false, func(pg store.Page) ([]*user.User, error) {
			return e.st.ListUsers(e.ctx, a.P.ID, store.UserFilter{}, pg)
		}, userID)
		same(e.t, mine, got, fmt.Sprintf("all pages of users, limit %d", limit))
	}
	// A deep page starting after a middle ID.
	got, err := e.st.ListUsers(e.ctx, a.P.ID, store.UserFilter{}, store.Page{After: string(mine[5].ID), Limit: 4})
	noErr(e.t, err, "ListUsers after a middle ID")
	same(e.t, mine[6:10], got, "page after a middle ID")
	// After the last ID there is nothing.
	got, err = e.st.ListUsers(e.ctx, a.P.ID, store.UserFilter{}, store.Page{After: string(mine[len(mine)-1].ID), Limit: 4})
	noErr(e.t, err, "ListUsers after the last ID")
	same(e.t, []*user.User{}, got, "page after the last ID")
}

func testUserListFilters(e *env) {
	a, b := e.tenants()
	all := e.createInterleaved(5, func(o *org.Organization, i int) string {
		// Every organization has shared@ as its third user.
		if i == 2 {
			return "shared@example.com"
		}
		return fmt.Sprintf("u%d@%s.example.com", i, o.ID)
	}, a.Org, a.Org2, b.Org)
	of := func(keep func(u *user.User) bool) []*user.User {
		return slices.DeleteFunc(slices.Clone(all), func(u *user.User) bool { return !keep(u) })
	}

	inOrg := of(func(u *user.User) bool { return u.OrganizationID == a.Org.ID })
	got := pages(e.t, 2, false, func(pg store.Page) ([]*user.User, error) {
		return e.st.ListUsers(e.ctx, a.P.ID, store.UserFilter{OrganizationID: a.Org.ID}, pg)
	}, userID)
	same(e.t, inOrg, got, "users filtered by organization")
	got, err := e.st.ListUsers(e.ctx, a.P.ID, store.UserFilter{OrganizationID: a.Org.ID}, store.Page{After: string(inOrg[1].ID), Limit: 2})
	noErr(e.t, err, "ListUsers by organization after a middle ID")
	same(e.t, inOrg[2:4], got, "organization page after a middle ID")

	shared := of(func(u *user.User) bool { return u.Email == "shared@example.com" && u.ProjectID == a.P.ID })
	got = pages(e.t, 1, false, func(pg store.Page) ([]*user.User, error) {
		return e.st.ListUsers(e.ctx, a.P.ID, store.UserFilter{Email: "shared@example.com"}, pg)
	}, userID)
	same(e.t, shared, got, "users filtered by email across the project's organizations")

	both := of(func(u *user.User) bool { return u.Email == "shared@example.com" && u.OrganizationID == a.Org2.ID })
	got, err = e.st.ListUsers(e.ctx, a.P.ID, store.UserFilter{OrganizationID: a.Org2.ID, Email: "shared@example.com"}, store.Page{Limit: 10})
	noErr(e.t, err, "ListUsers by organization and email")
	same(e.t, both, got, "users filtered by organization and email")

	got, err = e.st.ListUsers(e.ctx, a.P.ID, store.UserFilter{Email: "nobody@example.com"}, store.Page{Limit: 10})
	noErr(e.t, err, "ListUsers by unknown email")
	same(e.t, []*user.User{}, got, "users with an unknown email")

	// Naming the other project's organization from this project finds nothing.
	got, err = e.st.ListUsers(e.ctx, a.P.ID, store.UserFilter{OrganizationID: b.Org.ID}, store.Page{Limit: 10})
	notFoundOrEmpty(e.t, err, len(got), "ListUsers of another project's organization")
	got, err = e.st.ListUsers(e.ctx, b.P.ID, store.UserFilter{OrganizationID: a.Org.ID}, store.Page{Limit: 10})
	notFoundOrEmpty(e.t, err, len(got), "ListUsers of this project's organization from the other project")
}
