package e2e

import (
	"database/sql"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestInviteThroughAPIAndSelfServe: an invitation made by the vendor's back
// end and one made by an organization's admin on the settings page each
// email a link to the invitation page; the invitee proves the address with
// the emailed code and becomes a user of the organization with the invited
// role, which the app's next token shows. Used and revoked links show a page
// saying so; inviting someone who is already a member is refused.
func TestInviteThroughAPIAndSelfServe(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, d deployment) {
		s := newLoginStack(t, d)
		api := s.api(t)
		org := apiOrg(t, api, "Acme")
		apiUser(t, api, org, "boss@acme.example", "admin")

		// The back end invites Ann as an admin.
		created := api.must(http.StatusCreated, "POST", "/invites", map[string]any{"organization_id": org, "email": "Ann@Example.com", "role": "admin"})
		if strings.Contains(string(created.body), "gh_inv_") {
			t.Fatalf("the API answer carries the invitation's link token: %s", created.body)
		}
		inv := created.json(t)
		if inv["email"] != "ann@example.com" || inv["status"] != "pending" || inv["role"] != "admin" {
			t.Fatalf("created invitation: %s", created.body)
		}
		msg := s.mail.waitFor(t, "ann@example.com", 1)
		link := msg.InviteLink()
		if !strings.HasPrefix(link, s.path("/invite/gh_inv_")) {
			t.Fatalf("the invitation email links to %q, want %s…:\n%s", link, s.path("/invite/gh_inv_"), msg.Text)
		}
		if !strings.Contains(msg.Text, "Acme") {
			t.Fatalf("the invitation email does not name the organization:\n%s", msg.Text)
		}

		// The link under another project's pages is no invitation there.
		other := createProject(t, d, s.public, "Other")
		elsewhere := strings.Replace(link, "/p/"+s.project.ProjectID+"/", "/p/"+other.ProjectID+"/", 1)
		wantDeadInvite(t, newPerson(t, s.public).get(elsewhere), "the link under another project")

		// A forwarded link: whoever proves another address is refused and
		// nothing is created.
		mallory := newPerson(t, s.public)
		mallory.open(link)
		mallory.submit("form-accept-invite", "accept")
		s.proveEmail(t, mallory, "mallory@example.com")
		if mallory.landed != nil || !strings.Contains(mallory.page, "not for") {
			t.Fatalf("proving another address than the invited one must be refused:\n%s", mallory.page)
		}
		if users := api.must(http.StatusOK, "GET", "/users?organization_id="+org, nil).list(t); len(users) != 1 {
			t.Fatalf("a forwarded invitation made a user: %v", users)
		}

		ann := newPerson(t, s.public)
		ann.open(link)
		if !ann.has("form-accept-invite") || !strings.Contains(ann.page, "Acme") || !strings.Contains(ann.page, "ann@example.com") {
			t.Fatalf("the invitation page does not offer to accept Acme's invitation:\n%s", ann.page)
		}
		ann.submit("form-accept-invite", "accept")
		s.proveEmail(t, ann, "ann@example.com")
		if !strings.HasPrefix(ann.at, s.path("/account")) {
			t.Fatalf("after accepting, the invitee is at %s, want the account page:\n%s", ann.at, ann.page)
		}

		// The app's login reuses the browser session: the token shows the
		// invited role in the invited organization.
		a := newApp(t, s.project)
		ann.open(a.authURL())
		tok := a.finish(t, ann.landed)
		c := s.accessClaims(t, tok.oauth)
		if c.OrgID != org || c.Email != "ann@example.com" || !slices.Contains(c.Roles, "admin") || slices.Contains(c.Roles, "owner") {
			t.Fatalf("the invitee's token: org %s email %s roles %v, want Acme admin", c.OrgID, c.Email, c.Roles)
		}
		got := api.must(http.StatusOK, "GET", "/invites/"+inv["id"].(string), nil).json(t)
		if got["status"] != "accepted" || got["accepted_user_id"] != c.Subject {
			t.Fatalf("the invitation after acceptance: %v", got)
		}

		// A used link shows the page that says it cannot be used.
		used := newPerson(t, s.public).get(link)
		wantDeadInvite(t, used, "a used invitation link")

		// Inviting a member again: already_member.
		again := api.must(http.StatusConflict, "POST", "/invites", map[string]any{"organization_id": org, "email": "ann@example.com"})
		if code := again.str(t, "code"); code != "already_member" {
			t.Fatalf("inviting a member: code %q: %s", code, again.body)
		}

		// The admin invites Carl as a member on the settings page.
		boss := newPerson(t, s.public)
		s.signIn(t, boss, "boss@acme.example", "/org/invites", "")
		if !boss.has("form-invite") {
			t.Fatalf("the invites page has no invitation form:\n%s", boss.page)
		}
		sent := boss.post(s.path("/org/invites"), "action", "invite", "email", "carl@example.com", "role", "member")
		if !strings.Contains(sent.body, `id="notice"`) || !strings.Contains(sent.body, "carl@example.com") {
			t.Fatalf("inviting on the page: %d at %s:\n%s", sent.status, sent.at, sent.body)
		}
		carlMsg := s.mail.waitFor(t, "carl@example.com", 1)
		if !strings.Contains(carlMsg.Text, "boss@acme.example") {
			t.Errorf("an admin's invitation should say who invited: %s", carlMsg.Text)
		}
		carl := newPerson(t, s.public)
		carl.open(carlMsg.InviteLink())
		carl.submit("form-accept-invite", "accept")
		s.proveEmail(t, carl, "carl@example.com")
		carl.open(a.authURL())
		cc := s.accessClaims(t, a.finish(t, carl.landed).oauth)
		if cc.OrgID != org || !slices.Contains(cc.Roles, "member") || slices.Contains(cc.Roles, "admin") {
			t.Fatalf("an invited member's token: org %s roles %v", cc.OrgID, cc.Roles)
		}

		// The page refuses a member too, beside the field.
		dup := boss.post(s.path("/org/invites"), "action", "invite", "email", "carl@example.com", "role", "member")
		if dup.status != http.StatusConflict || !strings.Contains(strings.ToLower(dup.body), "already") {
			t.Fatalf("inviting a member on the page: %d:\n%s", dup.status, dup.body)
		}

		// Revoked through the API or on the page: the link shows the page
		// that says it cannot be used, and accepting is refused.
		dora := api.must(http.StatusCreated, "POST", "/invites", map[string]any{"organization_id": org, "email": "dora@example.com"}).str(t, "id")
		doraLink := s.mail.waitFor(t, "dora@example.com", 1).InviteLink()
		api.must(http.StatusNoContent, "DELETE", "/invites/"+dora, nil)
		wantDeadInvite(t, newPerson(t, s.public).get(doraLink), "a link revoked through the API")

		boss.post(s.path("/org/invites"), "action", "invite", "email", "eve@example.com", "role", "member")
		eveLink := s.mail.waitFor(t, "eve@example.com", 1).InviteLink()
		eve := newPerson(t, s.public)
		eve.open(eveLink) // opened before the revocation, accepted after it
		invs := api.must(http.StatusOK, "GET", "/invites?organization_id="+org+"&status=pending", nil).list(t)
		var eveID string
		for _, i := range invs {
			if i["email"] == "eve@example.com" {
				eveID = i["id"].(string)
			}
		}
		if eveID == "" {
			t.Fatalf("Eve's invitation is not pending: %v", invs)
		}
		boss.open(s.path("/org/invites"))
		if r := boss.post(s.path("/org/invites"), "action", "revoke", "invite_id", eveID); !strings.Contains(r.body, `id="notice"`) {
			t.Fatalf("revoking on the page: %d:\n%s", r.status, r.body)
		}
		late := eve.post(eveLink, "action", "accept")
		wantDeadInvite(t, late, "accepting a revoked invitation")
		if users := api.must(http.StatusOK, "GET", "/users?organization_id="+org+"&email=eve@example.com", nil).list(t); len(users) != 0 {
			t.Fatalf("a revoked invitation made a user: %v", users)
		}

		// Signing in through the app without the link: once the address is
		// proven, the invitation is offered apart from the person's own
		// organizations, and choosing it joins with the invited role.
		frankInv := api.must(http.StatusCreated, "POST", "/invites", map[string]any{"organization_id": org, "email": "frank@example.com", "role": "admin"}).str(t, "id")
		frankOwn := apiOrg(t, api, "Frank's Garage")
		apiUser(t, api, frankOwn, "frank@example.com")
		s.mail.waitFor(t, "frank@example.com", 1) // the invitation, before the code
		frank := newPerson(t, s.public)
		frank.open(a.authURL())
		s.proveEmail(t, frank, "frank@example.com")
		if !frank.has("invite-"+frankInv) || !frank.has("org-"+frankOwn) || !strings.Contains(frank.page, "Join Acme (invited as") {
			t.Fatalf("choose_org must offer the invitation next to the person's own organization:\n%s", frank.page)
		}
		frank.submit("form-choose-org", "choose_org", "org_id", org)
		fc := s.accessClaims(t, a.finish(t, frank.landed).oauth)
		if fc.OrgID != org || !slices.Contains(fc.Roles, "admin") {
			t.Fatalf("joined by invitation at login: org %s roles %v", fc.OrgID, fc.Roles)
		}
	})
}

