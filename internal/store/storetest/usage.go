package storetest

import (
	"fmt"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// usageCases are the conformance cases of this capability.
func usageCases() []testCase {
	return []testCase{
		{"Usage/RecordAndCount", testUsageRecordAndCount},
		{"Usage/OtherTenant", testUsageOtherTenant},
		{"Usage/ListPagination", testUsageList},
	}
}

func (e *env) recordActive(p id.Project, o id.Org, u id.User, month string) {
	e.t.Helper()
	at := e.clk.now()
	e.write(func(w store.Writer) error {
		return w.RecordActiveUser(e.ctx, store.ActiveUser{ProjectID: p, OrgID: o, UserID: u, Month: month, At: at})
	})
}

func (e *env) orgUsage(p id.Project, o id.Org, month string) *store.OrgUsage {
	e.t.Helper()
	u, err := e.st.OrgUsage(e.ctx, p, o, month)
	noErr(e.t, err, "OrgUsage")
	return u
}

func testUsageRecordAndCount(e *env) {
	a, _ := e.tenants()
	us := e.createUsers(a.Org, 3)
	sibling := e.createUser(a.Org2, "sibling@example.com")

	if got := e.orgUsage(a.P.ID, a.Org.ID, "2026-11"); got.Seats != 3 || got.MonthlyActiveUsers != 0 || got.OrgID != a.Org.ID || got.OrgName != a.Org.Name {
		e.t.Fatalf("usage before any activity: %+v", got)
	}
	// The same user twice in a month is one; another month is counted apart.
	e.recordActive(a.P.ID, a.Org.ID, us[0].ID, "2026-11")
	e.recordActive(a.P.ID, a.Org.ID, us[0].ID, "2026-11")
	e.recordActive(a.P.ID, a.Org.ID, us[1].ID, "2026-11")
	e.recordActive(a.P.ID, a.Org.ID, us[0].ID, "2026-12")
	e.recordActive(a.P.ID, a.Org2.ID, sibling.ID, "2026-11")
	// A user recorded under an organization that is not theirs is not recorded.
	e.recordActive(a.P.ID, a.Org2.ID, us[2].ID, "2026-11")

	for month, want := range map[string]int64{"2026-10": 0, "2026-11": 2, "2026-12": 1} {
		if got := e.orgUsage(a.P.ID, a.Org.ID, month); got.MonthlyActiveUsers != want {
			e.t.Fatalf("%s: %d monthly active users, want %d", month, got.MonthlyActiveUsers, want)
		}
	}
	if got := e.orgUsage(a.P.ID, a.Org2.ID, "2026-11"); got.MonthlyActiveUsers != 1 || got.Seats != 1 {
		e.t.Fatalf("sibling organization: %+v, want 1 seat and 1 active user", got)
	}

	// Seats are active users now; a deactivated or deleted user stays
	// counted in the months they were active.
	deactivated := *us[1]
	deactivated.Status = user.StatusDeactivated
	deactivated.UpdatedAt = e.clk.now()
	e.write(func(w store.Writer) error { return w.UpdateUser(e.ctx, &deactivated) })
	e.write(func(w store.Writer) error { return w.DeleteUser(e.ctx, a.P.ID, us[0].ID) })
	if got := e.orgUsage(a.P.ID, a.Org.ID, "2026-11"); got.Seats != 1 || got.MonthlyActiveUsers != 2 {
		e.t.Fatalf("after deactivating and deleting: %+v, want 1 seat and 2 active users", got)
	}

	_, err := e.st.OrgUsage(e.ctx, a.P.ID, id.New[id.Org](e.clk.now()), "2026-11")
	wantErr(e.t, err, store.ErrNotFound, "OrgUsage of an unknown organization")
}

func testUsageOtherTenant(e *env) {
	a, b := e.tenants()
	u := e.createUser(a.Org, "active@example.com")
	e.recordActive(a.P.ID, a.Org.ID, u.ID, "2026-11")

	// B can neither read A's organization's usage nor record A's user.
	_, err := e.st.OrgUsage(e.ctx, b.P.ID, a.Org.ID, "2026-11")
	wantErr(e.t, err, store.ErrNotFound, "OrgUsage of another project's organization")
	rows, err := e.st.ListOrgUsage(e.ctx, b.P.ID, "2026-11", store.Page{Limit: 100})
	noErr(e.t, err, "ListOrgUsage")
	for _, r := range rows {
		if r.OrgID == a.Org.ID || r.OrgID == a.Org2.ID || r.MonthlyActiveUsers != 0 {
			e.t.Fatalf("B's usage list shows A's activity: %+v", r)
		}
	}
	if len(rows) != 2 {
		e.t.Fatalf("B's usage list has %d organizations, want its 2", len(rows))
	}
	other := e.createUser(a.Org, "other@example.com")
	e.recordActive(b.P.ID, b.Org.ID, other.ID, "2026-11")
	e.recordActive(b.P.ID, a.Org.ID, other.ID, "2026-11")
	if got := e.orgUsage(a.P.ID, a.Org.ID, "2026-11"); got.MonthlyActiveUsers != 1 {
		e.t.Fatalf("another project recorded A's user: %d active users, want 1", got.MonthlyActiveUsers)
	}
	if got := e.orgUsage(b.P.ID, b.Org.ID, "2026-11"); got.MonthlyActiveUsers != 0 {
		e.t.Fatalf("A's user counted in B's organization: %d", got.MonthlyActiveUsers)
	}

	// Deleting the organization takes its usage along.
	e.write(func(w store.Writer) error { return w.DeleteOrganization(e.ctx, a.P.ID, a.Org.ID) })
	_, err = e.st.OrgUsage(e.ctx, a.P.ID, a.Org.ID, "2026-11")
	wantErr(e.t, err, store.ErrNotFound, "OrgUsage of a deleted organization")
}

func testUsageList(e *env) {
	a, _ := e.tenants()
	orgs := []id.Org{a.Org.ID, a.Org2.ID}
	// Three more organizations: five in all, each with i active users.
	for i := range 3 {
		o, err := org.New(a.P.ID, fmt.Sprintf("Listed %d", i), e.clk.now())
		noErr(e.t, err, "org.New")
		e.write(func(w store.Writer) error { return w.CreateOrganization(e.ctx, o) })
		orgs = append(orgs, o.ID)
	}
	for i, o := range orgs {
		for j := range i {
			u := e.createUser(e.getOrg(a.P.ID, o), fmt.Sprintf("u%d@%d.example", j, i))
			e.recordActive(a.P.ID, o, u.ID, "2027-01")
		}
	}
	var got []*store.OrgUsage
	page := store.Page{Limit: 2}
	for range 10 {
		rows, err := e.st.ListOrgUsage(e.ctx, a.P.ID, "2027-01", page)
		noErr(e.t, err, "ListOrgUsage")
		if len(rows) > 2 {
			e.t.Fatalf("page of %d rows, limit 2", len(rows))
		}
		got = append(got, rows...)
		if len(rows) < page.Limit {
			break
		}
		page.After = string(rows[len(rows)-1].OrgID)
	}
	if len(got) != len(orgs) {
		e.t.Fatalf("listed %d organizations, want %d", len(got), len(orgs))
	}
	want := map[id.Org]int64{}
	for i, o := range orgs {
		want[o] = int64(i)
	}
	for i, r := range got {
		if i > 0 && r.OrgID <= got[i-1].OrgID {
			e.t.Fatalf("not in ID order at %d", i)
		}
		if r.MonthlyActiveUsers != want[r.OrgID] || r.Seats != want[r.OrgID] {
			e.t.Fatalf("%s: %+v, want %d seats and active users", r.OrgID, r, want[r.OrgID])
		}
	}
}
