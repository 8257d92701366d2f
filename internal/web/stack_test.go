package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/console"
	"github.com/gatehouse-auth/gatehouse/internal/dnstest"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/login/flow"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/password"
	"github.com/gatehouse-auth/gatehouse/internal/seal"
	"github.com/gatehouse-auth/gatehouse/internal/selfserve"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testclock"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

// stack is every service the pages stand on, wired as the server wires
// them, over one real database, one test clock and one httptest server:
// the common ground of the pages' test environments.
type stack struct {
	st       *sqlstore.DB
	srv      *httptest.Server
	mux      *http.ServeMux
	clock    *testclock.Clock
	log      *slog.Logger
	ten      *tenancy.Service
	sessions *session.Service
	outbox   *mail.Outbox
	provider *oidc.Provider
	limiter  *throttle.Limiter
	invites  *invite.Service
	dns      *dnstest.Server
	domains  *domain.Service
	hasher   *password.Hasher
	login    *flow.Service
	self     *selfserve.Service
	con      *console.Service
}

// newStack builds the stack on a database from open (SQLite when nil); a
// nil hasher is the production one.
func newStack(t *testing.T, open func(testing.TB) *sqlstore.DB, hasher *password.Hasher) *stack {
	t.Helper()
	if open == nil {
		open = testdb.SQLite
	}
	if hasher == nil {
		hasher = password.NewHasher()
	}
	st := open(t)
	clk := testclock.Ticking(time.Now().UTC().Truncate(time.Second), time.Millisecond)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sealer, err := seal.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	public := srv.URL

	s := &stack{st: st, srv: srv, mux: mux, clock: clk, log: log, hasher: hasher}
	s.ten = tenancy.New(st, tenancy.WithClock(clk.Now), tenancy.WithLogger(log))
	// As in the server: every use of an impersonation asks the console
	// (built below, on these sessions) whether its staff member may act.
	staffCheck := func(ctx context.Context, staffUserID string) (bool, error) {
		return s.con.IsActiveStaff(ctx, staffUserID)
	}
	s.sessions = session.New(st, sealer.DeriveKey("refresh-token v1"), session.WithClock(clk.Now), session.WithLogger(log),
		session.WithStaffCheck(staffCheck))
	s.outbox = mail.NewOutbox(st, mail.WithClock(clk.Now), mail.WithLogger(log))
	tokens := token.NewIssuer(st, sealer, token.WithClock(clk.Now), token.WithLogger(log))
	s.provider = oidc.New(oidc.Options{Store: st, Tenancy: s.ten, Sessions: s.sessions, Tokens: tokens, PublicURL: public, Clock: clk.Now, Logger: log})
	s.limiter = throttle.New(st, throttle.WithClock(clk.Now))
	s.invites = invite.New(st, s.outbox, public, invite.WithClock(clk.Now), invite.WithLogger(log), invite.WithThrottle(s.limiter))
	s.dns = dnstest.Start(t)
	s.domains = domain.New(st, domain.NewResolver(s.dns.Addr()), domain.WithClock(clk.Now), domain.WithLogger(log), domain.WithThrottle(s.limiter))
	s.login = flow.NewService(flow.Deps{
		Store: st, Tenancy: s.ten, Sessions: s.sessions, Outbox: s.outbox, Hasher: hasher, Throttle: s.limiter,
		Invites: s.invites, Domains: s.domains, PublicURL: public, Clock: clk.Now, Logger: log,
	})
	s.self = selfserve.New(selfserve.Deps{
		Store: st, Tenancy: s.ten, Invites: s.invites, Domains: s.domains, Sessions: s.sessions,
		Hasher: hasher, Throttle: s.limiter, Clock: clk.Now, Logger: log,
	})
	s.con = console.New(console.Deps{
		Store: st, Tenancy: s.ten, Clients: oidc.NewClients(st, oidc.WithClientsClock(clk.Now)), Sessions: s.sessions,
		Invites: s.invites, Domains: s.domains, PublicURL: public, Clock: clk.Now, Logger: log,
	})
	return s
}

// serve registers the pages (with o's settings on top of the stack's
// services) and the OpenID Provider on the stack's server.
func (s *stack) serve(o Options) {
	o.Tenancy, o.Login, o.OIDC, o.Sessions, o.Outbox = s.ten, s.login, s.provider, s.sessions, s.outbox
	o.Invites, o.Domains, o.PublicURL, o.Logger, o.Clock = s.invites, s.domains, s.srv.URL, s.log, s.clock.Now
	New(o).Register(s.mux)
	s.provider.Register(s.mux)
}

// staffActor makes email a member of the console's staff (creating the
// console project on first use) and returns them as the actor of an
// impersonation: every use of one asks whether its staff member is active.
func staffActor(t *testing.T, con *console.Service, email string) audit.Actor {
	t.Helper()
	u, err := con.AddStaff(context.Background(), audit.System("test"), email)
	if err != nil {
		t.Fatalf("add staff: %v", err)
	}
	return audit.Actor{Type: audit.ActorStaff, ID: string(u.ID)}
}
