// Package cli is the gatehouse command line: flag and environment parsing and
// the subcommands. It lives outside package main so tests (and the end-to-end
// suite) run the real commands in-process.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/alecthomas/kong"

	"github.com/gatehouse-auth/gatehouse/internal/server"
	"github.com/gatehouse-auth/gatehouse/internal/server/publicurl"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// root is the command tree.
type root struct {
	Serve   serveCmd   `cmd:"" help:"Run the Gatehouse server (migrates the database first)."`
	Migrate migrateCmd `cmd:"" help:"Apply pending database migrations and exit."`
	Project projectCmd `cmd:"" help:"Create and list projects (writes the database directly)."`
	Console consoleCmd `cmd:"" help:"Manage the console for your staff (writes the database directly)."`
	Version versionCmd `cmd:"" help:"Print the version."`
}

// env is what every command runs with.
type env struct {
	ctx     context.Context
	stdout  io.Writer
	stderr  io.Writer
	version string
}

// databaseFlags select the database; serve, migrate and project share them.
type databaseFlags struct {
	DataDir     string `name:"data-dir" env:"GATEHOUSE_DATA_DIR" default:"./gatehouse-data" placeholder:"DIR" help:"Directory for the SQLite database and the master key file."`
	DatabaseURL string `name:"database-url" env:"GATEHOUSE_DATABASE_URL" placeholder:"URL" help:"postgres://… to use PostgreSQL instead of SQLite in the data directory."`
}

// urlFlags decide the externally visible URLs.
type urlFlags struct {
	Addr      string `name:"addr" env:"GATEHOUSE_ADDR" default:"127.0.0.1:8080" placeholder:"HOST:PORT" help:"Listen address (for project commands: only used to derive the default public URL)."`
	PublicURL string `name:"public-url" env:"GATEHOUSE_PUBLIC_URL" placeholder:"URL" help:"Externally visible base URL (default: derived from --addr, e.g. http://localhost:8080)."`
}

func (u urlFlags) publicURL() (string, error) {
	if u.PublicURL == "" {
		return publicurl.FromAddr(u.addr()), nil
	}
	p, err := publicurl.Normalize(u.PublicURL)
	if err != nil {
		return "", fmt.Errorf("--public-url: %w", err)
	}
	return p, nil
}

// addr is the listen address; an empty GATEHOUSE_ADDR means the default.
func (u urlFlags) addr() string {
	if u.Addr == "" {
		return server.DefaultAddr
	}
	return u.Addr
}

// dataDir is the data directory; an empty GATEHOUSE_DATA_DIR means the default.
func (f databaseFlags) dataDir() string {
	if f.DataDir == "" {
		return server.DefaultDataDir
	}
	return f.DataDir
}

// logFlags configure logging to standard error.
type logFlags struct {
	LogLevel  string `name:"log-level" env:"GATEHOUSE_LOG_LEVEL" default:"info" enum:"debug,info,warn,error" help:"Minimum log level: debug, info, warn or error."`
	LogFormat string `name:"log-format" env:"GATEHOUSE_LOG_FORMAT" default:"text" enum:"text,json" help:"Log format: text or json."`
}

func (l logFlags) logger(w io.Writer) (*slog.Logger, error) {
	level, err := server.ParseLevel(l.LogLevel)
	if err != nil {
		return nil, err
	}
	return server.NewLogger(w, level, l.LogFormat)
}

// Run parses args (without the program name) and runs the chosen command.
// It returns the process exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer, version string) int {
	var cli root
	exitCode := -1
	parser, err := kong.New(&cli,
		kong.Name("gatehouse"),
		kong.Description("Gatehouse: authentication and user management for B2B SaaS."),
		kong.Writers(stdout, stderr),
		// kong calls Exit after printing help; record the code instead of
		// ending the process so tests can run commands in-process.
		kong.Exit(func(code int) {
			if exitCode < 0 {
				exitCode = code
			}
		}),
		kong.ConfigureHelp(kong.HelpOptions{Compact: true}),
	)
	if err != nil {
		fmt.Fprintf(stderr, "gatehouse: internal error: %v\n", err)
		return ExitError
	}
	kctx, err := parser.Parse(args)
	if exitCode >= 0 {
		return exitCode
	}
	if err != nil {
		fmt.Fprintf(stderr, "gatehouse: error: %v\n", err)
		var perr *kong.ParseError
		if errors.As(err, &perr) && perr.Context != nil {
			fmt.Fprintf(stderr, "Run \"%s --help\" for usage.\n", commandPath(perr.Context))
		}
		return ExitUsage
	}
	if err := kctx.Run(&env{ctx: ctx, stdout: stdout, stderr: stderr, version: version}); err != nil {
		fmt.Fprintf(stderr, "gatehouse: error: %v\n", err)
		return ExitError
	}
	return ExitOK
}

// commandPath returns the command selected so far ("gatehouse project create").
func commandPath(k *kong.Context) string {
	path := "gatehouse"
	for _, p := range k.Path {
		if p.Command != nil {
			path += " " + p.Command.Name
		}
	}
	return path
}

// openDB opens and migrates the database named by f.
func openDB(ctx context.Context, f databaseFlags, log *slog.Logger) (*sqlstore.DB, error) {
	db, err := sqlstore.Open(ctx, sqlstore.Config{URL: f.DatabaseURL, DataDir: f.dataDir(), Logger: log})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	if err := db.Migrate(ctx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("migrate database: %w", err)
	}
	return db, nil
}

type versionCmd struct{}

func (versionCmd) Run(e *env) error {
	_, err := fmt.Fprintf(e.stdout, "gatehouse %s\n", e.version)
	return err
}
