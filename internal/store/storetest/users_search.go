package storetest

import (
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

func userSearchCases() []testCase {
	return []testCase{
		{"User/Search", testUserSearch},
	}
}

// createNamed stores users of o with the given emails and display names
// (email, name, email, name, ...) in one transaction, in that order.
func (e *env) createNamed(o *org.Organization, pairs ...string) []*user.User {
	e.t.Helper()
	var us []*user.User
	for i := 0; i < len(pairs); i += 2 {
		u := e.newUser(o, pairs[i])
		u.DisplayName = pairs[i+1]
		us = append(us, u)
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

func testUserSearch(e *env) {
	a, b := e.tenants()
	mine := e.createNamed(a.Org,
		"ada.lovelace@acme.example", "Ada Lovelace", // 0: email and name
		"adam@acme.example", "ADAM SMITH", // 1: email, other case
		"bob@acme.example", "Bob Adams", // 2: a later word of the name
		"carol@acme.example", "Nevada Carol", // 3: "ada" inside a word only
		"a_b@acme.example", "100% Sure", // 4: wildcard characters
		"axb@acme.example", "100 Percent", // 5: what the wildcards would match
	)
	sibling := e.createNamed(a.Org2, "ada@sibling.example", "Ada Sibling")
	e.createNamed(b.Org, "ada@acme.example", "Ada Elsewhere", "x_y@acme.example", "100% Other")

	search := func(p *tenant, f store.UserFilter, limit int) []*user.User {
		e.t.Helper()
		return pages(e.t, limit, false, func(pg store.Page) ([]*user.User, error) {
			return e.st.ListUsers(e.ctx, p.P.ID, f, pg)
		}, userID)
	}
	ada := []*user.User{mine[0], mine[1], mine[2]}
	for _, limit := range []int{1, 2, 10} {
		same(e.t, ada, search(a, store.UserFilter{OrganizationID: a.Org.ID, Search: "ADA"}, limit), "search in the organization")
	}
	same(e.t, append(append([]*user.User{}, ada...), sibling...), search(a, store.UserFilter{Search: "ada"}, 2),
		"search across the project's organizations (and not the other project's)")
	same(e.t, []*user.User{mine[0]}, search(a, store.UserFilter{Search: "lovel"}, 10), "a later word of the name")
	same(e.t, []*user.User{mine[1]}, search(a, store.UserFilter{Search: "ada", Email: "adam@acme.example"}, 10),
		"search and email together")

	// % and _ are matched as themselves, not as wildcards.
	same(e.t, []*user.User{mine[4]}, search(a, store.UserFilter{Search: "a_b"}, 10), "an underscore")
	same(e.t, []*user.User{mine[4]}, search(a, store.UserFilter{Search: "100%"}, 10), "a percent sign")
	same(e.t, []*user.User{}, search(a, store.UserFilter{Search: "%"}, 10), "a lone percent sign")
	same(e.t, []*user.User{}, search(a, store.UserFilter{Search: "_"}, 10), "a lone underscore")
	same(e.t, []*user.User{}, search(a, store.UserFilter{Search: "nobody"}, 10), "no match")

	// A name starting with an accented capital is found when typed as it
	// is written (on both engines; folding "é" to "É" is Postgres's only).
	accented := e.createNamed(a.Org, "emile@acme.example", "Émile Zola", "jan@acme.example", "Jan Øystein")
	same(e.t, []*user.User{accented[0]}, search(a, store.UserFilter{OrganizationID: a.Org.ID, Search: "Émile"}, 10), "an accented first word, as written")
	same(e.t, []*user.User{accented[1]}, search(a, store.UserFilter{Search: "Øyst"}, 10), "an accented later word, as written")

	// Keyset pagination: the page after a match starts after it.
	got, err := e.st.ListUsers(e.ctx, a.P.ID, store.UserFilter{Search: "ada"}, store.Page{After: string(mine[1].ID), Limit: 1})
	noErr(e.t, err, "search after a middle ID")
	same(e.t, []*user.User{mine[2]}, got, "search page after a middle ID")

	// Another project's organization named from this project, and this
	// project's organization from the other, find nothing.
	got, err = e.st.ListUsers(e.ctx, a.P.ID, store.UserFilter{OrganizationID: b.Org.ID, Search: "ada"}, store.Page{Limit: 10})
	notFoundOrEmpty(e.t, err, len(got), "search in another project's organization")
	got, err = e.st.ListUsers(e.ctx, b.P.ID, store.UserFilter{OrganizationID: a.Org.ID, Search: "ada"}, store.Page{Limit: 10})
	notFoundOrEmpty(e.t, err, len(got), "search in this project's organization from the other project")
}
