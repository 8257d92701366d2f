package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/gatehouse-auth/gatehouse/cmd/gatehouse/cli"
	"github.com/gatehouse-auth/gatehouse/internal/server"
	"github.com/gatehouse-auth/gatehouse/sdk/go/gatehouse"
)

// loginStack is a running server that delivers email to an in-process SMTP
// server, with a project whose default OAuth client redirects to appCallback.
type loginStack struct {
	srv     *running
	mail    *mailbox
	project oidcProject
	public  string
}

func newLoginStack(t *testing.T, d deployment, projectFlags ...string) *loginStack {
	t.Helper()
	mb := startMailbox(t)
	srv := start(t, d, func(c *server.Config) { c.SMTPURL = mb.url })
	public := srv.main.PublicURL()
	args := []string{"project", "create", "--name", "Acme", "--json", "--data-dir", d.dataDir,
		"--public-url", public, "--redirect-uri", appCallback}
	if d.databaseURL != "" {
		args = append(args, "--database-url", d.databaseURL)
	}
	args = append(args, projectFlags...)
	var out, errOut bytes.Buffer
	if code := cli.Run(context.Background(), args, &out, &errOut, "e2e"); code != 0 {
		t.Fatalf("project create: exit %d: %s", code, errOut.String())
	}
	var p oidcProject
	if err := json.Unmarshal(out.Bytes(), &p); err != nil {
		t.Fatalf("project create printed %s: %v", out.String(), err)
	}
	if p.ClientID == "" || p.ClientSecret == "" {
		t.Fatalf("project create --redirect-uri printed no client: %s", out.String())
	}
	return &loginStack{srv: srv, mail: mb, project: p, public: public}
}

// api is a backend API client with the project's secret key.
func (s *loginStack) api(t *testing.T) *client {
	return newClient(t, s.srv.url, s.project.SecretKey)
}

// proveEmail goes from the identify page through the emailed code.
func (s *loginStack) proveEmail(t *testing.T, p *person, email string) {
	t.Helper()
	if !p.has("form-identify") {
		t.Fatalf("expected the identify step at %s:\n%s", p.at, p.page)
	}
	sent := s.mail.count(email)
	p.submit("form-identify", "email", "email", email)
	if !p.has("form-code") {
		t.Fatalf("expected the code step after the email:\n%s", p.page)
	}
	msg := s.mail.waitFor(t, email, sent+1)
	if msg.Code() == "" || msg.Link() == "" {
		t.Fatalf("the email lacks a code or a link:\n%s", msg.Text)
	}
	p.submit("form-code", "code", "code", msg.Code())
}

// finishNewOrganization creates an organization when the flow asks for one
// and sets a password when it asks for one.
func finishNewOrganization(t *testing.T, p *person, orgName string) {
	t.Helper()
	if p.has("form-choose-org") && p.has("new-org") {
		p.submit("form-new-org", "new_org")
	}
	if p.has("form-create-org") {
		p.submit("form-create-org", "create_org", "org_name", orgName)
	}
	if p.has("form-set-password") {
		p.submit("form-set-password", "set_password", "new_password", "a quiet harbour at dawn 7")
	}
}

// accessClaims verifies the access token with the Go SDK, as the vendor's
// backend would.
func (s *loginStack) accessClaims(t *testing.T, tok *oauth2.Token) *gatehouse.Claims {
	t.Helper()
	v, err := gatehouse.NewVerifier(context.Background(), s.project.Issuer, gatehouse.WithAudience(s.project.ClientID))
	if err != nil {
		t.Fatal(err)
	}
	c, err := v.Verify(context.Background(), tok.AccessToken)
	if err != nil {
		t.Fatalf("access token does not verify with the SDK: %v", err)
	}
	return c
}

