package console_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/console"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testclock"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// stack is the console over real services and a real database.
type stack struct {
	t        *testing.T
	st       store.Store
	clock    *testclock.Clock
	ten      *tenancy.Service
	sessions *session.Service
	con      *console.Service
}

func newStack(t *testing.T, st store.Store) *stack {
	t.Helper()
	clk := testclock.Ticking(time.Now().UTC().Truncate(time.Second), time.Millisecond)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ten := tenancy.New(st, tenancy.WithClock(clk.Now), tenancy.WithLogger(log))
	sessions := session.New(st, make([]byte, 32), session.WithClock(clk.Now), session.WithLogger(log))
	s := &stack{t: t, st: st, clock: clk, ten: ten, sessions: sessions}
	s.con = s.instance()
	return s
}

// instance is another console service over the same database, as another
// server instance would have.
func (s *stack) instance() *console.Service {
	return console.New(console.Deps{
		Store: s.st, Tenancy: s.ten, Clients: oidc.NewClients(s.st, oidc.WithClientsClock(s.clock.Now)),
		Sessions: s.sessions, PublicURL: "https://auth.example", Clock: s.clock.Now,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
}

func engines(t *testing.T, fn func(t *testing.T, s *stack)) {
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, newStack(t, eng.Open(t)))
		})
	}
}

// signIn makes a real browser session for u and returns what the session
// service grants for its cookie, exactly what the console pages see.
func (s *stack) signIn(u *user.User) *session.Grant {
	s.t.Helper()
	ctx := context.Background()
	var tok string
	err := s.st.Write(ctx, func(w store.Writer) error {
		var err error
		_, tok, err = s.sessions.Create(ctx, w, session.NewSession{
			ProjectID: u.ProjectID, OrgID: u.OrganizationID, UserID: u.ID,
			Facts: login.Facts{Email: u.Email, EmailVerified: true, Proofs: []login.Proof{{Factor: login.FactorEmailCode, At: s.clock.Now()}}},
		})
		return err
	})
	if err != nil {
		s.t.Fatalf("create session: %v", err)
	}
	g, err := s.sessions.Authenticate(ctx, u.ProjectID, tok)
	if err != nil {
		s.t.Fatalf("authenticate session: %v", err)
	}
	return g
}

// staff adds a staff member from the command line and signs them in.
func (s *stack) staff(email string) *console.Staff {
	s.t.Helper()
	u, err := s.con.AddStaff(context.Background(), audit.System("cli"), email)
	if err != nil {
		s.t.Fatalf("add staff: %v", err)
	}
	st, err := s.con.Authorize(context.Background(), s.signIn(u))
	if err != nil {
		s.t.Fatalf("authorize staff: %v", err)
	}
	return st
}

func TestEnsureCreatesTheConsoleOnceAndIsIdempotent(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s *stack) {
		ctx := context.Background()
		cs, err := s.con.Ensure(ctx)
		if err != nil {
			t.Fatal(err)
		}
		again, err := s.instance().Ensure(ctx)
		if err != nil || again.ProjectID != cs.ProjectID || again.StaffOrgID != cs.StaffOrgID {
			t.Fatalf("second Ensure: %+v, %v; want %+v", again, err, cs)
		}
		p, err := s.ten.GetProject(ctx, cs.ProjectID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Name != console.ProjectName || p.SelfServeCreateOrganizations || p.AutoCreateOrganizations ||
			len(p.EnabledLoginMethods) != 2 || p.EnabledLoginMethods[0] != project.MethodEmail || p.EnabledLoginMethods[1] != project.MethodPassword {
			t.Fatalf("console project: %+v", p)
		}
		orgs, err := s.ten.ListOrganizations(ctx, cs.ProjectID, store.Page{})
		if err != nil || len(orgs) != 1 || orgs[0].Name != console.StaffOrgName || orgs[0].ID != cs.StaffOrgID {
			t.Fatalf("console organizations: %v, %v", orgs, err)
		}
		ps, err := s.ten.ListProjects(ctx, store.Page{})
		if err != nil || len(ps) != 1 {
			t.Fatalf("projects after two starts: %d, %v", len(ps), err)
		}
	})
}

