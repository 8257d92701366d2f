package flow_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/dnstest"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/login/flow"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/password"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testclock"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

var actorTest = audit.System("test")

// clock is the shared settable test clock.
type clock = testclock.Clock

// world is one engine's set of real components around a login service.
type world struct {
	t      testing.TB
	ctx    context.Context
	st     store.Store
	clk    *clock
	ten    *tenancy.Service
	sess   *session.Service
	outbox *mail.Outbox
	hasher *password.Hasher
	svc    *flow.Service
	p      *project.Project
	inv    *invite.Service
	dom    *domain.Service
	dns    *dnstest.Server
}

// cheap keeps tests fast; one test uses the production parameters.
var cheap = password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// engines runs fn once per database engine, in parallel.
func engines(t *testing.T, fn func(t *testing.T, w *world)) {
	t.Helper()
	for _, e := range testdb.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, newWorld(t, e.Open(t)))
		})
	}
}

func newWorld(t testing.TB, st store.Store) *world {
	clk := testclock.New(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	w := &world{t: t, ctx: t.Context(), st: st, clk: clk}
	w.ten = tenancy.New(st, tenancy.WithClock(clk.Now))
	w.sess = session.New(st, []byte("0123456789abcdef0123456789abcdef"), session.WithClock(clk.Now))
	w.outbox = mail.NewOutbox(st, mail.WithClock(clk.Now))
	w.hasher = password.NewHasher(password.WithParams(cheap))
	w.inv = invite.New(st, w.outbox, "https://auth.example.com", invite.WithClock(clk.Now))
	w.dns = dnstest.Start(t)
	w.dom = domain.New(st, domain.NewResolver(w.dns.Addr()), domain.WithClock(clk.Now))
	w.svc = flow.NewService(flow.Deps{
		Store: st, Tenancy: w.ten, Sessions: w.sess, Outbox: w.outbox, Hasher: w.hasher,
		Throttle: throttle.New(st, throttle.WithClock(clk.Now)), PublicURL: "https://auth.example.com/",
		Invites: w.inv, Domains: w.dom, Clock: clk.Now,
	})
	w.p = w.project("Shop", nil)
	return w
}

// project creates a project with its built-in roles, adjusted by fn.
func (w *world) project(name string, fn func(up *tenancy.ProjectUpdate)) *project.Project {
	w.t.Helper()
	p, _, _, err := w.ten.CreateProject(w.ctx, audit.System("test"), tenancy.ProjectInput{Name: name})
	if err != nil {
		w.t.Fatalf("create project: %v", err)
	}
	if fn != nil {
		up := tenancy.ProjectUpdate{}
		fn(&up)
		if p, err = w.ten.UpdateProject(w.ctx, audit.System("test"), p.ID, up); err != nil {
			w.t.Fatalf("update project: %v", err)
		}
	}
	return p
}

func (w *world) org(name string, up *tenancy.OrganizationUpdate) *org.Organization {
	w.t.Helper()
	if up == nil {
		up = &tenancy.OrganizationUpdate{}
	}
	up.Name = &name
	w.clk.Advance(time.Millisecond)
	o, err := w.ten.CreateOrganization(w.ctx, audit.System("test"), w.p.ID, *up)
	if err != nil {
		w.t.Fatalf("create organization: %v", err)
	}
	return o
}

func (w *world) user(o *org.Organization, email, pw string) *user.User {
	w.t.Helper()
	w.clk.Advance(time.Millisecond)
	u, _, err := w.ten.CreateUser(w.ctx, audit.System("test"), w.p.ID, tenancy.UserInput{OrganizationID: string(o.ID), Email: email})
	if err != nil {
		w.t.Fatalf("create user: %v", err)
	}
	if pw != "" {
		h, err := w.hasher.Hash(w.ctx, pw)
		if err != nil {
			w.t.Fatal(err)
		}
		if err := w.st.Write(w.ctx, func(tx store.Writer) error { return tx.SetPasswordHash(w.ctx, w.p.ID, u.ID, h, w.clk.Now()) }); err != nil {
			w.t.Fatalf("set password: %v", err)
		}
	}
	return u
}

// browser is one person's attempt.
type browser struct {
	w      *world
	a      *flow.Attempt
	cookie string
	c      login.Client
}

func (w *world) start(req login.AuthRequest) *browser {
	w.t.Helper()
	if req.ClientID == "" {
		req.ClientID = id.Client("cli_test")
		req.RedirectURI = "https://app.example.com/callback"
		req.Scope = []string{"openid", "email"}
	}
	c := login.Client{IP: "203.0.113.7", UserAgent: "test"}
	a, cookie, err := w.svc.Start(w.ctx, w.p.ID, req, c)
	if err != nil {
		w.t.Fatalf("Start: %v", err)
	}
	return &browser{w: w, a: a, cookie: cookie, c: c}
}

func (b *browser) submit(in login.Input) *login.View {
	b.w.t.Helper()
	// A person takes a moment between pages; it also orders the emails.
	b.w.clk.Advance(time.Second)
	// Each request loads the attempt from its cookie, as the pages do.
	a, err := b.w.svc.Load(b.w.ctx, b.w.p.ID, b.cookie)
	if err != nil {
		b.w.t.Fatalf("Load before %s: %v", in.Action, err)
	}
	b.a = a
	v, err := b.w.svc.Submit(b.w.ctx, a, in, b.c)
	if err != nil {
		b.w.t.Fatalf("Submit %s: %v", in.Action, err)
	}
	return v
}

func (b *browser) view() *login.View {
	b.w.t.Helper()
	v, err := b.w.svc.View(b.w.ctx, b.a)
	if err != nil {
		b.w.t.Fatalf("View: %v", err)
	}
	return v
}

func (b *browser) complete() (*session.Session, string) {
	b.w.t.Helper()
	s, tok, err := b.w.svc.Complete(b.w.ctx, b.a, b.c)
	if err != nil {
		b.w.t.Fatalf("Complete: %v", err)
	}
	return s, tok
}

func want(t testing.TB, v *login.View, step login.Step) {
	t.Helper()
	if v.Step != step {
		t.Fatalf("step = %s (errors %v, blocked %+v), want %s", v.Step, v.FieldErrors, v.Blocked, step)
	}
}

var (
	codeRe = regexp.MustCompile(`\b(\d{6})\b`)
	linkRe = regexp.MustCompile(`https://auth\.example\.com/p/[a-z0-9_]+/login/link\?token=(gh_ml_[A-Z2-7]+)`)
)

// mailTo returns the newest email to the address, with its code and link token.
func (w *world) mailTo(to string) (m *mail.Message, code, token string) {
	w.t.Helper()
	ms, err := w.outbox.Inbox(w.ctx, w.p.ID, 100)
	if err != nil {
		w.t.Fatalf("Inbox: %v", err)
	}
	for _, m := range ms {
		if m.To != to {
			continue
		}
		c := codeRe.FindStringSubmatch(m.Text)
		l := linkRe.FindStringSubmatch(m.Text)
		if c == nil || l == nil {
			w.t.Fatalf("email to %s has no code or link:\n%s", to, m.Text)
		}
		return m, c[1], l[1]
	}
	w.t.Fatalf("no email to %s", to)
	return nil, "", ""
}

func (w *world) mailCount(to string) int {
	ms, err := w.outbox.Inbox(w.ctx, w.p.ID, 1000)
	if err != nil {
		w.t.Fatalf("Inbox: %v", err)
	}
	n := 0
	for _, m := range ms {
		if m.To == to {
			n++
		}
	}
	return n
}

// loginByCode takes a browser from the email form to the proven email.
func (w *world) loginByCode(email string, req login.AuthRequest) (*browser, *login.View) {
	w.t.Helper()
	b := w.start(req)
	want(w.t, b.submit(login.Input{Action: login.ActionEmail, Email: email}), login.StepVerifyEmail)
	_, code, _ := w.mailTo(strings.ToLower(email))
	return b, b.submit(login.Input{Action: login.ActionCode, Code: code})
}

func wrongCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func isErr(t *testing.T, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got %v, want %v", what, err, target)
	}
}
