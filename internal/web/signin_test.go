package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/password"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

func (e *env) signinURL(q url.Values) string { return e.path("/signin?" + q.Encode()) }

// sentTo is where the last navigation left the server for, or was sent to
// outside the login pages: the Location of its last redirect that does not
// lead to /login.
func (e *env) sentTo(b *browser) string {
	e.t.Helper()
	for i := len(b.chain) - 1; i >= 0; i-- {
		r := b.chain[i]
		if loc := r.Header.Get("Location"); r.Status == http.StatusSeeOther && loc != e.path("/login") {
			return loc
		}
	}
	return ""
}

// proveCode answers identify (prefilled or with email) and verify_email.
func (e *env) proveCode(b *browser, r *response, email string) *response {
	e.t.Helper()
	if pageName(r) != "identify" {
		e.t.Fatalf("at %q (%d), want identify:\n%s", pageName(r), r.Status, r.Body)
	}
	extra := map[string]string{}
	if email != "" {
		extra["email"] = email
	}
	r = b.submit(r, "submit", extra)
	if pageName(r) != "verify_email" {
		e.t.Fatalf("at %q (%d), want verify_email:\n%s", pageName(r), r.Status, r.Body)
	}
	addr := email
	if addr == "" {
		addr = r.Doc.byID("sent-to").Text()
	}
	return b.submit(r, "submit", map[string]string{"code": e.latestCode(addr)})
}

func TestSignInWithoutAnApp(t *testing.T) {
	t.Parallel()
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *envConfig) { c.open = eng.Open })
			o := e.account("Acme", "pat@example.com")
			b := e.browser()
			back := e.path("/account/sessions?page=2")
			r := b.get(e.signinURL(url.Values{"return_to": {back}, "login_hint": {"pat@example.com"}}))
			if v := r.Doc.byID("email"); v == nil || v.Attr["value"] != "pat@example.com" {
				t.Fatalf("login_hint did not prefill the email:\n%s", r.Body)
			}
			e.proveCode(b, r, "")
			if got := e.sentTo(b); got != back {
				t.Fatalf("done sent the browser to %q, want %q", got, back)
			}
			if b.cookie(e.path("/"), sessionCookieName(string(e.project.ID))) == "" {
				t.Fatal("no browser session after signing in")
			}

			// Signed in: straight back, also for the session's organization.
			for _, q := range []url.Values{{"return_to": {back}}, {"return_to": {back}, "organization_id": {string(o.ID)}}} {
				r = b.get(e.signinURL(q))
				if b.chain[0].Status != http.StatusSeeOther || b.chain[0].Header.Get("Location") != back {
					t.Fatalf("signed in, %v: %d %q", q, b.chain[0].Status, b.chain[0].Header.Get("Location"))
				}
			}
			// prompt=login asks again.
			r = b.get(e.signinURL(url.Values{"return_to": {back}, "prompt": {"login"}}))
			if pageName(r) != "identify" {
				t.Fatalf("prompt=login: %d %q", r.Status, pageName(r))
			}
			// No return_to: the account page.
			r = e.browser().get(e.signinURL(nil))
			b2 := e.browser()
			e.proveCode(b2, b2.get(e.signinURL(nil)), "pat@example.com")
			if got := e.sentTo(b2); got != e.path("/account") {
				t.Fatalf("without return_to: sent to %q", got)
			}
		})
	}
}

func TestSignInReturnToStaysOnTheProject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.account("Acme", "pat@example.com")
	b := e.browser()
	e.proveCode(b, b.get(e.signinURL(nil)), "pat@example.com")
	account := e.path("/account")
	other := id.New[id.Project](e.clock.Now())
	for _, bad := range []string{
		"//evil.example/x",
		"https://evil.example/",
		"/p/" + string(other) + "/account",
		"/\\evil.example",
		e.path("/") + "\\evil.example",
		e.path("//evil.example"),
		e.path("/../" + string(other) + "/account"),
		e.path("/%2e%2e/" + string(other) + "/account"),
		e.path("/%2E%2e/%2e%2E/evil"),
		e.path("/a%2f%2fevil.example"),
		"javascript:alert(1)//" + e.path("/"),
		e.path("/x\r\nLocation: https://evil.example"),
		"/p/" + string(e.project.ID), // not under the project's pages
		"",
	} {
		b.get(e.signinURL(url.Values{"return_to": {bad}}))
		if got := b.chain[0].Header.Get("Location"); got != account {
			t.Errorf("return_to %q sent the browser to %q, want %q", bad, got, account)
		}
		if got := safeReturnTo(e.project.ID, bad); got != account {
			t.Errorf("safeReturnTo(%q) = %q", bad, got)
		}
	}
	// Baselines: paths under the project's pages are kept as given.
	for _, good := range []string{e.path("/account"), e.path("/org/members?status=pending#list"), e.path("/console/")} {
		b.get(e.signinURL(url.Values{"return_to": {good}}))
		if got := b.chain[0].Header.Get("Location"); got != good {
			t.Errorf("return_to %q sent the browser to %q", good, got)
		}
	}
}