// Instances starting at once against one database agree on one console
// project, and the losers leave nothing behind.
func TestEnsureIsSafeAcrossConcurrentInstances(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s *stack) {
		ctx := context.Background()
		const n = 8
		got := make([]id.Project, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range n {
			inst := s.instance()
			wg.Go(func() {
				<-start
				cs, err := inst.Ensure(ctx)
				errs[i] = err
				if err == nil {
					got[i] = cs.ProjectID
				}
			})
		}
		close(start)
		wg.Wait()
		for i := range n {
			if errs[i] != nil {
				t.Fatalf("instance %d: %v", i, errs[i])
			}
			if got[i] != got[0] {
				t.Fatalf("instances disagree on the console project: %v", got)
			}
		}
		ps, err := s.ten.ListProjects(ctx, store.Page{})
		if err != nil || len(ps) != 1 || ps[0].ID != got[0] {
			t.Fatalf("projects after concurrent starts: %d, %v", len(ps), err)
		}
	})
}

func TestAddStaffMakesAnActiveOwner(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s *stack) {
		ctx := context.Background()
		if has, err := s.instance().HasStaff(ctx); !errors.Is(err, console.ErrNotSetUp) || has {
			t.Fatalf("HasStaff before Ensure: %v, %v", has, err)
		}
		u, err := s.con.AddStaff(ctx, audit.System("cli"), "Ops@Vendor.example")
		if err != nil {
			t.Fatal(err)
		}
		cs, _ := s.con.Settings(ctx)
		roles, err := s.ten.ListUserRoles(ctx, cs.ProjectID, string(u.ID))
		if err != nil || len(roles) != 1 || roles[0].Key != "owner" || u.Status != user.StatusActive || u.OrganizationID != cs.StaffOrgID {
			t.Fatalf("staff member: %+v roles %v, %v", u, roles, err)
		}
		if has, err := s.con.HasStaff(ctx); err != nil || !has {
			t.Fatalf("HasStaff: %v, %v", has, err)
		}
		_, err = s.con.AddStaff(ctx, audit.System("cli"), "ops@vendor.example")
		if fault.CodeOf(err) != fault.CodeEmailTaken {
			t.Fatalf("adding the same staff twice: %v", err)
		}
	})
}

func TestSetupLinkCreatesTheFirstStaffOnce(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s *stack) {
		ctx := context.Background()
		link, err := s.con.NewSetupLink(ctx)
		if err != nil {
			t.Fatal(err)
		}
		prefix := "https://auth.example/console/setup/"
		if !strings.HasPrefix(link, prefix+console.SetupTokenPrefix) {
			t.Fatalf("setup link %q", link)
		}
		token := strings.TrimPrefix(link, prefix)
		other, err := s.con.NewSetupLink(ctx)
		if err != nil || other == link {
			t.Fatalf("a second start must log a new link: %q, %v", other, err)
		}

		// Attacks: a made-up token, a token with its last character changed.
		for _, bad := range []string{console.SetupTokenPrefix + "AAAAAAAAAAAAAAAAAAAAAAAAAA", token[:len(token)-1] + "x", "", "gh_sk_" + token} {
			if err := s.con.CheckSetup(ctx, bad); !errors.Is(err, console.ErrSetupInvalid) {
				t.Errorf("CheckSetup(%q) = %v", bad, err)
			}
			if _, err := s.con.CompleteSetup(ctx, bad, "first@vendor.example"); !errors.Is(err, console.ErrSetupInvalid) {
				t.Errorf("CompleteSetup(%q) = %v", bad, err)
			}
		}
		// A typo in the email does not spend the link.
		if _, err := s.con.CompleteSetup(ctx, token, "not an email"); fault.KindOf(err) != fault.Invalid {
			t.Fatalf("bad email: %v", err)
		}
		if err := s.con.CheckSetup(ctx, token); err != nil {
			t.Fatalf("baseline: valid link refused: %v", err)
		}
		u, err := s.con.CompleteSetup(ctx, token, "First@Vendor.example")
		if err != nil {
			t.Fatal(err)
		}
		cs, _ := s.con.Settings(ctx)
		roles, _ := s.ten.ListUserRoles(ctx, cs.ProjectID, string(u.ID))
		if u.Email != "first@vendor.example" || len(roles) != 1 || roles[0].Key != "owner" {
			t.Fatalf("first staff: %+v %v", u, roles)
		}
		if _, err := s.con.CompleteSetup(ctx, token, "second@vendor.example"); !errors.Is(err, console.ErrSetupInvalid) {
			t.Fatalf("reused link: %v", err)
		}
		// The other start's link is unused, but the console has staff now.
		otherToken := strings.TrimPrefix(other, prefix)
		if err := s.con.CheckSetup(ctx, otherToken); !errors.Is(err, console.ErrSetupDone) {
			t.Fatalf("second link after setup: %v", err)
		}
		if _, err := s.con.CompleteSetup(ctx, otherToken, "second@vendor.example"); !errors.Is(err, console.ErrSetupDone) {
			t.Fatalf("second link after setup: %v", err)
		}
		if l, err := s.con.NewSetupLink(ctx); err != nil || l != "" {
			t.Fatalf("a start with staff logs no link: %q, %v", l, err)
		}
	})
}

