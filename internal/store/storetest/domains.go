package storetest

import (
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// domainCases are the conformance cases of this capability.
func domainCases() []testCase {
	return []testCase{
		{"Domain/RoundTrip", testDomainRoundTrip},
		{"Domain/OtherTenant", testDomainOtherTenant},
		{"Domain/CreateInOtherProjectsOrg", testDomainCreateForeignOrg},
		{"Domain/OneClaimPerOrganization", testDomainOneClaimPerOrg},
		{"Domain/OneVerifiedPerProject", testDomainOneVerifiedPerProject},
		{"Domain/ListPagination", testDomainList},
		{"Domain/DeletedWithOrganization", testDomainDeletedWithOrg},
	}
}

// newDomain builds (without storing) a pending claim of name by o.
func (e *env) newDomain(o *org.Organization, name string) *store.DomainRecord {
	now := e.clk.now()
	return &store.DomainRecord{
		ID: id.New[id.Domain](now), ProjectID: o.ProjectID, OrgID: o.ID, Name: name,
		Token: strings.ToLower(string(id.New[id.Domain](now))), Status: "pending",
		CreatedAt: now, UpdatedAt: now,
	}
}

func (e *env) createDomain(o *org.Organization, name string) *store.DomainRecord {
	e.t.Helper()
	d := e.newDomain(o, name)
	e.write(func(w store.Writer) error { return w.CreateDomain(e.ctx, d) })
	return d
}

func (e *env) getDomain(p id.Project, d id.Domain) *store.DomainRecord {
	e.t.Helper()
	got, err := e.st.GetDomain(e.ctx, p, d)
	noErr(e.t, err, "GetDomain")
	return got
}

// verified returns a copy of d marked verified now.
func (e *env) verified(d *store.DomainRecord) *store.DomainRecord {
	now := e.clk.now()
	v := *d
	v.Status, v.VerifiedAt, v.LastCheckedAt, v.LastError, v.UpdatedAt = store.DomainStatusVerified, tm(now), tm(now), "", now
	return &v
}

func domainID(d *store.DomainRecord) string { return string(d.ID) }

func testDomainRoundTrip(e *env) {
	a, _ := e.tenants()
	d := e.createDomain(a.Org, "example.com")
	same(e.t, d, e.getDomain(a.P.ID, d.ID), "created domain")

	// A failed check, then a successful one.
	checked := e.clk.now()
	failed := *d
	failed.LastCheckedAt, failed.LastError, failed.UpdatedAt = tm(checked), "no TXT record found", checked
	e.write(func(w store.Writer) error { return w.UpdateDomainCheck(e.ctx, &failed) })
	same(e.t, &failed, e.getDomain(a.P.ID, d.ID), "after a failed check")
	v := e.verified(&failed)
	e.write(func(w store.Writer) error { return w.UpdateDomainCheck(e.ctx, v) })
	same(e.t, v, e.getDomain(a.P.ID, d.ID), "verified domain")

	got, err := e.st.GetVerifiedDomainByName(e.ctx, a.P.ID, "example.com")
	noErr(e.t, err, "GetVerifiedDomainByName")
	same(e.t, v, got, "verified domain by name")
	claims, err := e.st.ListDomainsByName(e.ctx, a.P.ID, "example.com")
	noErr(e.t, err, "ListDomainsByName")
	same(e.t, []*store.DomainRecord{v}, claims, "claims of example.com")

	_, err = e.st.GetVerifiedDomainByName(e.ctx, a.P.ID, "other.example")
	wantErr(e.t, err, store.ErrNotFound, "GetVerifiedDomainByName of an unclaimed name")
	ghost := id.New[id.Domain](e.clk.now())
	_, err = e.st.GetDomain(e.ctx, a.P.ID, ghost)
	wantErr(e.t, err, store.ErrNotFound, "GetDomain unknown")
	gv := *v
	gv.ID = ghost
	err = e.writeErr(func(w store.Writer) error { return w.UpdateDomainCheck(e.ctx, &gv) })
	wantErr(e.t, err, store.ErrNotFound, "UpdateDomainCheck unknown")
	err = e.writeErr(func(w store.Writer) error { return w.DeleteDomain(e.ctx, a.P.ID, ghost) })
	wantErr(e.t, err, store.ErrNotFound, "DeleteDomain unknown")

	e.write(func(w store.Writer) error { return w.DeleteDomain(e.ctx, a.P.ID, d.ID) })
	_, err = e.st.GetDomain(e.ctx, a.P.ID, d.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetDomain after delete")
}

func testDomainOtherTenant(e *env) {
	a, b := e.tenants()
	d := e.createDomain(a.Org, "example.com")
	v := e.verified(d)
	e.write(func(w store.Writer) error { return w.UpdateDomainCheck(e.ctx, v) })
	theirs := e.createDomain(b.Org, "theirs.example")

	_, err := e.st.GetDomain(e.ctx, b.P.ID, d.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetDomain from another project")
	_, err = e.st.GetVerifiedDomainByName(e.ctx, b.P.ID, "example.com")
	wantErr(e.t, err, store.ErrNotFound, "GetVerifiedDomainByName from another project")
	claims, err := e.st.ListDomainsByName(e.ctx, b.P.ID, "example.com")
	notFoundOrEmpty(e.t, err, len(claims), "ListDomainsByName from another project")
	list, err := e.st.ListDomains(e.ctx, b.P.ID, store.DomainFilter{}, store.Page{Limit: 100})
	noErr(e.t, err, "ListDomains of the other project")
	same(e.t, []*store.DomainRecord{theirs}, list, "the other project's domains")
	list, err = e.st.ListDomains(e.ctx, b.P.ID, store.DomainFilter{OrgID: a.Org.ID}, store.Page{Limit: 100})
	notFoundOrEmpty(e.t, err, len(list), "ListDomains of A's organization from B")

	// Writes naming A's row from B, or moving it to B.
	hijack := e.verified(d)
	hijack.ProjectID, hijack.Status, hijack.LastError = b.P.ID, "pending", "hijacked"
	err = e.writeErr(func(w store.Writer) error { return w.UpdateDomainCheck(e.ctx, hijack) })
	wantErr(e.t, err, store.ErrNotFound, "UpdateDomainCheck from another project")
	err = e.writeErr(func(w store.Writer) error { return w.DeleteDomain(e.ctx, b.P.ID, d.ID) })
	wantErr(e.t, err, store.ErrNotFound, "DeleteDomain from another project")
	same(e.t, v, e.getDomain(a.P.ID, d.ID), "A's domain after B's attempts")

	// Within A, another organization's listing does not show the row.
	list, err = e.st.ListDomains(e.ctx, a.P.ID, store.DomainFilter{OrgID: a.Org2.ID}, store.Page{Limit: 100})
	notFoundOrEmpty(e.t, err, len(list), "ListDomains of the other organization")
}

func testDomainCreateForeignOrg(e *env) {
	a, b := e.tenants()
	// B's project naming A's organization.
	d := e.newDomain(a.Org, "example.com")
	d.ProjectID = b.P.ID
	err := e.writeErr(func(w store.Writer) error { return w.CreateDomain(e.ctx, d) })
	wantErr(e.t, err, store.ErrNotFound, "CreateDomain for another project's organization")
	list, err := e.st.ListDomains(e.ctx, a.P.ID, store.DomainFilter{}, store.Page{Limit: 100})
	noErr(e.t, err, "ListDomains")
	same(e.t, []*store.DomainRecord{}, list, "A's domains")
	ghost := e.newDomain(a.Org, "example.com")
	ghost.OrgID = id.New[id.Org](e.clk.now())
	err = e.writeErr(func(w store.Writer) error { return w.CreateDomain(e.ctx, ghost) })
	wantErr(e.t, err, store.ErrNotFound, "CreateDomain for an unknown organization")
}

func testDomainOneClaimPerOrg(e *env) {
	a, _ := e.tenants()
	first := e.createDomain(a.Org, "example.com")
	err := e.writeErr(func(w store.Writer) error { return w.CreateDomain(e.ctx, e.newDomain(a.Org, "example.com")) })
	wantErr(e.t, err, store.ErrConflict, "CreateDomain of a name the organization claims")
	dup := e.newDomain(a.Org2, "example.com")
	dup.ID = first.ID
	err = e.writeErr(func(w store.Writer) error { return w.CreateDomain(e.ctx, dup) })
	wantErr(e.t, err, store.ErrConflict, "CreateDomain with a taken ID")
	// Baseline: another organization may claim the same name.
	second := e.createDomain(a.Org2, "example.com")
	claims, err := e.st.ListDomainsByName(e.ctx, a.P.ID, "example.com")
	noErr(e.t, err, "ListDomainsByName")
	same(e.t, []*store.DomainRecord{first, second}, claims, "both claims")
}

// testDomainOneVerifiedPerProject proves the database itself keeps a name
// verified by at most one organization of a project, whatever a service
// checks first.
func testDomainOneVerifiedPerProject(e *env) {
	a, b := e.tenants()
	mine := e.createDomain(a.Org, "example.com")
	theirs := e.createDomain(a.Org2, "example.com")
	other := e.createDomain(b.Org, "example.com")
	e.write(func(w store.Writer) error { return w.UpdateDomainCheck(e.ctx, e.verified(mine)) })

	err := e.writeErr(func(w store.Writer) error { return w.UpdateDomainCheck(e.ctx, e.verified(theirs)) })
	wantErr(e.t, err, store.ErrConflict, "verifying a name another organization verified")
	same(e.t, theirs, e.getDomain(a.P.ID, theirs.ID), "the second claim after the refused update")
	// A verified claim already in place refuses a new row inserted verified.
	third, err := org.New(a.P.ID, "Third org", e.clk.now())
	noErr(e.t, err, "org.New")
	e.write(func(w store.Writer) error { return w.CreateOrganization(e.ctx, third) })
	early := e.verified(e.newDomain(third, "example.com"))
	err = e.writeErr(func(w store.Writer) error { return w.CreateDomain(e.ctx, early) })
	wantErr(e.t, err, store.ErrConflict, "inserting a second verified claim")

	// Baselines: another project verifies the same name; the organization
	// verifies after the first claim is gone.
	e.write(func(w store.Writer) error { return w.UpdateDomainCheck(e.ctx, e.verified(other)) })
	e.write(func(w store.Writer) error { return w.DeleteDomain(e.ctx, a.P.ID, mine.ID) })
	v := e.verified(theirs)
	e.write(func(w store.Writer) error { return w.UpdateDomainCheck(e.ctx, v) })
	got, err := e.st.GetVerifiedDomainByName(e.ctx, a.P.ID, "example.com")
	noErr(e.t, err, "GetVerifiedDomainByName")
	same(e.t, v, got, "the verified claim")
}

func testDomainList(e *env) {
	a, b := e.tenants()
	var all, org1 []*store.DomainRecord
	for i := range 5 {
		name := string(rune('a'+i)) + ".example"
		d1 := e.createDomain(a.Org, name)
		d2 := e.createDomain(a.Org2, name)
		e.createDomain(b.Org, name)
		all = append(all, d1, d2)
		org1 = append(org1, d1)
	}
	for _, limit := range []int{1, 3, 10} {
		got := pages(e.t, limit, false, func(pg store.Page) ([]*store.DomainRecord, error) {
			return e.st.ListDomains(e.ctx, a.P.ID, store.DomainFilter{}, pg)
		}, domainID)
		same(e.t, all, got, "the project's domains")
		got = pages(e.t, limit, false, func(pg store.Page) ([]*store.DomainRecord, error) {
			return e.st.ListDomains(e.ctx, a.P.ID, store.DomainFilter{OrgID: a.Org.ID}, pg)
		}, domainID)
		same(e.t, org1, got, "the organization's domains")
	}
}

func testDomainDeletedWithOrg(e *env) {
	a, _ := e.tenants()
	d := e.createDomain(a.Org, "example.com")
	kept := e.createDomain(a.Org2, "example.com")
	e.write(func(w store.Writer) error { return w.DeleteOrganization(e.ctx, a.P.ID, a.Org.ID) })
	_, err := e.st.GetDomain(e.ctx, a.P.ID, d.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetDomain after its organization was deleted")
	same(e.t, kept, e.getDomain(a.P.ID, kept.ID), "the other organization's claim")
}
