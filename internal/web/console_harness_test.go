package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/console"
	"github.com/gatehouse-auth/gatehouse/internal/dnstest"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testclock"
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
	s := newStack(t, nil, nil)
	cs, err := s.con.Ensure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.serve(Options{Console: s.con, DevInbox: true})

	acme, _, _, err := s.ten.CreateProject(ctx, audit.System("test"), tenancy.ProjectInput{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	return &consoleEnv{t: t, st: s.st, srv: s.srv, clock: s.clock, ten: s.ten, sessions: s.sessions, con: s.con,
		cp: cs.ProjectID, staffOrg: cs.StaffOrgID, acme: acme, outbox: s.outbox, dns: s.dns}
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