func TestSetupLinkExpires(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s *stack) {
		ctx := context.Background()
		link, err := s.con.NewSetupLink(ctx)
		if err != nil {
			t.Fatal(err)
		}
		token := link[strings.LastIndexByte(link, '/')+1:]
		s.clock.Advance(console.SetupTTL)
		if err := s.con.CheckSetup(ctx, token); !errors.Is(err, console.ErrSetupInvalid) {
			t.Fatalf("expired link shown: %v", err)
		}
		if _, err := s.con.CompleteSetup(ctx, token, "late@vendor.example"); !errors.Is(err, console.ErrSetupInvalid) {
			t.Fatalf("expired link used: %v", err)
		}
		if has, _ := s.con.HasStaff(ctx); has {
			t.Fatal("an expired link created staff")
		}
	})
}

// Only a live browser session of an active staff member is staff: users of
// other projects, of other organizations of the console project, deactivated
// staff and impersonated sessions are all refused.
func TestAuthorizeRefusesEveryoneButStaff(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s *stack) {
		ctx := context.Background()
		st := s.staff("ops@vendor.example") // baseline: accepted
		if !st.CanManageStaff() || st.Actor() != (audit.Actor{Type: audit.ActorStaff, ID: string(st.UserID)}) {
			t.Fatalf("staff principal: %+v", st)
		}
		cs, _ := s.con.Settings(ctx)

		if _, err := s.con.Authorize(ctx, nil); fault.KindOf(err) != fault.Unauthenticated {
			t.Fatalf("no session: %v", err)
		}
		// A user of an ordinary project.
		p, _, _, err := s.ten.CreateProject(ctx, audit.System("test"), tenancy.ProjectInput{Name: "Acme"})
		if err != nil {
			t.Fatal(err)
		}
		name := "Customer"
		o, err := s.ten.CreateOrganization(ctx, audit.System("test"), p.ID, tenancy.OrganizationUpdate{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		customer, _, err := s.ten.CreateUser(ctx, audit.System("test"), p.ID, tenancy.UserInput{OrganizationID: string(o.ID), Email: "ops@vendor.example"})
		if err != nil {
			t.Fatal(err)
		}
		// A user of another organization of the console project.
		otherName := "Not staff"
		o2, err := s.ten.CreateOrganization(ctx, audit.System("test"), cs.ProjectID, tenancy.OrganizationUpdate{Name: &otherName})
		if err != nil {
			t.Fatal(err)
		}
		outsider, _, err := s.ten.CreateUser(ctx, audit.System("test"), cs.ProjectID, tenancy.UserInput{OrganizationID: string(o2.ID), Email: "outsider@vendor.example"})
		if err != nil {
			t.Fatal(err)
		}
		// A deactivated staff member (a second owner keeps the first).
		gone, err := s.con.AddStaff(ctx, audit.System("cli"), "gone@vendor.example")
		if err != nil {
			t.Fatal(err)
		}
		goneGrant := s.signIn(gone)
		deactivated := string(user.StatusDeactivated)
		if _, err := s.ten.UpdateUser(ctx, audit.System("test"), cs.ProjectID, string(gone.ID), tenancy.UserUpdate{Status: &deactivated}); err != nil {
			t.Fatal(err)
		}
		goneGrant.User.Status = user.StatusDeactivated
		// An impersonated session of a staff member.
		staffUser, err := s.ten.GetUser(ctx, cs.ProjectID, string(st.UserID))
		if err != nil {
			t.Fatal(err)
		}
		impersonated := s.signIn(staffUser)
		impersonated.Session.Impersonator = &session.Impersonator{StaffUserID: "user_x", Email: "x@vendor.example", Reason: "r"}

		for name, g := range map[string]*session.Grant{
			"ordinary project user": s.signIn(customer),
			"other organization":    s.signIn(outsider),
			"deactivated staff":     goneGrant,
			"impersonated staff":    impersonated,
		} {
			if _, err := s.con.Authorize(ctx, g); fault.CodeOf(err) != fault.CodeForbidden {
				t.Errorf("%s: Authorize = %v, want forbidden", name, err)
			}
		}
	})
}

