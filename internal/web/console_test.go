package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/console"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/oidc/oauth"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// location is a raw response's redirect target.
func location(t *testing.T, r *response) string {
	t.Helper()
	if r.Status != http.StatusSeeOther && r.Status != http.StatusFound {
		t.Fatalf("status %d, want a redirect:\n%s", r.Status, r.Body)
	}
	return r.Header.Get("Location")
}

func TestConsoleSendsVisitorsToSignIn(t *testing.T) {
	t.Parallel()
	e := newConsoleEnv(t)
	b := e.browser()
	for _, p := range []string{"/console", "/console/"} {
		if got := location(t, b.raw(b.request("GET", p, nil, "none"))); got != e.base()+"/" {
			t.Errorf("GET %s → %q, want %q", p, got, e.base()+"/")
		}
	}
	for _, p := range []string{"/", "/staff", "/projects/" + string(e.acme.ID) + "/users?email=a%40b.example"} {
		got := location(t, b.raw(b.request("GET", e.base()+p, nil, "none")))
		want := "/p/" + string(e.cp) + "/signin?return_to=" + url.QueryEscape(e.base()+p)
		if got != want {
			t.Errorf("GET %s → %q, want %q", p, got, want)
		}
	}
	// The sign-in it sends to is the console project's own hosted sign-in.
	r := b.get(e.base() + "/")
	if pageName(r) != "identify" {
		t.Fatalf("following the redirect ends at %q (%d), want the identify step", pageName(r), r.Status)
	}
	// The console lives only under the console project.
	if r := b.raw(b.request("GET", "/p/"+string(e.acme.ID)+"/console/", nil, "none")); r.Status != http.StatusNotFound {
		t.Errorf("console under a customer project: %d, want 404", r.Status)
	}
}

// People who are signed in but are not staff never see the console: a user
// of a customer project (whose cookie is for that project only, even when
// planted under the console's cookie name) and a user of the console project
// outside its Staff organization.
func TestConsoleRefusesPeopleWhoAreNotStaff(t *testing.T) {
	t.Parallel()
	e := newConsoleEnv(t)
	_, staffBrowser := e.staff("ops@vendor.example")
	if r := staffBrowser.get(e.base() + "/"); r.Status != http.StatusOK || pageName(r) != "console_projects" {
		t.Fatalf("baseline: staff get %d %q", r.Status, pageName(r))
	}

	customer := e.user(e.acme.ID, e.org(e.acme.ID, "Customer"), "ops@vendor.example")
	cb := e.signedIn(e.acme.ID, customer)
	planted := e.browser()
	planted.c.Jar.SetCookies(planted.abs("/p/"+string(e.cp)+"/"), []*http.Cookie{{
		Name: sessionCookieName(string(e.cp)), Value: e.session(customer), Path: "/p/" + string(e.cp) + "/",
	}})
	outsider := e.user(e.cp, e.org(e.cp, "Contractors"), "contractor@vendor.example")
	ob := e.signedIn(e.cp, outsider)

	pages := []string{"/", "/staff", "/projects/" + string(e.acme.ID), "/projects/" + string(e.acme.ID) + "/users", "/projects/" + string(e.acme.ID) + "/audit"}
	for _, p := range pages {
		for who, b := range map[string]*browser{"customer": cb, "planted customer cookie": planted} {
			r := b.raw(b.request("GET", e.base()+p, nil, "none"))
			if r.Status != http.StatusSeeOther || !strings.Contains(r.Header.Get("Location"), "/signin?") {
				t.Errorf("%s GET %s: %d %q, want a redirect to sign in", who, p, r.Status, r.Header.Get("Location"))
			}
		}
		r := ob.get(e.base() + p)
		if r.Status != http.StatusForbidden || strings.Contains(r.Body, "Acme") {
			t.Errorf("console project outsider GET %s: %d, want 403 showing nothing", p, r.Status)
		}
	}
	// Nor can the outsider act: the form token is right for their session,
	// the answer is still forbidden and nothing is created.
	form := url.Values{"action": {"create"}, "name": {"Outsider's project"}, "csrf_token": {formToken(ob.cookie(e.base(), sessionCookieName(string(e.cp))), consolePurpose(e.cp, sessionOf(t, e, ob)))}}
	req := ob.request("POST", e.base()+"/", form, "same-origin")
	if r := ob.raw(req); r.Status != http.StatusForbidden {
		t.Errorf("outsider POST: %d, want 403", r.Status)
	}
	if ps, _ := e.ten.ListProjects(context.Background(), store.Page{}); len(ps) != 2 {
		t.Errorf("projects after refused POSTs: %d, want 2", len(ps))
	}
}