// idTokenOrg is the org_id claim of the ID token in a token response.
func idTokenOrg(t *testing.T, body string) string {
	t.Helper()
	var tok struct {
		IDToken string `json:"id_token"`
	}
	if err := json.Unmarshal([]byte(body), &tok); err != nil {
		t.Fatalf("token response %s", body)
	}
	parts := strings.Split(tok.IDToken, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", tok.IDToken)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		OrgID string `json:"org_id"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return c.OrgID
}

// codeFor redeems the code of a redirect to the app and returns the
// organization of the ID token.
func (e *env) codeFor(r *response) string {
	e.t.Helper()
	q := callback(e.t, r)
	status, body := e.exchange(q.Get("code"))
	if status != http.StatusOK {
		e.t.Fatalf("code exchange: %d %s", status, body)
	}
	return idTokenOrg(e.t, body)
}

func (e *env) strictOrg(name, email string) *org.Organization {
	e.t.Helper()
	ctx := context.Background()
	methods := []string{"password"}
	o, err := e.ten.CreateOrganization(ctx, audit.System("test"), e.project.ID, tenancy.OrganizationUpdate{Name: &name, AllowedLoginMethods: &methods})
	if err != nil {
		e.t.Fatal(err)
	}
	u, _, err := e.ten.CreateUser(ctx, audit.System("test"), e.project.ID, tenancy.UserInput{OrganizationID: string(o.ID), Email: email})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := setPassword(e, u.ID, testPassword); err != nil {
		e.t.Fatal(err)
	}
	return o
}

func TestSwitchOrganizations(t *testing.T) {
	t.Parallel()
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *envConfig) { c.open = eng.Open })
			a := e.account("Alpha", "pat@example.com")
			bo := e.account("Bravo", "pat@example.com")
			strict := e.strictOrg("Strict", "pat@example.com")
			b := e.browser()
			r := b.get(e.authorizeURL(map[string]string{"organization_id": string(a.ID)}))
			if got := e.codeFor(e.proveCode(b, r, "pat@example.com")); got != string(a.ID) {
				t.Fatalf("first login at %s, want %s", got, a.ID)
			}
			first := b.cookie(e.path("/"), sessionCookieName(string(e.project.ID)))

			// prompt=none: a switch that would need a page is login_required,
			// and the browser keeps its session.
			r = b.get(e.authorizeURL(map[string]string{"organization_id": string(strict.ID), "prompt": "none"}))
			if q := callback(t, r); q.Get("error") != "login_required" || q.Get("code") != "" {
				t.Fatalf("silent switch to a password-only organization: %v", q)
			}
			if b.cookie(e.path("/"), sessionCookieName(string(e.project.ID))) != first {
				t.Fatal("a refused silent switch replaced the browser session")
			}
			// One the session's facts satisfy completes silently.
			r = b.get(e.authorizeURL(map[string]string{"organization_id": string(bo.ID), "prompt": "none"}))
			if got := e.codeFor(r); got != string(bo.ID) {
				t.Fatalf("silent switch went to %s, want %s", got, bo.ID)
			}
			b.get(e.authorizeURL(map[string]string{"organization_id": string(a.ID), "prompt": "none"}))

			// The session's email code satisfies Bravo: no page at all.
			r = b.get(e.authorizeURL(map[string]string{"organization_id": string(bo.ID), "state": "to-bravo"}))
			if got := e.codeFor(r); got != string(bo.ID) {
				t.Fatalf("switched to %s, want %s", got, bo.ID)
			}
			second := b.cookie(e.path("/"), sessionCookieName(string(e.project.ID)))
			if second == "" || second == first {
				t.Fatal("switching did not replace the browser session")
			}
			// The first session still works (it was replaced, not ended).
			if _, err := e.sess.Authenticate(context.Background(), e.project.ID, first); err != nil {
				t.Fatalf("the first session ended when switching: %v", err)
			}

			// Strict requires a password and only a code was proven: the
			// password is asked, nothing else.
			r = b.get(e.authorizeURL(map[string]string{"organization_id": string(strict.ID)}))
			if pageName(r) != "password" {
				t.Fatalf("switch to a password-only organization showed %q:\n%s", pageName(r), r.Body)
			}
			r = b.submit(r, "submit", map[string]string{"password": testPassword})
			if got := e.codeFor(r); got != string(strict.ID) {
				t.Fatalf("switched to %s, want %s", got, strict.ID)
			}

			// /signin switches the same way.
			back := e.path("/account")
			r = b.get(e.signinURL(url.Values{"organization_id": {string(a.ID)}, "return_to": {back}}))
			if got := e.sentTo(b); got != back {
				t.Fatalf("signin switch sent the browser to %q (page %q)", got, pageName(r))
			}
			// prompt=login still asks for fresh proof.
			r = b.get(e.authorizeURL(map[string]string{"organization_id": string(bo.ID), "prompt": "login"}))
			if pageName(r) != "identify" {
				t.Fatalf("prompt=login while switching: %q", pageName(r))
			}
		})
	}
}

