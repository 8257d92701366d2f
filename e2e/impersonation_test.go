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

	"github.com/gatehouse-auth/gatehouse/cmd/gatehouse/cli"
)

// staffMember is what `gatehouse console add-staff --json` prints.
type staffMember struct {
	UserID     string `json:"user_id"`
	Email      string `json:"email"`
	ProjectID  string `json:"console_project_id"`
	ConsoleURL string `json:"console_url"`
}

// addStaff runs the real CLI against the deployment, as the README tells
// whoever runs the server to.
func addStaff(t *testing.T, d deployment, public, email string) staffMember {
	t.Helper()
	args := []string{"console", "add-staff", "--email", email, "--json", "--data-dir", d.dataDir, "--public-url", public}
	if d.databaseURL != "" {
		args = append(args, "--database-url", d.databaseURL)
	}
	var out, errOut bytes.Buffer
	if code := cli.Run(context.Background(), args, &out, &errOut, "e2e"); code != 0 {
		t.Fatalf("console add-staff: exit %d: %s", code, errOut.String())
	}
	var st staffMember
	if err := json.Unmarshal(out.Bytes(), &st); err != nil || st.UserID == "" || st.ConsoleURL == "" {
		t.Fatalf("console add-staff printed %s: %v", out.String(), err)
	}
	return st
}

