package sqlstore

// Regenerate sqlcdb after changing queries/*.sql or the migrations, then
// parse the same queries with sqlc's sqlite engine (tools/sqlitecheck), which
// fails on SQL that only Postgres accepts (::casts, ILIKE, ...).
//go:generate sh -c "cd ../../../tools && GOWORK=off go tool sqlc generate -f ../internal/store/sqlstore/sqlc.yaml && GOWORK=off go run ./sqlitecheck ../internal/store/sqlstore"
