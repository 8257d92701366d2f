package sqlstore_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

// Two transactions lock two organizations in opposite orders. Postgres aborts
// one as a deadlock victim; Write runs it again and both succeed.
func TestPostgresDeadlockVictimIsRetried(t *testing.T) {
	t.Parallel()
	db := testdb.Postgres(t)
	ctx := context.Background()
	p := seedProject(t, db)
	a, b := seedOrg(t, db, p), seedOrg(t, db, p)

	// Both first attempts take their first lock before either takes its
	// second, which guarantees the deadlock; retries skip the rendezvous.
	var firstLocks sync.WaitGroup
	firstLocks.Add(2)
	var attempts atomic.Int32
	run := func(first, second string) error {
		var mine atomic.Bool
		return db.Write(ctx, func(w store.Writer) error {
			attempts.Add(1)
			o1, o2 := a, b
			if first == "b" {
				o1, o2 = b, a
			}
			if err := w.LockOrganization(ctx, p.ID, o1.ID); err != nil {
				return err
			}
			if mine.CompareAndSwap(false, true) {
				firstLocks.Done()
				waitTimeout(&firstLocks, 10*time.Second)
			}
			return w.LockOrganization(ctx, p.ID, o2.ID)
		})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Go(func() { errs <- run("a", "b") })
	wg.Go(func() { errs <- run("b", "a") })
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("Write: %v", err)
		}
	}
	if n := attempts.Load(); n < 3 {
		t.Fatalf("fn ran %d times; a deadlock should have forced a retry", n)
	}
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}