// Every action refuses a principal the service did not authorise, before
// touching anything.
func TestEveryActionRefusesNonStaff(t *testing.T) {
	t.Parallel()
	s := newStack(t, testdb.SQLite(t))
	ctx := context.Background()
	real := s.staff("ops@vendor.example")
	p, _, _, err := s.ten.CreateProject(ctx, audit.System("test"), tenancy.ProjectInput{Name: "Target"})
	if err != nil {
		t.Fatal(err)
	}
	pid := p.ID
	name := "Renamed by an attacker"
	actions := map[string]func(st *console.Staff) error{
		"ListProjects": func(st *console.Staff) error { _, err := s.con.ListProjects(ctx, st, store.Page{}); return err },
		"CreateProject": func(st *console.Staff) error {
			_, _, _, err := s.con.CreateProject(ctx, st, tenancy.ProjectInput{Name: "x"})
			return err
		},
		"GetProject": func(st *console.Staff) error { _, err := s.con.GetProject(ctx, st, pid); return err },
		"UpdateProject": func(st *console.Staff) error {
			_, err := s.con.UpdateProject(ctx, st, pid, tenancy.ProjectUpdate{Name: &name})
			return err
		},
		"ListClients": func(st *console.Staff) error { _, err := s.con.ListClients(ctx, st, pid); return err },
		"CreateClient": func(st *console.Staff) error {
			_, _, err := s.con.CreateClient(ctx, st, pid, oidc.ClientInput{Name: "x", RedirectURIs: []string{"https://x.example/cb"}})
			return err
		},
		"RotateClientSecret": func(st *console.Staff) error {
			_, _, err := s.con.RotateClientSecret(ctx, st, pid, "client_x")
			return err
		},
		"DeleteClient":    func(st *console.Staff) error { return s.con.DeleteClient(ctx, st, pid, "client_x") },
		"ListSecretKeys":  func(st *console.Staff) error { _, err := s.con.ListSecretKeys(ctx, st, pid); return err },
		"CreateSecretKey": func(st *console.Staff) error { _, _, err := s.con.CreateSecretKey(ctx, st, pid, "x"); return err },
		"RevokeSecretKey": func(st *console.Staff) error { _, err := s.con.RevokeSecretKey(ctx, st, pid, "sk_x"); return err },
		"ListOrganizations": func(st *console.Staff) error {
			_, err := s.con.ListOrganizations(ctx, st, pid, store.Page{})
			return err
		},
		"CreateOrganization": func(st *console.Staff) error {
			_, err := s.con.CreateOrganization(ctx, st, pid, tenancy.OrganizationUpdate{Name: &name})
			return err
		},
		"GetOrganization": func(st *console.Staff) error { _, err := s.con.GetOrganization(ctx, st, pid, "org_x"); return err },
		"UpdateOrganization": func(st *console.Staff) error {
			_, err := s.con.UpdateOrganization(ctx, st, pid, "org_x", tenancy.OrganizationUpdate{Name: &name})
			return err
		},
		"Usage":        func(st *console.Staff) error { _, err := s.con.Usage(ctx, st, pid, "org_x", ""); return err },
		"ListInvites":  func(st *console.Staff) error { _, err := s.con.ListInvites(ctx, st, pid, "org_x"); return err },
		"CreateInvite": func(st *console.Staff) error { _, err := s.con.CreateInvite(ctx, st, pid, invInput()); return err },
		"RevokeInvite": func(st *console.Staff) error { _, err := s.con.RevokeInvite(ctx, st, pid, "inv_x"); return err },
		"ResendInvite": func(st *console.Staff) error { _, err := s.con.ResendInvite(ctx, st, pid, "inv_x"); return err },
		"ListDomains":  func(st *console.Staff) error { _, err := s.con.ListDomains(ctx, st, pid, "org_x"); return err },
		"AddDomain": func(st *console.Staff) error {
			_, err := s.con.AddDomain(ctx, st, pid, "org_x", "x.example")
			return err
		},
		"VerifyDomain": func(st *console.Staff) error { _, err := s.con.VerifyDomain(ctx, st, pid, "dom_x"); return err },
		"DeleteDomain": func(st *console.Staff) error { return s.con.DeleteDomain(ctx, st, pid, "dom_x") },
		"ListUsers": func(st *console.Staff) error {
			_, err := s.con.ListUsers(ctx, st, pid, tenancy.UserListFilter{}, store.Page{})
			return err
		},
		"GetUser":      func(st *console.Staff) error { _, _, err := s.con.GetUser(ctx, st, pid, "user_x"); return err },
		"AssignRole":   func(st *console.Staff) error { _, err := s.con.AssignRole(ctx, st, pid, "user_x", "admin"); return err },
		"UnassignRole": func(st *console.Staff) error { return s.con.UnassignRole(ctx, st, pid, "user_x", "role_x") },
		"SetUserStatus": func(st *console.Staff) error {
			_, err := s.con.SetUserStatus(ctx, st, pid, "user_x", user.StatusDeactivated)
			return err
		},
		"ListUserSessions": func(st *console.Staff) error { _, err := s.con.ListUserSessions(ctx, st, pid, "user_x"); return err },
		"RevokeSession":    func(st *console.Staff) error { return s.con.RevokeSession(ctx, st, pid, "sess_x") },
		"RevokeUserSessions": func(st *console.Staff) error {
			_, err := s.con.RevokeUserSessions(ctx, st, pid, "user_x")
			return err
		},
		"Impersonate": func(st *console.Staff) error {
			_, _, err := s.con.Impersonate(ctx, st, pid, "user_x", console.ImpersonationInput{Reason: "support"})
			return err
		},
		"ListRoles": func(st *console.Staff) error { _, err := s.con.ListRoles(ctx, st, pid, ""); return err },
		"CreateRole": func(st *console.Staff) error {
			_, err := s.con.CreateRole(ctx, st, pid, tenancy.RoleInput{Key: "x", Name: "x"})
			return err
		},
		"UpdateRole": func(st *console.Staff) error {
			_, err := s.con.UpdateRole(ctx, st, pid, "role_x", tenancy.RoleUpdate{Name: &name})
			return err
		},
		"DeleteRole":      func(st *console.Staff) error { return s.con.DeleteRole(ctx, st, pid, "role_x") },
		"ListPermissions": func(st *console.Staff) error { _, err := s.con.ListPermissions(ctx, st, pid); return err },
		"CreatePermission": func(st *console.Staff) error {
			_, err := s.con.CreatePermission(ctx, st, pid, tenancy.PermissionInput{Key: "x.read"})
			return err
		},
		"DeletePermission": func(st *console.Staff) error { return s.con.DeletePermission(ctx, st, pid, "perm_x") },
		"ListAuditEvents": func(st *console.Staff) error {
			_, err := s.con.ListAuditEvents(ctx, st, pid, tenancy.AuditFilter{}, store.Page{})
			return err
		},
		"ListStaff": func(st *console.Staff) error { _, err := s.con.ListStaff(ctx, st); return err },
		"InviteStaff": func(st *console.Staff) error {
			_, err := s.con.InviteStaff(ctx, st, "x@vendor.example", "")
			return err
		},
	}
	// A principal made outside Authorize (even one copying a real staff
	// member's fields), or authorised by another console service, is not
	// staff.
	forged := *real
	forgedCopy := &console.Staff{UserID: real.UserID, Email: real.Email, Roles: real.Roles}
	otherService, err := s.instance().Authorize(ctx, s.signIn(mustUser(t, s, real.UserID)))
	if err != nil {
		t.Fatal(err)
	}
	for action, call := range actions {
		for who, st := range map[string]*console.Staff{"nil": nil, "zero": {}, "forged": forgedCopy, "other service": otherService} {
			if err := call(st); fault.CodeOf(err) != fault.CodeForbidden {
				t.Errorf("%s as %s: %v, want forbidden", action, who, err)
			}
		}
	}
	got, err := s.ten.GetProject(ctx, pid)
	if err != nil || got.Name != "Target" {
		t.Fatalf("target project changed: %+v %v", got, err)
	}
	if ps, _ := s.ten.ListProjects(ctx, store.Page{}); len(ps) != 2 {
		t.Fatalf("refused calls created projects: %d", len(ps))
	}
	// Baseline: the authorised principal (a copy of it works too: it is
	// the service's proof, not the pointer, that counts) passes the check;
	// an action may still fail for its own reasons, never as forbidden.
	for action, call := range actions {
		if err := call(&forged); fault.CodeOf(err) == fault.CodeForbidden {
			t.Errorf("%s as staff: forbidden", action)
		}
	}
}

