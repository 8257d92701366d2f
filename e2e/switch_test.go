package e2e

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// TestSwitchOrganizations: one email with a user at two organizations signs
// in to the first through the app; the app then asks for the second with
// organization_id and gets its user's tokens without the person typing
// anything. Once the second organization allows only passwords, switching
// to it asks only for the password, never for the email again.
func TestSwitchOrganizations(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, d deployment) {
		s := newLoginStack(t, d)
		api := s.api(t)
		const email = "katherine@nasa.example"
		orgA, orgB := apiOrg(t, api, "Langley"), apiOrg(t, api, "Goddard")
		userA, userB := apiUser(t, api, orgA, email), apiUser(t, api, orgB, email)
		a := newApp(t, s.project)
		p := newPerson(t, s.public)

		p.open(a.authURL(oauth2.SetAuthURLParam("organization_id", orgA)))
		s.proveEmail(t, p, email)
		first := a.finish(t, p.landed)
		if first.idToken.Subject != userA {
			t.Fatalf("signed in as %s, want Langley's user %s", first.idToken.Subject, userA)
		}

		// Switch to B: no page at all, straight back to the app.
		sent := s.mail.count(email)
		p.landed = nil
		p.open(a.authURL(oauth2.SetAuthURLParam("organization_id", orgB)))
		if p.landed == nil || !strings.HasPrefix(p.landed.String(), appCallback) {
			t.Fatalf("switching to Goddard showed a page instead of returning to the app (%s):\n%s", p.at, p.page)
		}
		second := a.finish(t, p.landed)
		cb := s.accessClaims(t, second.oauth)
		if cb.Subject != userB || cb.OrgID != orgB || cb.Org.Name != "Goddard" {
			t.Fatalf("after switching: user %s org %s (%s), want %s at Goddard", cb.Subject, cb.OrgID, cb.Org.Name, userB)
		}
		if s.mail.count(email) != sent {
			t.Fatal("switching sent an email: nothing should have been asked")
		}
		// The session at A goes on: its refresh still works.
		if _, err := refreshed(a, first.oauth); err != nil {
			t.Fatalf("switching ended the other organization's session: %v", err)
		}

		// The project's own pages switch the same way: /signin naming A
		// lands on the account page at A without a step.
		p.open(s.path("/signin?organization_id=" + orgA + "&return_to=" + "/p/" + s.project.ProjectID + "/account"))
		if !strings.HasPrefix(p.at, s.path("/account")) || elementText(p.page, "profile-org") != "Langley" {
			t.Fatalf("switching to Langley from the account pages ended at %s:\n%s", p.at, p.page)
		}

		// Back to A (silently), then B allows only passwords: switching to
		// B asks for the password (B's user never set one, so it is
		// chosen), and nothing else.
		p.landed = nil
		p.open(a.authURL(oauth2.SetAuthURLParam("organization_id", orgA)))
		if back := a.finish(t, p.landed); back.idToken.Subject != userA {
			t.Fatalf("switching back landed on %s", back.idToken.Subject)
		}
		api.must(http.StatusOK, "PATCH", "/organizations/"+orgB, map[string]any{"allowed_login_methods": []string{"password"}})
		p.landed = nil
		p.open(a.authURL(oauth2.SetAuthURLParam("organization_id", orgB)))
		if p.landed != nil {
			t.Fatalf("a password-only organization was entered without a password: %s", p.landed)
		}
		if p.has("form-identify") || p.has("form-code") || !(p.has("form-password") || p.has("form-set-password")) {
			t.Fatalf("switching to a password-only organization must ask only for the password:\n%s", p.page)
		}
		if p.has("form-set-password") {
			p.submit("form-set-password", "set_password", "new_password", "orbital mechanics by hand 1962")
		} else {
			p.submit("form-password", "password", "password", "orbital mechanics by hand 1962")
		}
		third := a.finish(t, p.landed)
		c3 := s.accessClaims(t, third.oauth)
		if c3.Subject != userB || !slices.Contains(c3.AMR, "pwd") {
			t.Fatalf("after the password: user %s amr %v, want %s with pwd", c3.Subject, c3.AMR, userB)
		}
		if s.mail.count(email) != sent {
			t.Fatal("the password-only switch sent an email code")
		}
	})
}

