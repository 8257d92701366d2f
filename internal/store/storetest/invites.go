package storetest

import (
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func inviteCases() []testCase {
	return []testCase{
		{"Invite/RoundTrip", testInviteRoundTrip},
		{"Invite/OtherTenant", testInviteOtherTenant},
		{"Invite/CreateChecksOrganizationAndRole", testInviteCreateChecks},
		{"Invite/UpdateOnlyFromStatus", testInviteUpdateFromStatus},
		{"Invite/HashUnique", testInviteHashUnique},
		{"Invite/ListFilters", testInviteList},
		{"Invite/PendingByEmail", testInvitePendingByEmail},
		{"Invite/DeleteCascades", testInviteDeleteCascades},
	}
}

// newInvite builds (without storing) a pending invite to o with role r,
// expiring a week after its creation.
func (e *env) newInvite(o *org.Organization, r *rbac.Role, email string) *store.InviteRecord {
	now := e.clk.now()
	return &store.InviteRecord{
		ID: id.New[id.Invite](now), ProjectID: o.ProjectID, OrgID: o.ID, Email: email,
		RoleID: r.ID, RoleKey: r.Key, InvitedBy: audit.Actor{Type: audit.ActorSecretKey, ID: "sk_test"},
		Status: "pending", TokenHash: randomHash(), ExpiresAt: now.Add(7 * 24 * time.Hour),
		CreatedAt: now, UpdatedAt: now, SendCount: 1, LastSentAt: now,
	}
}

func (e *env) createInvite(o *org.Organization, r *rbac.Role, email string) *store.InviteRecord {
	e.t.Helper()
	inv := e.newInvite(o, r, email)
	e.write(func(w store.Writer) error { return w.CreateInvite(e.ctx, inv) })
	return inv
}

func (e *env) getInvite(p id.Project, i id.Invite) *store.InviteRecord {
	e.t.Helper()
	got, err := e.st.GetInvite(e.ctx, p, i)
	noErr(e.t, err, "GetInvite")
	return got
}

func (e *env) listInvites(p id.Project, f store.InviteFilter) []*store.InviteRecord {
	e.t.Helper()
	got, err := e.st.ListInvites(e.ctx, p, f, store.Page{Limit: 100})
	noErr(e.t, err, "ListInvites")
	return got
}

func inviteID(r *store.InviteRecord) string { return string(r.ID) }

func testInviteRoundTrip(e *env) {
	a, _ := e.tenants()
	inv := e.createInvite(a.Org, a.Member, "new@example.com")
	same(e.t, inv, e.getInvite(a.P.ID, inv.ID), "created invite")
	got, err := e.st.GetInviteByTokenHash(e.ctx, a.P.ID, inv.TokenHash)
	noErr(e.t, err, "GetInviteByTokenHash")
	same(e.t, inv, got, "invite by hash")
	_, err = e.st.GetInviteByTokenHash(e.ctx, a.P.ID, randomHash())
	wantErr(e.t, err, store.ErrNotFound, "GetInviteByTokenHash of a wrong hash")
	_, err = e.st.GetInviteByTokenHash(e.ctx, a.P.ID, nil)
	wantErr(e.t, err, store.ErrNotFound, "GetInviteByTokenHash of nothing")
	_, err = e.st.GetInvite(e.ctx, a.P.ID, id.New[id.Invite](e.clk.now()))
	wantErr(e.t, err, store.ErrNotFound, "GetInvite unknown")

	// A resend: a new hash, expiry and count; the old hash finds nothing.
	old := inv.TokenHash
	resent := *inv
	now := e.clk.now()
	resent.TokenHash, resent.ExpiresAt, resent.UpdatedAt = randomHash(), now.Add(7*24*time.Hour), now
	resent.SendCount, resent.LastSentAt = 2, now
	e.write(func(w store.Writer) error { return w.UpdateInvite(e.ctx, &resent, "pending") })
	same(e.t, &resent, e.getInvite(a.P.ID, inv.ID), "resent invite")
	_, err = e.st.GetInviteByTokenHash(e.ctx, a.P.ID, old)
	wantErr(e.t, err, store.ErrNotFound, "GetInviteByTokenHash of the replaced hash")

	// Accepted: the lifecycle fields round-trip, identity fields stay.
	u := e.createUser(a.Org, "new@example.com")
	accepted := resent
	at := e.clk.now()
	accepted.Status, accepted.AcceptedAt, accepted.AcceptedUserID, accepted.UpdatedAt = "accepted", tm(at), u.ID, at
	e.write(func(w store.Writer) error { return w.UpdateInvite(e.ctx, &accepted, "pending") })
	same(e.t, &accepted, e.getInvite(a.P.ID, inv.ID), "accepted invite")

	moved := accepted
	moved.Email, moved.RoleID, moved.RoleKey = "other@example.com", a.Owner.ID, a.Owner.Key
	moved.InvitedBy = audit.System("evil")
	e.write(func(w store.Writer) error { return w.UpdateInvite(e.ctx, &moved, "accepted") })
	same(e.t, &accepted, e.getInvite(a.P.ID, inv.ID), "email, role and inviter after an update that tried to change them")
}

func testInviteOtherTenant(e *env) {
	a, b := e.tenants()
	inv := e.createInvite(a.Org, a.Member, "victim@example.com")
	theirs := e.createInvite(b.Org, b.Member, "victim@example.com")
	before := e.getInvite(a.P.ID, inv.ID)

	_, err := e.st.GetInvite(e.ctx, b.P.ID, inv.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetInvite from another project")
	_, err = e.st.GetInviteByTokenHash(e.ctx, b.P.ID, inv.TokenHash)
	wantErr(e.t, err, store.ErrNotFound, "GetInviteByTokenHash from another project")
	same(e.t, []*store.InviteRecord{theirs}, e.listInvites(b.P.ID, store.InviteFilter{}), "the other project's invites")
	list := e.listInvites(b.P.ID, store.InviteFilter{OrgID: a.Org.ID})
	notFoundOrEmpty(e.t, nil, len(list), "ListInvites of another project's organization")
	pending, err := e.st.ListPendingInvitesByEmail(e.ctx, b.P.ID, "victim@example.com", e.clk.now())
	noErr(e.t, err, "ListPendingInvitesByEmail of the other project")
	same(e.t, []*store.InviteRecord{theirs}, pending, "the other project's pending invites of the email")

	// Updates naming another project, or another organization of the same
	// project, change nothing.
	hijack := *inv
	hijack.ProjectID = b.P.ID
	hijack.Status, hijack.TokenHash = "revoked", randomHash()
	err = e.writeErr(func(w store.Writer) error { return w.UpdateInvite(e.ctx, &hijack, "pending") })
	wantErr(e.t, err, store.ErrNotFound, "UpdateInvite from another project")
	hijack = *inv
	hijack.OrgID = a.Org2.ID
	hijack.Status, hijack.TokenHash = "revoked", randomHash()
	err = e.writeErr(func(w store.Writer) error { return w.UpdateInvite(e.ctx, &hijack, "pending") })
	wantErr(e.t, err, store.ErrNotFound, "UpdateInvite through another organization")
	same(e.t, before, e.getInvite(a.P.ID, inv.ID), "invite after other-tenant attempts")
	same(e.t, []*store.InviteRecord{}, e.listInvites(a.P.ID, store.InviteFilter{OrgID: a.Org2.ID}), "the other organization's invites")
}

func testInviteCreateChecks(e *env) {
	a, b := e.tenants()
	custom := e.newRole(a.P.ID, a.Org.ID, "auditor")
	e.createRole(custom)
	other := e.newRole(a.P.ID, a.Org2.ID, "other_auditor")
	e.createRole(other)

	for _, c := range []struct {
		what string
		edit func(r *store.InviteRecord)
	}{
		{"organization of another project", func(r *store.InviteRecord) { r.OrgID = b.Org.ID }},
		{"role of another project", func(r *store.InviteRecord) { r.RoleID = b.Member.ID }},
		{"custom role of another organization", func(r *store.InviteRecord) { r.RoleID = other.ID }},
		{"another project as the invite's project", func(r *store.InviteRecord) { r.ProjectID = b.P.ID }},
		{"unknown organization", func(r *store.InviteRecord) { r.OrgID = id.New[id.Org](e.clk.now()) }},
	} {
		r := e.newInvite(a.Org, a.Member, "x@example.com")
		c.edit(r)
		err := e.writeErr(func(w store.Writer) error { return w.CreateInvite(e.ctx, r) })
		wantErr(e.t, err, store.ErrNotFound, "CreateInvite with "+c.what)
		_, err = e.st.GetInvite(e.ctx, a.P.ID, r.ID)
		wantErr(e.t, err, store.ErrNotFound, "invite refused for "+c.what)
		_, err = e.st.GetInvite(e.ctx, b.P.ID, r.ID)
		wantErr(e.t, err, store.ErrNotFound, "invite refused for "+c.what+" (other project)")
	}

	// The organization's own custom role is fine, and the stored key is
	// the role's whatever the caller wrote.
	r := e.newInvite(a.Org, custom, "auditor@example.com")
	r.RoleKey = "owner"
	e.write(func(w store.Writer) error { return w.CreateInvite(e.ctx, r) })
	r.RoleKey = custom.Key
	same(e.t, r, e.getInvite(a.P.ID, r.ID), "invite with the organization's custom role")
}

func testInviteUpdateFromStatus(e *env) {
	a, _ := e.tenants()
	inv := e.createInvite(a.Org, a.Member, "racer@example.com")
	now := e.clk.now()
	revoked := *inv
	revoked.Status, revoked.RevokedAt, revoked.UpdatedAt = "revoked", tm(now), now
	e.write(func(w store.Writer) error { return w.UpdateInvite(e.ctx, &revoked, "pending") })

	// An acceptance that read the invite while it was pending loses.
	accepted := *inv
	accepted.Status, accepted.AcceptedAt, accepted.AcceptedUserID = "accepted", tm(now), id.New[id.User](now)
	err := e.writeErr(func(w store.Writer) error { return w.UpdateInvite(e.ctx, &accepted, "pending") })
	wantErr(e.t, err, store.ErrNotFound, "UpdateInvite from a status the row has left")
	same(e.t, &revoked, e.getInvite(a.P.ID, inv.ID), "invite after the losing update")
}

func testInviteHashUnique(e *env) {
	a, b := e.tenants()
	inv := e.createInvite(a.Org, a.Member, "one@example.com")
	dup := e.newInvite(b.Org, b.Member, "two@example.com")
	dup.TokenHash = inv.TokenHash
	err := e.writeErr(func(w store.Writer) error { return w.CreateInvite(e.ctx, dup) })
	wantErr(e.t, err, store.ErrConflict, "CreateInvite with another invite's hash")
	again := e.newInvite(a.Org, a.Member, "three@example.com")
	again.ID = inv.ID
	err = e.writeErr(func(w store.Writer) error { return w.CreateInvite(e.ctx, again) })
	wantErr(e.t, err, store.ErrConflict, "CreateInvite with a taken ID")
	same(e.t, inv, e.getInvite(a.P.ID, inv.ID), "invite after conflicting creates")
}

func testInviteList(e *env) {
	a, _ := e.tenants()
	live := e.createInvite(a.Org, a.Member, "live@example.com")
	soon := e.newInvite(a.Org, a.Member, "soon@example.com")
	soon.ExpiresAt = soon.CreatedAt.Add(time.Hour)
	e.write(func(w store.Writer) error { return w.CreateInvite(e.ctx, soon) })
	gone := e.createInvite(a.Org, a.Admin, "gone@example.com")
	now := e.clk.now()
	gone.Status, gone.RevokedAt, gone.UpdatedAt = "revoked", tm(now), now
	e.write(func(w store.Writer) error { return w.UpdateInvite(e.ctx, gone, "pending") })
	elsewhere := e.createInvite(a.Org2, a.Member, "live@example.com")

	later := soon.ExpiresAt // soon has expired at this instant, live has not
	for _, c := range []struct {
		what string
		f    store.InviteFilter
		want []*store.InviteRecord
	}{
		{"everything", store.InviteFilter{}, []*store.InviteRecord{live, soon, gone, elsewhere}},
		{"one organization", store.InviteFilter{OrgID: a.Org.ID}, []*store.InviteRecord{live, soon, gone}},
		{"the other organization", store.InviteFilter{OrgID: a.Org2.ID}, []*store.InviteRecord{elsewhere}},
		{"revoked", store.InviteFilter{Status: "revoked"}, []*store.InviteRecord{gone}},
		{"pending, live later", store.InviteFilter{OrgID: a.Org.ID, Status: "pending", ExpiresAfter: later}, []*store.InviteRecord{live}},
		{"pending, expired later", store.InviteFilter{Status: "pending", ExpiresUntil: later}, []*store.InviteRecord{soon}},
		{"accepted", store.InviteFilter{Status: "accepted"}, []*store.InviteRecord{}},
	} {
		same(e.t, c.want, e.listInvites(a.P.ID, c.f), "ListInvites of "+c.what)
	}
	for _, limit := range []int{1, 3} {
		got := pages(e.t, limit, false, func(pg store.Page) ([]*store.InviteRecord, error) {
			return e.st.ListInvites(e.ctx, a.P.ID, store.InviteFilter{}, pg)
		}, inviteID)
		same(e.t, []*store.InviteRecord{live, soon, gone, elsewhere}, got, "all pages of invites")
	}
}

func testInvitePendingByEmail(e *env) {
	a, _ := e.tenants()
	one := e.createInvite(a.Org, a.Member, "ann@example.com")
	two := e.createInvite(a.Org2, a.Admin, "ann@example.com")
	short := e.newInvite(a.Org2, a.Member, "ann@example.com")
	short.ExpiresAt = short.CreatedAt.Add(time.Minute)
	e.write(func(w store.Writer) error { return w.CreateInvite(e.ctx, short) })
	e.createInvite(a.Org, a.Member, "bob@example.com")
	done := e.createInvite(a.Org2, a.Member, "ann@example.com")
	now := e.clk.now()
	done.Status, done.RevokedAt, done.UpdatedAt = "revoked", tm(now), now
	e.write(func(w store.Writer) error { return w.UpdateInvite(e.ctx, done, "pending") })

	got, err := e.st.ListPendingInvitesByEmail(e.ctx, a.P.ID, "ann@example.com", now)
	noErr(e.t, err, "ListPendingInvitesByEmail")
	same(e.t, []*store.InviteRecord{one, two, short}, got, "pending invites of ann")
	got, err = e.st.ListPendingInvitesByEmail(e.ctx, a.P.ID, "ann@example.com", short.ExpiresAt)
	noErr(e.t, err, "ListPendingInvitesByEmail at the short invite's expiry")
	same(e.t, []*store.InviteRecord{one, two}, got, "pending invites of ann once one expired")
	got, err = e.st.ListPendingInvitesByEmail(e.ctx, a.P.ID, "carol@example.com", now)
	noErr(e.t, err, "ListPendingInvitesByEmail of nobody")
	same(e.t, []*store.InviteRecord{}, got, "pending invites of nobody")
}

func testInviteDeleteCascades(e *env) {
	a, b := e.tenants()
	custom := e.newRole(a.P.ID, a.Org2.ID, "temp")
	e.createRole(custom)
	inOrg := e.createInvite(a.Org, a.Member, "one@example.com")
	withCustom := e.createInvite(a.Org2, custom, "two@example.com")
	keep := e.createInvite(a.Org2, a.Member, "three@example.com")
	theirs := e.createInvite(b.Org, b.Member, "one@example.com")

	e.write(func(w store.Writer) error { return w.DeleteOrganization(e.ctx, a.P.ID, a.Org.ID) })
	_, err := e.st.GetInvite(e.ctx, a.P.ID, inOrg.ID)
	wantErr(e.t, err, store.ErrNotFound, "invite of a deleted organization")
	_, err = e.st.GetInviteByTokenHash(e.ctx, a.P.ID, inOrg.TokenHash)
	wantErr(e.t, err, store.ErrNotFound, "link of a deleted organization's invite")

	e.write(func(w store.Writer) error { return w.DeleteRole(e.ctx, a.P.ID, custom.ID) })
	_, err = e.st.GetInvite(e.ctx, a.P.ID, withCustom.ID)
	wantErr(e.t, err, store.ErrNotFound, "invite granting a deleted role")

	same(e.t, []*store.InviteRecord{keep}, e.listInvites(a.P.ID, store.InviteFilter{}), "invites left")
	same(e.t, theirs, e.getInvite(b.P.ID, theirs.ID), "the other project's invite")
}