// TestImpersonation: a staff member signs in to the console through the
// hosted pages, impersonates a user of a project with a reason, and lands on
// that project's account page under a banner naming them; the app's login
// then reuses that browser session and its access token carries act
// {sub, email}. Every session of the impersonation ends within the hour, the
// user's password cannot be changed from it, it does not count as the user's
// activity, and the audit log records its start and end with the staff
// member as the actor.
func TestImpersonation(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, d deployment) {
		s := newLoginStack(t, d)
		api := s.api(t)
		org := apiOrg(t, api, "Customer Co")
		uid := apiUser(t, api, org, "cust@customer.example")
		staff := addStaff(t, d, s.public, "support@vendor.example")

		sp := newPerson(t, s.public)
		sp.open(staff.ConsoleURL)
		s.proveEmail(t, sp, "support@vendor.example")
		consoleBase := "/p/" + staff.ProjectID + "/console"
		if !strings.Contains(sp.at, consoleBase) || !strings.Contains(sp.page, "support@vendor.example") {
			t.Fatalf("after signing in, staff is at %s:\n%s", sp.at, sp.page)
		}
		userPage := s.public + consoleBase + "/projects/" + s.project.ProjectID + "/users/" + uid
		sp.open(userPage)
		if !sp.has("form-impersonate") {
			t.Fatalf("the console's user page offers no impersonation:\n%s", sp.page)
		}
		noReason := sp.post(userPage, "action", "impersonate", "reason", "")
		if noReason.status != http.StatusUnprocessableEntity || !strings.Contains(noReason.body, `id="reason-error"`) {
			t.Fatalf("impersonating without a reason: %d, want 422 with the error beside the field:\n%s", noReason.status, noReason.body)
		}
		startedBefore := time.Now()
		const reason = "Ticket 4821: the invoice page is blank"
		sp.submit("form-impersonate", "impersonate", "reason", reason)
		startedAfter := time.Now()
		if !strings.HasPrefix(sp.at, s.path("/account")) {
			t.Fatalf("impersonating lands at %s, want the project's account page:\n%s", sp.at, sp.page)
		}
		banner := elementText(sp.page, "banner")
		if banner == "" {
			banner = bannerText(sp.page)
		}
		if !strings.Contains(banner, "support@vendor.example") || !strings.Contains(banner, "cust@customer.example") || !strings.Contains(banner, reason) {
			t.Fatalf("the account page's banner %q does not say who is signed in as whom and why:\n%s", banner, sp.page)
		}
		pw := sp.get(s.path("/account/password"))
		if !strings.Contains(pw.body, `id="password-impersonated"`) || strings.Contains(pw.body, `id="form-password"`) {
			t.Fatalf("the password page under impersonation:\n%s", pw.body)
		}
		if r := sp.post(s.path("/account/password"), "action", "change", "new_password", "taken over by support 123"); r.status != http.StatusForbidden {
			t.Fatalf("changing the user's password under impersonation: %d, want 403", r.status)
		}

		// The app signs in with the browser session: act names the staff.
		a := newApp(t, s.project)
		sp.open(a.authURL())
		tok := a.finish(t, sp.landed)
		c := s.accessClaims(t, tok.oauth)
		if c.Subject != uid || !c.Impersonated() || c.Act.Subject != staff.UserID || c.Act.Email != "support@vendor.example" {
			t.Fatalf("impersonated access token: sub %s act %+v, want sub %s act {%s support@vendor.example}", c.Subject, c.Act, uid, staff.UserID)
		}
		if !slices.Contains(c.AMR, "imp") {
			t.Fatalf("amr %v, want imp", c.AMR)
		}
		var idAct struct {
			Act struct {
				Sub   string `json:"sub"`
				Email string `json:"email"`
			} `json:"act"`
		}
		if err := tok.idToken.Claims(&idAct); err != nil || idAct.Act.Sub != staff.UserID {
			t.Fatalf("the ID token's act: %+v (%v)", idAct, err)
		}

		// Every session of it ends within the hour (the refresh past the
		// hour is proven by the session package's clock tests).
		sessions := api.must(http.StatusOK, "GET", "/sessions?user_id="+uid, nil).list(t)
		if len(sessions) == 0 {
			t.Fatal("the impersonation's sessions are not listed")
		}
		for _, se := range sessions {
			if imp, _ := se["impersonator"].(map[string]any); imp == nil || imp["staff_user_id"] != staff.UserID || imp["reason"] != reason {
				t.Fatalf("the API's session does not name the staff member behind it: %v", se)
			}
			exp, err := time.Parse(time.RFC3339Nano, se["expires_at"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if exp.After(startedAfter.Add(time.Hour)) || exp.Before(startedBefore) {
				t.Fatalf("an impersonated session expires at %s, want within an hour of %s", exp, startedBefore)
			}
		}
		if _, err := refreshed(a, tok.oauth); err != nil {
			t.Fatalf("refresh within the hour: %v", err)
		}

		// Not the user's activity.
		usage := api.must(http.StatusOK, "GET", "/organizations/"+org+"/usage", nil).json(t)
		if usage["monthly_active_users"].(float64) != 0 || usage["seats"].(float64) != 1 {
			t.Fatalf("usage after an impersonation: %v, want 1 seat and no active user", usage)
		}

		// Staff ends it from the console by signing the session out: every
		// session of the impersonation ends, the app's too.
		// The browser session the console started (the app signed in with
		// it, so it may be the only one).
		browserSession := sessions[len(sessions)-1]["id"].(string)
		sp.open(userPage)
		if !sp.has("revoke-" + browserSession) {
			t.Fatalf("the console's user page does not list the impersonated session %s:\n%s", browserSession, sp.page)
		}
		if r := sp.post(userPage, "action", "revoke_session", "session_id", browserSession); r.status != http.StatusOK {
			t.Fatalf("signing the impersonated session out: %d:\n%s", r.status, r.body)
		}
		started := auditEvents(t, api, "event_type=impersonation.started")
		if len(started) != 1 {
			t.Fatalf("impersonation.started events: %v", started)
		}
		if act := started[0]["actor"].(map[string]any); act["type"] != "staff" || act["id"] != staff.UserID {
			t.Fatalf("impersonation.started actor %v, want staff %s", act, staff.UserID)
		}
		if !strings.Contains(mustJSON(t, started[0]["details"]), reason) {
			t.Fatalf("impersonation.started does not record the reason: %v", started[0]["details"])
		}
		ended := auditEvents(t, api, "event_type=impersonation.ended")
		if len(ended) != 1 {
			t.Fatalf("after staff signed the impersonated session out in the console, impersonation.ended events: %v (want one: signing an impersonated session out in the console should end the impersonation through session.Service.EndImpersonation, not only revoke that session)", ended)
		}
		if act := ended[0]["actor"].(map[string]any); act["type"] != "staff" || act["id"] != staff.UserID {
			t.Fatalf("impersonation.ended actor %v, want staff %s", act, staff.UserID)
		}
		if _, err := refreshed(a, tok.oauth); !isInvalidGrant(err) {
			t.Fatalf("the app's refresh after the impersonation ended: %v, want invalid_grant", err)
		}
	})
}

