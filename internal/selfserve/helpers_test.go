package selfserve_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/dnstest"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/password"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/seal"
	"github.com/gatehouse-auth/gatehouse/internal/selfserve"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testclock"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

var system = audit.System("test")

// env is the self-serve service over a real database with every service it
// is built on, a real mail outbox and a real DNS server in the test.
type env struct {
	t        *testing.T
	ctx      context.Context
	st       store.Store
	clk      *testclock.Clock
	ten      *tenancy.Service
	sessions *session.Service
	invites  *invite.Service
	domains  *domain.Service
	outbox   *mail.Outbox
	dns      *dnstest.Server
	svc      *selfserve.Service
}

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

// cheap hashing parameters keep the tests fast; the hasher is the real one.
var cheap = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func newEnv(t *testing.T, st store.Store) *env {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	clk := testclock.Ticking(time.Now().UTC().Truncate(time.Second), time.Millisecond)
	sealer, err := seal.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: t.Context(), st: st, clk: clk, dns: dnstest.Start(t)}
	e.ten = tenancy.New(st, tenancy.WithClock(clk.Now), tenancy.WithLogger(log))
	e.sessions = session.New(st, sealer.DeriveKey("refresh-token v1"), session.WithClock(clk.Now), session.WithLogger(log))
	e.outbox = mail.NewOutbox(st, mail.WithClock(clk.Now), mail.WithLogger(log))
	e.invites = invite.New(st, e.outbox, "https://auth.example", invite.WithClock(clk.Now), invite.WithLogger(log))
	e.domains = domain.New(st, domain.NewResolver(e.dns.Addr()), domain.WithClock(clk.Now), domain.WithLogger(log))
	e.svc = selfserve.New(selfserve.Deps{
		Store: st, Tenancy: e.ten, Invites: e.invites, Domains: e.domains, Sessions: e.sessions,
		Hasher: password.NewHasher(password.WithParams(cheap)), Throttle: throttle.New(st, throttle.WithClock(clk.Now)),
		Clock: clk.Now, Logger: log,
	})
	return e
}

func (e *env) project(name string, custom bool) *project.Project {
	e.t.Helper()
	p, _, _, err := e.ten.CreateProject(e.ctx, system, tenancy.ProjectInput{Name: name})
	fatalIf(e.t, err)
	if custom {
		p, err = e.ten.UpdateProject(e.ctx, system, p.ID, tenancy.ProjectUpdate{AllowCustomRoles: &custom})
		fatalIf(e.t, err)
	}
	return p
}

func (e *env) org(p *project.Project, name string) *org.Organization {
	e.t.Helper()
	o, err := e.ten.CreateOrganization(e.ctx, system, p.ID, tenancy.OrganizationUpdate{Name: &name})
	fatalIf(e.t, err)
	return o
}

// user creates a user of o with the given roles (the organization's first
// user becomes owner whatever it is given).
func (e *env) user(o *org.Organization, email string, roles ...string) *user.User {
	e.t.Helper()
	u, _, err := e.ten.CreateUser(e.ctx, system, o.ProjectID, tenancy.UserInput{OrganizationID: string(o.ID), Email: email, DisplayName: "Name of " + email, Roles: roles})
	fatalIf(e.t, err)
	return u
}

// login signs u in the way the login flow does and returns the member of
// that browser session, built from its grant.
func (e *env) login(u *user.User) (selfserve.Member, string) {
	e.t.Helper()
	var tok string
	err := e.st.Write(e.ctx, func(w store.Writer) error {
		var err error
		_, tok, err = e.sessions.Create(e.ctx, w, session.NewSession{
			ProjectID: u.ProjectID, OrgID: u.OrganizationID, UserID: u.ID,
			Facts:     login.Facts{Email: u.Email, EmailVerified: true, Proofs: []login.Proof{{Factor: login.FactorEmailCode, At: e.clk.Now()}}},
			UserAgent: "test", IP: "192.0.2.1",
		})
		return err
	})
	fatalIf(e.t, err)
	g, err := e.sessions.Authenticate(e.ctx, u.ProjectID, tok)
	fatalIf(e.t, err)
	return selfserve.FromGrant(g), tok
}

