package sqlstore_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

func TestMigrationFoldersMatch(t *testing.T) {
	t.Parallel()
	pg, err := sqlstore.MigrationFiles(sqlstore.EnginePostgres)
	if err != nil {
		t.Fatal(err)
	}
	lite, err := sqlstore.MigrationFiles(sqlstore.EngineSQLite)
	if err != nil {
		t.Fatal(err)
	}
	if len(pg) == 0 {
		t.Fatal("no postgres migrations embedded")
	}
	if !slices.Equal(pg, lite) {
		t.Fatalf("migration folders differ:\npostgres: %v\nsqlite:   %v", pg, lite)
	}
}

func TestMigrateTwiceIsANoOp(t *testing.T) {
	t.Parallel()
	for _, e := range testdb.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			db := e.Open(t) // migrated once already
			if err := db.Migrate(context.Background()); err != nil {
				t.Fatalf("second Migrate: %v", err)
			}
			if db.Engine() != e.Name {
				t.Fatalf("Engine() = %q, want %q", db.Engine(), e.Name)
			}
			if err := db.Ping(context.Background()); err != nil {
				t.Fatalf("Ping: %v", err)
			}
			// The schema is usable after the second run.
			seedProject(t, db)
		})
	}
}

// Handles opened on one fresh SQLite file at the same moment (a server and
// the CLI) all migrate it without error.
func TestMigrateConcurrentlyOnSQLite(t *testing.T) {
	t.Parallel()
	migrateConcurrently(t, "sqlite:"+filepath.Join(t.TempDir(), "fresh.db"))
}

// Two processes starting against one fresh Postgres database both migrate;
// the session lock makes one wait for the other instead of failing.
func TestMigrateConcurrentlyOnPostgres(t *testing.T) {
	t.Parallel()
	migrateConcurrently(t, testdb.PostgresURL(t))
}

func migrateConcurrently(t *testing.T, dsn string) {
	t.Helper()
	ctx := context.Background()
	const n = 4
	errs := make(chan error, n)
	for range n {
		go func() {
			db, err := sqlstore.Open(ctx, sqlstore.Config{URL: dsn})
			if err != nil {
				errs <- err
				return
			}
			defer db.Close()
			errs <- db.Migrate(ctx)
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("concurrent Migrate: %v", err)
		}
	}
}