// sessionOf is the ID of the console session b holds.
func sessionOf(t *testing.T, e *consoleEnv, b *browser) id.Session {
	t.Helper()
	g, err := e.sessions.Authenticate(context.Background(), e.cp, b.cookie(e.base(), sessionCookieName(string(e.cp))))
	if err != nil {
		t.Fatal(err)
	}
	return g.Session.ID
}

func TestConsoleStaffCreatesAndConfiguresAProject(t *testing.T) {
	t.Parallel()
	e := newConsoleEnv(t)
	ctx := context.Background()
	staff, b := e.staff("ops@vendor.example")

	home := b.get(e.base() + "/")
	if home.Doc.byID("project-"+string(e.acme.ID)) == nil || home.Doc.byID("project-"+string(e.cp)) != nil {
		t.Fatalf("projects list should show Acme and hide the console's own project:\n%s", home.Body)
	}
	all := b.get(e.base() + "/?all=1")
	if all.Doc.byID("project-"+string(e.cp)) == nil || all.Doc.byID("console-tag") == nil {
		t.Fatal("?all=1 should list the console's project, labelled")
	}

	// An empty name is refused beside the field.
	r := b.submit(home, "create-project", map[string]string{"name": "  "})
	if r.Status != http.StatusUnprocessableEntity || r.Doc.byID("project-name-error") == nil {
		t.Fatalf("empty name: %d\n%s", r.Status, r.Body)
	}
	created := b.submit(home, "create-project", map[string]string{"name": "Globex"})
	if pageName(created) != "console_secret" {
		t.Fatalf("create project: %d %q", created.Status, pageName(created))
	}
	secret := created.Doc.byID("secret").Text()
	if !strings.HasPrefix(secret, "gh_sk_") {
		t.Fatalf("secret shown: %q", secret)
	}
	key, err := e.ten.AuthenticateSecretKey(ctx, secret)
	if err != nil {
		t.Fatalf("the secret shown does not authenticate: %v", err)
	}
	globex := key.ProjectID
	// Shown once: the pages that follow never contain it.
	for _, p := range []string{"/", "/projects/" + string(globex), "/projects/" + string(globex) + "/keys"} {
		if r := b.get(e.base() + p); strings.Contains(r.Body, secret) || r.Status != http.StatusOK {
			t.Errorf("%s: status %d, or shows the secret again", p, r.Status)
		}
	}

	// Settings: a bad colour is refused beside its field and nothing changes;
	// then a valid save lands with a notice.
	settings := b.get(created.Doc.byID("continue").Attr["href"])
	if pageName(settings) != "console_settings" {
		t.Fatalf("continue leads to %q", pageName(settings))
	}
	bad := b.submit(settings, "settings-submit", map[string]string{"brand_color": "red", "name": "Globex renamed"})
	if bad.Status != http.StatusUnprocessableEntity || bad.Doc.byID("brand-color-error") == nil {
		t.Fatalf("bad colour: %d\n%s", bad.Status, bad.Body)
	}
	if v := bad.Doc.byID("name").Attr["value"]; v != "Globex renamed" {
		t.Errorf("the refused form lost what was typed: name %q", v)
	}
	// Redirect URIs are each OAuth client's: the settings page has no box
	// for the project's own list, only a way to the clients.
	if settings.Doc.byID("redirect-uris") != nil || !strings.Contains(settings.Body, `href="`+e.base()+"/projects/"+string(globex)+`/clients"`) {
		t.Fatalf("settings page: a project redirect URI box, or no link to the OAuth clients\n%s", settings.Body)
	}
	before, err := e.ten.GetProject(ctx, globex)
	if err != nil {
		t.Fatal(err)
	}
	saved := b.submit(settings, "settings-submit", map[string]string{
		"name": "Globex (production)", "brand_color": "#1A73E8", "app_url": "https://app.globex.example/",
		"self_serve_create_organizations": "", "enabled_login_methods": "email", "auto_create_organizations": "", "allow_custom_roles": "",
		"session_idle_timeout_minutes": "60",
	})
	if saved.Doc.byID("notice") == nil {
		t.Fatalf("save: %d, no notice\n%s", saved.Status, saved.Body)
	}
	p, err := e.ten.GetProject(ctx, globex)
	if err != nil || p.Name != "Globex (production)" || p.BrandColor != "#1a73e8" || p.AppURL != "https://app.globex.example/" ||
		!slices.Equal(p.RedirectURIs, before.RedirectURIs) || p.SelfServeCreateOrganizations || len(p.EnabledLoginMethods) != 1 || p.SessionIdleTimeout.Minutes() != 60 {
		t.Fatalf("stored project: %+v, %v", p, err)
	}

	// OAuth client: the secret is shown once, and works.
	clients := b.get(e.base() + "/projects/" + string(globex) + "/clients")
	cr := b.submit(clients, "create-client", map[string]string{"name": "Web", "redirect_uris": "https://app.globex.example/callback"})
	if pageName(cr) != "console_secret" {
		t.Fatalf("create client: %d %q\n%s", cr.Status, pageName(cr), cr.Body)
	}
	clientID, clientSecret := cr.Doc.byID("secret-id").Text(), cr.Doc.byID("secret").Text()
	if clientSecret == "" {
		t.Fatal("no client secret shown")
	}
	list := b.get(e.base() + "/projects/" + string(globex) + "/clients")
	if list.Doc.byID("client-"+clientID) == nil || strings.Contains(list.Body, clientSecret) {
		t.Fatal("client list: missing the client, or showing its secret")
	}
	cid, _ := id.Parse[id.Client](clientID)
	if !clientSecretMatches(t, e, globex, cid, clientSecret) {
		t.Fatal("the client secret shown is not the client's")
	}

	// Every change is in Globex's audit log, by the staff member.
	events, err := e.ten.ListAuditEvents(ctx, globex, tenancy.AuditFilter{}, store.Page{})
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range events {
		if ev.Actor != (audit.Actor{Type: audit.ActorStaff, ID: string(staff.ID)}) {
			t.Errorf("%s by %+v", ev.Type, ev.Actor)
		}
	}
	auditPage := b.get(e.base() + "/projects/" + string(globex) + "/audit?type=project.updated")
	if rows := auditPage.Doc.byID("events").tags("tr"); len(rows) != 2 || !strings.Contains(auditPage.Body, string(staff.ID)) {
		t.Errorf("audit page filtered to project.updated: %d rows", len(rows))
	}
}

