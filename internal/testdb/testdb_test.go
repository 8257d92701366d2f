package testdb_test

import (
	"context"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

// Each call gets its own database, and cleanup drops it from the server.
func TestPostgresDatabasesAreFreshAndDropped(t *testing.T) {
	t.Parallel()
	admin := os.Getenv(testdb.PostgresEnv)
	if admin == "" {
		t.Skipf("%s is not set", testdb.PostgresEnv)
	}
	var names []string
	t.Run("use", func(t *testing.T) {
		a, b := testdb.PostgresURL(t), testdb.PostgresURL(t)
		for _, dsn := range []string{a, b} {
			u, err := url.Parse(dsn)
			if err != nil {
				t.Fatal(err)
			}
			names = append(names, strings.TrimPrefix(u.Path, "/"))
		}
		if names[0] == names[1] {
			t.Fatalf("two calls returned the same database %q", names[0])
		}
		db := testdb.Postgres(t)
		if db.Engine() != "postgres" {
			t.Fatalf("Engine() = %q", db.Engine())
		}
	})
	pool, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for _, name := range names {
		var n int
		if err := pool.QueryRowContext(context.Background(), "SELECT count(*) FROM pg_database WHERE datname = $1", name).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("database %s still exists after cleanup", name)
		}
	}
}

func TestEnginesAlwaysIncludeSQLite(t *testing.T) {
	t.Parallel()
	engines := testdb.Engines()
	if len(engines) == 0 || engines[0].Name != "sqlite" {
		t.Fatalf("Engines() = %+v, want sqlite first", engines)
	}
	if want := 1 + btoi(os.Getenv(testdb.PostgresEnv) != ""); len(engines) != want {
		t.Fatalf("len(Engines()) = %d, want %d", len(engines), want)
	}
	db := engines[0].Open(t)
	if err := db.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
