// Command sqlitecheck parses the store's queries with sqlc's sqlite engine
// against the SQLite schema, to catch SQL that SQLite would not run.
//
// The store compiles against the postgresql engine's output, whose $N
// placeholders SQLite also accepts; sqlc's sqlite parser only knows the ?N
// spelling of the same numbered parameters, so the queries are copied with
// $N rewritten to ?N before the check. Nothing it generates is kept.
//
// Usage (from tools/): go run ./sqlitecheck ../internal/store/sqlstore
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"

	"github.com/sqlc-dev/sqlc/pkg/cli"
)

var placeholder = regexp.MustCompile(`\$([0-9]+)`)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "sqlitecheck:", err)
		os.Exit(1)
	}
}

func run() error {
	if len(os.Args) != 2 {
		return fmt.Errorf("usage: sqlitecheck <dir with queries/ and migrations/sqlite/>")
	}
	root, err := filepath.Abs(os.Args[1])
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "sqlitecheck")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	queries, err := filepath.Glob(filepath.Join(root, "queries", "*.sql"))
	if err != nil {
		return err
	}
	if len(queries) == 0 {
		return fmt.Errorf("no queries in %s", filepath.Join(root, "queries"))
	}
	if err := os.Mkdir(filepath.Join(tmp, "queries"), 0o755); err != nil {
		return err
	}
	for _, q := range queries {
		b, err := os.ReadFile(q)
		if err != nil {
			return err
		}
		out := placeholder.ReplaceAll(b, []byte("?$1"))
		if err := os.WriteFile(filepath.Join(tmp, "queries", filepath.Base(q)), out, 0o644); err != nil {
			return err
		}
	}
	// sqlc resolves the schema path relative to its config file.
	schema, err := filepath.Rel(tmp, filepath.Join(root, "migrations", "sqlite"))
	if err != nil {
		return err
	}
	cfg := fmt.Sprintf(`version: "2"
sql:
  - engine: sqlite
    schema: %q
    queries: queries
    gen:
      go:
        package: sqlitecheck
        out: out
`, schema)
	cfgPath := filepath.Join(tmp, "sqlc.yaml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		return err
	}
	if code := cli.Run([]string{"generate", "-f", cfgPath}); code != 0 {
		return fmt.Errorf("sqlc's sqlite engine rejected the queries (exit %d)", code)
	}
	fmt.Printf("sqlitecheck: %d query files parse on the sqlite engine\n", len(queries))
	return nil
}
