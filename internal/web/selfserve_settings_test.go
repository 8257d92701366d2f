package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

func TestSelfServeDomains(t *testing.T) {
	t.Parallel()
	e := newSSEnv(t)
	b, _ := e.signIn(e.user("owner@southwest.test"))
	r := b.get(e.path("/org/domains"))
	r = b.submit(r, "domain-submit", map[string]string{"domain": "southwest.test"})
	if r.Status != http.StatusOK || r.Doc.byID("notice") == nil {
		t.Fatalf("add domain: %d\n%s", r.Status, r.Body)
	}
	ds, err := e.domains.List(e.ctx, e.project.ID, string(e.org.ID), store.Page{Limit: 10})
	if err != nil || len(ds) != 1 {
		t.Fatalf("domains: %v %v", ds, err)
	}
	d := ds[0]
	// The page shows the TXT record to create.
	if got := r.Doc.byID("domain-" + string(d.ID) + "-record-value"); got == nil || got.Text() != d.RecordValue() {
		t.Fatalf("the page does not show the TXT value %q", d.RecordValue())
	}
	// Verifying before the record exists says so and changes nothing.
	r = b.submit(r, "verify-"+string(d.ID), nil)
	if r.Doc.byID("domain-"+string(d.ID)+"-status").Text() != "Pending" || !strings.Contains(r.Doc.byID("notice").Text(), "not found") {
		t.Fatalf("verify without the record:\n%s", r.Body)
	}
	e.dns.SetTXT(d.RecordName(), d.RecordValue())
	r = b.submit(r, "verify-"+string(d.ID), nil)
	if r.Doc.byID("domain-"+string(d.ID)+"-status").Text() != "Verified" {
		t.Fatalf("verify with the record:\n%s", r.Body)
	}
	r = b.submit(r, "delete-"+string(d.ID), nil)
	if r.Doc.byID("domain-"+string(d.ID)) != nil || r.Doc.byID("no-domains") == nil {
		t.Fatal("the removed domain is still listed")
	}
}

func TestSelfServePolicy(t *testing.T) {
	t.Parallel()
	e := newSSEnv(t)
	owner := e.user("owner@southwest.test")
	b, _ := e.signIn(owner)
	r := b.get(e.path("/org/policy"))
	if r.Doc.byID("method-email") == nil || r.Doc.byID("method-password") == nil || r.Doc.byID("method-saml") != nil {
		t.Fatalf("the policy offers other methods than the project's:\n%s", r.Body)
	}
	// Requiring SSO would lock every admin out: refused with the reason,
	// nothing saved.
	r = b.submit(r, "policy-submit", map[string]string{"require_sso": "on"})
	if r.Status != http.StatusConflict || !strings.Contains(strings.ToLower(r.Body), "admin") {
		t.Fatalf("require SSO: %d\n%s", r.Status, r.Body)
	}
	o, err := e.ten.GetOrganization(e.ctx, e.project.ID, string(e.org.ID))
	if err != nil || o.Policy.RequireSSO {
		t.Fatalf("require_sso saved: %v", err)
	}
	// A valid change: email codes only, shorter sessions, join by domain.
	r = b.get(e.path("/org/policy"))
	form, vals := formValues(t, r, "policy-submit")
	_ = form
	vals.Del("methods")
	vals.Set("methods", "email")
	vals.Set("session_max_hours", "12")
	vals.Set("join_by_domain", "on")
	vals.Set("join_role", rbac.RoleMember)
	req := b.request("POST", e.path("/org/policy"), vals, "same-origin")
	r = b.navigate(req)
	if r.Status != http.StatusOK || r.Doc.byID("notice") == nil {
		t.Fatalf("save policy: %d\n%s", r.Status, r.Body)
	}
	o, _ = e.ten.GetOrganization(e.ctx, e.project.ID, string(e.org.ID))
	if len(o.Policy.AllowedLoginMethods) != 1 || o.Policy.SessionMaxLifetime == nil || o.Policy.SessionMaxLifetime.Hours() != 12 || !o.Policy.JoinByDomain {
		t.Fatalf("policy = %+v", o.Policy)
	}
	if r.Doc.byID("method-password").has("checked") || !r.Doc.byID("method-email").has("checked") {
		t.Fatal("the page does not show the saved methods")
	}
	// An out-of-range lifetime comes back beside its field.
	vals.Set("session_max_hours", "0")
	r = b.navigate(b.request("POST", e.path("/org/policy"), vals, "same-origin"))
	if r.Status != http.StatusUnprocessableEntity || r.Doc.byID("session-max-hours-error") == nil {
		t.Fatalf("bad lifetime: %d\n%s", r.Status, r.Body)
	}
	// The kill switch is not a self-serve setting, even forged into the form.
	vals.Set("session_max_hours", "12")
	vals.Set("logins_disabled", "on")
	r = b.navigate(b.request("POST", e.path("/org/policy"), vals, "same-origin"))
	if o, _ = e.ten.GetOrganization(e.ctx, e.project.ID, string(e.org.ID)); o.Policy.LoginsDisabled {
		t.Fatal("a forged form turned the kill switch on")
	}
}