// clientSecretMatches checks a client secret against what is stored, as
// the token endpoint does.
func clientSecretMatches(t *testing.T, e *consoleEnv, projectID id.Project, clientID id.Client, secret string) bool {
	t.Helper()
	c, err := e.st.GetOAuthClient(context.Background(), projectID, clientID)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(c.SecretHash, oauth.Hash(secret))
}

// Form posts are refused when a browser says they came from another site,
// and when the form token is missing or belongs to another session; the
// same post with the page's own token is accepted.
func TestConsoleFormsRefuseCrossSiteAndForeignTokens(t *testing.T) {
	t.Parallel()
	e := newConsoleEnv(t)
	_, b := e.staff("ops@vendor.example")
	_, other := e.staff("second@vendor.example")
	home := b.get(e.base() + "/")
	_, vals := formValues(t, home, "create-project")
	otherHome := other.get(e.base() + "/")
	_, otherVals := formValues(t, otherHome, "create-project")

	post := func(vals url.Values, site string, mutate func(url.Values)) *response {
		v := url.Values{}
		for k, vs := range vals {
			v[k] = append([]string(nil), vs...)
		}
		v.Set("name", "Forged")
		mutate(v)
		req := b.request("POST", e.base()+"/", v, site)
		if site == "cross-site" {
			req.Header.Set("Origin", "https://evil.example")
		}
		return b.raw(req)
	}
	for name, r := range map[string]*response{
		"cross-site":            post(vals, "cross-site", func(url.Values) {}),
		"no token":              post(vals, "same-origin", func(v url.Values) { v.Del("csrf_token") }),
		"another staff's token": post(vals, "same-origin", func(v url.Values) { v.Set("csrf_token", otherVals.Get("csrf_token")) }),
	} {
		if r.Status != http.StatusForbidden {
			t.Errorf("%s: %d, want 403", name, r.Status)
		}
	}
	if ps, _ := e.ten.ListProjects(context.Background(), store.Page{}); len(ps) != 2 {
		t.Fatalf("a refused post created a project: %d projects", len(ps))
	}
	if r := post(vals, "same-origin", func(url.Values) {}); r.Status != http.StatusOK || !strings.Contains(r.Body, "gh_sk_") {
		t.Fatalf("baseline post: %d", r.Status)
	}
}

