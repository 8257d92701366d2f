package domain_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/dnstest"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testclock"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
)

// env is a domain service over a fresh database, asking a real DNS server
// running in the test.
type env struct {
	t       *testing.T
	ctx     context.Context
	st      store.Store
	tenants *tenancy.Service
	svc     *domain.Service
	dns     *dnstest.Server
	clock   *testclock.Clock
}

var admin = audit.Actor{Type: audit.ActorSecretKey, ID: "sk_test"}

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

func newEnv(t *testing.T, st store.Store, opts ...domain.Option) *env {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := dnstest.Start(t)
	clk := testclock.Ticking(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), time.Millisecond)
	opts = append([]domain.Option{domain.WithClock(clk.Now), domain.WithLogger(log),
		domain.WithThrottle(throttle.New(st, throttle.WithClock(clk.Now)))}, opts...)
	return &env{
		t: t, ctx: t.Context(), st: st, dns: srv, clock: clk,
		tenants: tenancy.New(st, tenancy.WithLogger(log), tenancy.WithClock(clk.Now)),
		svc:     domain.New(st, domain.NewResolver(srv.Addr()), opts...),
	}
}

// project creates a project with two organizations.
func (e *env) project(name string) (id.Project, *org.Organization, *org.Organization) {
	e.t.Helper()
	p, _, _, err := e.tenants.CreateProject(e.ctx, audit.System("test"), tenancy.ProjectInput{Name: name})
	if err != nil {
		e.t.Fatalf("create project: %v", err)
	}
	return p.ID, e.org(p.ID, name+" first org"), e.org(p.ID, name+" second org")
}

func (e *env) org(p id.Project, name string) *org.Organization {
	e.t.Helper()
	o, err := e.tenants.CreateOrganization(e.ctx, audit.System("test"), p, tenancy.OrganizationUpdate{Name: &name})
	if err != nil {
		e.t.Fatalf("create organization: %v", err)
	}
	return o
}

func (e *env) add(p id.Project, o *org.Organization, name string) *domain.Domain {
	e.t.Helper()
	d, err := e.svc.Add(e.ctx, admin, p, string(o.ID), name)
	if err != nil {
		e.t.Fatalf("add %s: %v", name, err)
	}
	return d
}

// publish puts d's proof into DNS.
func (e *env) publish(d *domain.Domain) { e.dns.SetTXT(d.RecordName(), d.RecordValue()) }

func (e *env) verify(d *domain.Domain) *domain.Domain {
	e.t.Helper()
	got, err := e.svc.Verify(e.ctx, admin, d.ProjectID, string(d.ID))
	if err != nil {
		e.t.Fatalf("verify %s: %v", d.Name, err)
	}
	return got
}

func (e *env) get(d *domain.Domain) *domain.Domain {
	e.t.Helper()
	got, err := e.svc.Get(e.ctx, d.ProjectID, string(d.ID))
	if err != nil {
		e.t.Fatalf("get %s: %v", d.Name, err)
	}
	return got
}

// wantFault fails unless err is a fault of kind with code.
func wantFault(t *testing.T, err error, kind fault.Kind, code, what string) {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok {
		t.Fatalf("%s: got %v, want a %s fault %q", what, err, kind, code)
	}
	if fe.Kind != kind || fe.Code != code {
		t.Fatalf("%s: got %s fault %q (%s), want %s %q", what, fe.Kind, fe.Code, fe.Message, kind, code)
	}
}

// events lists the project's audit event types of one domain, oldest first.
func (e *env) events(p id.Project, d *domain.Domain) []string {
	e.t.Helper()
	evs, err := e.st.ListAuditEvents(e.ctx, p, audit.Filter{}, store.Page{Limit: 100})
	if err != nil {
		e.t.Fatalf("list audit events: %v", err)
	}
	var out []string
	for i := len(evs) - 1; i >= 0; i-- {
		ev := evs[i]
		if ev.ResourceType == "domain" && ev.ResourceID == string(d.ID) {
			if ev.OrganizationID != d.OrgID {
				e.t.Fatalf("event %s names organization %s, want %s", ev.Type, ev.OrganizationID, d.OrgID)
			}
			out = append(out, ev.Type)
		}
	}
	return out
}
