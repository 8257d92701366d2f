// Package sqlstore implements store.Store on SQLite (modernc.org/sqlite) and
// PostgreSQL (pgx through database/sql) with one set of sqlc-generated queries.
//
// The queries in queries/*.sql are written in the SQL both engines accept
// ($N placeholders, CAST instead of ::, times passed from Go), so the single
// generated package sqlcdb serves both. Schema differences between the engines
// are confined to the migrations folders (see migrate.go).
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"

	// Registers the "pgx" database/sql driver.
	_ "github.com/jackc/pgx/v5/stdlib"
	// Registers the "sqlite" database/sql driver.
	_ "modernc.org/sqlite"

	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore/sqlcdb"
)

// Engine names.
const (
	EngineSQLite   = "sqlite"
	EnginePostgres = "postgres"
)

// DefaultFileName is the SQLite database file inside the data directory.
const DefaultFileName = "gatehouse.db"

// Config says which database to open.
type Config struct {
	// URL is "" or "sqlite:" for <DataDir>/gatehouse.db, "sqlite:/abs/path.db"
	// for that file, or a postgres:// / postgresql:// URL.
	URL string
	// DataDir holds the default SQLite file; it is created (mode 0700) if missing.
	DataDir string
	// Logger receives migration progress; nil discards.
	Logger *slog.Logger
}

// DB is a Gatehouse database. It implements store.Store.
type DB struct {
	reader
	engine string
	log    *slog.Logger
	// writeDB runs Write transactions. On SQLite it holds a single connection
	// whose transactions begin IMMEDIATE, so writers queue in the pool instead
	// of failing with "database is locked"; on Postgres it is the one pool.
	writeDB *sql.DB
	// readDB serves the Reader methods: a separate read-only pool on SQLite
	// (WAL readers never wait for the writer), the same pool on Postgres.
	readDB *sql.DB
	// readQ (embedded reader's) and writeQ hold the queries of each pool:
	// unprepared after Open, prepared statements on SQLite once Migrate has
	// made sure the tables exist (see prepare).
	readQ, writeQ atomic.Pointer[sqlcdb.Queries]
	prepared      atomic.Bool
}

var _ store.Store = (*DB)(nil)

// Open connects to the database named by cfg. It does not migrate: call Migrate.
func Open(ctx context.Context, cfg Config) (*DB, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	u := strings.TrimSpace(cfg.URL)
	switch {
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return openPostgres(ctx, u, log)
	case u == "" || u == "sqlite:":
		if cfg.DataDir == "" {
			return nil, errors.New("open sqlite: no data directory configured")
		}
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("open sqlite: create data directory: %w", err)
		}
		return openSQLite(ctx, filepath.Join(cfg.DataDir, DefaultFileName), log)
	case strings.HasPrefix(u, "sqlite:"):
		path := strings.TrimPrefix(u, "sqlite:")
		if !filepath.IsAbs(path) {
			return nil, fmt.Errorf("open sqlite: %q is not an absolute path (use sqlite:/path/to/file.db)", path)
		}
		path = filepath.Clean(path)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("open sqlite: create directory: %w", err)
		}
		return openSQLite(ctx, path, log)
	default:
		return nil, fmt.Errorf("open database: unsupported URL %q (want sqlite:/path.db or postgres://...)", redact(u))
	}
}

func openPostgres(ctx context.Context, dsn string, log *slog.Logger) (*DB, error) {
	pool, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	// Keep enough idle connections that bursts do not reconnect each time.
	pool.SetMaxOpenConns(32)
	pool.SetMaxIdleConns(16)
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres %s: %w", redact(dsn), err)
	}
	return newDB(EnginePostgres, log, pool, pool), nil
}

func newDB(engine string, log *slog.Logger, writeDB, readDB *sql.DB) *DB {
	db := &DB{engine: engine, log: log, writeDB: writeDB, readDB: readDB}
	db.readQ.Store(sqlcdb.New(readDB))
	db.writeQ.Store(sqlcdb.New(writeDB))
	db.reader = reader{qp: &db.readQ, dbtx: readDB}
	return db
}