// TestSignUpAndLogInWithEmailCode is the whole story through the running
// server: sign-up with a code, a new organization, tokens verified by go-oidc
// and the SDK, userinfo, refresh, reuse detection; then a second log-in as
// the same user.
func TestSignUpAndLogInWithEmailCode(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, d deployment) {
		s := newLoginStack(t, d)
		a := newApp(t, s.project)
		p := newPerson(t, s.public)
		ctx := context.Background()

		p.open(a.authURL())
		s.proveEmail(t, p, "grace@hopper.example")
		finishNewOrganization(t, p, "Hopper Labs")
		tok := a.finish(t, p.landed)

		c := s.accessClaims(t, tok.oauth)
		if c.Email != "grace@hopper.example" || !c.EmailVerified || c.Org.Name != "Hopper Labs" || c.OrgID == "" {
			t.Fatalf("access token claims: %+v", c)
		}
		if !slices.Contains(c.Roles, "owner") {
			t.Fatalf("the creator of an organization is its owner; roles %v", c.Roles)
		}
		if !slices.Contains(c.AMR, "otp") {
			t.Fatalf("amr %v, want otp for an email code", c.AMR)
		}
		if tok.idToken.Subject != c.Subject || tok.claims.OrgID != c.OrgID {
			t.Fatalf("ID token (%s, %s) and access token (%s, %s) disagree", tok.idToken.Subject, tok.claims.OrgID, c.Subject, c.OrgID)
		}

		// userinfo with the access token, through go-oidc.
		info, err := a.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok.oauth))
		if err != nil {
			t.Fatalf("userinfo: %v", err)
		}
		if info.Subject != c.Subject || info.Email != "grace@hopper.example" {
			t.Fatalf("userinfo: %+v", info)
		}

		// Refresh through x/oauth2: an expired access token is renewed.
		old := *tok.oauth
		expired := *tok.oauth
		expired.Expiry = time.Now().Add(-time.Minute)
		renewed, err := a.config.TokenSource(ctx, &expired).Token()
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if renewed.RefreshToken == "" || renewed.RefreshToken == old.RefreshToken || renewed.AccessToken == old.AccessToken {
			t.Fatal("a refresh must rotate the refresh token and mint a new access token")
		}
		if c2 := s.accessClaims(t, renewed); c2.SessionID != c.SessionID || c2.Subject != c.Subject {
			t.Fatalf("the refreshed token belongs to another session: %+v", c2)
		}

		// Within the grace period a rotated token still yields its successor
		// (concurrent refreshes); once the chain has moved on twice it is
		// reuse: the session is revoked and the newest token dies with it.
		renewed2 := *renewed
		renewed2.Expiry = time.Now().Add(-time.Minute)
		newest, err := a.config.TokenSource(ctx, &renewed2).Token()
		if err != nil {
			t.Fatalf("second refresh: %v", err)
		}
		reused := *tok.oauth
		reused.Expiry = time.Now().Add(-time.Minute)
		if _, err := a.config.TokenSource(ctx, &reused).Token(); !isInvalidGrant(err) {
			t.Fatalf("reusing a rotated refresh token: %v, want invalid_grant", err)
		}
		next := *newest
		next.Expiry = time.Now().Add(-time.Minute)
		if _, err := a.config.TokenSource(ctx, &next).Token(); !isInvalidGrant(err) {
			t.Fatalf("after reuse the whole session must be revoked; refresh gave %v", err)
		}
		sess := s.api(t).must(http.StatusOK, "GET", "/sessions/"+c.SessionID, nil).json(t)
		if sess["revoked_at"] == nil || !strings.Contains(sess["revoke_reason"].(string), "reuse") {
			t.Fatalf("session after reuse: %v", sess)
		}

		// A second log-in (prompt=login: the browser session would otherwise
		// be reused) lands on the same user: one organization, no choice.
		p.open(a.authURL(oauth2.SetAuthURLParam("prompt", "login")))
		s.proveEmail(t, p, "grace@hopper.example")
		again := a.finish(t, p.landed)
		if again.idToken.Subject != c.Subject {
			t.Fatalf("log-in found user %s, want %s", again.idToken.Subject, c.Subject)
		}
	})
}
