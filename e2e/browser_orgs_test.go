package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse-auth/gatehouse/internal/server"
)

// TestBrowserNewcomerJourney drives real Chromium through a newcomer's
// first hour, without the API: the one-time setup link the server logs
// creates the first staff member, who signs in to the console with the
// emailed code, creates a project, lets organizations define roles,
// registers an OAuth client, creates an organization and invites two
// people. The first accepts in another browser and lands on their account
// page; as the organization's admin they open the members page and change
// the second member's role. Then the staff member impersonates that member
// and the account page shows the banner.
func TestBrowserNewcomerJourney(t *testing.T) {
	t.Parallel()
	staffCtx := newBrowser(t)
	mb := startMailbox(t)
	d := deployment{engine: "sqlite", dataDir: t.TempDir()}
	srv := start(t, d, func(c *server.Config) { c.SMTPURL = mb.url })
	setup := setupLink(t, srv)

	const staff = "bill@vendor.example"
	step(t, staffCtx, "open the setup link", chromedp.Navigate(setup), chromedp.WaitVisible(chromedp.ID("form-setup")))
	shot(t, staffCtx, "journey-01-setup")
	step(t, staffCtx, "create the first staff account",
		chromedp.SendKeys(chromedp.ID("email"), staff), chromedp.Click(chromedp.ID("setup-submit")),
		chromedp.WaitVisible(chromedp.ID("form-identify")))
	shot(t, staffCtx, "journey-02-console-sign-in")
	if v, _ := chromedp.Run(staffCtx, chromedp.Value(chromedp.ID("email"))); v != staff {
		t.Fatalf("the console sign-in is not prefilled with the new staff email: %q", v)
	}
	step(t, staffCtx, "ask for a code", chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.ID("code")))
	step(t, staffCtx, "enter the code",
		chromedp.SendKeys(chromedp.ID("code"), mb.waitFor(t, staff, 1).Code()), chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("form-create-project")))
	shot(t, staffCtx, "journey-03-console-projects")

	step(t, staffCtx, "create a project",
		chromedp.SendKeys(chromedp.ID("project-name"), "Initech Cloud"), chromedp.Click(chromedp.ID("create-project")),
		chromedp.WaitVisible(chromedp.ID("secret")))
	shot(t, staffCtx, "journey-04-project-secret-key")
	if key, _ := chromedp.Run(staffCtx, chromedp.Text(chromedp.ID("secret"))); !strings.HasPrefix(key, "gh_sk_") {
		t.Fatalf("the new project's secret key shown once is %q", key)
	}
	step(t, staffCtx, "continue to the project", chromedp.Click(chromedp.ID("continue")), chromedp.WaitVisible(chromedp.ID("form-settings")))
	pid, err := chromedp.Run(staffCtx, chromedp.Text(chromedp.ID("project-id")))
	if err != nil || !strings.HasPrefix(pid, "proj_") {
		t.Fatalf("project settings show ID %q (%v)", pid, err)
	}
	step(t, staffCtx, "let organizations define roles",
		chromedp.Click(chromedp.ID("custom-roles")), chromedp.Click(chromedp.ID("settings-submit")), chromedp.WaitVisible(chromedp.ID("notice")))
	shot(t, staffCtx, "journey-05-project-settings")
	if on, _ := chromedp.Run(staffCtx, chromedp.Evaluate[bool](`document.getElementById("custom-roles").checked`)); !on {
		t.Fatal("custom roles are not on after saving the settings")
	}

	public := srv.main.PublicURL()
	base := public + "/p/" + setupConsoleProject(t, setup, srv) + "/console/projects/" + pid
	step(t, staffCtx, "open the OAuth clients", chromedp.Navigate(base+"/clients"), chromedp.WaitVisible(chromedp.ID("form-create-client")))
	step(t, staffCtx, "register a client",
		chromedp.SendKeys(chromedp.ID("client-name"), "Initech web"), chromedp.SendKeys(chromedp.ID("client-redirect-uris"), appCallback),
		chromedp.Click(chromedp.ID("create-client")), chromedp.WaitVisible(chromedp.ID("secret")))
	step(t, staffCtx, "back to the clients", chromedp.Click(chromedp.ID("continue")), chromedp.WaitVisible(chromedp.ID("clients")))
	shot(t, staffCtx, "journey-06-clients")
	if table, _ := chromedp.Run(staffCtx, chromedp.Text(chromedp.ID("clients"))); !strings.Contains(table, appCallback) {
		t.Fatalf("the clients table does not show the redirect URI: %q", table)
	}

	step(t, staffCtx, "open the organizations", chromedp.Navigate(base+"/orgs"), chromedp.WaitVisible(chromedp.ID("form-create-org")))
	step(t, staffCtx, "create an organization",
		chromedp.SendKeys(chromedp.ID("org-name"), "Initech"), chromedp.Click(chromedp.ID("create-org")),
		chromedp.WaitVisible(chromedp.ID("form-invite")))
	const peter, milton = "peter@initech.example", "milton@initech.example"
	step(t, staffCtx, "invite an admin",
		chromedp.SendKeys(chromedp.ID("invite-email"), peter), chromedp.SetValue(chromedp.ID("invite-role"), "admin"),
		chromedp.Click(chromedp.ID("invite-submit")), chromedp.WaitVisible(chromedp.ID("notice")))
	peterMail := mb.waitFor(t, peter, 1)
	step(t, staffCtx, "invite a member",
		chromedp.WaitVisible(chromedp.ID("form-invite")),
		chromedp.SendKeys(chromedp.ID("invite-email"), milton), chromedp.Click(chromedp.ID("invite-submit")))
	miltonMail := mb.waitFor(t, milton, 1)
	step(t, staffCtx, "the organization page after inviting", chromedp.WaitVisible(chromedp.ID("org-invites")))
	shot(t, staffCtx, "journey-07-organization")

	// Peter accepts in a browser of his own (a second Chromium: a tab of
	// another browser context in the same one never paints while in the
	// background, which screenshots wait for).
	peterCtx := newBrowser(t)
	link := peterMail.InviteLink()
	if link == "" {
		t.Fatalf("the invitation email has no link:\n%s", peterMail.Text)
	}
	step(t, peterCtx, "open the invitation", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.ID("accept")))
	shot(t, peterCtx, "journey-08-invitation")
	step(t, peterCtx, "accept", chromedp.Click(chromedp.ID("accept")), chromedp.WaitVisible(chromedp.ID("form-identify")))
	step(t, peterCtx, "ask for a code", chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.ID("code")))
	step(t, peterCtx, "enter the code",
		chromedp.SendKeys(chromedp.ID("code"), mb.waitFor(t, peter, 2).Code()), chromedp.Click(chromedp.ID("submit")),
		chromedp.WaitVisible(chromedp.ID("profile-email")))
	shot(t, peterCtx, "journey-09-account")
	if who, _ := chromedp.Run(peterCtx, chromedp.Text(chromedp.ID("profile-email"))); who != peter {
		t.Fatalf("the account page shows %q, want %s", who, peter)
	}

	// Milton accepts too (a browser without JavaScript will do).
	m := newPerson(t, public)
	m.open(miltonMail.InviteLink())
	m.submit("form-accept-invite", "accept")
	m.submit("form-identify", "email", "email", milton)
	m.submit("form-code", "code", "code", mb.waitFor(t, milton, 2).Code())
	if !strings.Contains(m.at, "/account") {
		t.Fatalf("Milton's acceptance ended at %s:\n%s", m.at, m.page)
	}

	// Peter, an admin, makes Milton an admin on the members page.
	step(t, peterCtx, "open the members", chromedp.Navigate(public+"/p/"+pid+"/org/members"), chromedp.WaitVisible(chromedp.ID("members")))
	row, err := chromedp.Run(peterCtx, chromedp.Evaluate[string](
		`[...document.querySelectorAll("tr[id^=member-]")].find(r => r.textContent.includes("`+milton+`")).id`))
	if err != nil || !strings.HasPrefix(row, "member-user_") {
		t.Fatalf("Milton is not on the members page (%q, %v)", row, err)
	}
	miltonID := strings.TrimPrefix(row, "member-")
	step(t, peterCtx, "change Milton's roles",
		chromedp.Click(chromedp.ID("role-"+miltonID+"-admin")), chromedp.Click(chromedp.ID("role-"+miltonID+"-member")),
		chromedp.Click(chromedp.ID("change-role-"+miltonID)), chromedp.WaitVisible(chromedp.ID("notice")))
	shot(t, peterCtx, "journey-10-members")
	if v, _ := chromedp.Run(peterCtx, chromedp.Text(chromedp.ID("roles-"+miltonID))); v != "admin" {
		t.Fatalf("after the change Milton's roles read %q", v)
	}

	// The staff member impersonates Milton: the banner names them.
	step(t, staffCtx, "open Milton in the console", chromedp.Navigate(base+"/users/"+miltonID), chromedp.WaitVisible(chromedp.ID("form-impersonate")))
	shot(t, staffCtx, "journey-11-console-user")
	step(t, staffCtx, "impersonate",
		chromedp.SendKeys(chromedp.ID("reason"), "Milton cannot find his stapler settings"),
		chromedp.Click(chromedp.ID("impersonate-submit")), chromedp.WaitVisible(chromedp.ID("banner")))
	shot(t, staffCtx, "journey-12-impersonating")
	banner, _ := chromedp.Run(staffCtx, chromedp.Text(chromedp.ID("banner")))
	if !strings.Contains(banner, staff) || !strings.Contains(banner, milton) {
		t.Fatalf("the impersonation banner says %q", banner)
	}
}

// setupLink is the one-time console setup link a fresh server logs.
func setupLink(t *testing.T, srv *running) string {
	t.Helper()
	for _, line := range strings.Split(srv.logs.String(), "\n") {
		var rec struct {
			SetupURL string `json:"setup_url"`
		}
		if json.Unmarshal([]byte(line), &rec) == nil && rec.SetupURL != "" {
			return rec.SetupURL
		}
	}
	t.Fatalf("the server logged no console setup link:\n%s", srv.logs.String())
	return ""
}

// setupConsoleProject is the console project's ID: /console redirects to
// its pages.
func setupConsoleProject(t *testing.T, _ string, srv *running) string {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(srv.url + "/console")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	parts := strings.Split(strings.TrimPrefix(loc, "/p/"), "/")
	if resp.StatusCode/100 != 3 || !strings.HasPrefix(loc, "/p/proj_") || len(parts) < 2 || parts[1] != "console" {
		t.Fatalf("/console answered %d to %q, want a redirect to /p/{console project}/console/", resp.StatusCode, loc)
	}
	return parts[0]
}
