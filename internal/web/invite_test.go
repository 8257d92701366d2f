package web

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/rbac"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

var inviter = audit.Actor{Type: audit.ActorSecretKey, ID: "sk_test"}

// invite invites email to o in project p and returns the invitation with
// the path of the link its email carries.
func (e *env) invite(p *project.Project, o *org.Organization, email, role string) (*invite.Invite, string) {
	e.t.Helper()
	inv, err := e.invites.Create(context.Background(), inviter, p.ID, invite.Input{OrgID: string(o.ID), Email: email, RoleKey: role})
	if err != nil {
		e.t.Fatalf("invite: %v", err)
	}
	msgs, err := e.outbox.Inbox(context.Background(), p.ID, 50)
	if err != nil {
		e.t.Fatal(err)
	}
	re := regexp.MustCompile(regexp.QuoteMeta(e.srv.URL) + `(/p/` + string(p.ID) + `/invite/gh_inv_[A-Za-z0-9_-]+)`)
	for _, m := range msgs {
		if m.To == inv.Email {
			if l := re.FindStringSubmatch(m.Text); l != nil {
				return inv, l[1]
			}
		}
	}
	e.t.Fatalf("no invitation email with a link to %s", email)
	return nil, ""
}

func (e *env) inviteStatus(inv *invite.Invite) invite.Status {
	e.t.Helper()
	got, err := e.invites.Get(context.Background(), inv.ProjectID, string(inv.ID))
	if err != nil {
		e.t.Fatal(err)
	}
	return got.State(e.clock.Now())
}

func (e *env) members(o *org.Organization) int {
	e.t.Helper()
	us, err := e.st.ListUsers(context.Background(), e.project.ID, store.UserFilter{OrganizationID: o.ID}, store.Page{Limit: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(us)
}

// wantInvalidInvite checks the page an unusable invitation link shows.
func wantInvalidInvite(t *testing.T, r *response, what string) {
	t.Helper()
	if r.Status != http.StatusGone || pageName(r) != "message" || !strings.Contains(r.Doc.byID("heading").Text(), "invitation can no longer be used") {
		t.Fatalf("%s: %d %q\n%s", what, r.Status, pageName(r), r.Body)
	}
	if r.Doc.byID("continue") == nil {
		t.Fatalf("%s: the page offers no way on:\n%s", what, r.Body)
	}
	for _, c := range r.Cookies {
		if strings.HasPrefix(c.Name, "gh_attempt_") && c.MaxAge >= 0 {
			t.Fatalf("%s: an attempt was started", what)
		}
	}
}

func TestInviteAccepted(t *testing.T) {
	t.Parallel()
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, func(c *envConfig) { c.open = eng.Open })
			o := e.account("Acme", "owner@acme.example")
			inv, link := e.invite(e.project, o, "new.hire@example.com", rbac.RoleAdmin)
			b := e.browser()
			r := b.get(link)
			if r.Status != http.StatusOK || pageName(r) != "invite" {
				t.Fatalf("landing: %d %q\n%s", r.Status, pageName(r), r.Body)
			}
			if r.Doc.byID("invite-org").Text() != "Acme" || r.Doc.byID("invite-email").Text() != "new.hire@example.com" || r.Doc.byID("invite-role").Text() == "" {
				t.Fatalf("landing page does not say who is invited to what:\n%s", r.Body)
			}
			if len(r.Cookies) != 0 {
				t.Fatalf("opening the link set cookies %v; only accepting starts a sign-in", r.Cookies)
			}
			// Accepting leads to the sign-in with the address prefilled;
			// the address is still proven.
			r = b.submit(r, "accept", nil)
			if pageName(r) != "identify" || r.Doc.byID("email").Attr["value"] != "new.hire@example.com" {
				t.Fatalf("accept led to %q:\n%s", pageName(r), r.Body)
			}
			e.proveCode(b, r, "")
			if got := e.sentTo(b); got != e.path("/account") {
				t.Fatalf("after accepting, sent to %q, want the account page", got)
			}
			if e.members(o) != 2 || e.inviteStatus(inv) != invite.StatusAccepted {
				t.Fatalf("members %d, invitation %s", e.members(o), e.inviteStatus(inv))
			}
			// Used: the link shows the invalid page.
			wantInvalidInvite(t, e.browser().get(link), "a used invitation")
		})
	}
}

func TestInviteLandsAtTheAppURL(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	app := "https://app.example/welcome"
	p, err := e.ten.UpdateProject(context.Background(), audit.System("test"), e.project.ID, tenancy.ProjectUpdate{AppURL: &app})
	if err != nil {
		t.Fatal(err)
	}
	o := e.account("Acme", "owner@acme.example")
	_, link := e.invite(p, o, "pat@example.com", rbac.RoleMember)
	b := e.browser()
	r := b.submit(b.get(link), "accept", nil)
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' https://app.example;") {
		t.Errorf("login page CSP does not allow the app as the form's end: %q", csp)
	}
	e.proveCode(b, r, "")
	if got := e.sentTo(b); got != app {
		t.Fatalf("sent to %q, want the app URL %q", got, app)
	}
}

func TestInviteRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	o := e.account("Acme", "owner@acme.example")

	t.Run("another project's token", func(t *testing.T) {
		other, _, _, err := e.ten.CreateProject(context.Background(), audit.System("test"), tenancy.ProjectInput{Name: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		name := "Elsewhere"
		oo, err := e.ten.CreateOrganization(context.Background(), audit.System("test"), other.ID, tenancy.OrganizationUpdate{Name: &name})
		if err != nil {
			t.Fatal(err)
		}
		_, link := e.invite(other, oo, "pat@example.com", rbac.RoleMember)
		token := link[strings.LastIndex(link, "/")+1:]
		wantInvalidInvite(t, e.browser().get(e.path("/invite/"+token)), "another project's token")
		b := e.browser()
		r := b.raw(b.request("POST", e.path("/invite/"+token), nil, "same-origin"))
		wantInvalidInvite(t, r, "accepting another project's token")
		// Baseline: in its own project the token works.
		if r := e.browser().get(link); pageName(r) != "invite" {
			t.Fatalf("the token in its project: %d %q", r.Status, pageName(r))
		}
	})
	t.Run("forged accept", func(t *testing.T) {
		_, link := e.invite(e.project, o, "forged@example.com", rbac.RoleMember)
		b := e.browser()
		page := b.get(link)
		for _, c := range []struct {
			site  string
			token string
		}{{"cross-site", ""}, {"same-origin", "forged"}, {"same-origin", ""}} {
			r := b.raw(b.request("POST", link, map[string][]string{"csrf_token": {c.token}}, c.site))
			if r.Status != http.StatusForbidden || len(r.Cookies) != 0 {
				t.Fatalf("%s POST with token %q: %d, cookies %v", c.site, c.token, r.Status, r.Cookies)
			}
		}
		// Baseline: the page's own form starts the sign-in.
		if r := b.submit(page, "accept", nil); pageName(r) != "identify" {
			t.Fatalf("accept: %d %q", r.Status, pageName(r))
		}
	})
	t.Run("unknown token", func(t *testing.T) {
		wantInvalidInvite(t, e.browser().get(e.path("/invite/gh_inv_NOTATOKEN")), "an unknown token")
	})
	t.Run("revoked", func(t *testing.T) {
		inv, link := e.invite(e.project, o, "revoked@example.com", rbac.RoleMember)
		b := e.browser()
		page := b.get(link)
		if pageName(page) != "invite" {
			t.Fatalf("baseline: %q", pageName(page))
		}
		if _, err := e.invites.Revoke(context.Background(), inviter, e.project.ID, string(inv.ID)); err != nil {
			t.Fatal(err)
		}
		wantInvalidInvite(t, e.browser().get(link), "a revoked invitation")
		wantInvalidInvite(t, b.submit(page, "accept", nil), "accepting a revoked invitation")
	})
	t.Run("expired", func(t *testing.T) {
		inv, link := e.invite(e.project, o, "late@example.com", rbac.RoleMember)
		e.clock.Advance(inv.ExpiresAt.Sub(e.clock.Now()) + time.Second)
		wantInvalidInvite(t, e.browser().get(link), "an expired invitation")
	})
}

func TestInviteForwardedToAnotherAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	o := e.account("Acme", "owner@acme.example")
	inv, link := e.invite(e.project, o, "invited@example.com", rbac.RoleMember)
	b := e.browser()
	r := b.submit(b.get(link), "accept", nil)
	// The person the email was forwarded to types their own address.
	r = e.proveCode(b, r, "forwarded@example.com")
	if pageName(r) != "blocked" || !strings.Contains(r.Doc.Text(), "invitation is not for forwarded@example.com") {
		t.Fatalf("another address accepting: %q\n%s", pageName(r), r.Body)
	}
	if e.members(o) != 1 || e.inviteStatus(inv) != invite.StatusPending {
		t.Fatalf("members %d, invitation %s: the forwarded link let someone in", e.members(o), e.inviteStatus(inv))
	}
	// Baseline: the invited address gets in with the same link.
	b = e.browser()
	e.proveCode(b, b.submit(b.get(link), "accept", nil), "")
	if e.members(o) != 2 || e.inviteStatus(inv) != invite.StatusAccepted {
		t.Fatalf("members %d, invitation %s", e.members(o), e.inviteStatus(inv))
	}
}

// Pending invitations and verified-domain joins are offered on choose_org,
// apart from the person's accounts.
func TestChooseOrgOffersInvitesAndDomains(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
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
	r := e.proveCode(b, b.get(e.authorizeURL(nil)), "pat@corp.example")
	if pageName(r) != "choose_org" {
		t.Fatalf("at %q:\n%s", pageName(r), r.Body)
	}
	member := r.Doc.byID("org-" + string(home.ID))
	invited := r.Doc.byID("invite-" + string(inv.ID))
	join := r.Doc.byID("join-" + string(corp.ID))
	if member == nil || invited == nil || join == nil {
		t.Fatalf("choose_org lacks a choice:\n%s", r.Body)
	}
	if member.Text() != "Home" || !strings.Contains(invited.Text(), "Join Acme (invited as ") || join.Text() != "Join Corp" {
		t.Fatalf("choices read %q, %q, %q", member.Text(), invited.Text(), join.Text())
	}
	if r.Doc.byID("join-orgs") == nil || r.Doc.byID("join-heading") == nil {
		t.Fatalf("offers are not listed apart:\n%s", r.Body)
	}
	// A choice that was not offered is refused beside the list.
	stranger := e.account("Stranger", "someone@else.example")
	r2 := b.submit(r, join.Attr["id"], map[string]string{"org_id": string(stranger.ID)})
	if r2.Status != http.StatusUnprocessableEntity || r2.Doc.byID("org_id-error") == nil {
		t.Fatalf("an organization not offered: %d\n%s", r2.Status, r2.Body)
	}
	if got := e.codeFor(b.submit(r2, "join-"+string(corp.ID), nil)); got != string(corp.ID) {
		t.Fatalf("joined %s, want %s", got, corp.ID)
	}
	if e.members(corp) != 2 {
		t.Fatalf("Corp has %d members after a join", e.members(corp))
	}
}
