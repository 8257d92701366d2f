package web

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

// A link naming an organization is no choice: any site can send a signed-in
// person to /signin?organization_id=X or to a silent authorization naming
// X. Where the person's email is invited (or may join by domain) but has no
// account, the switch stops at choose_org, nothing is created and the
// browser keeps its session; only the person's pick joins.
func TestOrgHintNeverJoinsWithoutAChoice(t *testing.T) {
	t.Parallel()
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *envConfig) { c.open = eng.Open })
			ctx := context.Background()
			home := e.account("Home", "pat@corp.example")
			acme := e.account("Acme", "owner@acme.example")
			inv, _ := e.invite(e.project, acme, "pat@corp.example", rbac.RoleAdmin)
			corp := e.account("Corp", "boss@corp.example")
			on := true
			if _, err := e.ten.UpdateOrganization(ctx, inviter, e.project.ID, string(corp.ID), tenancy.OrganizationUpdate{JoinByDomain: &on}); err != nil {
				t.Fatal(err)
			}
			d, err := e.domains.Add(ctx, inviter, e.project.ID, string(corp.ID), "corp.example")
			if err != nil {
				t.Fatal(err)
			}
			e.dns.SetTXT(d.RecordName(), d.RecordValue())
			if _, err := e.domains.Verify(ctx, inviter, e.project.ID, string(d.ID)); err != nil {
				t.Fatal(err)
			}

			b := e.browser()
			if got := e.codeFor(e.proveCode(b, b.get(e.authorizeURL(map[string]string{"organization_id": string(home.ID)})), "pat@corp.example")); got != string(home.ID) {
				t.Fatalf("signed in at %s, want %s", got, home.ID)
			}
			cookieName := sessionCookieName(string(e.project.ID))
			first := b.cookie(e.path("/"), cookieName)
			unchanged := func(what string) {
				t.Helper()
				if e.members(acme) != 1 || e.members(corp) != 1 || e.inviteStatus(inv) != invite.StatusPending {
					t.Fatalf("%s: Acme %d members, Corp %d, invitation %s", what, e.members(acme), e.members(corp), e.inviteStatus(inv))
				}
				if b.cookie(e.path("/"), cookieName) != first {
					t.Fatalf("%s: the browser session was replaced", what)
				}
			}

			// Silent authorization naming either organization: the app
			// hears login_required.
			for _, o := range []string{string(acme.ID), string(corp.ID)} {
				r := b.get(e.authorizeURL(map[string]string{"organization_id": o, "prompt": "none"}))
				if q := callback(t, r); q.Get("error") != "login_required" || q.Get("code") != "" {
					t.Fatalf("silent authorization into %s: %v", o, q)
				}
				unchanged("silent authorization")
			}

			// A sign-in link naming the inviting organization: the offer is
			// listed, not taken.
			r := b.get(e.signinURL(url.Values{"organization_id": {string(acme.ID)}}))
			if r.Status != http.StatusOK || pageName(r) != "choose_org" || r.Doc.byID("invite-"+string(inv.ID)) == nil {
				t.Fatalf("sign-in naming Acme: %d %q, sent to %q\n%s", r.Status, pageName(r), e.sentTo(b), r.Body)
			}
			unchanged("sign-in link naming the inviting organization")
			// Same for the organization the domain lets the person join.
			rc := b.get(e.signinURL(url.Values{"organization_id": {string(corp.ID)}}))
			if pageName(rc) != "choose_org" || rc.Doc.byID("join-"+string(corp.ID)) == nil {
				t.Fatalf("sign-in naming Corp: %q, sent to %q\n%s", pageName(rc), e.sentTo(b), rc.Body)
			}
			unchanged("sign-in link naming the joinable organization")

			// Baseline: the person's own pick joins.
			b.submit(rc, "join-"+string(corp.ID), nil)
			if got := e.sentTo(b); got != e.path("/account") {
				t.Fatalf("after joining, sent to %q", got)
			}
			if e.members(corp) != 2 || b.cookie(e.path("/"), cookieName) == first {
				t.Fatalf("the chosen join did not happen: Corp %d members", e.members(corp))
			}
		})
	}
}
