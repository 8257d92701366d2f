package storetest

import (
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// credentialCases are the conformance cases of this capability.
func credentialCases() []testCase {
	return []testCase{
		{"Password/RoundTrip", testPasswordRoundTrip},
		{"Password/OtherTenant", testPasswordOtherTenant},
		{"Password/GoneWithUser", testPasswordGoneWithUser},
		{"Password/GoneWithOrganization", testPasswordGoneWithOrganization},
		{"Throttle/Window", testThrottleWindow},
		{"Throttle/OtherTenant", testThrottleOtherTenant},
		{"Throttle/UnknownProject", testThrottleUnknownProject},
		{"Throttle/Prune", testThrottlePrune},
		{"Throttle/ConcurrentHits", testThrottleConcurrentHits},
	}
}

// Two encodings that differ only at the end, so a store that compared or
// kept a prefix would be caught.
const (
	hashOne = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2gx"
	hashTwo = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2gy"
)

func (e *env) setPassword(p id.Project, u id.User, hash string) error {
	at := e.clk.now()
	return e.writeErr(func(w store.Writer) error { return w.SetPasswordHash(e.ctx, p, u, hash, at) })
}

func (e *env) wantPassword(p id.Project, u id.User, want, what string) {
	e.t.Helper()
	got, err := e.st.GetPasswordHash(e.ctx, p, u)
	noErr(e.t, err, what)
	if got != want {
		e.t.Fatalf("%s: got hash %q, want %q", what, got, want)
	}
}

func (e *env) wantNoPassword(p id.Project, u id.User, what string) {
	e.t.Helper()
	_, err := e.st.GetPasswordHash(e.ctx, p, u)
	wantErr(e.t, err, store.ErrNotFound, what)
}

func testPasswordRoundTrip(e *env) {
	a, _ := e.tenants()
	u := e.createUser(a.Org, "pw@example.com")
	sibling := e.createUser(a.Org, "sibling@example.com")
	e.wantNoPassword(a.P.ID, u.ID, "GetPasswordHash before any is set")

	noErr(e.t, e.setPassword(a.P.ID, u.ID, hashOne), "SetPasswordHash")
	e.wantPassword(a.P.ID, u.ID, hashOne, "hash after set")
	noErr(e.t, e.setPassword(a.P.ID, u.ID, hashTwo), "SetPasswordHash again")
	e.wantPassword(a.P.ID, u.ID, hashTwo, "hash after replace")
	e.wantNoPassword(a.P.ID, sibling.ID, "sibling without a password")

	ghost := id.New[id.User](e.clk.now())
	wantErr(e.t, e.setPassword(a.P.ID, ghost, hashOne), store.ErrNotFound, "SetPasswordHash of an unknown user")
	e.wantNoPassword(a.P.ID, ghost, "unknown user after the refused set")
	if err := e.setPassword(a.P.ID, sibling.ID, ""); err == nil {
		e.t.Fatalf("SetPasswordHash with an empty hash succeeded")
	}
	e.wantNoPassword(a.P.ID, sibling.ID, "sibling after an empty hash was refused")

	e.write(func(w store.Writer) error { return w.DeletePasswordHash(e.ctx, a.P.ID, u.ID) })
	e.wantNoPassword(a.P.ID, u.ID, "hash after delete")
	err := e.writeErr(func(w store.Writer) error { return w.DeletePasswordHash(e.ctx, a.P.ID, u.ID) })
	wantErr(e.t, err, store.ErrNotFound, "DeletePasswordHash twice")
}

func testPasswordOtherTenant(e *env) {
	a, b := e.tenants()
	victim := e.createUser(a.Org, "victim@example.com")
	theirs := e.createUser(b.Org, "victim@example.com")
	noErr(e.t, e.setPassword(a.P.ID, victim.ID, hashOne), "SetPasswordHash A")
	noErr(e.t, e.setPassword(b.P.ID, theirs.ID, hashTwo), "SetPasswordHash B")

	// Project B names A's user: nothing is read, written or deleted.
	e.wantNoPassword(b.P.ID, victim.ID, "GetPasswordHash from another project")
	wantErr(e.t, e.setPassword(b.P.ID, victim.ID, hashTwo), store.ErrNotFound, "SetPasswordHash from another project")
	err := e.writeErr(func(w store.Writer) error { return w.DeletePasswordHash(e.ctx, b.P.ID, victim.ID) })
	wantErr(e.t, err, store.ErrNotFound, "DeletePasswordHash from another project")
	e.wantPassword(a.P.ID, victim.ID, hashOne, "A's hash after the other project's attempts")
	e.wantPassword(b.P.ID, theirs.ID, hashTwo, "B's own hash")
}

func testPasswordGoneWithUser(e *env) {
	a, _ := e.tenants()
	u := e.createUser(a.Org, "leaving@example.com")
	stays := e.createUser(a.Org, "stays@example.com")
	noErr(e.t, e.setPassword(a.P.ID, u.ID, hashOne), "SetPasswordHash")
	noErr(e.t, e.setPassword(a.P.ID, stays.ID, hashTwo), "SetPasswordHash of the sibling")
	e.write(func(w store.Writer) error { return w.DeleteUser(e.ctx, a.P.ID, u.ID) })
	e.wantNoPassword(a.P.ID, u.ID, "hash of a deleted user")
	e.wantPassword(a.P.ID, stays.ID, hashTwo, "sibling's hash after the delete")

	// A user created again with the same email starts without a password:
	// nothing of the old account's credential survived.
	again := e.createUser(a.Org, "leaving@example.com")
	e.wantNoPassword(a.P.ID, again.ID, "hash of the re-created user")
}

func testPasswordGoneWithOrganization(e *env) {
	a, _ := e.tenants()
	u := e.createUser(a.Org2, "tenant@example.com")
	other := e.createUser(a.Org, "tenant@example.com")
	noErr(e.t, e.setPassword(a.P.ID, u.ID, hashOne), "SetPasswordHash")
	noErr(e.t, e.setPassword(a.P.ID, other.ID, hashTwo), "SetPasswordHash in the other org")
	e.write(func(w store.Writer) error { return w.DeleteOrganization(e.ctx, a.P.ID, a.Org2.ID) })
	e.wantNoPassword(a.P.ID, u.ID, "hash of a user of a deleted organization")
	e.wantPassword(a.P.ID, other.ID, hashTwo, "same email in the surviving organization")
}

// hit counts one hit and returns the count and window start.
func (e *env) hit(p id.Project, bucket string, now time.Time, window time.Duration) (int, time.Time) {
	e.t.Helper()
	var n int
	var start time.Time
	e.write(func(w store.Writer) error {
		var err error
		n, start, err = w.HitThrottle(e.ctx, p, bucket, now, window)
		return err
	})
	requireUTC(e.t, start, "window start")
	return n, start
}

func (e *env) wantHit(p id.Project, bucket string, now time.Time, window time.Duration, wantN int, wantStart time.Time, what string) {
	e.t.Helper()
	n, start := e.hit(p, bucket, now, window)
	if n != wantN || !start.Equal(wantStart) {
		e.t.Fatalf("%s: got count %d from %v, want %d from %v", what, n, start, wantN, wantStart)
	}
}

func testThrottleWindow(e *env) {
	a, _ := e.tenants()
	const w = 15 * time.Minute
	t0 := e.clk.now()
	e.wantHit(a.P.ID, "password:k", t0, w, 1, t0, "first hit")
	e.wantHit(a.P.ID, "password:k", t0.Add(time.Second), w, 2, t0, "second hit")
	e.wantHit(a.P.ID, "password:k", t0.Add(w-time.Microsecond), w, 3, t0, "last instant of the window")
	// Another bucket of the same project counts on its own.
	e.wantHit(a.P.ID, "password:other", t0.Add(time.Second), w, 1, t0.Add(time.Second), "other bucket")

	t1 := t0.Add(w)
	e.wantHit(a.P.ID, "password:k", t1, w, 1, t1, "first hit once the window ended")
	e.wantHit(a.P.ID, "password:k", t1.Add(time.Minute), w, 2, t1, "counting in the new window")
	// A hit long after opens a new window at its own time, not at a multiple.
	t2 := t1.Add(5 * w).Add(123 * time.Microsecond)
	e.wantHit(a.P.ID, "password:k", t2, w, 1, t2, "hit after a long pause")

	e.write(func(w store.Writer) error { return w.ResetThrottle(e.ctx, a.P.ID, "password:k") })
	t3 := t2.Add(time.Second)
	e.wantHit(a.P.ID, "password:k", t3, w, 1, t3, "hit after reset")
	e.write(func(w store.Writer) error { return w.ResetThrottle(e.ctx, a.P.ID, "never:hit") })

	err := e.writeErr(func(wr store.Writer) error {
		_, _, err := wr.HitThrottle(e.ctx, a.P.ID, "password:k", t3, 0)
		return err
	})
	if err == nil {
		e.t.Fatalf("HitThrottle with a zero window succeeded")
	}
}

func testThrottleOtherTenant(e *env) {
	a, b := e.tenants()
	const w = time.Hour
	t0 := e.clk.now()
	for i := 1; i <= 3; i++ {
		e.wantHit(a.P.ID, "send:x", t0, w, i, t0, "A's hits")
	}
	// B's bucket of the same name is its own, and B's reset leaves A's alone.
	e.wantHit(b.P.ID, "send:x", t0, w, 1, t0, "B's first hit on the same bucket name")
	e.write(func(wr store.Writer) error { return wr.ResetThrottle(e.ctx, b.P.ID, "send:x") })
	e.wantHit(a.P.ID, "send:x", t0, w, 4, t0, "A's count after B's reset")
	e.write(func(wr store.Writer) error { return wr.ResetThrottle(e.ctx, a.P.ID, "send:x") })
	e.wantHit(a.P.ID, "send:x", t0, w, 1, t0, "A's count after A's reset")
}

func testThrottleUnknownProject(e *env) {
	ghost := id.New[id.Project](e.clk.now())
	err := e.writeErr(func(w store.Writer) error {
		_, _, err := w.HitThrottle(e.ctx, ghost, "password:k", e.clk.now(), time.Minute)
		return err
	})
	wantErr(e.t, err, store.ErrNotFound, "HitThrottle in an unknown project")
}

// testThrottlePrune works in the distant past: pruning spans every project,
// and the other cases (running at the same time on the same database) use
// the present, so their buckets are out of its reach.
func testThrottlePrune(e *env) {
	a, b := e.tenants()
	const w = time.Minute
	old := time.Date(2001, 3, 4, 5, 6, 7, 8000, time.UTC)
	recent := old.Add(time.Hour)
	e.hit(a.P.ID, "old:a", old, w)
	e.hit(b.P.ID, "old:b", old.Add(time.Second), w)
	e.hit(a.P.ID, "recent", recent, w)
	e.hit(a.P.ID, "recent", recent, w)

	var n int64
	e.write(func(wr store.Writer) error {
		var err error
		n, err = wr.PruneThrottle(e.ctx, recent)
		return err
	})
	if n != 2 {
		e.t.Fatalf("PruneThrottle deleted %d buckets, want the 2 older ones", n)
	}
	// Pruned buckets start over, even within what would have been their
	// window; the recent one keeps counting.
	at := old.Add(2 * time.Second)
	e.wantHit(a.P.ID, "old:a", at, time.Hour, 1, at, "pruned bucket of A")
	e.wantHit(b.P.ID, "old:b", at, time.Hour, 1, at, "pruned bucket of B")
	e.wantHit(a.P.ID, "recent", recent, w, 3, recent, "bucket newer than the cut")
}

// testThrottleConcurrentHits proves the single-statement upsert loses no
// update when many instances hit one bucket at once.
func testThrottleConcurrentHits(e *env) {
	a, b := e.tenants()
	const workers, each = 16, 5
	t0 := e.clk.now()
	counts := make(chan int, workers*each)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			p := a.P.ID
			if i%4 == 3 {
				p = b.P.ID
			}
			for range each {
				var n int
				err := e.st.Write(e.ctx, func(w store.Writer) error {
					var err error
					n, _, err = w.HitThrottle(e.ctx, p, "code:race", t0, time.Hour)
					return err
				})
				if err != nil {
					e.t.Errorf("concurrent HitThrottle: %v", err)
					return
				}
				if p == a.P.ID {
					counts <- n
				}
			}
		})
	}
	wg.Wait()
	close(counts)
	if e.t.Failed() {
		e.t.FailNow()
	}
	// Every hit of A saw a distinct count: 1..N, nothing lost or repeated.
	const nA, nB = 12 * each, 4 * each
	seen := make(map[int]bool)
	for n := range counts {
		if seen[n] {
			e.t.Fatalf("two concurrent hits both saw count %d", n)
		}
		seen[n] = true
	}
	for n := 1; n <= nA; n++ {
		if !seen[n] {
			e.t.Fatalf("no hit saw count %d of %d: %v", n, nA, seen)
		}
	}
	e.wantHit(a.P.ID, "code:race", t0, time.Hour, nA+1, t0, "A's count after the race")
	e.wantHit(b.P.ID, "code:race", t0, time.Hour, nB+1, t0, "B's count after the race")
}
