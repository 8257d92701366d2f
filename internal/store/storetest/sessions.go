package storetest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// sessionCases are the conformance cases of this capability.
func sessionCases() []testCase {
	return []testCase{
		{"Session/RoundTrip", testSessionRoundTrip},
		{"Session/OtherTenant", testSessionOtherTenant},
		{"Session/CreateChecksMembership", testSessionCreateMembership},
		{"Session/HashesUnique", testSessionHashesUnique},
		{"Session/RefreshChain", testSessionRefreshChain},
		{"Session/Revoke", testSessionRevoke},
		{"Session/ListFilters", testSessionList},
		{"Session/Impersonation", testSessionImpersonation},
	}
}

func randomHash() store.TokenHash {
	h := sha256.Sum256([]byte(rand.Text()))
	return h[:]
}

// newSession builds (without storing) a live browser session of u.
func (e *env) newSession(u *user.User) *store.SessionRecord {
	now := e.clk.now()
	return &store.SessionRecord{
		ID: id.New[id.Session](now), ProjectID: u.ProjectID, OrgID: u.OrganizationID, UserID: u.ID,
		Facts:            json.RawMessage(`{"email":"` + u.Email + `","email_verified":true,"proofs":[{"factor":"email_code","at":"2026-01-02T03:04:05Z"}]}`),
		BrowserTokenHash: randomHash(),
		CreatedAt:        now, LastActiveAt: now,
		ExpiresAt: now.Add(30 * 24 * time.Hour), IdleExpiresAt: now.Add(7 * 24 * time.Hour),
		UserAgent: "Browser/1.0", IP: "192.0.2.7",
	}
}

func (e *env) createSession(u *user.User) *store.SessionRecord {
	e.t.Helper()
	s := e.newSession(u)
	e.write(func(w store.Writer) error { return w.CreateSession(e.ctx, s) })
	return s
}

func (e *env) getSession(p id.Project, s id.Session) *store.SessionRecord {
	e.t.Helper()
	got, err := e.st.GetSession(e.ctx, p, s)
	noErr(e.t, err, "GetSession")
	return got
}

func sessionID(s *store.SessionRecord) string { return string(s.ID) }

func testSessionRoundTrip(e *env) {
	a, _ := e.tenants()
	e.createPermissions(a.P.ID, "invoices.read", "invoices.write", "reports.read")
	billing := e.newRole(a.P.ID, "", "billing", "invoices.read", "invoices.write")
	reader := e.newRole(a.P.ID, a.Org.ID, "reader", "invoices.read", "reports.read")
	e.createRole(billing)
	e.createRole(reader)
	u := e.createUser(a.Org, "session@example.com")
	e.assign(u, reader)
	e.assign(u, billing)
	s := e.createSession(u)
	same(e.t, s, e.getSession(a.P.ID, s.ID), "created session")

	o, err := e.st.GetOrganization(e.ctx, a.P.ID, a.Org.ID)
	noErr(e.t, err, "GetOrganization")
	want := &store.SessionAccess{
		Session: s, User: u, Org: o, Project: a.P,
		// Sorted, and a permission held through both roles appears once.
		Roles:       []string{"billing", "reader"},
		Permissions: []string{"invoices.read", "invoices.write", "reports.read"},
	}
	acc, err := e.st.SessionAccess(e.ctx, a.P.ID, s.ID)
	noErr(e.t, err, "SessionAccess")
	same(e.t, want, acc, "session access by ID")
	if o.MemberCount != 1 {
		e.t.Fatalf("member count %d, want 1", o.MemberCount)
	}
	acc, err = e.st.SessionAccessByBrowserHash(e.ctx, a.P.ID, s.BrowserTokenHash)
	noErr(e.t, err, "SessionAccessByBrowserHash")
	same(e.t, want, acc, "session access by browser token")

	// A user without roles gets empty lists, not an error.
	bare := e.createSession(e.createUser(a.Org2, "bare@example.com"))
	acc, err = e.st.SessionAccess(e.ctx, a.P.ID, bare.ID)
	noErr(e.t, err, "SessionAccess without roles")
	if len(acc.Roles) != 0 || len(acc.Permissions) != 0 || acc.Org.ID != a.Org2.ID {
		e.t.Fatalf("access of a user without roles: %+v", acc)
	}

	_, err = e.st.GetSession(e.ctx, a.P.ID, id.New[id.Session](e.clk.now()))
	wantErr(e.t, err, store.ErrNotFound, "GetSession unknown")
	_, err = e.st.SessionAccessByBrowserHash(e.ctx, a.P.ID, randomHash())
	wantErr(e.t, err, store.ErrNotFound, "SessionAccessByBrowserHash unknown")
	_, err = e.st.SessionAccess(e.ctx, a.P.ID, id.New[id.Session](e.clk.now()))
	wantErr(e.t, err, store.ErrNotFound, "SessionAccess unknown")
}

