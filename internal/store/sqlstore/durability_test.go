package sqlstore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
)

// Committed rows survive closing and reopening the file; a rolled-back
// transaction leaves nothing behind.
func TestSQLiteReopenKeepsCommittedRows(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	db, err := sqlstore.Open(ctx, sqlstore.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	p := seedProject(t, db)
	o := seedOrg(t, db, p)
	kept := newUser(t, o, "kept@example.com")
	if err := db.Write(ctx, func(w store.Writer) error { return w.CreateUser(ctx, kept) }); err != nil {
		t.Fatal(err)
	}
	lost := newUser(t, o, "lost@example.com")
	boom := errors.New("boom")
	if err := db.Write(ctx, func(w store.Writer) error {
		if err := w.CreateUser(ctx, lost); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("Write returned %v, want the callback's error", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	info, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o700 {
		t.Errorf("data dir mode = %o, want 700", perm)
	}

	db, err = sqlstore.Open(ctx, sqlstore.Config{URL: "sqlite:", DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// Reads work before Migrate (unprepared queries) and after it (prepared).
	got, err := db.GetUser(ctx, p.ID, kept.ID)
	if err != nil {
		t.Fatalf("committed user after reopen, before Migrate: %v", err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	got, err = db.GetUser(ctx, p.ID, kept.ID)
	if err != nil {
		t.Fatalf("committed user after reopen: %v", err)
	}
	if got.Email != kept.Email || !got.CreatedAt.Equal(kept.CreatedAt) {
		t.Fatalf("user after reopen = %+v, want %+v", got, kept)
	}
	if _, err := db.GetUser(ctx, p.ID, lost.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("rolled-back user: err = %v, want ErrNotFound", err)
	}
	org, err := db.GetOrganization(ctx, p.ID, o.ID)
	if err != nil {
		t.Fatal(err)
	}
	if org.MemberCount != 1 {
		t.Fatalf("member count = %d, want 1 (the rolled-back user must not count)", org.MemberCount)
	}
}

// Paths are passed to SQLite as URI filenames; characters that mean something
// in a URI must still name the file the user gave.
func TestSQLitePathWithURICharacters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "my data?x=1#frag%20")
	path := filepath.Join(dir, "gate house.db")
	for range 2 {
		db, err := sqlstore.Open(ctx, sqlstore.Config{URL: "sqlite:" + path})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		seedProject(t, db)
		db.Close()
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database file not at the given path: %v", err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "gate house.db" && e.Name() != "gate house.db-wal" && e.Name() != "gate house.db-shm" {
			t.Errorf("unexpected file %q next to the database", e.Name())
		}
	}
}

func TestOpenRejectsBadURLs(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"mysql://x", "sqlite:relative.db", "file:x.db"} {
		if db, err := sqlstore.Open(context.Background(), sqlstore.Config{URL: u, DataDir: t.TempDir()}); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded, want an error", u)
		}
	}
}

// The database file holds every tenant's data, so only its owner may read it,
// whatever the umask; an existing file with looser permissions is tightened.
func TestSQLiteFileIsPrivate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "data")
	path := filepath.Join(dir, sqlstore.DefaultFileName)
	check := func(when string) {
		t.Helper()
		db, err := sqlstore.Open(ctx, sqlstore.Config{DataDir: dir})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, f := range []string{path, path + "-wal"} {
			fi, err := os.Stat(f)
			if err != nil {
				t.Fatal(err)
			}
			if perm := fi.Mode().Perm(); perm&0o077 != 0 {
				t.Fatalf("%s: %s is mode %v, want no group/other access", when, filepath.Base(f), perm)
			}
		}
	}
	check("new file")
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	check("reopened 0644 file")
}