func fatalIf(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// refused asserts err is a refusal of the given kind (and code, if set).
func refused(t testing.TB, what string, err error, kind fault.Kind, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: accepted, want %s", what, kind)
	}
	fe := fault.From(err)
	if fe.Kind != kind || (code != "" && fe.Code != code) {
		t.Fatalf("%s: refused with %s/%s (%v), want %s/%s", what, fe.Kind, fe.Code, err, kind, code)
	}
}

// state is everything of a project a self-serve action could change, as
// comparable JSON: users, their roles and passwords, roles, invites,
// domains, sessions, organizations and the audit log's length.
func (e *env) state(projectID id.Project) string {
	e.t.Helper()
	ctx, all := e.ctx, store.Page{Limit: 1000}
	type userState struct {
		ID, Email, Name, Status string
		Roles                   []string
		Password                string
	}
	var s struct {
		Orgs     []*org.Organization
		Users    []userState
		Roles    []*rbac.Role
		Invites  []string
		Domains  []string
		Sessions []string
		Events   int
	}
	os, err := e.ten.ListOrganizations(ctx, projectID, all)
	fatalIf(e.t, err)
	for _, o := range os {
		o.UpdatedAt = time.Time{}
	}
	s.Orgs = os
	us, err := e.ten.ListUsers(ctx, projectID, tenancy.UserListFilter{}, all)
	fatalIf(e.t, err)
	keys, err := e.ten.RoleKeysOfUsers(ctx, projectID, us)
	fatalIf(e.t, err)
	for _, u := range us {
		pw, _ := e.st.GetPasswordHash(ctx, projectID, u.ID)
		s.Users = append(s.Users, userState{ID: string(u.ID), Email: u.Email, Name: u.DisplayName, Status: string(u.Status), Roles: keys[u.ID], Password: pw})
	}
	seen := map[id.Role]bool{}
	for _, o := range os {
		rs, err := e.ten.ListRoles(ctx, projectID, string(o.ID), all)
		fatalIf(e.t, err)
		for _, r := range rs {
			if !seen[r.ID] {
				seen[r.ID] = true
				s.Roles = append(s.Roles, r)
			}
		}
	}
	for _, o := range os {
		invs, err := e.invites.List(ctx, projectID, invite.Filter{OrgID: o.ID}, all)
		fatalIf(e.t, err)
		for _, i := range invs {
			b, _ := json.Marshal([]any{i.ID, i.Status, i.RoleKey, i.SendCount, i.RevokedAt != nil})
			s.Invites = append(s.Invites, string(b))
		}
		ds, err := e.domains.List(ctx, projectID, string(o.ID), all)
		fatalIf(e.t, err)
		for _, d := range ds {
			s.Domains = append(s.Domains, string(d.ID)+" "+string(d.Status)+" "+d.Name)
		}
	}
	ss, err := e.sessions.List(ctx, projectID, session.Filter{}, all)
	fatalIf(e.t, err)
	for _, se := range ss {
		st := "live"
		if se.RevokedAt != nil {
			st = "revoked " + se.RevokeReason
		}
		s.Sessions = append(s.Sessions, string(se.ID)+" "+st)
	}
	evs, err := e.ten.ListAuditEvents(ctx, projectID, tenancy.AuditFilter{}, all)
	fatalIf(e.t, err)
	s.Events = len(evs)
	b, err := json.MarshalIndent(s, "", " ")
	fatalIf(e.t, err)
	return string(b)
}

// roleOf returns the organization-visible role with key.
func (e *env) roleOf(m selfserve.Member, key string) *rbac.Role {
	e.t.Helper()
	rs, err := e.ten.ListRoles(e.ctx, m.ProjectID, string(m.OrgID), store.Page{Limit: 1000})
	fatalIf(e.t, err)
	i := slices.IndexFunc(rs, func(r *rbac.Role) bool { return r.Key == key })
	if i < 0 {
		e.t.Fatalf("no role %q", key)
	}
	return rs[i]
}
