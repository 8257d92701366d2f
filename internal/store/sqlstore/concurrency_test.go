package sqlstore_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

// Many goroutines each run many small write transactions that read before
// they write (CreateUser updates the member count, then inserts). On SQLite
// none of them may fail with "database is locked", and the member count must
// come out exact.
func TestConcurrentWriters(t *testing.T) {
	t.Parallel()
	for _, e := range testdb.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			db := e.Open(t)
			p := seedProject(t, db)
			o := seedOrg(t, db, p)
			const workers, each = 50, 20
			ctx := context.Background()
			var wg sync.WaitGroup
			errs := make(chan error, workers*each)
			for g := range workers {
				wg.Go(func() {
					for i := range each {
						u := newUser(t, o, fmt.Sprintf("w%d-%d@example.com", g, i))
						errs <- db.Write(ctx, func(w store.Writer) error { return w.CreateUser(ctx, u) })
					}
				})
			}
			wg.Wait()
			close(errs)
			failed := 0
			for err := range errs {
				if err != nil {
					failed++
					if failed <= 3 {
						t.Errorf("write failed: %v", err)
					}
				}
			}
			if failed > 0 {
				t.Fatalf("%d of %d writes failed", failed, workers*each)
			}
			got, err := db.GetOrganization(ctx, p.ID, o.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.MemberCount != workers*each {
				t.Fatalf("member count = %d, want %d", got.MemberCount, workers*each)
			}
		})
	}
}

// A second handle on the same SQLite file (as the CLI opens while the server
// runs) writes concurrently with the first without lock errors.
func TestSQLiteTwoHandlesWrite(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := "sqlite:" + filepath.Join(t.TempDir(), "shared.db")
	open := func() *sqlstore.DB {
		db, err := sqlstore.Open(ctx, sqlstore.Config{URL: path})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		return db
	}
	a, b := open(), open()
	p := seedProject(t, a)
	o := seedOrg(t, a, p)
	const each = 200
	var wg sync.WaitGroup
	errs := make(chan error, 2*each)
	for h, db := range []*sqlstore.DB{a, b} {
		wg.Go(func() {
			for i := range each {
				u := newUser(t, o, fmt.Sprintf("h%d-%d@example.com", h, i))
				errs <- db.Write(ctx, func(w store.Writer) error { return w.CreateUser(ctx, u) })
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("write through two handles: %v", err)
		}
	}
	got, err := b.GetOrganization(ctx, p.ID, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.MemberCount != 2*each {
		t.Fatalf("member count = %d, want %d", got.MemberCount, 2*each)
	}
}
