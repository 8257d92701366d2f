package storetest

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// parallelWrites runs one Write per user concurrently and returns each error.
func (e *env) parallelWrites(us []*user.User) []error {
	errs := make([]error, len(us))
	var wg sync.WaitGroup
	for i, u := range us {
		wg.Go(func() {
			errs[i] = e.st.Write(e.ctx, func(w store.Writer) error { return w.CreateUser(e.ctx, u) })
		})
	}
	wg.Wait()
	return errs
}

func testConcurrentMemberCount(e *env) {
	a, b := e.tenants()
	var us []*user.User
	for i := range 20 {
		us = append(us, e.newUser(a.Org, fmt.Sprintf("c%d@example.com", i)))
	}
	for i := range 6 {
		us = append(us, e.newUser(b.Org, fmt.Sprintf("c%d@example.com", i)))
	}
	for i, err := range e.parallelWrites(us) {
		if err != nil {
			e.t.Errorf("concurrent CreateUser %d: %v", i, err)
		}
	}
	if e.t.Failed() {
		e.t.FailNow()
	}
	if n := e.getOrg(a.P.ID, a.Org.ID).MemberCount; n != 20 {
		e.t.Fatalf("member_count after 20 concurrent creates: %d", n)
	}
	if n := e.getOrg(b.P.ID, b.Org.ID).MemberCount; n != 6 {
		e.t.Fatalf("other project's member_count after 6 concurrent creates: %d", n)
	}
	if n := e.getOrg(a.P.ID, a.Org2.ID).MemberCount; n != 0 {
		e.t.Fatalf("sibling member_count: %d, want 0", n)
	}
	list, err := e.st.ListUsers(e.ctx, a.P.ID, store.UserFilter{OrganizationID: a.Org.ID}, store.Page{Limit: 100})
	noErr(e.t, err, "ListUsers")
	if len(list) != 20 {
		e.t.Fatalf("ListUsers after 20 concurrent creates: %d users", len(list))
	}
}

func testConcurrentDuplicateEmail(e *env) {
	a, _ := e.tenants()
	var us []*user.User
	for range 8 {
		us = append(us, e.newUser(a.Org, "race@example.com"))
	}
	ok := 0
	for i, err := range e.parallelWrites(us) {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, store.ErrConflict):
			e.t.Errorf("concurrent duplicate %d: got %v, want ErrConflict", i, err)
		}
	}
	if ok != 1 {
		e.t.Errorf("%d of 8 concurrent creates with one email succeeded, want exactly 1", ok)
	}
	if n := e.getOrg(a.P.ID, a.Org.ID).MemberCount; n != 1 {
		e.t.Errorf("member_count after the race: %d, want 1", n)
	}
}

// testLockOrganization runs the last-owner rule from two transactions: each
// locks the organization, counts its owners and removes its own user's owner
// role only if another owner remains. The first transaction holds its lock
// while it pauses between counting and removing; without the lock the second
// would count two owners as well and both would remove theirs, leaving none.
func testLockOrganization(e *env) {
	a, b := e.tenants()
	u1 := e.createUser(a.Org, "owner1@example.com")
	u2 := e.createUser(a.Org, "owner2@example.com")
	e.assign(u1, a.Owner)
	e.assign(u2, a.Owner)
	// The other project's lock on its own organization must not block ours.
	otherLocked := make(chan struct{})
	otherRelease := make(chan struct{})
	otherDone := make(chan error, 1)
	var releaseOnce sync.Once
	releaseOther := func() { releaseOnce.Do(func() { close(otherRelease) }) }
	defer releaseOther()
	go func() {
		otherDone <- e.st.Write(e.ctx, func(w store.Writer) error {
			if err := w.LockOrganization(e.ctx, b.P.ID, b.Org.ID); err != nil {
				return err
			}
			close(otherLocked)
			<-otherRelease
			return nil
		})
	}()
	select {
	case <-otherLocked:
	case err := <-otherDone:
		e.t.Fatalf("other project's lock: %v", err)
	}
	// SQLite has one writer at a time, so the other transaction must end
	// before ours can start there; Postgres locks only the one row.
	if e.st.Engine() == "sqlite" {
		releaseOther()
		noErr(e.t, <-otherDone, "other project's transaction")
	}

	type result struct {
		saw int64
		err error
	}
	leave := func(u *user.User, counted func(), pause time.Duration) result {
		var r result
		r.err = e.st.Write(e.ctx, func(w store.Writer) error {
			if err := w.LockOrganization(e.ctx, a.P.ID, a.Org.ID); err != nil {
				return err
			}
			n, err := w.CountRoleMembers(e.ctx, a.P.ID, a.Org.ID, a.Owner.ID)
			if err != nil {
				return err
			}
			r.saw = n
			counted()
			time.Sleep(pause)
			if n < 2 {
				return nil
			}
			return w.UnassignRole(e.ctx, a.P.ID, u.ID, a.Owner.ID)
		})
		return r
	}
	firstCounted := make(chan struct{})
	var once sync.Once
	first := make(chan result, 1)
	go func() {
		first <- leave(u1, func() { once.Do(func() { close(firstCounted) }) }, 300*time.Millisecond)
	}()
	select {
	case <-firstCounted:
	case r := <-first:
		e.t.Fatalf("first transaction ended before counting: %v", r.err)
	case <-time.After(20 * time.Second):
		e.t.Fatalf("locking an organization waited 20s; is it blocked by another project's lock?")
	}
	second := leave(u2, func() {}, 0)
	r1 := <-first
	if e.st.Engine() != "sqlite" {
		releaseOther()
		noErr(e.t, <-otherDone, "other project's transaction")
	}
	noErr(e.t, r1.err, "first transaction")
	noErr(e.t, second.err, "second transaction")
	if r1.saw+second.saw != 3 {
		e.t.Fatalf("the two transactions counted %d and %d owners; exactly one must see 2 and the other 1", r1.saw, second.saw)
	}
	if n := e.count(a.P.ID, a.Org.ID, a.Owner.ID); n != 1 {
		e.t.Fatalf("owners left: %d, want 1", n)
	}
}
