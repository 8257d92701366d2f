package tenancy_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testclock"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

var vendor = audit.Actor{Type: audit.ActorSecretKey, ID: "sk_test"}

func ptr[T any](v T) *T { return &v }

// policyEnv is a project (email and password enabled) with one organization
// and its owner.
type policyEnv struct {
	t   *testing.T
	ctx context.Context
	st  store.Store
	clk *clock
	svc *tenancy.Service
	p   *project.Project
	o   *org.Organization
	own *user.User
}

func newPolicyEnv(t *testing.T, st store.Store) *policyEnv {
	t.Helper()
	e := &policyEnv{t: t, ctx: context.Background(), st: st, clk: testclock.New(time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC))}
	e.svc = tenancy.New(st, tenancy.WithClock(e.clk.Now))
	p, _, _, err := e.svc.CreateProject(e.ctx, vendor, tenancy.ProjectInput{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	e.p = p
	e.o = e.newOrg("Southwest")
	e.own = e.newUser(e.o, "owner@southwest.example")
	return e
}

func (e *policyEnv) newOrg(name string) *org.Organization {
	e.t.Helper()
	o, err := e.svc.CreateOrganization(e.ctx, vendor, e.p.ID, tenancy.OrganizationUpdate{Name: &name})
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

func (e *policyEnv) newUser(o *org.Organization, email string) *user.User {
	e.t.Helper()
	u, _, err := e.svc.CreateUser(e.ctx, vendor, e.p.ID, tenancy.UserInput{OrganizationID: string(o.ID), Email: email})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func (e *policyEnv) update(up tenancy.OrganizationUpdate) (*org.Organization, error) {
	// Each change a second later, so audit events list in order.
	e.clk.Advance(time.Second)
	return e.svc.UpdateOrganization(e.ctx, vendor, e.p.ID, string(e.o.ID), up)
}

func (e *policyEnv) events(typ string) int {
	e.t.Helper()
	es, err := e.st.ListAuditEvents(e.ctx, e.p.ID, audit.Filter{Type: typ}, store.Page{Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(es)
}

func (e *policyEnv) stored() *org.Organization {
	e.t.Helper()
	o, err := e.svc.GetOrganization(e.ctx, e.p.ID, string(e.o.ID))
	if err != nil {
		e.t.Fatal(err)
	}
	return o
}

// refusedForLockout asserts err is admin_lockout, says why (wantInMessage),
// and that neither the organization nor the audit log changed.
func (e *policyEnv) refusedForLockout(what string, err error, wantInMessage string, wantUpdates int) {
	e.t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Code != tenancy.CodeAdminLockout || fe.Kind != fault.FailedPrecondition {
		e.t.Fatalf("%s: got %v, want %s", what, err, tenancy.CodeAdminLockout)
	}
	if !strings.Contains(fe.Message, wantInMessage) {
		e.t.Fatalf("%s: message %q does not say %q", what, fe.Message, wantInMessage)
	}
	got := e.stored()
	if got.Policy.RequireSSO || got.Policy.RequireMFA || !got.UpdatedAt.Equal(e.o.UpdatedAt) && wantUpdates == 0 {
		e.t.Fatalf("%s: refused change was stored: %+v", what, got.Policy)
	}
	if n := e.events("organization.updated"); n != wantUpdates {
		e.t.Fatalf("%s: %d organization.updated events, want %d", what, n, wantUpdates)
	}
}

func TestAdminLockoutIsRefused(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		e := newPolicyEnv(t, st)
		// The project also offers Google, so an organization can allow a
		// method the project enables that still is neither email nor password.
		if _, err := e.svc.UpdateProject(e.ctx, vendor, e.p.ID, tenancy.ProjectUpdate{EnabledLoginMethods: &[]string{"email", "password", "google"}}); err != nil {
			t.Fatal(err)
		}

		for _, c := range []struct {
			name string
			up   tenancy.OrganizationUpdate
			says string
		}{
			{"only google", tenancy.OrganizationUpdate{AllowedLoginMethods: &[]string{"google"}}, "(google) include neither email nor password"},
			{"only methods the project does not enable", tenancy.OrganizationUpdate{AllowedLoginMethods: &[]string{"saml", "passkey"}}, "(none) include neither email nor password"},
			{"require sso without a connection", tenancy.OrganizationUpdate{RequireSSO: ptr(true)}, "set up an SSO connection first"},
			{"require mfa without a second factor", tenancy.OrganizationUpdate{RequireMFA: ptr(true)}, "offers none yet"},
			{"several at once", tenancy.OrganizationUpdate{RequireMFA: ptr(true), AllowedLoginMethods: &[]string{"google"}}, "require_mfa"},
		} {
			_, err := e.update(c.up)
			e.refusedForLockout(c.name, err, c.says, 0)
			if got := e.stored(); len(got.Policy.AllowedLoginMethods) != len(project.AllMethods) {
				t.Fatalf("%s: allowed methods changed to %v", c.name, got.Policy.AllowedLoginMethods)
			}
		}
		// The refusal names the fields, for the pages to show beside them.
		_, err := e.update(tenancy.OrganizationUpdate{RequireSSO: ptr(true)})
		if fe, _ := fault.As(err); len(fe.Fields) != 1 || fe.Fields[0].Field != "require_sso" {
			t.Fatalf("fields = %+v", fe.Fields)
		}

		// Baselines: a policy an admin can still sign in under is accepted.
		for _, methods := range [][]string{{"password"}, {"email"}, {"email", "google"}} {
			got, err := e.update(tenancy.OrganizationUpdate{AllowedLoginMethods: &methods})
			if err != nil || len(got.Policy.AllowedLoginMethods) != len(methods) {
				t.Fatalf("allow %v: %+v, %v", methods, got, err)
			}
		}
		if n := e.events("organization.updated"); n != 3 {
			t.Fatalf("organization.updated events = %d, want 3", n)
		}
		// The kill switch locks everybody out on purpose: it is no lockout.
		if _, err := e.update(tenancy.OrganizationUpdate{LoginsDisabled: ptr(true)}); err != nil {
			t.Fatalf("kill switch refused: %v", err)
		}

		// A new organization is judged the same way.
		name := "Best Buy"
		if _, err := e.svc.CreateOrganization(e.ctx, vendor, e.p.ID, tenancy.OrganizationUpdate{Name: &name, RequireSSO: ptr(true)}); fault.CodeOf(err) != tenancy.CodeAdminLockout {
			t.Fatalf("create with require_sso: %v", err)
		}
		if os, _ := e.svc.ListOrganizations(e.ctx, e.p.ID, store.Page{Limit: 10}); len(os) != 1 {
			t.Fatalf("refused organization was created: %d organizations", len(os))
		}
	})
}

func TestLockoutTheProjectCausedDoesNotBlockOtherChanges(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		e := newPolicyEnv(t, st)
		if _, err := e.update(tenancy.OrganizationUpdate{AllowedLoginMethods: &[]string{"password"}}); err != nil {
			t.Fatal(err)
		}
		// The vendor turns passwords off project-wide: its choice, accepted,
		// although the organization's people can no longer sign in.
		if _, err := e.svc.UpdateProject(e.ctx, vendor, e.p.ID, tenancy.ProjectUpdate{EnabledLoginMethods: &[]string{"email"}}); err != nil {
			t.Fatalf("project change refused: %v", err)
		}
		// The admins may still rename it and fix the methods...
		if _, err := e.update(tenancy.OrganizationUpdate{Name: ptr("Southwest Airlines")}); err != nil {
			t.Fatalf("rename of a locked-out organization: %v", err)
		}
		if _, err := e.update(tenancy.OrganizationUpdate{AllowedLoginMethods: &[]string{"passkey"}}); err != nil {
			t.Fatalf("a change that adds no new reason: %v", err)
		}
		// ...but not add another reason.
		_, err := e.update(tenancy.OrganizationUpdate{RequireSSO: ptr(true)})
		e.refusedForLockout("require sso on top", err, "SSO connection", 3)
		if _, err := e.update(tenancy.OrganizationUpdate{AllowedLoginMethods: &[]string{"email", "password"}}); err != nil {
			t.Fatalf("fixing the methods: %v", err)
		}
	})
}

func TestKillSwitchRevokesTheOrganizationsSessions(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		e := newPolicyEnv(t, st)
		sess := e.sessions()
		other := e.newOrg("Best Buy")
		bystander := e.newUser(other, "owner@bestbuy.example")
		sid, tok := e.connect(sess, e.own)
		otherSID, otherTok := e.connect(sess, bystander)

		// An organization's own user may not pull the switch (self-serve);
		// nothing changes and the session lives on.
		member := audit.Actor{Type: audit.ActorUser, ID: string(e.own.ID)}
		_, err := e.svc.UpdateOrganization(e.ctx, member, e.p.ID, string(e.o.ID), tenancy.OrganizationUpdate{LoginsDisabled: ptr(true)})
		if fault.CodeOf(err) != tenancy.CodeKillSwitchVendorOnly || fault.KindOf(err) != fault.PermissionDenied {
			t.Fatalf("kill switch by a member: %v", err)
		}
		if tenancy.MaySetLoginsDisabled(member) || !tenancy.MaySetLoginsDisabled(vendor) {
			t.Fatal("MaySetLoginsDisabled disagrees with UpdateOrganization")
		}
		if e.stored().Policy.LoginsDisabled {
			t.Fatal("refused kill switch was stored")
		}
		g, err := sess.Refresh(e.ctx, e.p.ID, "cli_app", tok)
		if err != nil {
			t.Fatalf("refresh before the kill switch: %v", err)
		}
		tok = g.RefreshToken

		// The vendor pulls it: every session of the organization ends in
		// the same transaction, so the next refresh fails.
		if _, err := e.update(tenancy.OrganizationUpdate{LoginsDisabled: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		rec, err := st.GetSession(e.ctx, e.p.ID, sid)
		if err != nil || rec.RevokedAt == nil || rec.RevokeReason != tenancy.RevokeReasonLoginsDisabled {
			t.Fatalf("session after the kill switch = %+v, %v", rec, err)
		}
		if _, err := sess.Refresh(e.ctx, e.p.ID, "cli_app", tok); !errors.Is(err, session.ErrInvalid) {
			t.Fatalf("refresh after the kill switch: %v, want %v", err, session.ErrInvalid)
		}
		if n := e.events("session.revoked"); n != 1 {
			t.Fatalf("session.revoked events = %d, want 1", n)
		}
		// Another organization's session is untouched.
		if rec, err := st.GetSession(e.ctx, e.p.ID, otherSID); err != nil || rec.RevokedAt != nil {
			t.Fatalf("other organization's session = %+v, %v", rec, err)
		}
		if _, err := sess.Refresh(e.ctx, e.p.ID, "cli_app", otherTok); err != nil {
			t.Fatalf("other organization's refresh: %v", err)
		}

		// Turning it off again revokes nothing more and allows logins.
		if _, err := e.update(tenancy.OrganizationUpdate{LoginsDisabled: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		if n := e.events("session.revoked"); n != 1 {
			t.Fatalf("session.revoked events = %d, want 1", n)
		}
	})
}

func TestJoinByDomainRole(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		e := newPolicyEnv(t, st)
		if got := e.stored(); got.Policy.JoinByDomain || got.Policy.JoinRoleKey != "member" {
			t.Fatalf("default policy = %+v", got.Policy)
		}
		got, err := e.update(tenancy.OrganizationUpdate{JoinByDomain: ptr(true), JoinRoleKey: ptr("admin")})
		if err != nil || !got.Policy.JoinByDomain || got.Policy.JoinRoleKey != "admin" {
			t.Fatalf("join as admin: %+v, %v", got, err)
		}
		if s := e.stored(); !s.Policy.JoinByDomain || s.Policy.JoinRoleKey != "admin" {
			t.Fatalf("stored policy = %+v", s.Policy)
		}
		// Ownership is never handed to whoever has a mailbox at the domain.
		for _, bad := range []string{"owner", " owner ", "OWNER", "nosuchrole"} {
			_, err := e.update(tenancy.OrganizationUpdate{JoinRoleKey: ptr(bad)})
			if fault.KindOf(err) != fault.Invalid || !strings.HasPrefix(err.Error(), "invalid_request: join_role") {
				t.Fatalf("join role %q: %v", bad, err)
			}
		}
		if s := e.stored(); s.Policy.JoinRoleKey != "admin" {
			t.Fatalf("refused join role stored: %q", s.Policy.JoinRoleKey)
		}
		// "" means the default.
		if got, err := e.update(tenancy.OrganizationUpdate{JoinRoleKey: ptr("")}); err != nil || got.Policy.JoinRoleKey != "member" {
			t.Fatalf("reset join role: %+v, %v", got, err)
		}

		// A custom role is the organization's own: another one cannot use it.
		if _, err := e.svc.UpdateProject(e.ctx, vendor, e.p.ID, tenancy.ProjectUpdate{AllowCustomRoles: ptr(true)}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.CreateRole(e.ctx, vendor, e.p.ID, tenancy.RoleInput{OrganizationID: string(e.o.ID), Key: "crew", Name: "Crew"}); err != nil {
			t.Fatal(err)
		}
		if got, err := e.update(tenancy.OrganizationUpdate{JoinRoleKey: ptr("crew")}); err != nil || got.Policy.JoinRoleKey != "crew" {
			t.Fatalf("own custom role: %+v, %v", got, err)
		}
		other := e.newOrg("Best Buy")
		_, err = e.svc.UpdateOrganization(e.ctx, vendor, e.p.ID, string(other.ID), tenancy.OrganizationUpdate{JoinByDomain: ptr(true), JoinRoleKey: ptr("crew")})
		if fault.KindOf(err) != fault.Invalid {
			t.Fatalf("another organization's custom role: %v", err)
		}
		// Audit snapshots carry the fields.
		es, err := st.ListAuditEvents(e.ctx, e.p.ID, audit.Filter{Type: "organization.updated"}, store.Page{Limit: 1})
		if err != nil || len(es) != 1 || !strings.Contains(string(es[0].Details), `"join_role":"crew"`) || !strings.Contains(string(es[0].Details), `"join_by_domain":true`) {
			t.Fatalf("latest event = %s, %v", es[0].Details, err)
		}
	})
}

func TestProjectBranding(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		e := newPolicyEnv(t, st)
		got, err := e.svc.UpdateProject(e.ctx, vendor, e.p.ID, tenancy.ProjectUpdate{
			BrandColor: ptr("#1A73E8"), LogoURL: ptr("https://cdn.acme.example/logo.svg"), AppURL: ptr("https://app.acme.example/home?tab=1"),
		})
		if err != nil {
			t.Fatal(err)
		}
		stored, err := e.svc.GetProject(e.ctx, e.p.ID)
		if err != nil || stored.BrandColor != "#1a73e8" || stored.LogoURL != "https://cdn.acme.example/logo.svg" || stored.AppURL != "https://app.acme.example/home?tab=1" {
			t.Fatalf("stored project = %+v, %v (returned %+v)", stored, err, got)
		}
		// Local development may load a logo over plain http from loopback.
		if _, err := e.svc.UpdateProject(e.ctx, vendor, e.p.ID, tenancy.ProjectUpdate{LogoURL: ptr("http://localhost:3000/logo.png"), AppURL: ptr("http://app.internal.example/")}); err != nil {
			t.Fatalf("loopback logo, http app: %v", err)
		}
		long := "https://cdn.acme.example/" + strings.Repeat("a", 2048)
		for _, c := range []struct {
			field string
			up    tenancy.ProjectUpdate
		}{
			{"brand_color", tenancy.ProjectUpdate{BrandColor: ptr("red")}},
			{"brand_color", tenancy.ProjectUpdate{BrandColor: ptr("#12345")}},
			{"brand_color", tenancy.ProjectUpdate{BrandColor: ptr("#12345g")}},
			{"brand_color", tenancy.ProjectUpdate{BrandColor: ptr("#123456;}body{x")}},
			{"logo_url", tenancy.ProjectUpdate{LogoURL: ptr("http://cdn.acme.example/logo.png")}},
			{"logo_url", tenancy.ProjectUpdate{LogoURL: ptr("/logo.png")}},
			{"logo_url", tenancy.ProjectUpdate{LogoURL: ptr("javascript:alert(1)")}},
			{"logo_url", tenancy.ProjectUpdate{LogoURL: ptr("data:image/png;base64,AAAA")}},
			{"logo_url", tenancy.ProjectUpdate{LogoURL: ptr("https://user:pw@cdn.acme.example/logo.png")}},
			{"logo_url", tenancy.ProjectUpdate{LogoURL: ptr(long)}},
			{"app_url", tenancy.ProjectUpdate{AppURL: ptr("https://app.acme.example/#/home")}},
			{"app_url", tenancy.ProjectUpdate{AppURL: ptr("https://admin@app.acme.example/")}},
			{"app_url", tenancy.ProjectUpdate{AppURL: ptr("ftp://app.acme.example/")}},
			{"app_url", tenancy.ProjectUpdate{AppURL: ptr("app.acme.example")}},
		} {
			_, err := e.svc.UpdateProject(e.ctx, vendor, e.p.ID, c.up)
			fe, ok := fault.As(err)
			if !ok || fe.Kind != fault.Invalid || len(fe.Fields) != 1 || fe.Fields[0].Field != c.field {
				t.Fatalf("%+v: got %v, want invalid %s", c.up, err, c.field)
			}
		}
		if p, _ := e.svc.GetProject(e.ctx, e.p.ID); p.LogoURL != "http://localhost:3000/logo.png" || p.BrandColor != "#1a73e8" {
			t.Fatalf("refused branding was stored: %+v", p)
		}
		// "" clears.
		if got, err := e.svc.UpdateProject(e.ctx, vendor, e.p.ID, tenancy.ProjectUpdate{BrandColor: ptr(""), LogoURL: ptr(""), AppURL: ptr("")}); err != nil || got.BrandColor != "" || got.LogoURL != "" || got.AppURL != "" {
			t.Fatalf("clear branding: %+v, %v", got, err)
		}
		es, err := st.ListAuditEvents(e.ctx, e.p.ID, audit.Filter{Type: "project.updated"}, store.Page{Limit: 10})
		if err != nil || len(es) != 3 || !strings.Contains(string(es[2].Details), `"brand_color":"#1a73e8"`) {
			t.Fatalf("project.updated events = %d, %v", len(es), err)
		}
	})
}

