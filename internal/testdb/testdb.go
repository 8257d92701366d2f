// Package testdb gives tests a fresh, migrated Gatehouse database on SQLite,
// and on Postgres when GATEHOUSE_TEST_POSTGRES_URL names a server.
//
// Every call makes its own database, so tests can run in parallel without
// sharing state; cleanup closes (and on Postgres drops) it.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	// Registers the "pgx" driver used for the admin connection.
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
)

// PostgresEnv names the variable holding the URL of a Postgres server on
// which tests may create and drop databases.
const PostgresEnv = "GATEHOUSE_TEST_POSTGRES_URL"

// setupTimeout bounds creating, migrating and dropping one database.
const setupTimeout = 60 * time.Second

// SQLite returns a migrated store on a fresh SQLite database in t.TempDir();
// closed at cleanup.
func SQLite(t testing.TB) *sqlstore.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	db, err := sqlstore.Open(ctx, sqlstore.Config{URL: "sqlite:" + filepath.Join(t.TempDir(), "gatehouse.db")})
	if err != nil {
		t.Fatalf("testdb: open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("testdb: migrate sqlite: %v", err)
	}
	return db
}

// PostgresURL returns the URL of a fresh, empty database created on the server
// named by GATEHOUSE_TEST_POSTGRES_URL, dropped at cleanup. It skips the test
// when the variable is unset, and fails it when the server is unreachable.
func PostgresURL(t testing.TB) string {
	t.Helper()
	admin := os.Getenv(PostgresEnv)
	if admin == "" {
		t.Skipf("testdb: %s is not set; skipping the Postgres run", PostgresEnv)
	}
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("testdb: %s is not a URL: %v", PostgresEnv, err)
	}
	pool, err := sql.Open("pgx", admin)
	if err != nil {
		t.Fatalf("testdb: open %s: %v", PostgresEnv, err)
	}
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		t.Fatalf("testdb: Postgres at %s is unreachable: %v", u.Redacted(), err)
	}
	// Lowercase letters and digits only, so the name needs no quoting rules.
	name := "gh_test_" + strings.ToLower(rand.Text())
	if _, err := pool.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		pool.Close()
		t.Fatalf("testdb: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		defer pool.Close()
		ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
		defer cancel()
		if _, err := pool.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("testdb: drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}

// Postgres returns a migrated store on a fresh Postgres database (see PostgresURL).
func Postgres(t testing.TB) *sqlstore.DB {
	t.Helper()
	dsn := PostgresURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), setupTimeout)
	defer cancel()
	db, err := sqlstore.Open(ctx, sqlstore.Config{URL: dsn})
	if err != nil {
		t.Fatalf("testdb: open postgres: %v", err)
	}
	// Registered after PostgresURL's cleanup, so it runs first: the pool is
	// closed before the database is dropped.
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatalf("testdb: migrate postgres: %v", err)
	}
	return db
}

// Engine is one backend to run a test against.
type Engine struct {
	Name string
	Open func(t testing.TB) *sqlstore.DB
}

// Engines returns SQLite always, and Postgres when GATEHOUSE_TEST_POSTGRES_URL is set.
func Engines() []Engine {
	engines := []Engine{{Name: sqlstore.EngineSQLite, Open: SQLite}}
	if os.Getenv(PostgresEnv) != "" {
		engines = append(engines, Engine{Name: sqlstore.EnginePostgres, Open: Postgres})
	}
	return engines
}
