// Package e2e holds Gatehouse's end-to-end tests: they start the real server
// (server.Main, or the gatehouse command in a child process), create projects
// with the real CLI, and talk HTTP to it as a client would, on SQLite and, when
// GATEHOUSE_TEST_POSTGRES_URL is set, on Postgres.
package e2e