// prepare switches SQLite to prepared statements: parsing and planning a
// query costs about as much as running a point lookup, and modernc's driver
// does not cache statements itself. Postgres keeps unprepared queries, which
// pgx already caches per connection, so that a transaction-pooling proxy in
// front of the server keeps working. It needs the schema, so Migrate calls it.
func (db *DB) prepare(ctx context.Context) error {
	if db.engine != EngineSQLite || db.prepared.Load() {
		return nil
	}
	rq, err := sqlcdb.Prepare(ctx, db.readDB)
	if err != nil {
		return fmt.Errorf("prepare sqlite read queries: %w", err)
	}
	wq, err := sqlcdb.Prepare(ctx, db.writeDB)
	if err != nil {
		rq.Close()
		return fmt.Errorf("prepare sqlite write queries: %w", err)
	}
	if !db.prepared.CompareAndSwap(false, true) {
		// A concurrent Migrate got there first.
		rq.Close()
		wq.Close()
		return nil
	}
	db.readQ.Store(rq)
	db.writeQ.Store(wq)
	return nil
}

// sqliteDSN builds a modernc DSN. Times are written in the driver's "sqlite"
// format in UTC so that they compare correctly as text.
func sqliteDSN(path string, write bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	// Read pages through a memory map of the file (shared with the OS page
	// cache) and keep a larger private cache: with the default 2 MiB cache a
	// point read at a million users cost 1.7-1.9x what it did at a thousand;
	// with these settings 1.24x (docs/performance.md).
	q.Add("_pragma", "mmap_size(2147483648)")
	q.Add("_pragma", "cache_size(-65536)")
	if write {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	q.Set("_time_format", "sqlite")
	q.Set("_timezone", "UTC")
	return "file:" + uriPathEscaper.Replace(path) + "?" + q.Encode()
}

// uriPathEscaper escapes what would end or corrupt the path part of an SQLite
// URI filename; SQLite percent-decodes the path when it opens the file.
var uriPathEscaper = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

func openSQLite(ctx context.Context, path string, log *slog.Logger) (*DB, error) {
	w, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// One writer connection: SQLite allows one writer at a time anyway, and
	// queueing in the pool is cheaper than spinning on the busy handler.
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	// The first connection switches the file to WAL before readers open it.
	if err := pingSQLite(ctx, w); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	// The database holds every tenant's data: readable by its owner only, like
	// the master key. SQLite gives the -wal and -shm files the same mode.
	if err := restrictMode(path); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r.SetMaxOpenConns(4)
	r.SetMaxIdleConns(4)
	r.SetConnMaxLifetime(0)
	r.SetConnMaxIdleTime(0)
	if err := pingSQLite(ctx, r); err != nil {
		w.Close()
		r.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return newDB(EngineSQLite, log, w, r), nil
}

// pingSQLite opens the pool's first connection, which runs the DSN's pragmas.
// Switching a fresh file to WAL needs an exclusive lock, and SQLite answers
// SQLITE_BUSY at once (without the busy handler) when another process is
// doing the same; so a busy answer is retried here for up to busyWait.
func pingSQLite(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(busyWait)
	for {
		err := db.PingContext(ctx)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// busyWait matches the busy_timeout pragma.
const busyWait = 10 * time.Second

// Engine returns "sqlite" or "postgres".
func (db *DB) Engine() string { return db.engine }

// Ping checks that the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.readDB.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping %s: %w", db.engine, err)
	}
	return nil
}

// Close closes the prepared statements and the pools.
func (db *DB) Close() error {
	err := errors.Join(db.readQ.Load().Close(), db.writeQ.Load().Close())
	err = errors.Join(err, db.writeDB.Close())
	if db.readDB != db.writeDB {
		err = errors.Join(err, db.readDB.Close())
	}
	return err
}

// writeAttempts bounds how often Write runs fn when Postgres aborts the
// transaction to break a deadlock or a serialization conflict.
const writeAttempts = 3

// Write runs fn in one transaction: IMMEDIATE on SQLite (it takes the write
// lock up front, so a read-then-write transaction never fails to upgrade),
// READ COMMITTED on Postgres (row locks serialise what must be serialised).
//
// On Postgres, when the server aborts the transaction as a deadlock victim or
// for a serialization failure, Write runs fn again in a fresh transaction (up
// to three times in all), so fn must not have effects outside the transaction.
func (db *DB) Write(ctx context.Context, fn func(store.Writer) error) error {
	for attempt := 1; ; attempt++ {
		err := db.writeOnce(ctx, fn)
		if err == nil || attempt == writeAttempts || !retryable(err) || ctx.Err() != nil {
			return err
		}
		db.log.Debug("retrying aborted transaction", "attempt", attempt, "err", err)
	}
}

func (db *DB) writeOnce(ctx context.Context, fn func(store.Writer) error) error {
	var opts *sql.TxOptions
	if db.engine == EnginePostgres {
		opts = &sql.TxOptions{Isolation: sql.LevelReadCommitted}
	}
	tx, err := db.writeDB.BeginTx(ctx, opts)
	if err != nil {
		return fmt.Errorf("begin %s transaction: %w", db.engine, err)
	}
	// Rolling back after a commit is a no-op; this also covers a panic in fn.
	defer tx.Rollback()
	var q atomic.Pointer[sqlcdb.Queries]
	q.Store(db.writeQ.Load().WithTx(tx))
	if err := fn(&writer{reader: reader{qp: &q, dbtx: tx}}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit %s transaction: %w", db.engine, mapErr(err))
	}
	return nil
}

// reader implements store.Reader over a pool or a transaction.
type reader struct {
	qp *atomic.Pointer[sqlcdb.Queries]
	// dbtx runs the few hand-written queries sqlc cannot express portably
	// (see userroles.go); it is the same pool or transaction as qp's.
	dbtx sqlcdb.DBTX
}

func (r *reader) q() *sqlcdb.Queries { return r.qp.Load() }

// writer implements store.Writer inside one transaction.
type writer struct {
	reader
}

var _ store.Writer = (*writer)(nil)

// redact hides a password in a database URL for error messages.
func redact(dsn string) string {
	if !strings.Contains(dsn, "://") {
		// Not a URL (e.g. a keyword DSN with password=...): show none of it.
		return "<not a URL>"
	}
	u, err := url.Parse(dsn)
	if err != nil {
		// An unparsable URL may still hold a password: keep only what is
		// certainly not one.
		scheme, rest, ok := strings.Cut(dsn, "://")
		if !ok {
			return "<unparsable database URL>"
		}
		if at := strings.LastIndexByte(rest, '@'); at >= 0 {
			rest = "xxxxx@" + rest[at+1:]
		}
		return scheme + "://" + rest
	}
	if u.User == nil {
		return dsn
	}
	return u.Redacted()
}

// restrictMode removes group and other permissions from a database file.
func restrictMode(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("stat: %w", err)
	}
	if fi.Mode().Perm()&0o077 == 0 {
		return nil
	}
	if err := os.Chmod(path, fi.Mode().Perm()&0o700); err != nil {
		return fmt.Errorf("restrict file mode: %w", err)
	}
	return nil
}

// Pools names the connection pools, for pool statistics in metrics: "write"
// and "read" on SQLite, one "postgres" pool on Postgres.
func (db *DB) Pools() map[string]*sql.DB {
	if db.readDB == db.writeDB {
		return map[string]*sql.DB{db.engine: db.writeDB}
	}
	return map[string]*sql.DB{db.engine + "_write": db.writeDB, db.engine + "_read": db.readDB}
}