func TestConsoleImpersonation(t *testing.T) {
	t.Parallel()
	e := newConsoleEnv(t)
	ctx := context.Background()
	staff, b := e.staff("ops@vendor.example")
	target := e.user(e.acme.ID, e.org(e.acme.ID, "Customer"), "ada@customer.example")
	userPage := b.get(e.base() + "/projects/" + string(e.acme.ID) + "/users/" + string(target.ID))
	if userPage.Doc.byID("form-impersonate") == nil {
		t.Fatalf("no impersonation form:\n%s", userPage.Body)
	}
	// No reason, no impersonation, no cookie.
	r := b.submit(userPage, "impersonate-submit", map[string]string{"reason": "   "})
	if r.Status != http.StatusUnprocessableEntity || r.Doc.byID("reason-error") == nil {
		t.Fatalf("without a reason: %d\n%s", r.Status, r.Body)
	}
	if b.cookie("/p/"+string(e.acme.ID)+"/", sessionCookieName(string(e.acme.ID))) != "" {
		t.Fatal("a refused impersonation set a session cookie")
	}

	// With a reason: the customer project's session cookie is set for its
	// pages only, and the browser goes to the account page (no app URL yet).
	form, vals := formValues(t, userPage, "impersonate-submit")
	vals.Set("reason", "Ticket 4821")
	req := b.request("POST", form.Attr["action"], vals, "same-origin")
	req.Header.Set("Origin", e.srv.URL)
	raw := b.raw(req)
	if got := location(t, raw); got != "/p/"+string(e.acme.ID)+"/account" {
		t.Fatalf("impersonation went to %q", got)
	}
	var cookie *http.Cookie
	for _, c := range raw.Cookies {
		if c.Name == sessionCookieName(string(e.acme.ID)) {
			cookie = c
		}
	}
	if cookie == nil || cookie.Path != "/p/"+string(e.acme.ID)+"/" || !cookie.HttpOnly {
		t.Fatalf("impersonation cookie: %+v", cookie)
	}
	g, err := e.sessions.Authenticate(ctx, e.acme.ID, cookie.Value)
	if err != nil || g.User.ID != target.ID || g.Session.Impersonator == nil || g.Session.Impersonator.StaffUserID != string(staff.ID) ||
		g.Session.Impersonator.Reason != "Ticket 4821" {
		t.Fatalf("the cookie's session: %+v, %v", g, err)
	}

	// With an app URL, the browser goes there.
	app := "https://app.acme.example/"
	if _, err := e.ten.UpdateProject(ctx, audit.System("test"), e.acme.ID, tenancy.ProjectUpdate{AppURL: &app}); err != nil {
		t.Fatal(err)
	}
	userPage = b.get(e.base() + "/projects/" + string(e.acme.ID) + "/users/" + string(target.ID))
	if csp := userPage.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://app.acme.example") {
		t.Errorf("the page's CSP must let its form end at the app: %s", csp)
	}
	form, vals = formValues(t, userPage, "impersonate-submit")
	vals.Set("reason", "Ticket 4822")
	req = b.request("POST", form.Attr["action"], vals, "same-origin")
	req.Header.Set("Origin", e.srv.URL)
	if got := location(t, b.raw(req)); got != app {
		t.Fatalf("impersonation went to %q, want the app", got)
	}

	// Signing the impersonated session out from the console ends the
	// impersonation: its cookie stops working, and the log says who ended it.
	userPage = b.get(e.base() + "/projects/" + string(e.acme.ID) + "/users/" + string(target.ID))
	r = b.submit(userPage, "revoke-"+string(g.Session.ID), nil)
	if r.Doc.byID("notice") == nil {
		t.Fatalf("signing the impersonated session out: %d\n%s", r.Status, r.Body)
	}
	if _, err := e.sessions.Authenticate(ctx, e.acme.ID, cookie.Value); err == nil {
		t.Fatal("the impersonated session still works")
	}
	ended, _ := e.ten.ListAuditEvents(ctx, e.acme.ID, tenancy.AuditFilter{Type: "impersonation.ended"}, store.Page{})
	if len(ended) != 1 || ended[0].Actor != (audit.Actor{Type: audit.ActorStaff, ID: string(staff.ID)}) {
		t.Fatalf("impersonation.ended events: %+v", ended)
	}
}

