package e2e

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestMagicLink: the link in the email proves the email in the browser that
// started the login; a second use of the same link is refused.
func TestMagicLink(t *testing.T) {
	t.Parallel()
	s := newLoginStack(t, deployment{engine: "sqlite", dataDir: t.TempDir()})
	a := newApp(t, s.project)
	p := newPerson(t, s.public)

	p.open(a.authURL())
	p.submit("form-identify", "email", "email", "ada@engines.example")
	msg := s.mail.waitFor(t, "ada@engines.example", 1)
	p.open(msg.Link())
	finishNewOrganization(t, p, "Analytical Engines")
	tok := a.finish(t, p.landed)
	c := s.accessClaims(t, tok.oauth)
	if !slices.Contains(c.AMR, "email") || c.Org.Name != "Analytical Engines" {
		t.Fatalf("claims after a magic link: amr %v org %q", c.AMR, c.Org.Name)
	}

	// The link is single use: replaying it (even in the same browser) does
	// not sign anyone in again.
	replay := newPerson(t, s.public)
	replay.open(msg.Link())
	if replay.landed != nil && strings.HasPrefix(replay.landed.String(), appCallback) {
		t.Fatal("a replayed magic link signed someone in")
	}
	if !strings.Contains(strings.ToLower(replay.page), "expired") && !strings.Contains(strings.ToLower(replay.page), "no longer") && !strings.Contains(strings.ToLower(replay.page), "invalid") {
		t.Fatalf("a replayed link should say it no longer works:\n%s", replay.page)
	}
}

// TestPassword: a person sets a password through "forgot password" (a reset
// proven by email), then logs in with email and password only; a wrong
// password gets the same answer as an unknown account.
func TestPassword(t *testing.T) {
	t.Parallel()
	s := newLoginStack(t, deployment{engine: "sqlite", dataDir: t.TempDir()})
	a := newApp(t, s.project)
	const email, pw = "alan@bletchley.example", "enigma rotors turn slowly 1940"

	// Sign up with a code first (an account must exist to have a password).
	first := newPerson(t, s.public)
	first.open(a.authURL())
	s.proveEmail(t, first, email)
	finishNewOrganization(t, first, "Bletchley")
	signup := a.finish(t, first.landed)

	// Forgot password: the reset code, then the new password.
	p := newPerson(t, s.public)
	p.open(a.authURL())
	p.submit("form-identify", "email", "email", email)
	s.mail.waitFor(t, email, 2) // identifying sends a code (sign-up sent the first)
	if !p.has("use-password") {
		t.Fatalf("the project enables passwords, so the code step offers one:\n%s", p.page)
	}
	p.submit("form-use-password", "use_password")
	p.submit("form-forgot", "forgot")
	reset := s.mail.waitFor(t, email, 3)
	if !strings.Contains(strings.ToLower(reset.Subject), "password") {
		t.Fatalf("reset email subject %q", reset.Subject)
	}
	p.submit("form-code", "code", "code", reset.Code())
	if !p.has("form-set-password") {
		t.Fatalf("after the reset code the flow asks for a new password:\n%s", p.page)
	}
	p.submit("form-set-password", "set_password", "new_password", "password123")
	if p.fieldError() == "" || !p.has("form-set-password") {
		t.Fatalf("a common password must be refused beside the field:\n%s", p.page)
	}
	p.submit("form-set-password", "set_password", "new_password", pw)
	afterReset := a.finish(t, p.landed)
	if afterReset.idToken.Subject != signup.idToken.Subject {
		t.Fatal("the reset signed in another user")
	}

	// Log in with the password alone.
	login := func(password string) *person {
		q := newPerson(t, s.public)
		q.open(a.authURL())
		q.submit("form-identify", "email", "email", email)
		q.submit("form-use-password", "use_password")
		q.submit("form-password", "password", "password", password)
		return q
	}
	wrong := login("not the password at all 99")
	if wrong.landed != nil || wrong.fieldError() == "" {
		t.Fatalf("a wrong password must be refused on the page:\n%s", wrong.page)
	}
	unknown := newPerson(t, s.public)
	unknown.open(a.authURL())
	unknown.submit("form-identify", "email", "email", "nobody@bletchley.example")
	unknown.submit("form-use-password", "use_password")
	unknown.submit("form-password", "password", "password", "not the password at all 99")
	if unknown.fieldError() != wrong.fieldError() {
		t.Fatalf("unknown account %q and wrong password %q must read the same", unknown.fieldError(), wrong.fieldError())
	}
	ok := login(pw)
	tok := a.finish(t, ok.landed)
	c := s.accessClaims(t, tok.oauth)
	if !slices.Contains(c.AMR, "pwd") || tok.idToken.Subject != signup.idToken.Subject {
		t.Fatalf("password login: amr %v sub %s", c.AMR, tok.idToken.Subject)
	}
}