// bannerText is the text of the page's banner, tags stripped.
func bannerText(page string) string {
	i := strings.Index(page, `id="banner"`)
	if i < 0 {
		return ""
	}
	rest := page[i:]
	if j := strings.Index(rest, "</div>"); j >= 0 {
		rest = rest[:j]
	}
	var b strings.Builder
	in := false
	for _, r := range rest {
		switch {
		case r == '<':
			in = true
		case r == '>':
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestUsageSeatsAndMonthlyActiveUsers: an organization's usage counts its
// active users as seats and the distinct users who signed in this month,
// however often; a deactivated user is no seat. The organization page
// shows the same figures to its admins.
func TestUsageSeatsAndMonthlyActiveUsers(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, d deployment) {
		s := newLoginStack(t, d)
		api := s.api(t)
		org := apiOrg(t, api, "Metered Inc")
		apiUser(t, api, org, "owner@metered.example")
		apiUser(t, api, org, "busy@metered.example")
		apiUser(t, api, org, "idle@metered.example")
		gone := apiUser(t, api, org, "gone@metered.example")
		api.must(http.StatusOK, "PATCH", "/users/"+gone, map[string]any{"status": "deactivated"})
		other := apiOrg(t, api, "Elsewhere")
		apiUser(t, api, other, "someone@elsewhere.example")

		zero := api.must(http.StatusOK, "GET", "/organizations/"+org+"/usage", nil).json(t)
		if zero["seats"].(float64) != 3 || zero["monthly_active_users"].(float64) != 0 || zero["month"] != time.Now().UTC().Format("2006-01") {
			t.Fatalf("usage before any login: %v, want 3 seats, 0 active in the current month", zero)
		}

		a := newApp(t, s.project)
		login := func(email string) *tokens {
			p := newPerson(t, s.public)
			p.open(a.authURL())
			s.proveEmail(t, p, email)
			return a.finish(t, p.landed)
		}
		first := login("busy@metered.example")
		login("busy@metered.example")
		if _, err := refreshed(a, first.oauth); err != nil {
			t.Fatal(err)
		}
		owner := newPerson(t, s.public)
		s.signIn(t, owner, "owner@metered.example", "/org", "")

		u := api.must(http.StatusOK, "GET", "/organizations/"+org+"/usage", nil).json(t)
		if u["seats"].(float64) != 3 || u["monthly_active_users"].(float64) != 2 || u["organization_name"] != "Metered Inc" {
			t.Fatalf("usage after two people signed in (one of them twice): %v, want 3 seats and 2 active users", u)
		}
		if o := api.must(http.StatusOK, "GET", "/organizations/"+other+"/usage", nil).json(t); o["monthly_active_users"].(float64) != 0 {
			t.Fatalf("another organization's usage counts these logins: %v", o)
		}
		if elementText(owner.page, "org-seats") != "3" || elementText(owner.page, "org-active") != "2" {
			t.Fatalf("the organization page shows seats %q active %q, want 3 and 2:\n%s", elementText(owner.page, "org-seats"), elementText(owner.page, "org-active"), owner.page)
		}
		api.must(http.StatusBadRequest, "GET", "/organizations/"+org+"/usage?month=2026-13", nil)
	})
}
