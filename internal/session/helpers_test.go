package session_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testclock"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// clock is the shared settable test clock.
type clock = testclock.Clock

// env is one database with the services over it.
type env struct {
	t    testing.TB
	ctx  context.Context
	st   store.Store
	clk  *clock
	ten  *tenancy.Service
	sess *session.Service
}

var testKey = []byte("0123456789abcdef0123456789abcdef")

// engines runs fn once per storage engine, in parallel.
func engines(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t, eng.Open(t)))
		})
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newEnv(t testing.TB, st store.Store) *env {
	clk := testclock.New(time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC))
	log := quiet
	return &env{
		t: t, ctx: context.Background(), st: st, clk: clk,
		ten:  tenancy.New(st, tenancy.WithClock(clk.Now), tenancy.WithLogger(log)),
		sess: session.New(st, testKey, session.WithClock(clk.Now), session.WithLogger(log)),
	}
}

var system = audit.System("test")

func fatalIf(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// tenant is a project with one organization and one user in it.
type tenant struct {
	P *project.Project
	O *org.Organization
	U *user.User
}

func (e *env) tenant(name string) *tenant {
	e.t.Helper()
	p, _, _, err := e.ten.CreateProject(e.ctx, system, tenancy.ProjectInput{Name: name})
	if err != nil {
		e.t.Fatal(err)
	}
	o := e.org(p.ID, name+" customer")
	// The first user becomes the owner; U is a plain member, whom the
	// last-owner rule lets tests deactivate.
	e.user(o, "owner@example.com")
	return &tenant{P: p, O: o, U: e.user(o, "ada@example.com")}
}

func (e *env) org(p id.Project, name string) *org.Organization {
	e.t.Helper()
	v, err := e.ten.CreateOrganization(e.ctx, system, p, tenancy.OrganizationUpdate{Name: &name})
	fatalIf(e.t, err)
	return v
}

func (e *env) user(o *org.Organization, email string) *user.User {
	e.t.Helper()
	u, _, err := e.ten.CreateUser(e.ctx, system, o.ProjectID, tenancy.UserInput{OrganizationID: string(o.ID), Email: email})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *env) updateOrg(o *org.Organization, up tenancy.OrganizationUpdate) {
	e.t.Helper()
	_, err := e.ten.UpdateOrganization(e.ctx, system, o.ProjectID, string(o.ID), up)
	fatalIf(e.t, err)
}

// facts are what an email-code login proved.
func (e *env) facts(u *user.User) login.Facts {
	return login.Facts{Email: u.Email, EmailVerified: true, Proofs: []login.Proof{{Factor: login.FactorEmailCode, At: e.clk.Now()}}}
}

// login creates the browser session of u, as the login completion does.
func (e *env) login(u *user.User) (*session.Session, string) {
	e.t.Helper()
	var (
		s   *session.Session
		tok string
	)
	err := e.st.Write(e.ctx, func(w store.Writer) error {
		var err error
		s, tok, err = e.sess.Create(e.ctx, w, session.NewSession{
			ProjectID: u.ProjectID, OrgID: u.OrganizationID, UserID: u.ID, Facts: e.facts(u), UserAgent: "Browser/1.0", IP: "192.0.2.1",
		})
		return err
	})
	if err != nil {
		e.t.Fatalf("create session: %v", err)
	}
	return s, tok
}

// connect logs u in and exchanges a code for client c: the first refresh token.
func (e *env) connect(u *user.User, c id.Client) (*session.Grant, string) {
	e.t.Helper()
	s, _ := e.login(u)
	g, err := e.sess.GrantForCode(e.ctx, u.ProjectID, s.ID, c)
	fatalIf(e.t, err)
	if g.RefreshToken == "" {
		e.t.Fatalf("GrantForCode issued no refresh token")
	}
	return g, g.RefreshToken
}

func (e *env) refresh(p id.Project, c id.Client, tok string) *session.Grant {
	e.t.Helper()
	g, err := e.sess.Refresh(e.ctx, p, c, tok)
	if err != nil {
		e.t.Fatalf("refresh: %v", err)
	}
	return g
}

func (e *env) refreshFails(p id.Project, c id.Client, tok string, want error, what string) error {
	e.t.Helper()
	g, err := e.sess.Refresh(e.ctx, p, c, tok)
	if !errors.Is(err, want) {
		e.t.Fatalf("%s: refresh gave %v (grant %v), want %v", what, err, g, want)
	}
	return err
}

func (e *env) get(p id.Project, s id.Session) *session.Session {
	e.t.Helper()
	v, err := e.sess.Get(e.ctx, p, s)
	fatalIf(e.t, err)
	return v
}

// events returns the project's audit events of one type, newest first.
func (e *env) events(p id.Project, typ string) []*audit.Event {
	e.t.Helper()
	v, err := e.st.ListAuditEvents(e.ctx, p, audit.Filter{Type: typ}, store.Page{Limit: 100})
	fatalIf(e.t, err)
	return v
}