// TestChooseAmongTwoOrganizations: one email with a user at two
// organizations sees both and gets a session for the one it picks.
func TestChooseAmongTwoOrganizations(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, d deployment) {
		s := newLoginStack(t, d)
		api := s.api(t)
		const email = "katherine@nasa.example"
		var orgs, users []string
		for _, name := range []string{"Langley", "Goddard"} {
			org := api.must(http.StatusCreated, "POST", "/organizations", map[string]any{"name": name}).str(t, "id")
			u := api.must(http.StatusCreated, "POST", "/users", map[string]any{"organization_id": org, "email": email}).str(t, "id")
			orgs, users = append(orgs, org), append(users, u)
		}
		a := newApp(t, s.project)
		p := newPerson(t, s.public)
		p.open(a.authURL())
		s.proveEmail(t, p, email)
		if !p.has("form-choose-org") || !p.has("org-"+orgs[0]) || !p.has("org-"+orgs[1]) {
			t.Fatalf("both organizations must be offered:\n%s", p.page)
		}
		p.submit("form-choose-org", "choose_org", "org_id", orgs[1])
		tok := a.finish(t, p.landed)
		c := s.accessClaims(t, tok.oauth)
		if c.OrgID != orgs[1] || c.Subject != users[1] || c.Org.Name != "Goddard" {
			t.Fatalf("chose Goddard, got org %s (%s) user %s", c.OrgID, c.Org.Name, c.Subject)
		}

		// organization_id restricts the login to that organization: no choice.
		q := newPerson(t, s.public)
		q.open(a.authURL(oauth2.SetAuthURLParam("organization_id", orgs[0])))
		s.proveEmail(t, q, email)
		hinted := a.finish(t, q.landed)
		if hinted.claims.OrgID != orgs[0] || hinted.idToken.Subject != users[0] {
			t.Fatalf("organization_id=%s logged into %s", orgs[0], hinted.claims.OrgID)
		}
	})
}

// TestAutoCreateOrganizations: with the project setting, a new person gets a
// one-user organization without ever seeing an organization step.
func TestAutoCreateOrganizations(t *testing.T) {
	t.Parallel()
	s := newLoginStack(t, deployment{engine: "sqlite", dataDir: t.TempDir()}, "--auto-create-organizations")
	a := newApp(t, s.project)
	p := newPerson(t, s.public)
	p.open(a.authURL())
	s.proveEmail(t, p, "solo@person.example")
	if p.has("form-choose-org") || p.has("form-create-org") {
		t.Fatalf("auto-create mode must not show an organization step:\n%s", p.page)
	}
	tok := a.finish(t, p.landed)
	c := s.accessClaims(t, tok.oauth)
	if c.OrgID == "" || !slices.Contains(c.Roles, "owner") {
		t.Fatalf("auto-created organization: %+v", c)
	}
	org := s.api(t).must(http.StatusOK, "GET", "/organizations/"+c.OrgID, nil).json(t)
	if org["member_count"].(float64) != 1 {
		t.Fatalf("the auto-created organization holds %v members, want 1", org["member_count"])
	}
}

// TestPolicyReachesRefresh: an organization that disables logins stops its
// sessions at the next refresh, and its users cannot log in.
func TestPolicyReachesRefresh(t *testing.T) {
	t.Parallel()
	s := newLoginStack(t, deployment{engine: "sqlite", dataDir: t.TempDir()})
	a := newApp(t, s.project)
	p := newPerson(t, s.public)
	p.open(a.authURL())
	s.proveEmail(t, p, "mary@jackson.example")
	finishNewOrganization(t, p, "Jackson Aero")
	tok := a.finish(t, p.landed)
	orgID := tok.claims.OrgID

	s.api(t).must(http.StatusOK, "PATCH", "/organizations/"+orgID, map[string]any{"logins_disabled": true})
	expired := *tok.oauth
	expired.Expiry = time.Now().Add(-time.Minute)
	if _, err := a.config.TokenSource(context.Background(), &expired).Token(); !isInvalidGrant(err) {
		t.Fatalf("refresh after the organization disabled logins: %v, want invalid_grant", err)
	}
	q := newPerson(t, s.public)
	q.open(a.authURL())
	s.proveEmail(t, q, "mary@jackson.example")
	if q.landed != nil || !strings.Contains(q.page, "disabled") {
		t.Fatalf("login into an organization with logins disabled must be blocked with a reason:\n%s", q.page)
	}
}

// TestUnregisteredRedirectURI: the authorization endpoint never redirects to
// a URI that is not registered exactly; it shows an error page instead.
func TestUnregisteredRedirectURI(t *testing.T) {
	t.Parallel()
	s := newLoginStack(t, deployment{engine: "sqlite", dataDir: t.TempDir()})
	a := newApp(t, s.project)
	for _, uri := range []string{appCallback + "/", "http://127.0.0.1:10/callback", "https://evil.example/callback"} {
		cfg := a.config
		cfg.RedirectURL = uri
		p := newPerson(t, s.public)
		resp, err := p.http.Get(cfg.AuthCodeURL("st", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 == 3 {
			t.Fatalf("redirect_uri %s: redirected to %s", uri, resp.Header.Get("Location"))
		}
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("redirect_uri %s: status %d, want 400 with an error page", uri, resp.StatusCode)
		}
	}
}
