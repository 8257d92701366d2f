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
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/login/flow"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/password"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/seal"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testclock"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
	"github.com/gatehouse-auth/gatehouse/internal/throttle"
	"github.com/gatehouse-auth/gatehouse/internal/token"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// consoleEnv is the real stack with the console wired as the server wires
// it, over a real SQLite database and httptest, with the console project
// created (console.Ensure) and one ordinary customer project, "Acme".
type consoleEnv struct {
	t        *testing.T
	st       store.Store
	srv      *httptest.Server
	clock    *testclock.Clock
	ten      *tenancy.Service
	sessions *session.Service
	con      *console.Service
	cp       id.Project
	staffOrg id.Org
	acme     *project.Project
	outbox   *mail.Outbox
	dns      *dnstest.Server
}

func newConsoleEnv(t *testing.T) *consoleEnv {
	t.Helper()
	ctx := context.Background()
	st := testdb.SQLite(t)
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

	ten := tenancy.New(st, tenancy.WithClock(clk.Now), tenancy.WithLogger(log))
	sessions := session.New(st, sealer.DeriveKey("refresh-token v1"), session.WithClock(clk.Now), session.WithLogger(log))
	outbox := mail.NewOutbox(st, mail.WithClock(clk.Now), mail.WithLogger(log))
	tokens := token.NewIssuer(st, sealer, token.WithClock(clk.Now), token.WithLogger(log))
	provider := oidc.New(oidc.Options{Store: st, Tenancy: ten, Sessions: sessions, Tokens: tokens, PublicURL: public, Clock: clk.Now, Logger: log})
	limiter := throttle.New(st, throttle.WithClock(clk.Now))
	invites := invite.New(st, outbox, public, invite.WithClock(clk.Now), invite.WithLogger(log), invite.WithThrottle(limiter))
	dns := dnstest.Start(t)
	domains := domain.New(st, domain.NewResolver(dns.Addr()), domain.WithClock(clk.Now), domain.WithLogger(log), domain.WithThrottle(limiter))
	lg := flow.NewService(flow.Deps{
		Store: st, Tenancy: ten, Sessions: sessions, Outbox: outbox,
		Hasher: password.NewHasher(), Throttle: limiter,
		Invites: invites, Domains: domains, PublicURL: public, Clock: clk.Now, Logger: log,
	})
	con := console.New(console.Deps{
		Store: st, Tenancy: ten, Clients: oidc.NewClients(st, oidc.WithClientsClock(clk.Now)), Sessions: sessions,
		Invites: invites, Domains: domains, PublicURL: public, Clock: clk.Now, Logger: log,
	})
	cs, err := con.Ensure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	New(Options{Tenancy: ten, Login: lg, OIDC: provider, Sessions: sessions, Outbox: outbox, Invites: invites, Domains: domains, Console: con,
		DevInbox: true, PublicURL: public, Logger: log, Clock: clk.Now}).Register(mux)
	provider.Register(mux)

	acme, _, _, err := ten.CreateProject(ctx, audit.System("test"), tenancy.ProjectInput{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	return &consoleEnv{t: t, st: st, srv: srv, clock: clk, ten: ten, sessions: sessions, con: con,
		cp: cs.ProjectID, staffOrg: cs.StaffOrgID, acme: acme, outbox: outbox, dns: dns}
}

func (e *consoleEnv) browser() *browser { return newBrowser(e.t, e.srv.URL) }

// base is the console's root path.
func (e *consoleEnv) base() string { return "/p/" + string(e.cp) + "/console" }

// org creates an organization of projectID.
func (e *consoleEnv) org(projectID id.Project, name string) id.Org {
	e.t.Helper()
	o, err := e.ten.CreateOrganization(context.Background(), audit.System("test"), projectID, tenancy.OrganizationUpdate{Name: &name})
	if err != nil {
		e.t.Fatal(err)
	}
	return o.ID
}

// user creates a user of an organization.
func (e *consoleEnv) user(projectID id.Project, orgID id.Org, email string) *user.User {
	e.t.Helper()
	u, _, err := e.ten.CreateUser(context.Background(), audit.System("test"), projectID, tenancy.UserInput{OrganizationID: string(orgID), Email: email})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// session mints a real browser session for u (what a finished sign-in
// does) and returns its cookie value.
func (e *consoleEnv) session(u *user.User) string {
	e.t.Helper()
	ctx := context.Background()
	var tok string
	err := e.st.Write(ctx, func(w store.Writer) error {
		var err error
		_, tok, err = e.sessions.Create(ctx, w, session.NewSession{
			ProjectID: u.ProjectID, OrgID: u.OrganizationID, UserID: u.ID,
			Facts: login.Facts{Email: u.Email, EmailVerified: true, Proofs: []login.Proof{{Factor: login.FactorEmailCode, At: e.clock.Now()}}},
		})
		return err
	})
	if err != nil {
		e.t.Fatalf("create session: %v", err)
	}
	return tok
}

// signedIn is a browser holding u's session cookie for projectID's pages,
// as the hosted sign-in leaves it.
func (e *consoleEnv) signedIn(projectID id.Project, u *user.User) *browser {
	e.t.Helper()
	b := e.browser()
	b.c.Jar.SetCookies(b.abs("/p/"+string(projectID)+"/"), []*http.Cookie{{
		Name: sessionCookieName(string(projectID)), Value: e.session(u), Path: "/p/" + string(projectID) + "/",
	}})
	return b
}

// staff adds a staff member from the command line and returns them with a
// signed-in browser.
func (e *consoleEnv) staff(email string) (*user.User, *browser) {
	e.t.Helper()
	u, err := e.con.AddStaff(context.Background(), audit.System("cli"), email)
	if err != nil {
		e.t.Fatal(err)
	}
	return u, e.signedIn(e.cp, u)
}

// latestCode is the sign-in code of the newest console email to addr.
func (e *consoleEnv) latestCode(addr string) string {
	e.t.Helper()
	msgs, err := e.outbox.Inbox(context.Background(), e.cp, 20)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range msgs {
		if m.To == addr {
			if c := codeRE.FindStringSubmatch(m.Text); c != nil {
				return c[1]
			}
		}
	}
	e.t.Fatalf("no code emailed to %s", addr)
	return ""
}