// wantDeadInvite checks the page an unusable invitation link shows: gone,
// saying so, and with a way on.
func wantDeadInvite(t *testing.T, a pageAnswer, what string) {
	t.Helper()
	if a.status != http.StatusGone || !strings.Contains(a.body, "can no longer be used") || strings.Contains(a.body, "form-accept-invite") {
		t.Fatalf("%s: %d, want 410 with a page saying the invitation can no longer be used:\n%s", what, a.status, a.body)
	}
}

// TestExpiredInviteLink: an invitation past its lifetime shows the page
// saying it can no longer be used and is listed as expired; resending it
// emails a new link that works, while the old one stays dead. The server's
// clock cannot be moved from here, so the invitation's end is moved in the
// database, as seven days passing would.
func TestExpiredInviteLink(t *testing.T) {
	t.Parallel()
	d := deployment{engine: "sqlite", dataDir: t.TempDir()}
	s := newLoginStack(t, d)
	api := s.api(t)
	org := apiOrg(t, api, "Slow Movers")
	inv := api.must(http.StatusCreated, "POST", "/invites", map[string]any{"organization_id": org, "email": "late@example.com"}).str(t, "id")
	old := s.mail.waitFor(t, "late@example.com", 1).InviteLink()

	db, err := sql.Open("sqlite", "file:"+filepath.Join(d.dataDir, "gatehouse.db")+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE invites SET expires_at = ? WHERE id = ?`, time.Now().UTC().Add(-time.Hour), inv)
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("moving the invitation's end: %v (%d rows)", err, n)
	}

	wantDeadInvite(t, newPerson(t, s.public).get(old), "an expired invitation link")
	if st := api.must(http.StatusOK, "GET", "/invites/"+inv, nil).str(t, "status"); st != "expired" {
		t.Fatalf("an invitation past its end is %q, want expired", st)
	}

	api.must(http.StatusOK, "POST", "/invites/"+inv+"/resend", nil)
	fresh := s.mail.waitFor(t, "late@example.com", 2).InviteLink()
	if fresh == old {
		t.Fatal("resending sent the same link")
	}
	wantDeadInvite(t, newPerson(t, s.public).get(old), "the link before a resend")
	p := newPerson(t, s.public)
	p.open(fresh)
	if !p.has("form-accept-invite") {
		t.Fatalf("the resent link does not offer to accept:\n%s", p.page)
	}
	p.submit("form-accept-invite", "accept")
	s.proveEmail(t, p, "late@example.com")
	if got := api.must(http.StatusOK, "GET", "/invites/"+inv, nil).str(t, "status"); got != "accepted" {
		t.Fatalf("after accepting the resent invitation its status is %q", got)
	}
}
