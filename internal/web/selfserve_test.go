package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/console"
	"github.com/gatehouse-auth/gatehouse/internal/dnstest"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/password"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// ssEnv is the hosted pages with the self-serve service, over a real
// database, served by httptest, with one project and one organization.
type ssEnv struct {
	t        *testing.T
	ctx      context.Context
	st       store.Store
	srv      *httptest.Server
	clock    *clock
	ten      *tenancy.Service
	sessions *session.Service
	invites  *invite.Service
	domains  *domain.Service
	dns      *dnstest.Server
	outbox   *mail.Outbox
	project  *project.Project
	org      *org.Organization
	con      *console.Service
}

func newSSEnv(t *testing.T) *ssEnv {
	t.Helper()
	// A cheap hasher: these tests set passwords, they do not measure them.
	s := newStack(t, nil, password.NewHasher(password.WithParams(password.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})))
	s.serve(Options{SelfServe: s.self})
	e := &ssEnv{t: t, ctx: t.Context(), st: s.st, srv: s.srv, clock: s.clock, ten: s.ten, sessions: s.sessions,
		outbox: s.outbox, invites: s.invites, dns: s.dns, domains: s.domains, con: s.con}
	p, _, _, err := e.ten.CreateProject(e.ctx, audit.System("test"), tenancy.ProjectInput{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	e.project = p
	name := "Southwest"
	if e.org, err = e.ten.CreateOrganization(e.ctx, audit.System("test"), p.ID, tenancy.OrganizationUpdate{Name: &name}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *ssEnv) path(rest string) string { return "/p/" + string(e.project.ID) + rest }

func (e *ssEnv) user(email string, roles ...string) *user.User {
	e.t.Helper()
	u, _, err := e.ten.CreateUser(e.ctx, audit.System("test"), e.project.ID, tenancy.UserInput{OrganizationID: string(e.org.ID), Email: email, Roles: roles})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// signIn mints a browser session for u, as a finished login does, and
// returns a browser holding its cookie, with the session's ID.
func (e *ssEnv) signIn(u *user.User) (*browser, *session.Session) {
	e.t.Helper()
	var (
		sess *session.Session
		tok  string
	)
	err := e.st.Write(e.ctx, func(w store.Writer) error {
		var err error
		sess, tok, err = e.sessions.Create(e.ctx, w, session.NewSession{
			ProjectID: e.project.ID, OrgID: u.OrganizationID, UserID: u.ID,
			Facts:     login.Facts{Email: u.Email, EmailVerified: true, Proofs: []login.Proof{{Factor: login.FactorEmailCode, At: e.clock.Now()}}},
			UserAgent: "gatehouse-web-test",
		})
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	b := newBrowser(e.t, e.srv.URL)
	scope := b.abs(e.path("/"))
	b.c.Jar.SetCookies(scope, []*http.Cookie{{Name: sessionCookieName(string(e.project.ID)), Value: tok, Path: e.path("/")}})
	return b, sess
}

func navLabelsOf(r *response) []string {
	var out []string
	if nav := r.Doc.byID("nav"); nav != nil {
		for _, a := range nav.tags("a") {
			out = append(out, a.Text())
		}
	}
	return out
}

func TestSelfServeNeedsSignIn(t *testing.T) {
	t.Parallel()
	e := newSSEnv(t)
	b := newBrowser(t, e.srv.URL)
	for _, p := range []string{"/account", "/account/sessions", "/org", "/org/members", "/org/audit"} {
		r := b.raw(b.request("GET", e.path(p), nil, "none"))
		want := e.path("/signin?return_to=" + url.QueryEscape(e.path(p)))
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != want {
			t.Fatalf("GET %s without a session: %d → %q, want 303 → %q", p, r.Status, r.Header.Get("Location"), want)
		}
	}
	// A POST without a session changes nothing and goes to sign in too.
	form := url.Values{"action": {"invite"}, "email": {"x@example.com"}}
	req := b.request("POST", e.path("/org/invites"), form, "same-origin")
	req.Header.Set("Origin", e.srv.URL)
	if r := b.raw(req); r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "/signin?") {
		t.Fatalf("POST without a session: %d %q", r.Status, r.Header.Get("Location"))
	}
	// A browser session of another project is no session here.
	e2 := newSSEnv(t)
	stranger, _ := e2.signIn(e2.user("owner@elsewhere.test"))
	stranger.base = b.base
	r := stranger.raw(stranger.request("GET", e.path("/account"), nil, "none"))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("another project's session opened this project's page: %d", r.Status)
	}
}

// TestSelfServeSignInRoundTrip: an admin following the app's link to the
// members page signs in on the hosted pages and lands on it.
func TestSelfServeSignInRoundTrip(t *testing.T) {
	t.Parallel()
	e := newSSEnv(t)
	e.user("owner@southwest.test")
	b := newBrowser(t, e.srv.URL)
	r := b.get(e.path("/org/members"))
	if pageName(r) != "identify" {
		t.Fatalf("unauthenticated: at %q (%d)", pageName(r), r.Status)
	}
	r = b.submit(r, "submit", map[string]string{"email": "owner@southwest.test"})
	msgs, err := e.outbox.Inbox(e.ctx, e.project.ID, 5)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("no sign-in email: %v", err)
	}
	code := codeRE.FindStringSubmatch(msgs[0].Text)
	if code == nil {
		t.Fatal("no code in the sign-in email")
	}
	r = b.submit(r, "submit", map[string]string{"code": code[1]})
	if r.Status != http.StatusOK || pageName(r) != "org_members" {
		t.Fatalf("after signing in: at %q (%d), want org_members\n%s", pageName(r), r.Status, r.Body)
	}
}

func TestSelfServeMemberSeesOnlyOwnPages(t *testing.T) {
	t.Parallel()
	e := newSSEnv(t)
	e.user("owner@southwest.test")
	member := e.user("crew@southwest.test")
	color := "#0a7d3b"
	if _, err := e.ten.UpdateProject(e.ctx, audit.System("test"), e.project.ID, tenancy.ProjectUpdate{BrandColor: &color}); err != nil {
		t.Fatal(err)
	}
	b, _ := e.signIn(member)

	r := b.get(e.path("/account"))
	if r.Status != http.StatusOK || pageName(r) != "account_profile" {
		t.Fatalf("account page: %d %q", r.Status, pageName(r))
	}
	if got := strings.Join(navLabelsOf(r), ","); got != "Profile,Password,Your sessions,Sign out" {
		t.Fatalf("member's navigation = %q", got)
	}
	if r.Doc.byID("profile-email").Text() != "crew@southwest.test" {
		t.Fatal("profile does not show the member's email")
	}
	// The project's branding, as on its login pages.
	branded := false
	for _, l := range r.Doc.tags("link") {
		branded = branded || strings.HasPrefix(l.Attr["href"], e.path("/brand.css"))
	}
	if !branded {
		t.Fatal("the account page does not use the project's brand stylesheet")
	}
	// Own profile: post, redirect, notice.
	r = b.submit(r, "profile-submit", map[string]string{"display_name": "Casey Crew"})
	if r.Status != http.StatusOK || r.Doc.byID("notice") == nil {
		t.Fatalf("saving the profile: %d\n%s", r.Status, r.Body)
	}
	if u, _ := e.ten.GetUser(e.ctx, e.project.ID, string(member.ID)); u.DisplayName != "Casey Crew" {
		t.Fatalf("display name = %q", u.DisplayName)
	}

	for _, p := range []string{"/org", "/org/members", "/org/invites", "/org/roles", "/org/domains", "/org/policy", "/org/sessions", "/org/audit"} {
		r := b.get(e.path(p))
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "Only the organization") {
			t.Fatalf("member opening %s: %d", p, r.Status)
		}
	}
	// Posting an admin form with a valid token is refused by the domain
	// layer: nothing is created, no email goes out.
	account := b.get(e.path("/account"))
	_, vals := formValues(t, account, "profile-submit")
	form := url.Values{"csrf_token": {vals.Get("csrf_token")}, "action": {"invite"}, "email": {"friend@southwest.test"}, "role": {"member"}}
	req := b.request("POST", e.path("/org/invites"), form, "same-origin")
	req.Header.Set("Origin", e.srv.URL)
	r = b.raw(req)
	if r.Status != http.StatusForbidden {
		t.Fatalf("member posting an invite: %d", r.Status)
	}
	invs, err := e.invites.List(e.ctx, e.project.ID, invite.Filter{OrgID: e.org.ID}, store.Page{Limit: 10})
	if err != nil || len(invs) != 0 {
		t.Fatalf("a refused invite exists: %d %v", len(invs), err)
	}
	if msgs, _ := e.outbox.Inbox(e.ctx, e.project.ID, 10); len(msgs) != 0 {
		t.Fatal("a refused invite sent mail")
	}
}

func TestSelfServeAdminManagesOrganization(t *testing.T) {
	t.Parallel()
	e := newSSEnv(t)
	owner := e.user("owner@southwest.test")
	crew := e.user("crew@southwest.test")
	b, _ := e.signIn(owner)

	r := b.get(e.path("/org"))
	if r.Status != http.StatusOK || r.Doc.byID("org-seats").Text() != "2" {
		t.Fatalf("overview: %d", r.Status)
	}
	if nav := navLabelsOf(r); len(nav) != 12 {
		t.Fatalf("owner's navigation = %v", nav)
	}

	// Invite someone: the email is in the outbox with the invite link.
	r = b.get(e.path("/org/invites"))
	r = b.submit(r, "invite-submit", map[string]string{"email": "new.hire@southwest.test", "role": "admin"})
	if r.Status != http.StatusOK || r.Doc.byID("notice") == nil {
		t.Fatalf("invite: %d\n%s", r.Status, r.Body)
	}
	invs, err := e.invites.List(e.ctx, e.project.ID, invite.Filter{OrgID: e.org.ID}, store.Page{Limit: 10})
	if err != nil || len(invs) != 1 || invs[0].RoleKey != rbac.RoleAdmin {
		t.Fatalf("invites after the form: %v %v", invs, err)
	}
	if r.Doc.byID("invite-"+string(invs[0].ID)) == nil {
		t.Fatal("the invite is not listed")
	}
	msgs, err := e.outbox.Inbox(e.ctx, e.project.ID, 10)
	if err != nil || len(msgs) != 1 || msgs[0].To != "new.hire@southwest.test" || !strings.Contains(msgs[0].Text, "/invite/") {
		t.Fatalf("invitation email: %v %v", msgs, err)
	}
	// An invalid email comes back beside the field, as typed.
	r = b.submit(r, "invite-submit", map[string]string{"email": "not-an-email", "role": "member"})
	if r.Status != http.StatusUnprocessableEntity || r.Doc.byID("invite-email-error") == nil || r.Doc.byID("invite-email").Attr["value"] != "not-an-email" {
		t.Fatalf("invalid invite: %d\n%s", r.Status, r.Body)
	}

	// Change a role.
	r = b.get(e.path("/org/members"))
	if r.Doc.byID("member-"+string(crew.ID)) == nil {
		t.Fatal("no member row for crew")
	}
	r = b.submit(r, "change-role-"+string(crew.ID), map[string]string{"role": "admin"})
	if r.Status != http.StatusOK || r.Doc.byID("notice") == nil {
		t.Fatalf("change role: %d\n%s", r.Status, r.Body)
	}
	rs, err := e.ten.ListUserRoles(e.ctx, e.project.ID, string(crew.ID))
	if err != nil || len(rs) != 1 || rs[0].Key != rbac.RoleAdmin {
		t.Fatalf("crew's roles: %v %v", rbac.Keys(rs), err)
	}

	// Revoke crew's session.
	_, crewSess := e.signIn(crew)
	r = b.get(e.path("/org/sessions"))
	if r.Doc.byID("session-"+string(crewSess.ID)) == nil {
		t.Fatalf("crew's session is not listed:\n%s", r.Body)
	}
	r = b.submit(r, "revoke-"+string(crewSess.ID), nil)
	if r.Status != http.StatusOK || r.Doc.byID("notice") == nil {
		t.Fatalf("revoke: %d", r.Status)
	}
	if s, err := e.sessions.Get(e.ctx, e.project.ID, crewSess.ID); err != nil || s.RevokedAt == nil {
		t.Fatalf("crew's session is still live: %v", err)
	}
	if r.Doc.byID("session-"+string(crewSess.ID)) != nil {
		t.Fatal("the revoked session is still listed")
	}

	// The audit log shows what the owner did, by the owner's email.
	r = b.get(e.path("/org/audit"))
	if audit := r.Doc.byID("audit"); audit == nil || !strings.Contains(audit.Text(), "role.assigned") || !strings.Contains(audit.Text(), "owner@southwest.test") {
		t.Fatalf("audit log:\n%s", r.Body)
	}

	// Every page renders for the owner.
	for _, p := range []string{"/org/roles", "/org/policy", "/account/password", "/account/sessions"} {
		if r := b.get(e.path(p)); r.Status != http.StatusOK {
			t.Fatalf("%s: %d\n%s", p, r.Status, r.Body)
		}
	}
}

func TestSelfServeCSRF(t *testing.T) {
	t.Parallel()
	e := newSSEnv(t)
	owner := e.user("owner@southwest.test")
	crew := e.user("crew@southwest.test")
	b, _ := e.signIn(owner)
	page := b.get(e.path("/org/invites"))
	_, good := formValues(t, page, "invite-submit")

	post := func(vals url.Values, headers map[string]string) *response {
		vals.Set("email", "victim@southwest.test")
		req := b.request("POST", e.path("/org/invites"), vals, "")
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		return b.raw(req)
	}
	nothingSent := func(t *testing.T) {
		t.Helper()
		invs, _ := e.invites.List(e.ctx, e.project.ID, invite.Filter{OrgID: e.org.ID}, store.Page{Limit: 10})
		msgs, _ := e.outbox.Inbox(e.ctx, e.project.ID, 10)
		if len(invs) != 0 || len(msgs) != 0 {
			t.Fatalf("a refused POST invited someone (%d invites, %d emails)", len(invs), len(msgs))
		}
	}
	clone := func(v url.Values) url.Values {
		out := url.Values{}
		for k, vs := range v {
			out[k] = append([]string(nil), vs...)
		}
		return out
	}
	t.Run("missing token", func(t *testing.T) {
		v := clone(good)
		v.Del("csrf_token")
		r := post(v, map[string]string{"Sec-Fetch-Site": "same-origin"})
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "expired") {
			t.Fatalf("status %d", r.Status)
		}
		nothingSent(t)
	})
	t.Run("another session's token", func(t *testing.T) {
		other, _ := e.signIn(crew)
		tok := other.get(e.path("/account"))
		_, ov := formValues(t, tok, "profile-submit")
		v := clone(good)
		v.Set("csrf_token", ov.Get("csrf_token"))
		r := post(v, map[string]string{"Sec-Fetch-Site": "same-origin"})
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "expired") {
			t.Fatalf("status %d", r.Status)
		}
		nothingSent(t)
	})
	t.Run("foreign origin", func(t *testing.T) {
		r := post(clone(good), map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"})
		if r.Status != http.StatusForbidden || !strings.Contains(r.Body, "another site") {
			t.Fatalf("status %d", r.Status)
		}
		nothingSent(t)
	})
	t.Run("baseline", func(t *testing.T) {
		r := post(clone(good), map[string]string{"Sec-Fetch-Site": "same-origin", "Origin": e.srv.URL})
		if r.Status != http.StatusSeeOther {
			t.Fatalf("a valid POST: %d\n%s", r.Status, r.Body)
		}
	})
}
