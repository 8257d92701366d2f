package invite_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testclock"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

const publicURL = "http://gatehouse.test"

// env is one database with the services over it, all on one test clock.
type env struct {
	t       *testing.T
	ctx     context.Context
	st      store.Store
	clk     *testclock.Clock
	tenants *tenancy.Service
	outbox  *mail.Outbox
	svc     *invite.Service
}

// engines runs fn once per storage engine, in parallel.
func engines(t *testing.T, fn func(e *env)) {
	t.Helper()
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			st := eng.Open(t)
			log := slog.New(slog.NewTextHandler(io.Discard, nil))
			clk := testclock.New(time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC))
			outbox := mail.NewOutbox(st, mail.WithClock(clk.Now))
			fn(&env{
				t: t, ctx: context.Background(), st: st, clk: clk,
				tenants: tenancy.New(st, tenancy.WithClock(clk.Now), tenancy.WithLogger(log)),
				outbox:  outbox,
				svc: invite.New(st, outbox, publicURL, invite.WithClock(clk.Now), invite.WithLogger(log),
					invite.WithThrottle(throttle.New(st, throttle.WithClock(clk.Now)))),
			})
		})
	}
}

// tenant is a project with two organizations.
type tenant struct {
	id   id.Project
	org  *org.Organization
	org2 *org.Organization
}

var admin = audit.Actor{Type: audit.ActorSecretKey, ID: "sk_test"}

func (e *env) tenant(name string) *tenant {
	e.t.Helper()
	p, _, _, err := e.tenants.CreateProject(e.ctx, audit.System("test"), tenancy.ProjectInput{Name: name})
	if err != nil {
		e.t.Fatalf("create project: %v", err)
	}
	on := true
	if _, err := e.tenants.UpdateProject(e.ctx, audit.System("test"), p.ID, tenancy.ProjectUpdate{AllowCustomRoles: &on}); err != nil {
		e.t.Fatalf("allow custom roles: %v", err)
	}
	return &tenant{id: p.ID, org: e.org(p.ID, name+" customer"), org2: e.org(p.ID, name+" other customer")}
}

func (e *env) org(p id.Project, name string) *org.Organization {
	e.t.Helper()
	o, err := e.tenants.CreateOrganization(e.ctx, audit.System("test"), p, tenancy.OrganizationUpdate{Name: &name})
	if err != nil {
		e.t.Fatalf("create organization: %v", err)
	}
	return o
}

func (e *env) user(p id.Project, o *org.Organization, email, name string) *user.User {
	e.t.Helper()
	u, _, err := e.tenants.CreateUser(e.ctx, audit.System("test"), p, tenancy.UserInput{OrganizationID: string(o.ID), Email: email, DisplayName: name})
	if err != nil {
		e.t.Fatalf("create user: %v", err)
	}
	return u
}

// create invites email to o and returns the invite and its link's token.
func (e *env) create(p id.Project, o *org.Organization, email, role string) (*invite.Invite, string) {
	e.t.Helper()
	inv, err := e.svc.Create(e.ctx, admin, p, invite.Input{OrgID: string(o.ID), Email: email, RoleKey: role})
	if err != nil {
		e.t.Fatalf("create invite: %v", err)
	}
	return inv, e.lastToken(p, inv.Email)
}

var linkRe = regexp.MustCompile(`http://gatehouse\.test/p/(proj_[0-9a-z]+)/invite/(gh_inv_[A-Z2-7]+)`)

// lastMail returns the newest message of the project to the address.
func (e *env) lastMail(p id.Project, to string) *mail.Message {
	e.t.Helper()
	ms, err := e.outbox.Inbox(e.ctx, p, 100)
	if err != nil {
		e.t.Fatalf("inbox: %v", err)
	}
	for _, m := range ms {
		if m.To == to {
			return m
		}
	}
	e.t.Fatalf("no email to %s in project %s", to, p)
	return nil
}

// mails counts the project's messages.
func (e *env) mails(p id.Project) int {
	e.t.Helper()
	ms, err := e.outbox.Inbox(e.ctx, p, 100)
	if err != nil {
		e.t.Fatalf("inbox: %v", err)
	}
	return len(ms)
}

// lastToken reads the token of the newest invite email to the address,
// checking that the link names the project.
func (e *env) lastToken(p id.Project, to string) string {
	e.t.Helper()
	m := e.lastMail(p, to)
	if m.Template != mail.TemplateInvite {
		e.t.Fatalf("newest email to %s is a %s email", to, m.Template)
	}
	match := linkRe.FindStringSubmatch(m.Text)
	if match == nil {
		e.t.Fatalf("invite email has no link:\n%s", m.Text)
	}
	if match[1] != string(p) {
		e.t.Fatalf("link names project %s, want %s", match[1], p)
	}
	return match[2]
}

// events returns the project's audit events of a type, newest first.
func (e *env) events(p id.Project, typ string) []*audit.Event {
	e.t.Helper()
	evs, err := e.tenants.ListAuditEvents(e.ctx, p, tenancy.AuditFilter{Type: typ}, store.Page{Limit: 100})
	if err != nil {
		e.t.Fatalf("audit events: %v", err)
	}
	return evs
}

func (e *env) get(p id.Project, inv id.Invite) *invite.Invite {
	e.t.Helper()
	got, err := e.svc.Get(e.ctx, p, string(inv))
	if err != nil {
		e.t.Fatalf("get invite: %v", err)
	}
	return got
}

// accept accepts inv as u in a transaction of its own.
func (e *env) accept(inv *invite.Invite, u *user.User) error {
	return e.st.Write(e.ctx, func(w store.Writer) error {
		return e.svc.Accept(e.ctx, w, inv, u, e.clk.Now())
	})
}

// wantFault fails unless err is a fault of kind k with code.
func wantFault(t *testing.T, err error, k fault.Kind, code, what string) *fault.Error {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != k || fe.Code != code {
		t.Fatalf("%s: got %v, want a %v fault with code %s", what, err, k, code)
	}
	return fe
}

func wantInvalid(t *testing.T, err error, what string) {
	t.Helper()
	if !errors.Is(err, invite.ErrInvalid) {
		t.Fatalf("%s: got %v, want ErrInvalid", what, err)
	}
}

func contains(t *testing.T, s, sub, what string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%s does not contain %q:\n%s", what, sub, s)
	}
}