func testSessionOtherTenant(e *env) {
	a, b := e.tenants()
	u := e.createUser(a.Org, "victim@example.com")
	s := e.createSession(u)
	first := randomHash()
	now := e.clk.now()
	e.write(func(w store.Writer) error {
		ok, err := w.IssueFirstRefresh(e.ctx, store.FirstRefresh{ProjectID: a.P.ID, SessionID: s.ID, ClientID: "cli_a", Hash: first, At: now, IdleExpiresAt: now.Add(time.Hour)})
		if err == nil && !ok {
			e.t.Fatalf("IssueFirstRefresh of a fresh session did nothing")
		}
		return err
	})
	theirs := e.createSession(e.createUser(b.Org, "victim@example.com"))
	before := e.getSession(a.P.ID, s.ID)

	_, err := e.st.GetSession(e.ctx, b.P.ID, s.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetSession from another project")
	_, err = e.st.SessionAccess(e.ctx, b.P.ID, s.ID)
	wantErr(e.t, err, store.ErrNotFound, "SessionAccess from another project")
	_, err = e.st.SessionAccessByBrowserHash(e.ctx, b.P.ID, s.BrowserTokenHash)
	wantErr(e.t, err, store.ErrNotFound, "SessionAccessByBrowserHash from another project")

	at := e.clk.now()
	e.write(func(w store.Writer) error {
		ok, err := w.IssueFirstRefresh(e.ctx, store.FirstRefresh{ProjectID: b.P.ID, SessionID: s.ID, ClientID: "cli_b", Hash: randomHash(), At: at, IdleExpiresAt: at})
		noErr(e.t, err, "IssueFirstRefresh from another project")
		if ok {
			e.t.Fatalf("IssueFirstRefresh from another project changed A's session")
		}
		ok, err = w.RotateRefreshToken(e.ctx, store.RefreshRotation{ProjectID: b.P.ID, SessionID: s.ID, OldHash: first, NewHash: randomHash(), At: at, IdleExpiresAt: at})
		noErr(e.t, err, "RotateRefreshToken from another project")
		if ok {
			e.t.Fatalf("RotateRefreshToken from another project changed A's session")
		}
		wantErr(e.t, w.TouchSession(e.ctx, b.P.ID, s.ID, at, at), store.ErrNotFound, "TouchSession from another project")
		ok, err = w.RevokeSession(e.ctx, b.P.ID, s.ID, at, "stolen")
		noErr(e.t, err, "RevokeSession from another project")
		if ok {
			e.t.Fatalf("RevokeSession from another project revoked A's session")
		}
		for what, revoke := range map[string]func() (int64, error){
			"RevokeUserSessions": func() (int64, error) { return w.RevokeUserSessions(e.ctx, b.P.ID, u.ID, at, "stolen") },
			"RevokeOrgSessions":  func() (int64, error) { return w.RevokeOrgSessions(e.ctx, b.P.ID, a.Org.ID, at, "stolen") },
		} {
			n, err := revoke()
			noErr(e.t, err, what+" from another project")
			if n != 0 {
				e.t.Fatalf("%s from another project revoked %d of A's sessions", what, n)
			}
		}
		return nil
	})
	if rr, ok := e.st.(store.RefreshRotator); ok {
		changed, err := rr.RotateRefreshToken(e.ctx, store.RefreshRotation{ProjectID: b.P.ID, SessionID: s.ID, OldHash: first, NewHash: randomHash(), At: at, IdleExpiresAt: at})
		noErr(e.t, err, "autocommit RotateRefreshToken from another project")
		if changed {
			e.t.Fatalf("autocommit RotateRefreshToken from another project changed A's session")
		}
	}
	for _, f := range []store.SessionFilter{{}, {UserID: u.ID}, {OrgID: a.Org.ID}, {LiveAt: at}} {
		list, err := e.st.ListSessions(e.ctx, b.P.ID, f, store.Page{Limit: 100})
		noErr(e.t, err, "ListSessions of the other project")
		if f.UserID == "" && f.OrgID == "" {
			same(e.t, []*store.SessionRecord{theirs}, list, "the other project's sessions")
		} else {
			same(e.t, []*store.SessionRecord{}, list, "the other project's sessions filtered by A's IDs")
		}
	}
	same(e.t, before, e.getSession(a.P.ID, s.ID), "session after other-tenant attempts")
}

// testSessionCreateMembership: a session names a user of its organization
// in its project, nothing else.
func testSessionCreateMembership(e *env) {
	a, b := e.tenants()
	u := e.createUser(a.Org, "member@example.com")
	for what, mutate := range map[string]func(s *store.SessionRecord){
		"another project":          func(s *store.SessionRecord) { s.ProjectID = b.P.ID },
		"another project's org":    func(s *store.SessionRecord) { s.ProjectID, s.OrgID = b.P.ID, b.Org.ID },
		"a sibling organization":   func(s *store.SessionRecord) { s.OrgID = a.Org2.ID },
		"an unknown user":          func(s *store.SessionRecord) { s.UserID = id.New[id.User](e.clk.now()) },
		"another project's org id": func(s *store.SessionRecord) { s.OrgID = b.Org.ID },
	} {
		s := e.newSession(u)
		mutate(s)
		err := e.writeErr(func(w store.Writer) error { return w.CreateSession(e.ctx, s) })
		wantErr(e.t, err, store.ErrNotFound, "CreateSession in "+what)
	}
	list, err := e.st.ListSessions(e.ctx, b.P.ID, store.SessionFilter{}, store.Page{Limit: 10})
	noErr(e.t, err, "ListSessions of B")
	same(e.t, []*store.SessionRecord{}, list, "B's sessions after refused creations")
}

func testSessionHashesUnique(e *env) {
	a, b := e.tenants()
	s := e.createSession(e.createUser(a.Org, "one@example.com"))
	other := e.createUser(b.Org, "two@example.com")
	dup := e.newSession(other)
	dup.BrowserTokenHash = s.BrowserTokenHash
	err := e.writeErr(func(w store.Writer) error { return w.CreateSession(e.ctx, dup) })
	wantErr(e.t, err, store.ErrConflict, "CreateSession with a taken browser hash in another project")
	again := e.newSession(other)
	again.ID = s.ID
	err = e.writeErr(func(w store.Writer) error { return w.CreateSession(e.ctx, again) })
	wantErr(e.t, err, store.ErrConflict, "CreateSession with a taken ID")

	h := randomHash()
	withRefresh := e.newSession(other)
	withRefresh.BrowserTokenHash, withRefresh.RefreshHash = nil, h
	e.write(func(w store.Writer) error { return w.CreateSession(e.ctx, withRefresh) })
	clash := e.newSession(e.createUser(a.Org, "three@example.com"))
	clash.BrowserTokenHash, clash.RefreshHash = nil, h
	err = e.writeErr(func(w store.Writer) error { return w.CreateSession(e.ctx, clash) })
	wantErr(e.t, err, store.ErrConflict, "CreateSession with a taken refresh hash")
	same(e.t, s, e.getSession(a.P.ID, s.ID), "original after refused duplicates")
}

func testSessionRefreshChain(e *env) {
	a, _ := e.tenants()
	u := e.createUser(a.Org, "chain@example.com")
	s := e.createSession(u)
	h0, h1, h2 := randomHash(), randomHash(), randomHash()
	t0 := e.clk.now()
	issue := func(c id.Client, h store.TokenHash) bool {
		var ok bool
		e.write(func(w store.Writer) error {
			var err error
			ok, err = w.IssueFirstRefresh(e.ctx, store.FirstRefresh{ProjectID: a.P.ID, SessionID: s.ID, ClientID: c, Hash: h, At: t0, IdleExpiresAt: t0.Add(time.Hour)})
			return err
		})
		return ok
	}
	if !issue("cli_one", h0) {
		e.t.Fatalf("IssueFirstRefresh of a client-less session did nothing")
	}
	if issue("cli_two", randomHash()) {
		e.t.Fatalf("IssueFirstRefresh replaced an existing chain")
	}
	want := *s
	want.ClientID, want.RefreshHash, want.RefreshedAt = "cli_one", h0, tm(t0)
	want.LastActiveAt, want.IdleExpiresAt = t0, t0.Add(time.Hour)
	same(e.t, &want, e.getSession(a.P.ID, s.ID), "session after its first refresh token")

	rotate := func(old, next store.TokenHash) bool {
		at := e.clk.now()
		var ok bool
		e.write(func(w store.Writer) error {
			var err error
			ok, err = w.RotateRefreshToken(e.ctx, store.RefreshRotation{ProjectID: a.P.ID, SessionID: s.ID, OldHash: old, NewHash: next, At: at, IdleExpiresAt: at.Add(time.Hour)})
			return err
		})
		if ok {
			want.PrevRefreshHash, want.RefreshHash, want.RefreshedAt = want.RefreshHash, next, tm(at)
			want.LastActiveAt, want.IdleExpiresAt = at, at.Add(time.Hour)
		}
		return ok
	}
	if !rotate(h0, h1) {
		e.t.Fatalf("rotation of the current token did nothing")
	}
	// The loser of a race holds the old hash: nothing changes.
	if rotate(h0, randomHash()) {
		e.t.Fatalf("a second rotation of the same token succeeded")
	}
	same(e.t, &want, e.getSession(a.P.ID, s.ID), "session after one rotation")
	// Refresh reads by ID and compares both hashes itself.
	acc, err := e.st.SessionAccess(e.ctx, a.P.ID, s.ID)
	noErr(e.t, err, "SessionAccess after a rotation")
	same(e.t, &want, acc.Session, "session access after a rotation")
	// Through the autocommitted path too, when the store has one.
	if rr, ok := e.st.(store.RefreshRotator); ok {
		at := e.clk.now()
		changed, err := rr.RotateRefreshToken(e.ctx, store.RefreshRotation{ProjectID: a.P.ID, SessionID: s.ID, OldHash: h1, NewHash: h2, At: at, IdleExpiresAt: at.Add(time.Hour)})
		noErr(e.t, err, "autocommit RotateRefreshToken")
		if !changed {
			e.t.Fatalf("autocommit rotation of the current token did nothing")
		}
		want.PrevRefreshHash, want.RefreshHash, want.RefreshedAt = h1, h2, tm(at)
		want.LastActiveAt, want.IdleExpiresAt = at, at.Add(time.Hour)
		same(e.t, &want, e.getSession(a.P.ID, s.ID), "session after an autocommitted rotation")
	} else if !rotate(h1, h2) {
		e.t.Fatalf("second rotation did nothing")
	}
	// The rotation that lost to h1 → h2 holds a stale hash: nothing changes.
	if rotate(h0, randomHash()) || rotate(h1, randomHash()) {
		e.t.Fatalf("a rotation from a hash that is no longer current succeeded")
	}
	same(e.t, &want, e.getSession(a.P.ID, s.ID), "session after two rotations")

	// A revoked session no longer rotates.
	at := e.clk.now()
	e.write(func(w store.Writer) error { _, err := w.RevokeSession(e.ctx, a.P.ID, s.ID, at, "logout"); return err })
	if rotate(h2, randomHash()) {
		e.t.Fatalf("a revoked session rotated")
	}
}

func testSessionRevoke(e *env) {
	a, _ := e.tenants()
	u1 := e.createUser(a.Org, "u1@example.com")
	u2 := e.createUser(a.Org, "u2@example.com")
	u3 := e.createUser(a.Org2, "u3@example.com")
	s1, s1b, s2, s3 := e.createSession(u1), e.createSession(u1), e.createSession(u2), e.createSession(u3)
	expired := e.newSession(u1)
	expired.IdleExpiresAt = expired.CreatedAt.Add(time.Millisecond)
	e.write(func(w store.Writer) error { return w.CreateSession(e.ctx, expired) })

	at := e.clk.now().Add(time.Second)
	revokeOne := func(s *store.SessionRecord, reason string) bool {
		var ok bool
		e.write(func(w store.Writer) error {
			var err error
			ok, err = w.RevokeSession(e.ctx, a.P.ID, s.ID, at, reason)
			return err
		})
		return ok
	}
	if !revokeOne(s1, "logout") {
		e.t.Fatalf("RevokeSession did nothing")
	}
	if revokeOne(s1, "again") {
		e.t.Fatalf("RevokeSession of a revoked session reported a change")
	}
	got := e.getSession(a.P.ID, s1.ID)
	if got.RevokedAt == nil || !got.RevokedAt.Equal(dbT(at)) || got.RevokeReason != "logout" {
		e.t.Fatalf("revoked session: revoked_at %v reason %q", got.RevokedAt, got.RevokeReason)
	}

	var n int64
	e.write(func(w store.Writer) error {
		var err error
		n, err = w.RevokeUserSessions(e.ctx, a.P.ID, u1.ID, at, "user_revoked")
		return err
	})
	// s1 was revoked already and `expired` is past its idle expiry: only s1b.
	if n != 1 || e.getSession(a.P.ID, s1b.ID).RevokeReason != "user_revoked" || e.getSession(a.P.ID, expired.ID).RevokedAt != nil {
		e.t.Fatalf("RevokeUserSessions revoked %d, want 1 (the live one)", n)
	}
	if e.getSession(a.P.ID, s2.ID).RevokedAt != nil {
		e.t.Fatalf("RevokeUserSessions revoked another user's session")
	}
	e.write(func(w store.Writer) error {
		var err error
		n, err = w.RevokeOrgSessions(e.ctx, a.P.ID, a.Org.ID, at, "org_revoked")
		return err
	})
	if n != 1 || e.getSession(a.P.ID, s2.ID).RevokeReason != "org_revoked" {
		e.t.Fatalf("RevokeOrgSessions revoked %d, want 1 (u2's)", n)
	}
	if e.getSession(a.P.ID, s3.ID).RevokedAt != nil {
		e.t.Fatalf("RevokeOrgSessions revoked a session of a sibling organization")
	}
}

func dbT(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func testSessionList(e *env) {
	a, b := e.tenants()
	var all []*store.SessionRecord
	users := map[*org.Organization][]*user.User{}
	for _, o := range []*org.Organization{a.Org, a.Org2, b.Org} {
		users[o] = e.createUsers(o, 2)
	}
	for range 3 {
		for _, o := range []*org.Organization{a.Org, a.Org2, b.Org} {
			for _, u := range users[o] {
				all = append(all, e.createSession(u))
			}
		}
	}
	of := func(keep func(s *store.SessionRecord) bool) []*store.SessionRecord {
		out := []*store.SessionRecord{}
		for _, s := range all {
			if s.ProjectID == a.P.ID && keep(s) {
				out = append(out, s)
			}
		}
		return out
	}
	u := users[a.Org][1]
	cases := []struct {
		what string
		f    store.SessionFilter
		want []*store.SessionRecord
	}{
		{"all", store.SessionFilter{}, of(func(*store.SessionRecord) bool { return true })},
		{"by organization", store.SessionFilter{OrgID: a.Org2.ID}, of(func(s *store.SessionRecord) bool { return s.OrgID == a.Org2.ID })},
		{"by user", store.SessionFilter{UserID: u.ID}, of(func(s *store.SessionRecord) bool { return s.UserID == u.ID })},
		{"by user and its organization", store.SessionFilter{UserID: u.ID, OrgID: a.Org.ID}, of(func(s *store.SessionRecord) bool { return s.UserID == u.ID })},
		{"by user and another organization", store.SessionFilter{UserID: u.ID, OrgID: a.Org2.ID}, []*store.SessionRecord{}},
	}
	for _, c := range cases {
		got := pages(e.t, 2, false, func(pg store.Page) ([]*store.SessionRecord, error) {
			return e.st.ListSessions(e.ctx, a.P.ID, c.f, pg)
		}, sessionID)
		same(e.t, c.want, got, "sessions "+c.what)
	}

	// Live only: revoked and idle-expired sessions drop out.
	mine := of(func(s *store.SessionRecord) bool { return s.OrgID == a.Org.ID })
	at := e.clk.now()
	e.write(func(w store.Writer) error {
		_, err := w.RevokeSession(e.ctx, a.P.ID, mine[0].ID, at, "logout")
		return err
	})
	e.write(func(w store.Writer) error { return w.TouchSession(e.ctx, a.P.ID, mine[1].ID, at, at.Add(time.Minute)) })
	later := at.Add(2 * time.Minute)
	got, err := e.st.ListSessions(e.ctx, a.P.ID, store.SessionFilter{OrgID: a.Org.ID, LiveAt: later}, store.Page{Limit: 100})
	noErr(e.t, err, "ListSessions live")
	same(e.t, ids(mine[2:], sessionID), ids(got, sessionID), "live sessions")
	got, err = e.st.ListSessions(e.ctx, a.P.ID, store.SessionFilter{OrgID: a.Org.ID, LiveAt: at}, store.Page{Limit: 100})
	noErr(e.t, err, "ListSessions live before the idle expiry")
	same(e.t, ids(mine[1:], sessionID), ids(got, sessionID), "live sessions before the idle expiry")
	got, err = e.st.ListSessions(e.ctx, a.P.ID, store.SessionFilter{}, store.Page{After: string(all[4].ID), Limit: 3})
	noErr(e.t, err, "ListSessions after a middle ID")
	same(e.t, ids(of(func(s *store.SessionRecord) bool { return s.ID > all[4].ID })[:3], sessionID), ids(got, sessionID), "page after a middle ID")
}

// testSessionImpersonation: the impersonation columns round-trip, and
// revoking an impersonation ends its origin and the sessions derived from
// it, nothing else, and only within the project.
func testSessionImpersonation(e *env) {
	a, b := e.tenants()
	u := e.createUser(a.Org, "impersonated@example.com")
	origin := e.newSession(u)
	origin.Impersonation = &store.Impersonation{StaffUserID: "user_staff", StaffEmail: "support@vendor.example", Reason: "ticket 4711", OriginID: origin.ID}
	e.write(func(w store.Writer) error { return w.CreateSession(e.ctx, origin) })
	same(e.t, origin, e.getSession(a.P.ID, origin.ID), "impersonated session")
	acc, err := e.st.SessionAccess(e.ctx, a.P.ID, origin.ID)
	noErr(e.t, err, "SessionAccess")
	same(e.t, origin.Impersonation, acc.Session.Impersonation, "impersonation through SessionAccess")

	derived := e.newSession(u)
	derived.BrowserTokenHash, derived.ClientID, derived.RefreshHash = nil, "cli_app", randomHash()
	derived.Impersonation = origin.Impersonation
	e.write(func(w store.Writer) error { return w.CreateSession(e.ctx, derived) })
	own := e.createSession(u)
	if got := e.getSession(a.P.ID, own.ID); got.Impersonation != nil {
		e.t.Fatalf("an ordinary session reads as impersonated: %+v", got.Impersonation)
	}
	// A second impersonation of the same user is a separate one.
	other := e.newSession(u)
	other.Impersonation = &store.Impersonation{StaffUserID: "user_staff", StaffEmail: "support@vendor.example", Reason: "ticket 4712", OriginID: other.ID}
	e.write(func(w store.Writer) error { return w.CreateSession(e.ctx, other) })

	revoke := func(p id.Project, origin id.Session) int64 {
		var n int64
		at := e.clk.now()
		e.write(func(w store.Writer) error {
			var err error
			n, err = w.RevokeImpersonation(e.ctx, p, origin, at, "impersonation_ended")
			return err
		})
		return n
	}
	if n := revoke(b.P.ID, origin.ID); n != 0 || e.getSession(a.P.ID, origin.ID).RevokedAt != nil {
		e.t.Fatalf("another project ended the impersonation (%d sessions)", n)
	}
	// An ordinary session's ID names no impersonation.
	if n := revoke(a.P.ID, own.ID); n != 0 || e.getSession(a.P.ID, own.ID).RevokedAt != nil {
		e.t.Fatalf("ending a non-impersonation revoked %d sessions", n)
	}
	if n := revoke(a.P.ID, origin.ID); n != 2 {
		e.t.Fatalf("ending the impersonation revoked %d sessions, want 2", n)
	}
	for _, s := range []*store.SessionRecord{origin, derived} {
		if got := e.getSession(a.P.ID, s.ID); got.RevokedAt == nil || got.RevokeReason != "impersonation_ended" {
			e.t.Fatalf("session %s of the impersonation: revoked_at %v reason %q", s.ID, got.RevokedAt, got.RevokeReason)
		}
	}
	for _, s := range []*store.SessionRecord{own, other} {
		if e.getSession(a.P.ID, s.ID).RevokedAt != nil {
			e.t.Fatalf("session %s outside the impersonation was revoked", s.ID)
		}
	}
	if n := revoke(a.P.ID, origin.ID); n != 0 {
		e.t.Fatalf("ending an ended impersonation revoked %d sessions", n)
	}
}
