package sqlstore

// Regenerate sqlcdb after changing queries/*.sql or the migrations, then run
// the SQLite portability check of the same queries (see docs/storage.md).
//go:generate sh -c "cd ../../../tools && go tool sqlc generate -f ../internal/store/sqlstore/sqlc.yaml"
