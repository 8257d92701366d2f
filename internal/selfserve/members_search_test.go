package selfserve_test

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/selfserve"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// TestSearchMembers: the search finds members by email, name or a word of
// the name, page by page, takes % and _ literally, and never shows another
// organization's people.
func TestSearchMembers(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		p := e.project("Acme", false)
		mine, theirs := e.org(p, "Mine"), e.org(p, "Theirs")
		owner := e.user(mine, "owner@mine.example")
		m, _ := e.login(owner)
		var want []string
		for _, in := range []tenancy.UserInput{
			{Email: "ada@mine.example", DisplayName: "Ada Lovelace"},
			{Email: "grace@mine.example", DisplayName: "Grace Adams"},
			{Email: "adalbert@mine.example", DisplayName: "Bert"},
		} {
			in.OrganizationID = string(mine.ID)
			u, _, err := e.ten.CreateUser(e.ctx, system, p.ID, in)
			fatalIf(t, err)
			want = append(want, u.Email)
		}
		for _, in := range []tenancy.UserInput{
			{OrganizationID: string(mine.ID), Email: "a_b@mine.example", DisplayName: "100% Sure"},
			{OrganizationID: string(mine.ID), Email: "axb@mine.example", DisplayName: "100 Percent"},
			{OrganizationID: string(theirs.ID), Email: "ada@theirs.example", DisplayName: "Ada Theirs"},
		} {
			_, _, err := e.ten.CreateUser(e.ctx, system, p.ID, in)
			fatalIf(t, err)
		}

		// Two to a page: the cursor carries the search on.
		var got []string
		page := selfserve.Page{Limit: 2}
		for range 5 {
			rows, next, err := e.svc.ListMembers(e.ctx, m, " ADA ", page)
			fatalIf(t, err)
			for _, r := range rows {
				got = append(got, r.User.Email)
			}
			if next == "" {
				break
			}
			page.After = next
		}
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Fatalf("search for ada found %v, want %v", got, want)
		}
		for q, wantEmail := range map[string]string{"a_b": "a_b@mine.example", "100%": "a_b@mine.example"} {
			rows, _, err := e.svc.ListMembers(e.ctx, m, q, selfserve.Page{})
			fatalIf(t, err)
			if len(rows) != 1 || rows[0].User.Email != wantEmail {
				t.Fatalf("search for %q found %d members", q, len(rows))
			}
		}
		for _, q := range []string{"%", "_", "theirs"} {
			rows, _, err := e.svc.ListMembers(e.ctx, m, q, selfserve.Page{})
			fatalIf(t, err)
			if len(rows) != 0 {
				t.Fatalf("search for %q found %s", q, rows[0].User.Email)
			}
		}
	})
}