// The setup link creates the first staff member once and hands them to the
// console project's sign-in with their email filled in.
func TestConsoleSetupLink(t *testing.T) {
	t.Parallel()
	e := newConsoleEnv(t)
	link, err := e.con.NewSetupLink(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	if r := b.get("/console/setup/" + console.SetupTokenPrefix + "NOTATOKEN"); r.Status != http.StatusNotFound {
		t.Fatalf("made-up setup link: %d", r.Status)
	}
	page := b.get(link)
	if page.Doc.byID("form-setup") == nil {
		t.Fatalf("setup page: %d\n%s", page.Status, page.Body)
	}
	bad := b.submit(page, "setup-submit", map[string]string{"email": "not an email"})
	if bad.Status != http.StatusUnprocessableEntity || bad.Doc.byID("setup-error") == nil {
		t.Fatalf("bad email: %d", bad.Status)
	}
	form, vals := formValues(t, page, "setup-submit")
	vals.Set("email", "first@vendor.example")
	req := b.request("POST", form.Attr["action"], vals, "same-origin")
	req.Header.Set("Origin", e.srv.URL)
	got := location(t, b.raw(req))
	want := "/p/" + string(e.cp) + "/signin?return_to=" + url.QueryEscape(e.base()+"/") + "&login_hint=" + url.QueryEscape("first@vendor.example")
	if got != want {
		t.Fatalf("after setup: %q, want %q", got, want)
	}
	if has, _ := e.con.HasStaff(context.Background()); !has {
		t.Fatal("no staff after setup")
	}
	if r := b.get(link); r.Status != http.StatusNotFound && r.Status != http.StatusGone {
		t.Fatalf("used setup link: %d", r.Status)
	}
}

// The whole way in, as a new server's operator takes it: the setup link,
// the console project's own hosted sign-in with the email filled in and a
// code from the console project's mail, and the console.
func TestConsoleFirstStaffSignsInThroughTheHostedPages(t *testing.T) {
	t.Parallel()
	e := newConsoleEnv(t)
	link, err := e.con.NewSetupLink(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	r := b.submit(b.get(link), "setup-submit", map[string]string{"email": "first@vendor.example"})
	if pageName(r) != "identify" || r.Doc.byID("email") == nil || r.Doc.byID("email").Attr["value"] != "first@vendor.example" {
		t.Fatalf("after setup: %d %q, want identify with the email filled in\n%s", r.Status, pageName(r), r.Body)
	}
	r = b.submit(r, "submit", nil)
	if pageName(r) != "verify_email" {
		t.Fatalf("at %q (%d), want verify_email", pageName(r), r.Status)
	}
	r = b.submit(r, "submit", map[string]string{"code": e.latestCode("first@vendor.example")})
	if pageName(r) != "console_projects" || r.Doc.byID("signed-in") == nil || !strings.Contains(r.Doc.byID("signed-in").Text(), "first@vendor.example") {
		t.Fatalf("signed in, at %q (%d), want the console\n%s", pageName(r), r.Status, r.Body)
	}
}

// Owners and admins of the staff invite more staff through the invitation
// service; a staff member with the member role sees no form and is refused.
func TestConsoleStaffInvitesStaff(t *testing.T) {
	t.Parallel()
	e := newConsoleEnv(t)
	_, b := e.staff("ops@vendor.example")
	page := b.get(e.base() + "/staff")
	r := b.submit(page, "invite-staff", map[string]string{"email": "new@vendor.example", "role": "member"})
	if r.Doc.byID("notice") == nil {
		t.Fatalf("invite: %d\n%s", r.Status, r.Body)
	}
	msgs, err := e.outbox.Inbox(context.Background(), e.cp, 10)
	if err != nil || len(msgs) == 0 || msgs[0].To != "new@vendor.example" || !strings.Contains(msgs[0].Text, "/p/"+string(e.cp)+"/invite/") {
		t.Fatalf("no invitation email to the console project: %v", err)
	}

	member := e.user(e.cp, e.staffOrg, "member@vendor.example")
	mb := e.signedIn(e.cp, member)
	mpage := mb.get(e.base() + "/staff")
	if mpage.Status != http.StatusOK || mpage.Doc.byID("invite-staff") != nil {
		t.Fatalf("member staff: %d, or shown the invite form", mpage.Status)
	}
	_, vals := formValues(t, page, "invite-staff")
	vals.Set("csrf_token", formToken(mb.cookie(e.base(), sessionCookieName(string(e.cp))), consolePurpose(e.cp, sessionOf(t, e, mb))))
	vals.Set("email", "sneaky@vendor.example")
	req := mb.request("POST", e.base()+"/staff", vals, "same-origin")
	if r := mb.navigate(req); r.Status != http.StatusForbidden {
		t.Fatalf("member inviting staff: %d, want 403", r.Status)
	}
}

// An organization from creation to kill switch: created from the list,
// invited into, a domain added and verified against a real DNS server,
// usage shown, and logins turned off, each audited as the staff member.
func TestConsoleOrganizationPage(t *testing.T) {
	t.Parallel()
	e := newConsoleEnv(t)
	ctx := context.Background()
	staff, b := e.staff("ops@vendor.example")
	orgs := b.get(e.base() + "/projects/" + string(e.acme.ID) + "/orgs")
	r := b.submit(orgs, "create-org", map[string]string{"name": "Southwest"})
	if pageName(r) != "console_org" || r.Doc.byID("notice") == nil {
		t.Fatalf("create organization: %d %q\n%s", r.Status, pageName(r), r.Body)
	}
	os, _ := e.ten.ListOrganizations(ctx, e.acme.ID, store.Page{})
	if len(os) != 1 {
		t.Fatalf("organizations: %d", len(os))
	}
	o := os[0]
	if r.Doc.byID("usage-seats") == nil && r.Doc.byID("usage-unavailable") == nil {
		t.Error("the organization page says nothing about usage")
	}
	// With a member, the page lists them and still renders in full.
	member, _, err := e.ten.CreateUser(ctx, audit.Actor{Type: audit.ActorStaff, ID: string(staff.ID)}, e.acme.ID, tenancy.UserInput{OrganizationID: string(o.ID), Email: "grace@southwest.example"})
	if err != nil {
		t.Fatal(err)
	}
	r = b.get(e.base() + "/projects/" + string(e.acme.ID) + "/orgs/" + string(o.ID))
	if r.Status != http.StatusOK || r.Doc.byID("member-"+string(member.ID)) == nil || r.Doc.byID("all-members") == nil {
		t.Fatalf("organization page with a member: %d\n%s", r.Status, r.Body)
	}

	r = b.submit(r, "invite-submit", map[string]string{"email": "ada@southwest.example"})
	if r.Doc.byID("notice") == nil || !strings.Contains(r.Doc.byID("org-invites").Text(), "ada@southwest.example") {
		t.Fatalf("invite: %d\n%s", r.Status, r.Body)
	}

	r = b.submit(r, "domain-submit", map[string]string{"domain": "southwest.example"})
	if r.Doc.byID("notice") == nil || r.Doc.byID("org-domains") == nil {
		t.Fatalf("add domain: %d\n%s", r.Status, r.Body)
	}
	ds, err := e.con.ListDomains(ctx, mustStaff(t, e, staff.ID), e.acme.ID, string(o.ID))
	if err != nil || len(ds) != 1 {
		t.Fatalf("domains: %v, %v", ds, err)
	}
	e.dns.SetTXT(ds[0].RecordName(), ds[0].RecordValue())
	r = b.submit(r, "verify-"+string(ds[0].ID), nil)
	if !strings.Contains(r.Doc.byID("domain-"+string(ds[0].ID)).Text(), "verified") {
		t.Fatalf("verify domain:\n%s", r.Body)
	}

	// Only the methods the project enables are offered.
	for _, m := range []string{"email", "password"} {
		if r.Doc.byID("method-"+m) == nil {
			t.Errorf("the policy form does not offer %s", m)
		}
	}
	for _, m := range []string{"google", "saml", "passkey"} {
		if r.Doc.byID("method-"+m) != nil {
			t.Errorf("the policy form offers %s, which the project does not enable", m)
		}
	}
	if r.Doc.byID("methods-hint") == nil {
		t.Error("the policy form does not say the project's settings decide the methods")
	}

	// The test browser sends every checkbox; say which are ticked.
	r = b.submit(r, "policy-submit", map[string]string{"logins_disabled": "on", "allowed_login_methods": "email",
		"require_mfa": "", "require_sso": "", "join_by_domain": ""})
	if r.Doc.byID("logins-disabled") == nil {
		t.Fatalf("kill switch: %d\n%s", r.Status, r.Body)
	}
	got, _ := e.ten.GetOrganization(ctx, e.acme.ID, string(o.ID))
	if !got.Policy.LoginsDisabled {
		t.Fatal("logins are still on")
	}
	// Password, shown and unticked, is gone; the methods the form did not
	// show stay stored as they were.
	if slices.Contains(got.Policy.AllowedLoginMethods, project.MethodPassword) || !slices.Contains(got.Policy.AllowedLoginMethods, project.MethodEmail) ||
		!slices.Contains(got.Policy.AllowedLoginMethods, project.MethodGoogle) || !slices.Contains(got.Policy.AllowedLoginMethods, project.MethodPasskey) {
		t.Errorf("allowed methods after the save: %v", got.Policy.AllowedLoginMethods)
	}
	events, _ := e.ten.ListAuditEvents(ctx, e.acme.ID, tenancy.AuditFilter{OrganizationID: string(o.ID)}, store.Page{})
	want := audit.Actor{Type: audit.ActorStaff, ID: string(staff.ID)}
	types := map[string]bool{}
	for _, ev := range events {
		types[ev.Type] = true
		if ev.Actor != want {
			t.Errorf("%s by %+v, want the staff member", ev.Type, ev.Actor)
		}
	}
	if !types["organization.created"] || !types["organization.updated"] {
		t.Errorf("organization events: %v", types)
	}
}

// mustStaff authorises a staff member's fresh session, for reading through
// the console service in assertions.
func mustStaff(t *testing.T, e *consoleEnv, uid id.User) *console.Staff {
	t.Helper()
	u, err := e.ten.GetUser(context.Background(), e.cp, string(uid))
	if err != nil {
		t.Fatal(err)
	}
	g, err := e.sessions.Authenticate(context.Background(), e.cp, e.session(u))
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.con.Authorize(context.Background(), g)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestSpanWords(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		30 * 24 * time.Hour:           "30 days",
		36 * time.Hour:                "1 day 12 hours",
		time.Hour + 30*time.Minute:    "1 hour 30 minutes",
		time.Minute:                   "1 minute",
		24*time.Hour + 90*time.Second: "1 day 1 minute",
	} {
		if got := spanWords(d); got != want {
			t.Errorf("spanWords(%v) = %q, want %q", d, got, want)
		}
	}
}

// Long lists come in pages, and the next page keeps the search.
func TestConsoleUsersArePaged(t *testing.T) {
	t.Parallel()
	e := newConsoleEnv(t)
	_, b := e.staff("ops@vendor.example")
	oid := e.org(e.acme.ID, "Big Co")
	for i := range listPageSize + 1 {
		e.user(e.acme.ID, oid, fmt.Sprintf("person%03d@big.example", i))
	}
	first := b.get(e.base() + "/projects/" + string(e.acme.ID) + "/users?org=" + string(oid))
	if rows := first.Doc.byID("users").tags("tr"); len(rows) != listPageSize+1 {
		t.Fatalf("first page: %d rows, want %d and a header", len(rows), listPageSize)
	}
	next := first.Doc.byID("next-page")
	if next == nil || !strings.Contains(next.Attr["href"], "org="+string(oid)) {
		t.Fatalf("next page link: %+v", next)
	}
	second := b.get(next.Attr["href"])
	if rows := second.Doc.byID("users").tags("tr"); len(rows) != 2 || second.Doc.byID("next-page") != nil {
		t.Fatalf("second page: %d rows", len(rows))
	}
	if !strings.Contains(second.Body, "person100@big.example") {
		t.Fatal("the last user is not on the second page")
	}
}

// Roles and permissions from the console: a permission, a role holding it,
// an edit, a custom role of one organization once the project allows them,
// and deletes.
func TestConsoleRolesAndPermissions(t *testing.T) {
	t.Parallel()
	e := newConsoleEnv(t)
	ctx := context.Background()
	_, b := e.staff("ops@vendor.example")
	rolesURL := e.base() + "/projects/" + string(e.acme.ID) + "/roles"
	r := b.submit(b.get(rolesURL), "create-permission", map[string]string{"key": "invoices.read", "description": "Read invoices"})
	if r.Doc.byID("permission-invoices.read") == nil {
		t.Fatalf("permission not listed:\n%s", r.Body)
	}
	r = b.submit(r, "create-role", map[string]string{"key": "billing", "name": "Billing", "permissions": "invoices.read", "organization_id": ""})
	role, err := e.ten.ListRoles(ctx, e.acme.ID, "", store.Page{})
	if err != nil || r.Doc.byID("notice") == nil {
		t.Fatalf("create role: %d %v\n%s", r.Status, err, r.Body)
	}
	var billing string
	for _, x := range role {
		if x.Key == "billing" && len(x.Permissions) == 1 {
			billing = string(x.ID)
		}
	}
	if billing == "" {
		t.Fatal("the role was not stored with its permission")
	}
	r = b.submit(r, "save-role-"+billing, map[string]string{"name": "Billing team", "permissions": ""})
	got, _ := e.ten.GetRole(ctx, e.acme.ID, billing)
	if got.Name != "Billing team" || len(got.Permissions) != 0 {
		t.Fatalf("edited role: %+v", got)
	}

	oid := e.org(e.acme.ID, "Southwest")
	refused := b.submit(r, "create-role", map[string]string{"key": "pilot", "name": "Pilot", "permissions": "", "organization_id": string(oid)})
	if refused.Status < 400 {
		t.Fatalf("custom role while the project does not allow them: %d", refused.Status)
	}
	on := true
	if _, err := e.ten.UpdateProject(ctx, audit.System("test"), e.acme.ID, tenancy.ProjectUpdate{AllowCustomRoles: &on}); err != nil {
		t.Fatal(err)
	}
	r = b.submit(b.get(rolesURL+"?org="+string(oid)), "create-role", map[string]string{"key": "pilot", "name": "Pilot", "permissions": ""})
	if r.Doc.byID("notice") == nil || !strings.Contains(r.Body, "Custom, "+string(oid)) || r.URL.Query().Get("org") != string(oid) {
		t.Fatalf("custom role: %d\n%s", r.Status, r.Body)
	}
	if plain := b.get(rolesURL); strings.Contains(plain.Body, "Custom, ") {
		t.Fatal("custom roles are listed without asking for the organization")
	}

	r = b.submit(b.get(rolesURL), "delete-role-"+billing, nil)
	if _, err := e.ten.GetRole(ctx, e.acme.ID, billing); err == nil {
		t.Fatal("role not deleted")
	}
	perms, _ := e.ten.ListPermissions(ctx, e.acme.ID, store.Page{})
	r = b.submit(r, "delete-permission-invoices.read", nil)
	if after, _ := e.ten.ListPermissions(ctx, e.acme.ID, store.Page{}); len(perms) != 1 || len(after) != 0 {
		t.Fatalf("permissions before/after delete: %d/%d", len(perms), len(after))
	}
}

// Keys, clients and a user's account from the console, each checked where
// it takes effect: a revoked key stops authenticating, a rotated client
// secret replaces the old one, a deactivated user's sessions end.
func TestConsoleKeysClientsAndUsers(t *testing.T) {
	t.Parallel()
	e := newConsoleEnv(t)
	ctx := context.Background()
	_, b := e.staff("ops@vendor.example")
	pb := e.base() + "/projects/" + string(e.acme.ID)

	created := b.submit(b.get(pb+"/keys"), "create-key", map[string]string{"name": "Billing service"})
	secret := created.Doc.byID("secret").Text()
	key, err := e.ten.AuthenticateSecretKey(ctx, secret)
	if err != nil {
		t.Fatalf("new key: %v", err)
	}
	r := b.submit(b.get(pb+"/keys"), "revoke-"+string(key.ID), nil)
	if !strings.Contains(r.Doc.byID("key-status-"+string(key.ID)).Text(), "Revoked") {
		t.Fatalf("key list after revoke:\n%s", r.Body)
	}
	if _, err := e.ten.AuthenticateSecretKey(ctx, secret); err == nil {
		t.Fatal("a revoked key still authenticates")
	}

	cr := b.submit(b.get(pb+"/clients"), "create-client", map[string]string{"name": "Web", "redirect_uris": "https://app.acme.example/cb"})
	cid, first := cr.Doc.byID("secret-id").Text(), cr.Doc.byID("secret").Text()
	rot := b.submit(b.get(pb+"/clients"), "rotate-"+cid, nil)
	second := rot.Doc.byID("secret").Text()
	clientID, _ := id.Parse[id.Client](cid)
	if second == "" || second == first || !clientSecretMatches(t, e, e.acme.ID, clientID, second) || clientSecretMatches(t, e, e.acme.ID, clientID, first) {
		t.Fatal("rotation did not replace the secret")
	}
	r = b.submit(b.get(pb+"/clients"), "delete-"+cid, nil)
	if r.Doc.byID("client-"+cid) != nil {
		t.Fatal("deleted client still listed")
	}

	oid := e.org(e.acme.ID, "Customer")
	e.user(e.acme.ID, oid, "owner@customer.example")
	u := e.user(e.acme.ID, oid, "ada@customer.example")
	tok := e.session(u)
	userURL := pb + "/users/" + string(u.ID)
	r = b.submit(b.get(userURL), "assign-submit", map[string]string{"role": "admin"})
	if r.Doc.byID("role-admin") == nil {
		t.Fatalf("role not given:\n%s", r.Body)
	}
	r = b.submit(r, "unassign-admin", nil)
	if r.Doc.byID("role-admin") != nil {
		t.Fatal("role not taken away")
	}
	if r.Doc.byID("user-sessions") == nil {
		t.Fatal("the user's live session is not listed")
	}
	r = b.submit(r, "deactivate", nil)
	if r.Doc.byID("user-status").Text() != "deactivated" || r.Doc.byID("reactivate") == nil {
		t.Fatalf("deactivate:\n%s", r.Body)
	}
	if _, err := e.sessions.Authenticate(ctx, e.acme.ID, tok); err == nil {
		t.Fatal("a deactivated user's session still works")
	}
	if r = b.submit(r, "reactivate", nil); r.Doc.byID("user-status").Text() != "active" {
		t.Fatal("reactivate failed")
	}
	// The list search finds the user by email, in any case.
	list := b.get(pb + "/users?email=ADA%40customer.example")
	if list.Doc.byID("user-"+string(u.ID)) == nil || len(list.Doc.byID("users").tags("tr")) != 2 {
		t.Fatalf("search by email:\n%s", list.Body)
	}
}

// Saving a project's settings leaves its stored redirect URIs alone: the
// page no longer shows them (each OAuth client has its own), and even a
// form that still sends the old field changes nothing.
func TestConsoleSettingsKeepProjectRedirectURIs(t *testing.T) {
	t.Parallel()
	e := newConsoleEnv(t)
	ctx := context.Background()
	uris := []string{"https://app.acme.example/callback"}
	if _, err := e.ten.UpdateProject(ctx, audit.System("test"), e.acme.ID, tenancy.ProjectUpdate{RedirectURIs: &uris}); err != nil {
		t.Fatal(err)
	}
	_, b := e.staff("ops@vendor.example")
	settings := b.get(e.base() + "/projects/" + string(e.acme.ID))
	if settings.Doc.byID("redirect-uris") != nil || settings.Doc.byID("redirect-uris-note") == nil {
		t.Fatalf("settings page: %s", settings.Body)
	}
	saved := b.submit(settings, "settings-submit", map[string]string{"name": "Acme renamed", "redirect_uris": ""})
	if saved.Doc.byID("notice") == nil {
		t.Fatalf("save: %d\n%s", saved.Status, saved.Body)
	}
	p, err := e.ten.GetProject(ctx, e.acme.ID)
	if err != nil || p.Name != "Acme renamed" || !slices.Equal(p.RedirectURIs, uris) {
		t.Fatalf("stored project: %+v, %v", p, err)
	}
}