func (e *policyEnv) sessions() *session.Service {
	return session.New(e.st, []byte("0123456789abcdef0123456789abcdef"), session.WithClock(e.clk.Now))
}

// connect signs u in (a browser session) and has an app exchange a code
// for it: the session's ID and the app's refresh token.
func (e *policyEnv) connect(sess *session.Service, u *user.User) (id.Session, string) {
	e.t.Helper()
	var s *session.Session
	err := e.st.Write(e.ctx, func(w store.Writer) error {
		var err error
		s, _, err = sess.Create(e.ctx, w, session.NewSession{
			ProjectID: u.ProjectID, OrgID: u.OrganizationID, UserID: u.ID,
			Facts: login.Facts{Email: u.Email, EmailVerified: true, Proofs: []login.Proof{{Factor: login.FactorEmailCode, At: e.clk.Now()}}},
		})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	g, err := sess.GrantForCode(e.ctx, u.ProjectID, s.ID, "cli_app")
	if err != nil {
		e.t.Fatal(err)
	}
	return s.ID, g.RefreshToken
}

// TestDeactivationSignsTheUserOut: deactivating a user through the tenancy
// layer (whichever surface asks) ends their sessions in the same
// transaction, recorded with a count; their colleague's sessions and
// another project's are untouched, and reactivating revokes nothing.
func TestDeactivationSignsTheUserOut(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, st store.Store) {
		e := newPolicyEnv(t, st)
		sess := e.sessions()
		leaving := e.newUser(e.o, "leaving@southwest.example")
		sid, tok := e.connect(sess, leaving)
		colleagueSID, colleagueTok := e.connect(sess, e.own)
		elsewhere := newPolicyEnv(t, st)
		elsewhereSID, _ := e.connect(sess, elsewhere.own)

		off, on := string(user.StatusDeactivated), string(user.StatusActive)
		if _, err := e.svc.UpdateUser(e.ctx, vendor, e.p.ID, string(leaving.ID), tenancy.UserUpdate{Status: &off}); err != nil {
			t.Fatal(err)
		}
		rec, err := st.GetSession(e.ctx, e.p.ID, sid)
		if err != nil || rec.RevokedAt == nil || rec.RevokeReason != tenancy.RevokeReasonUserDeactivated {
			t.Fatalf("session after deactivation = %+v, %v", rec, err)
		}
		if _, err := sess.Refresh(e.ctx, e.p.ID, "cli_app", tok); !errors.Is(err, session.ErrInvalid) {
			t.Fatalf("refresh after deactivation: %v, want %v", err, session.ErrInvalid)
		}
		if n := e.events("session.revoked"); n != 1 {
			t.Fatalf("session.revoked events = %d, want 1", n)
		}
		for what, other := range map[string]struct {
			p   id.Project
			sid id.Session
		}{"colleague": {e.p.ID, colleagueSID}, "another project": {elsewhere.p.ID, elsewhereSID}} {
			if rec, err := st.GetSession(e.ctx, other.p, other.sid); err != nil || rec.RevokedAt != nil {
				t.Fatalf("%s's session = %+v, %v", what, rec, err)
			}
		}
		if _, err := sess.Refresh(e.ctx, e.p.ID, "cli_app", colleagueTok); err != nil {
			t.Fatalf("colleague's refresh: %v", err)
		}
		if _, err := e.svc.UpdateUser(e.ctx, vendor, e.p.ID, string(leaving.ID), tenancy.UserUpdate{Status: &on}); err != nil {
			t.Fatal(err)
		}
		if n := e.events("session.revoked"); n != 1 {
			t.Fatalf("session.revoked events after reactivation = %d, want 1", n)
		}
	})
}