// TestLoginsDisabledRevokesAtOnce: turning an organization's kill switch on
// revokes its sessions in the same change (the API lists them revoked before
// anyone refreshes), the app's refresh is refused, and the other
// organization's sessions are untouched.
func TestLoginsDisabledRevokesAtOnce(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, d deployment) {
		s := newLoginStack(t, d)
		api := s.api(t)
		orgA, orgB := apiOrg(t, api, "Kill Switch Inc"), apiOrg(t, api, "Bystander Ltd")
		ua, ub := apiUser(t, api, orgA, "a@kill.example"), apiUser(t, api, orgB, "b@bystander.example")
		a := newApp(t, s.project)
		login := func(email string) *tokens {
			p := newPerson(t, s.public)
			p.open(a.authURL())
			s.proveEmail(t, p, email)
			return a.finish(t, p.landed)
		}
		ta, tb := login("a@kill.example"), login("b@bystander.example")

		api.must(http.StatusOK, "PATCH", "/organizations/"+orgA, map[string]any{"logins_disabled": true})
		live := api.must(http.StatusOK, "GET", "/sessions?user_id="+ua+"&active=true", nil).list(t)
		if len(live) != 0 {
			t.Fatalf("sessions still live right after logins were disabled: %v", live)
		}
		all := api.must(http.StatusOK, "GET", "/sessions?user_id="+ua, nil).list(t)
		if len(all) == 0 {
			t.Fatal("the user's sessions are not listed at all")
		}
		for _, se := range all {
			if se["revoked_at"] == nil || se["revoke_reason"] != "logins_disabled" {
				t.Fatalf("session after the kill switch: revoked_at %v reason %q", se["revoked_at"], se["revoke_reason"])
			}
		}
		if _, err := refreshed(a, ta.oauth); !isInvalidGrant(err) {
			t.Fatalf("refresh after the kill switch: %v, want invalid_grant", err)
		}
		if live := api.must(http.StatusOK, "GET", "/sessions?user_id="+ub+"&active=true", nil).list(t); len(live) == 0 {
			t.Fatal("the kill switch of one organization revoked another's sessions")
		}
		if _, err := refreshed(a, tb.oauth); err != nil {
			t.Fatalf("another organization's refresh after the kill switch: %v", err)
		}
	})
}

// TestAdminLockoutRefused: a policy that would keep every owner and admin
// from signing in is refused with admin_lockout, through the API and on the
// organization's policy page, while an ordinary change is accepted.
func TestAdminLockoutRefused(t *testing.T) {
	t.Parallel()
	s := newLoginStack(t, deployment{engine: "sqlite", dataDir: t.TempDir()})
	api := s.api(t)
	org := apiOrg(t, api, "Careful Co")
	apiUser(t, api, org, "admin@careful.example", "admin")

	refused := api.must(http.StatusConflict, "PATCH", "/organizations/"+org, map[string]any{"require_mfa": true})
	if code := refused.str(t, "code"); code != "admin_lockout" {
		t.Fatalf("require_mfa without any second factor: code %q: %s", code, refused.body)
	}
	api.must(http.StatusOK, "PATCH", "/organizations/"+org, map[string]any{"allowed_login_methods": []string{"email"}})

	p := newPerson(t, s.public)
	s.signIn(t, p, "admin@careful.example", "/org/policy", "")
	bad := p.post(s.path("/org/policy"), "action", "save", "methods", "email", "require_mfa", "on")
	if bad.status != http.StatusConflict || !strings.Contains(bad.body, "lock every owner and admin out") {
		t.Fatalf("requiring MFA on the page: %d, want 409 saying it would lock the admins out:\n%s", bad.status, bad.body)
	}
	if o := api.must(http.StatusOK, "GET", "/organizations/"+org, nil).json(t); o["require_mfa"] == true {
		t.Fatal("the refused policy was saved")
	}
	ok := p.post(s.path("/org/policy"), "action", "save", "methods", "email", "session_max_hours", "12")
	if ok.status != http.StatusOK || !strings.Contains(ok.body, `id="notice"`) {
		t.Fatalf("an ordinary policy change on the page: %d:\n%s", ok.status, ok.body)
	}
}
