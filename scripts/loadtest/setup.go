package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/seal"
	"github.com/gatehouse-auth/gatehouse/internal/server"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

var actor = audit.System("loadtest")

// env is a running Gatehouse server and this program's own connection to
// its database.
type env struct {
	engine    string
	base      string // http://127.0.0.1:port
	db        *sqlstore.DB
	masterKey []byte
	stop      func() error
}

// tempDatabase creates a fresh Postgres database next to admin's and
// returns its URL and a function that drops it.
func tempDatabase(ctx context.Context, admin string) (string, func() error, error) {
	u, err := url.Parse(admin)
	if err != nil {
		return "", nil, fmt.Errorf("-pg is not a URL: %w", err)
	}
	pool, err := sql.Open("pgx", admin)
	if err != nil {
		return "", nil, err
	}
	name := "gh_loadtest_" + strings.ToLower(rand.Text()[:12])
	if _, err := pool.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		pool.Close()
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	drop := func() error {
		defer pool.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := pool.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		return err
	}
	u.Path = "/" + name
	return u.String(), drop, nil
}

// startServer runs the real server in-process on a random port and opens
// the same database for the set-up and the floor.
func startServer(ctx context.Context, engine, pgAdmin string, level slog.Level) (*env, error) {
	dir, err := os.MkdirTemp("", "gatehouse-loadtest-")
	if err != nil {
		return nil, err
	}
	cleanups := []func() error{func() error { return os.RemoveAll(dir) }}
	fail := func(err error) (*env, error) {
		for i := len(cleanups) - 1; i >= 0; i-- {
			_ = cleanups[i]()
		}
		return nil, err
	}
	dbURL := ""
	if engine == sqlstore.EnginePostgres {
		u, drop, err := tempDatabase(ctx, pgAdmin)
		if err != nil {
			return fail(err)
		}
		dbURL = u
		cleanups = append(cleanups, drop)
	}
	logOut := io.Writer(os.Stderr)
	if level < slog.LevelWarn {
		f, err := os.Create(filepath.Join(dir, "server.log"))
		if err != nil {
			return fail(err)
		}
		cleanups = append(cleanups, f.Close)
		logOut = f
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	m := server.New(server.Config{
		Addr:        "127.0.0.1:0",
		DataDir:     dir,
		DatabaseURL: dbURL,
		MasterKey:   base64.StdEncoding.EncodeToString(key),
		Logger:      slog.New(slog.NewTextHandler(logOut, &slog.HandlerOptions{Level: level})),
	})
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan error, 1)
	go func() { done <- m.Run(runCtx) }()
	select {
	case <-m.Ready():
	case err := <-done:
		cancel()
		return fail(fmt.Errorf("server did not start: %w", err))
	}
	cleanups = append(cleanups, func() error { cancel(); return <-done })
	db, err := sqlstore.Open(ctx, sqlstore.Config{URL: dbURL, DataDir: dir})
	if err != nil {
		return fail(err)
	}
	cleanups = append(cleanups, db.Close)
	// The server has migrated; this prepares the SQLite statements.
	if err := db.Migrate(ctx); err != nil {
		return fail(err)
	}
	return &env{
		engine: engine, base: "http://" + m.Addr(), db: db, masterKey: key,
		stop: func() error {
			var errs []error
			for i := len(cleanups) - 1; i >= 0; i-- {
				errs = append(errs, cleanups[i]())
			}
			return errors.Join(errs...)
		},
	}, nil
}

// tenant is one project with an organization, users and an OAuth client.
type tenant struct {
	project      *project.Project
	orgID        id.Org
	users        []*user.User
	clientID     id.Client
	clientSecret string
	redirectURI  string
}

const redirectURI = "http://127.0.0.1:9/callback"

func newTenant(ctx context.Context, e *env, name string, users int, methods []string) (*tenant, error) {
	tn := tenancy.New(e.db)
	p, _, _, err := tn.CreateProject(ctx, actor, tenancy.ProjectInput{Name: name, RedirectURIs: []string{redirectURI}})
	if err != nil {
		return nil, fmt.Errorf("create project: %w", err)
	}
	if methods != nil {
		if p, err = tn.UpdateProject(ctx, actor, p.ID, tenancy.ProjectUpdate{EnabledLoginMethods: &methods}); err != nil {
			return nil, fmt.Errorf("update project: %w", err)
		}
	}
	orgName := "Acme"
	o, err := tn.CreateOrganization(ctx, actor, p.ID, tenancy.OrganizationUpdate{Name: &orgName})
	if err != nil {
		return nil, fmt.Errorf("create organization: %w", err)
	}
	t := &tenant{project: p, orgID: o.ID, redirectURI: redirectURI}
	for i := range users {
		u, _, err := tn.CreateUser(ctx, actor, p.ID, tenancy.UserInput{
			OrganizationID: string(o.ID), Email: fmt.Sprintf("user%d@example.com", i), EmailVerified: true,
		})
		if err != nil {
			return nil, fmt.Errorf("create user: %w", err)
		}
		t.users = append(t.users, u)
	}
	c, secret, err := oidc.NewClients(e.db).Create(ctx, actor, p.ID, oidc.ClientInput{Name: "Load test app", RedirectURIs: []string{redirectURI}})
	if err != nil {
		return nil, fmt.Errorf("create client: %w", err)
	}
	t.clientID, t.clientSecret = c.ID, secret
	return t, nil
}

// refreshTokens creates n sessions spread over the tenant's users, as a
// finished email-code login would, and returns the first refresh token of
// each, issued to the tenant's client.
func refreshTokens(ctx context.Context, e *env, t *tenant, n int) ([]string, error) {
	sealer, err := seal.New(e.masterKey)
	if err != nil {
		return nil, err
	}
	svc := session.New(e.db, sealer.DeriveKey(server.RefreshKeyPurpose))
	toks := make([]string, n)
	errs := make([]error, 4)
	var wg sync.WaitGroup
	for g := range len(errs) {
		wg.Go(func() {
			for i := g; i < n && errs[g] == nil; i += len(errs) {
				u := t.users[i%len(t.users)]
				now := time.Now().UTC()
				facts := login.Facts{Email: u.Email, EmailVerified: true, Proofs: []login.Proof{{Factor: login.FactorEmailCode, At: now}}}
				var sess *session.Session
				err := e.db.Write(ctx, func(w store.Writer) error {
					var err error
					sess, _, err = svc.Create(ctx, w, session.NewSession{
						ProjectID: t.project.ID, OrgID: t.orgID, UserID: u.ID, Facts: facts, UserAgent: "loadtest", IP: "127.0.0.1",
					})
					return err
				})
				if err != nil {
					errs[g] = fmt.Errorf("create session: %w", err)
					return
				}
				gr, err := svc.GrantForCode(ctx, t.project.ID, sess.ID, t.clientID)
				if err != nil {
					errs[g] = fmt.Errorf("first refresh token: %w", err)
					return
				}
				toks[i] = gr.RefreshToken
			}
		})
	}
	wg.Wait()
	return toks, errors.Join(errs...)
}