func TestSelfServeCustomRoles(t *testing.T) {
	t.Parallel()
	e := newSSEnv(t)
	ctx := e.ctx
	on := true
	if _, err := e.ten.UpdateProject(ctx, audit.System("test"), e.project.ID, tenancy.ProjectUpdate{AllowCustomRoles: &on}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ten.CreatePermission(ctx, audit.System("test"), e.project.ID, tenancy.PermissionInput{Key: "invoices.read"}); err != nil {
		t.Fatal(err)
	}
	b, _ := e.signIn(e.user("owner@southwest.test"))
	r := b.get(e.path("/org/roles"))
	r = b.submit(r, "role-submit", map[string]string{"key": "billing", "name": "Billing", "permissions": "invoices.read"})
	if r.Status != http.StatusOK || r.Doc.byID("notice") == nil {
		t.Fatalf("create role: %d\n%s", r.Status, r.Body)
	}
	rs, err := e.ten.ListRoles(ctx, e.project.ID, string(e.org.ID), store.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var id string
	for _, x := range rs {
		if x.Key == "billing" && x.OrganizationID == e.org.ID && len(x.Permissions) == 1 {
			id = string(x.ID)
		}
	}
	if id == "" {
		t.Fatal("the custom role was not created for the organization")
	}
	if !r.Doc.byID("edit-" + id + "-perm-invoices.read").has("checked") {
		t.Fatal("the role's permission is not shown checked")
	}
	r = b.submit(r, "delete-"+id, nil)
	if r.Doc.byID("role-"+id) != nil {
		t.Fatal("the deleted role is still listed")
	}
}

func TestSelfServeImpersonation(t *testing.T) {
	t.Parallel()
	e := newSSEnv(t)
	e.user("owner@southwest.test")
	crew := e.user("crew@southwest.test")
	_, tok, err := e.sessions.Impersonate(e.ctx, session.Impersonation{
		ProjectID: e.project.ID, UserID: crew.ID, Staff: staffActor(t, e.con, "support@vendor.test"),
		StaffEmail: "support@vendor.test", Reason: "ticket 4711",
	})
	if err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, e.srv.URL)
	b.c.Jar.SetCookies(b.abs(e.path("/")), []*http.Cookie{{Name: sessionCookieName(string(e.project.ID)), Value: tok, Path: e.path("/")}})
	r := b.get(e.path("/account"))
	banner := r.Doc.byID("banner")
	if r.Status != http.StatusOK || banner == nil {
		t.Fatalf("no impersonation banner: %d\n%s", r.Status, r.Body)
	}
	for _, want := range []string{"crew@southwest.test", "support@vendor.test", "ticket 4711"} {
		if !strings.Contains(banner.Text(), want) {
			t.Fatalf("banner %q lacks %q", banner.Text(), want)
		}
	}
	// The password page has no form, and a forged POST is refused.
	r = b.get(e.path("/account/password"))
	if r.Doc.byID("form-password") != nil || r.Doc.byID("password-impersonated") == nil {
		t.Fatal("the password form is offered to an impersonated session")
	}
	_, vals := formValues(t, b.get(e.path("/account")), "profile-submit")
	form := url.Values{"csrf_token": {vals.Get("csrf_token")}, "action": {"change"}, "new_password": {"violet stapler orbit 1987"}}
	r = b.navigate(b.request("POST", e.path("/account/password"), form, "same-origin"))
	if r.Status != http.StatusForbidden {
		t.Fatalf("impersonated password change: %d", r.Status)
	}
	if _, err := e.st.GetPasswordHash(e.ctx, e.project.ID, crew.ID); err == nil {
		t.Fatal("an impersonated session set the user's password")
	}

	// The banner's button ends the impersonation after a confirmation.
	confirm := b.submit(b.get(e.path("/account")), "banner-action", nil)
	if confirm.Doc.byID("confirm-logout") == nil {
		t.Fatalf("ending the impersonation asks no confirmation: %d\n%s", confirm.Status, confirm.Body)
	}
	b.submit(confirm, "confirm-logout", nil)
	if r := b.get(e.path("/account")); r.Doc.byID("banner") != nil {
		t.Fatal("the impersonated session is still signed in after ending it")
	}
	ended, err := e.sessions.List(e.ctx, e.project.ID, session.Filter{UserID: crew.ID}, store.Page{Limit: 10})
	if err != nil || len(ended) != 1 || ended[0].RevokeReason != "impersonation_ended" {
		t.Fatalf("the impersonated session after ending it: %+v, %v", ended, err)
	}
}
