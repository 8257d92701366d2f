package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// Migrations holds one folder per engine, postgres/ and sqlite/, with the same
// version numbers. They differ only in types: TIMESTAMPTZ vs TIMESTAMP and
// BYTEA vs BLOB.
//
//go:embed migrations/postgres/*.sql migrations/sqlite/*.sql
var migrations embed.FS

// MigrationFiles returns the embedded migration files of one engine, for
// tests that check both folders stay in step.
func MigrationFiles(engine string) ([]string, error) {
	entries, err := fs.ReadDir(migrations, "migrations/"+engine)
	if err != nil {
		return nil, fmt.Errorf("list %s migrations: %w", engine, err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}

// Migrate applies every pending migration. It is safe to call repeatedly and,
// on Postgres, from several processes at once: a session advisory lock makes
// one process migrate while the others wait. On SQLite it then switches the
// store to prepared statements.
func (db *DB) Migrate(ctx context.Context) error {
	sub, err := fs.Sub(migrations, "migrations/"+db.engine)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	dialect := goose.DialectSQLite3
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if db.engine == EnginePostgres {
		dialect = goose.DialectPostgres
		locker, err := lock.NewPostgresSessionLocker()
		if err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db.writeDB, sub, opts...)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", db.engine, err)
	}
	results, err := p.Up(ctx)
	// SQLite has no lock goose can hold across the version check and the
	// migration, so another process (the CLI next to a server) may migrate
	// the same file in between; a further pass sees its work and applies
	// only what is still missing.
	for pass := 2; err != nil && db.engine == EngineSQLite && pass <= 3 && ctx.Err() == nil; pass++ {
		results, err = p.Up(ctx)
	}
	if err != nil {
		return fmt.Errorf("migrate %s: %w", db.engine, err)
	}
	for _, r := range results {
		db.log.Info("applied migration", "engine", db.engine, "file", r.Source.Path, "took", r.Duration)
	}
	return db.prepare(ctx)
}
