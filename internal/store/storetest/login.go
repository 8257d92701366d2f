package storetest

import (
	"crypto/rand"
	"crypto/sha256"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// loginCases are the conformance cases of this capability.
func loginCases() []testCase {
	return []testCase{
		{"Login/RoundTrip", testLoginRoundTrip},
		{"Login/OtherTenant", testLoginOtherTenant},
		{"Login/UpdateAndVersion", testLoginUpdate},
		{"Login/HashesUnique", testLoginHashesUnique},
		{"Login/DeleteExpired", testLoginDeleteExpired},
	}
}

// secretHash hashes a fresh random secret, as the login service does.
func secretHash() store.SecretHash {
	h := sha256.Sum256([]byte(rand.Text()))
	return h[:]
}

func (e *env) newAttempt(p id.Project, withLink bool) *store.LoginAttempt {
	now := e.clk.now()
	a := &store.LoginAttempt{
		ID: id.New[id.LoginAttempt](now), ProjectID: p, CookieHash: secretHash(),
		Request: []byte(`{"client_id":"cli_x","redirect_uri":"https://app.example.com/cb","scope":["openid"]}`),
		State:   []byte(`{"facts":{"email":"","email_verified":false,"proofs":[]}}`),
		Version: 1, CreatedAt: now, UpdatedAt: now, ExpiresAt: now.Add(30 * time.Minute),
	}
	if withLink {
		a.LinkHash = secretHash()
	}
	return a
}

func (e *env) createAttempt(p id.Project, withLink bool) *store.LoginAttempt {
	e.t.Helper()
	a := e.newAttempt(p, withLink)
	e.write(func(w store.Writer) error { return w.CreateLoginAttempt(e.ctx, a) })
	return a
}

func (e *env) getAttempt(p id.Project, a id.LoginAttempt) *store.LoginAttempt {
	e.t.Helper()
	got, err := e.st.GetLoginAttempt(e.ctx, p, a)
	noErr(e.t, err, "GetLoginAttempt")
	return got
}

func testLoginRoundTrip(e *env) {
	a, b := e.tenants()
	at := e.createAttempt(a.P.ID, true)
	same(e.t, at, e.getAttempt(a.P.ID, at.ID), "created attempt")
	_, err := e.st.GetLoginAttemptByCookie(e.ctx, b.P.ID, at.CookieHash)
	wantErr(e.t, err, store.ErrNotFound, "GetLoginAttemptByCookie from another project")
	got, err := e.st.GetLoginAttemptByCookie(e.ctx, a.P.ID, at.CookieHash)
	noErr(e.t, err, "GetLoginAttemptByCookie")
	same(e.t, at, got, "attempt by cookie")
	got, err = e.st.GetLoginAttemptByLink(e.ctx, a.P.ID, at.LinkHash)
	noErr(e.t, err, "GetLoginAttemptByLink")
	same(e.t, at, got, "attempt by link")

	// An attempt without a link is not found by an empty or absent hash.
	plain := e.createAttempt(a.P.ID, false)
	same(e.t, plain, e.getAttempt(a.P.ID, plain.ID), "attempt without link")
	for _, h := range []store.SecretHash{nil, {}, secretHash()} {
		_, err = e.st.GetLoginAttemptByLink(e.ctx, a.P.ID, h)
		wantErr(e.t, err, store.ErrNotFound, "GetLoginAttemptByLink of no or a wrong link")
		_, err = e.st.GetLoginAttemptByCookie(e.ctx, a.P.ID, h)
		wantErr(e.t, err, store.ErrNotFound, "GetLoginAttemptByCookie of no or a wrong cookie")
	}
	_, err = e.st.GetLoginAttempt(e.ctx, a.P.ID, id.New[id.LoginAttempt](e.clk.now()))
	wantErr(e.t, err, store.ErrNotFound, "GetLoginAttempt unknown")

	// A completed attempt keeps its session and completion time.
	done := e.newAttempt(a.P.ID, false)
	done.CompletedAt = tm(e.clk.now())
	done.SessionID = id.New[id.Session](e.clk.now())
	e.write(func(w store.Writer) error { return w.CreateLoginAttempt(e.ctx, done) })
	same(e.t, done, e.getAttempt(a.P.ID, done.ID), "completed attempt")
}

func testLoginOtherTenant(e *env) {
	a, b := e.tenants()
	at := e.createAttempt(a.P.ID, true)
	theirs := e.createAttempt(b.P.ID, true)
	before := e.getAttempt(a.P.ID, at.ID)

	_, err := e.st.GetLoginAttempt(e.ctx, b.P.ID, at.ID)
	wantErr(e.t, err, store.ErrNotFound, "GetLoginAttempt from another project")
	_, err = e.st.GetLoginAttemptByCookie(e.ctx, b.P.ID, at.CookieHash)
	wantErr(e.t, err, store.ErrNotFound, "GetLoginAttemptByCookie from another project")
	_, err = e.st.GetLoginAttemptByLink(e.ctx, b.P.ID, at.LinkHash)
	wantErr(e.t, err, store.ErrNotFound, "GetLoginAttemptByLink from another project")
	err = e.writeErr(func(w store.Writer) error { return w.LockLoginAttempt(e.ctx, b.P.ID, at.ID) })
	wantErr(e.t, err, store.ErrNotFound, "LockLoginAttempt from another project")

	forged := *before
	forged.ProjectID = b.P.ID
	forged.State = []byte(`{"facts":{"email":"victim@example.com","email_verified":true,"proofs":[]}}`)
	forged.LinkHash = nil
	forged.CompletedAt = tm(e.clk.now())
	err = e.writeErr(func(w store.Writer) error { return w.UpdateLoginAttempt(e.ctx, &forged) })
	wantErr(e.t, err, store.ErrNotFound, "UpdateLoginAttempt from another project")
	same(e.t, before, e.getAttempt(a.P.ID, at.ID), "attempt after other-tenant attempts")
	same(e.t, theirs, e.getAttempt(b.P.ID, theirs.ID), "the other project's own attempt")

	err = e.writeErr(func(w store.Writer) error { return w.LockLoginAttempt(e.ctx, a.P.ID, at.ID) })
	noErr(e.t, err, "LockLoginAttempt in its own project")
}

func testLoginUpdate(e *env) {
	a, b := e.tenants()
	at := e.createAttempt(a.P.ID, true)
	sibling := e.createAttempt(a.P.ID, true)
	oldLink := at.LinkHash
	stale := *at

	next := *at
	next.State = []byte(`{"facts":{"email":"person@example.com","email_verified":true,"proofs":[{"factor":"magic_link","at":"2026-01-01T00:00:00Z"}]}}`)
	next.LinkHash = nil
	next.UpdatedAt = e.clk.now()
	next.ExpiresAt = next.UpdatedAt.Add(10 * time.Minute)
	e.write(func(w store.Writer) error {
		if err := w.LockLoginAttempt(e.ctx, a.P.ID, at.ID); err != nil {
			return err
		}
		return w.UpdateLoginAttempt(e.ctx, &next)
	})
	if next.Version != at.Version+1 {
		e.t.Fatalf("version after update = %d, want %d", next.Version, at.Version+1)
	}
	same(e.t, &next, e.getAttempt(a.P.ID, at.ID), "updated attempt")
	// The current version from another project changes nothing either.
	theirs := next
	theirs.ProjectID = b.P.ID
	theirs.State = []byte(`{"facts":{"email":"attacker@example.com","email_verified":true,"proofs":[]}}`)
	err := e.writeErr(func(w store.Writer) error { return w.UpdateLoginAttempt(e.ctx, &theirs) })
	wantErr(e.t, err, store.ErrNotFound, "UpdateLoginAttempt of the current version from another project")
	same(e.t, &next, e.getAttempt(a.P.ID, at.ID), "attempt after the other project's write")
	// The used link no longer finds the attempt; the cookie still does.
	_, err = e.st.GetLoginAttemptByLink(e.ctx, a.P.ID, oldLink)
	wantErr(e.t, err, store.ErrNotFound, "GetLoginAttemptByLink after the link was cleared")
	got, err := e.st.GetLoginAttemptByCookie(e.ctx, a.P.ID, at.CookieHash)
	noErr(e.t, err, "GetLoginAttemptByCookie after update")
	same(e.t, &next, got, "attempt by cookie after update")

	// A write based on the old version is refused and changes nothing.
	stale.State = []byte(`{"facts":{"email":"attacker@example.com","email_verified":true,"proofs":[]}}`)
	err = e.writeErr(func(w store.Writer) error { return w.UpdateLoginAttempt(e.ctx, &stale) })
	wantErr(e.t, err, store.ErrConflict, "UpdateLoginAttempt of a stale version")
	same(e.t, &next, e.getAttempt(a.P.ID, at.ID), "attempt after a stale write")

	// Completion, with a fresh link hash on the way.
	fin := next
	fin.LinkHash = secretHash()
	fin.CompletedAt = tm(e.clk.now())
	fin.SessionID = id.New[id.Session](e.clk.now())
	fin.UpdatedAt = e.clk.now()
	e.write(func(w store.Writer) error { return w.UpdateLoginAttempt(e.ctx, &fin) })
	same(e.t, &fin, e.getAttempt(a.P.ID, at.ID), "completed attempt")
	got, err = e.st.GetLoginAttemptByLink(e.ctx, a.P.ID, fin.LinkHash)
	noErr(e.t, err, "GetLoginAttemptByLink of the new link")
	same(e.t, &fin, got, "attempt by new link")
	same(e.t, sibling, e.getAttempt(a.P.ID, sibling.ID), "sibling attempt after updates")

	ghost := e.newAttempt(a.P.ID, false)
	err = e.writeErr(func(w store.Writer) error { return w.UpdateLoginAttempt(e.ctx, ghost) })
	wantErr(e.t, err, store.ErrNotFound, "UpdateLoginAttempt unknown")
	err = e.writeErr(func(w store.Writer) error { return w.LockLoginAttempt(e.ctx, a.P.ID, ghost.ID) })
	wantErr(e.t, err, store.ErrNotFound, "LockLoginAttempt unknown")
}

// testLoginHashesUnique: a cookie or link identifies at most one attempt,
// across projects, so a lookup can never pick between two.
func testLoginHashesUnique(e *env) {
	a, b := e.tenants()
	at := e.createAttempt(a.P.ID, true)
	for _, p := range []*tenant{a, b} {
		dup := e.newAttempt(p.P.ID, false)
		dup.CookieHash = at.CookieHash
		err := e.writeErr(func(w store.Writer) error { return w.CreateLoginAttempt(e.ctx, dup) })
		wantErr(e.t, err, store.ErrConflict, "CreateLoginAttempt with a taken cookie in "+string(p.P.ID))
		dup = e.newAttempt(p.P.ID, false)
		dup.LinkHash = at.LinkHash
		err = e.writeErr(func(w store.Writer) error { return w.CreateLoginAttempt(e.ctx, dup) })
		wantErr(e.t, err, store.ErrConflict, "CreateLoginAttempt with a taken link in "+string(p.P.ID))
	}
	// Moving another attempt's link onto a taken one is refused too.
	other := e.createAttempt(a.P.ID, false)
	moved := *other
	moved.LinkHash = at.LinkHash
	err := e.writeErr(func(w store.Writer) error { return w.UpdateLoginAttempt(e.ctx, &moved) })
	wantErr(e.t, err, store.ErrConflict, "UpdateLoginAttempt onto a taken link")
	same(e.t, other, e.getAttempt(a.P.ID, other.ID), "attempt after the refused move")
	// Many attempts without a link coexist.
	e.createAttempt(a.P.ID, false)
	e.createAttempt(b.P.ID, false)
	same(e.t, at, e.getAttempt(a.P.ID, at.ID), "original attempt")
}

func testLoginDeleteExpired(e *env) {
	a, b := e.tenants()
	// Expiry times far in the past so parallel cases' live attempts are safe.
	old := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
	var expired []*store.LoginAttempt
	for _, p := range []*tenant{a, b} {
		x := e.newAttempt(p.P.ID, true)
		x.CreatedAt, x.UpdatedAt, x.ExpiresAt = old, old, old.Add(time.Duration(len(expired))*time.Second)
		e.write(func(w store.Writer) error { return w.CreateLoginAttempt(e.ctx, x) })
		expired = append(expired, x)
	}
	live := e.createAttempt(a.P.ID, true)
	var n int64
	e.write(func(w store.Writer) error {
		var err error
		n, err = w.DeleteExpiredLoginAttempts(e.ctx, old.Add(time.Hour), 1000)
		return err
	})
	if n < int64(len(expired)) {
		e.t.Fatalf("DeleteExpiredLoginAttempts removed %d rows, want at least %d", n, len(expired))
	}
	for _, x := range expired {
		_, err := e.st.GetLoginAttempt(e.ctx, x.ProjectID, x.ID)
		wantErr(e.t, err, store.ErrNotFound, "expired attempt after cleanup")
	}
	same(e.t, live, e.getAttempt(a.P.ID, live.ID), "live attempt after cleanup")
}