func invInput() invite.Input { return invite.Input{OrgID: "org_x", Email: "x@y.example"} }

func mustUser(t *testing.T, s *stack, uid id.User) *user.User {
	t.Helper()
	cs, _ := s.con.Settings(context.Background())
	u, err := s.ten.GetUser(context.Background(), cs.ProjectID, string(uid))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// A staff member's changes to a customer project land in that project's
// audit log with the staff member as the actor.
func TestStaffChangesAreAuditedAsStaffInTheProjectChanged(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, s *stack) {
		ctx := context.Background()
		st := s.staff("ops@vendor.example")
		p, _, secret, err := s.con.CreateProject(ctx, st, tenancy.ProjectInput{Name: "Customer app"})
		if err != nil || !strings.HasPrefix(secret, "gh_sk_") {
			t.Fatalf("create project: %v", err)
		}
		on := true
		if _, err := s.con.UpdateProject(ctx, st, p.ID, tenancy.ProjectUpdate{AllowCustomRoles: &on}); err != nil {
			t.Fatal(err)
		}
		name := "Southwest"
		o, err := s.con.CreateOrganization(ctx, st, p.ID, tenancy.OrganizationUpdate{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.con.CreateClient(ctx, st, p.ID, oidc.ClientInput{Name: "Web", RedirectURIs: []string{"https://app.example/cb"}}); err != nil {
			t.Fatal(err)
		}
		events, err := s.ten.ListAuditEvents(ctx, p.ID, tenancy.AuditFilter{}, store.Page{})
		if err != nil {
			t.Fatal(err)
		}
		want := audit.Actor{Type: audit.ActorStaff, ID: string(st.UserID)}
		seen := map[string]bool{}
		for _, e := range events {
			if e.Actor != want {
				t.Errorf("%s by %+v, want %+v", e.Type, e.Actor, want)
			}
			seen[e.Type] = true
		}
		for _, typ := range []string{"project.created", "project.updated", "organization.created", "oauth_client.created"} {
			if !seen[typ] {
				t.Errorf("no %s event in the project's log (have %v)", typ, seen)
			}
		}
		orgEvents, _ := s.ten.ListAuditEvents(ctx, p.ID, tenancy.AuditFilter{OrganizationID: string(o.ID)}, store.Page{})
		if len(orgEvents) != 1 {
			t.Errorf("organization events: %d", len(orgEvents))
		}
		// Nothing of it is in the console project's own log.
		cs, _ := s.con.Settings(ctx)
		consoleEvents, _ := s.ten.ListAuditEvents(ctx, cs.ProjectID, tenancy.AuditFilter{ActorID: string(st.UserID)}, store.Page{})
		for _, e := range consoleEvents {
			if e.Actor.Type == audit.ActorStaff {
				t.Errorf("console project log has %s, a staff change made elsewhere", e.Type)
			}
		}
	})
}

// Impersonation needs a reason and never targets staff.
func TestImpersonateNeedsAReasonAndNeverTargetsStaff(t *testing.T) {
	t.Parallel()
	s := newStack(t, testdb.SQLite(t))
	ctx := context.Background()
	st := s.staff("ops@vendor.example")
	p, _, _, err := s.ten.CreateProject(ctx, audit.System("test"), tenancy.ProjectInput{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	name := "Customer"
	o, _ := s.ten.CreateOrganization(ctx, audit.System("test"), p.ID, tenancy.OrganizationUpdate{Name: &name})
	u, _, err := s.ten.CreateUser(ctx, audit.System("test"), p.ID, tenancy.UserInput{OrganizationID: string(o.ID), Email: "ada@customer.example"})
	if err != nil {
		t.Fatal(err)
	}
	for _, reason := range []string{"", "   ", strings.Repeat("x", console.MaxReasonLength+1)} {
		_, _, err := s.con.Impersonate(ctx, st, p.ID, string(u.ID), console.ImpersonationInput{Reason: reason})
		if fe, ok := fault.As(err); !ok || fe.Kind != fault.Invalid || len(fe.Fields) != 1 || fe.Fields[0].Field != "reason" {
			t.Errorf("reason %q: %v, want invalid reason", reason, err)
		}
	}
	cs, _ := s.con.Settings(ctx)
	_, _, err = s.con.Impersonate(ctx, st, cs.ProjectID, string(st.UserID), console.ImpersonationInput{Reason: "curious"})
	if fault.CodeOf(err) != fault.CodeForbidden {
		t.Errorf("impersonating staff: %v, want forbidden", err)
	}
}

// The console cannot lock its own staff out: its project keeps email codes
// or passwords, and the Staff organization's logins cannot be turned off.
// The same changes to a customer project are accepted.
func TestConsoleKeepsStaffAbleToSignIn(t *testing.T) {
	t.Parallel()
	s := newStack(t, testdb.SQLite(t))
	ctx := context.Background()
	st := s.staff("ops@vendor.example")
	cs, _ := s.con.Settings(ctx)
	onlyGoogle := []string{"google"}
	_, err := s.con.UpdateProject(ctx, st, cs.ProjectID, tenancy.ProjectUpdate{EnabledLoginMethods: &onlyGoogle})
	if fe, ok := fault.As(err); !ok || fe.Kind != fault.Invalid || fe.Fields[0].Field != "enabled_login_methods" {
		t.Fatalf("console project without email or password: %v", err)
	}
	off := true
	_, err = s.con.UpdateOrganization(ctx, st, cs.ProjectID, string(cs.StaffOrgID), tenancy.OrganizationUpdate{LoginsDisabled: &off})
	if fault.CodeOf(err) != "staff_lockout" {
		t.Fatalf("staff kill switch: %v", err)
	}
	if has, _ := s.con.HasStaff(ctx); !has {
		t.Fatal("staff gone")
	}
	// Baseline: a customer project may do both.
	p, _, _, err := s.con.CreateProject(ctx, st, tenancy.ProjectInput{Name: "Customer"})
	if err != nil {
		t.Fatal(err)
	}
	emailOnly := []string{"email"}
	if _, err := s.con.UpdateProject(ctx, st, p.ID, tenancy.ProjectUpdate{EnabledLoginMethods: &emailOnly}); err != nil {
		t.Fatalf("customer project: %v", err)
	}
	name := "Customer Co"
	o, err := s.con.CreateOrganization(ctx, st, p.ID, tenancy.OrganizationUpdate{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.con.UpdateOrganization(ctx, st, p.ID, string(o.ID), tenancy.OrganizationUpdate{LoginsDisabled: &off}); err != nil {
		t.Fatalf("customer kill switch: %v", err)
	}
}