// A session of one project carries nothing into another, even when its
// token is planted under the other project's cookie name.
func TestSwitchAcrossProjectsCarriesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.account("Alpha", "pat@example.com")
	b := e.browser()
	e.proveCode(b, b.get(e.signinURL(nil)), "pat@example.com")
	token := b.cookie(e.path("/"), sessionCookieName(string(e.project.ID)))

	ctx := context.Background()
	other, _, _, err := e.ten.CreateProject(ctx, audit.System("test"), tenancy.ProjectInput{Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	name := "Alpha elsewhere"
	oo, err := e.ten.CreateOrganization(ctx, audit.System("test"), other.ID, tenancy.OrganizationUpdate{Name: &name})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.ten.CreateUser(ctx, audit.System("test"), other.ID, tenancy.UserInput{OrganizationID: string(oo.ID), Email: "pat@example.com"}); err != nil {
		t.Fatal(err)
	}
	otherPath := "/p/" + string(other.ID) + "/"
	b.c.Jar.SetCookies(b.abs(otherPath), []*http.Cookie{{Name: sessionCookieName(string(other.ID)), Value: token, Path: otherPath}})
	r := b.get(otherPath + "signin?" + url.Values{"organization_id": {string(oo.ID)}}.Encode())
	if pageName(r) != "identify" {
		t.Fatalf("another project's session was used: page %q, sent to %q", pageName(r), e.sentTo(b))
	}
	// Baseline: in its own project the session switches without a page.
	bo := e.account("Bravo", "pat@example.com")
	b.get(e.signinURL(url.Values{"organization_id": {string(bo.ID)}}))
	if got := e.sentTo(b); got != e.path("/account") {
		t.Fatalf("switch within the project sent the browser to %q", got)
	}
}

// setPassword gives a user a password, as a person who set one earlier.
func setPassword(e *env, uid id.User, pw string) error {
	h, err := password.NewHasher().Hash(context.Background(), pw)
	if err != nil {
		return err
	}
	return e.st.Write(context.Background(), func(w store.Writer) error {
		return w.SetPasswordHash(context.Background(), e.project.ID, uid, h, e.clock.Now())
	})
}

// /signin starts attempts like authorize, so the same budget limits it.
func TestSignInThrottled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *envConfig) { c.trustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")} })
	start := func(ip string) *response {
		t.Helper()
		b := e.browser()
		b.header = http.Header{"X-Forwarded-For": {ip}}
		return b.get(e.signinURL(nil))
	}
	var r *response
	for i := 0; i < 500; i++ {
		if r = start("203.0.113.1"); r.Status != http.StatusOK {
			break
		}
	}
	if r.Status != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || len(r.Cookies) != 0 {
		t.Fatalf("never throttled: %d %v", r.Status, r.Cookies)
	}
	if r := start("198.51.100.2"); r.Status != http.StatusOK || pageName(r) != "identify" {
		t.Fatalf("another client: %d %q", r.Status, pageName(r))
	}
}

// A staff member's impersonated session at one organization does not
// switch into the user's other accounts: the person would sign in afresh.
func TestSwitchIgnoresImpersonatedSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	a := e.account("Alpha", "pat@example.com")
	bo := e.account("Bravo", "pat@example.com")
	us, err := e.st.ListUsers(ctx, e.project.ID, store.UserFilter{OrganizationID: a.ID}, store.Page{Limit: 1})
	if err != nil || len(us) != 1 {
		t.Fatalf("user at Alpha: %v %v", us, err)
	}
	_, token, err := e.sess.Impersonate(ctx, session.Impersonation{ProjectID: e.project.ID, UserID: us[0].ID,
		Staff: staffActor(t, e.con, "staff@vendor.example"), StaffEmail: "staff@vendor.example", Reason: "Ticket 4821"})
	if err != nil {
		t.Fatal(err)
	}
	b := e.browser()
	b.c.Jar.SetCookies(b.abs(e.path("/")), []*http.Cookie{{Name: sessionCookieName(string(e.project.ID)), Value: token, Path: e.path("/")}})
	if r := b.get(e.authorizeURL(map[string]string{"organization_id": string(bo.ID)})); pageName(r) != "identify" {
		t.Fatalf("switch from an impersonated session: page %q, sent to %q", pageName(r), e.sentTo(b))
	}
	// Baseline: the impersonated session itself is still used for its own
	// organization.
	if r := b.get(e.authorizeURL(map[string]string{"organization_id": string(a.ID)})); callback(t, r).Get("code") == "" {
		t.Fatalf("the impersonated session was not used at its organization")
	}
}
