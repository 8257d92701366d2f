package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/gatehouse-auth/gatehouse/cmd/gatehouse/cli"
	"github.com/gatehouse-auth/gatehouse/examples/webapp/app"
	"github.com/gatehouse-auth/gatehouse/internal/server"
)

// TestBrowserLoginThroughExampleApp drives real Chromium through the README's
// story: the example app sends the person to the hosted pages, they sign up
// with the emailed code and create their organization, and the app shows
// who they are from a verified access token. Then they log out and back in.
func TestBrowserLoginThroughExampleApp(t *testing.T) {
	t.Parallel()
	ctx := newBrowser(t)
	mb := startMailbox(t)
	d := deployment{engine: "sqlite", dataDir: t.TempDir()}
	srv := start(t, d, func(c *server.Config) { c.SMTPURL = mb.url })
	public := srv.main.PublicURL()

	// The example app listens first so its callback URL can be registered.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	appURL := "http://" + ln.Addr().String()
	var out, errOut bytes.Buffer
	if code := cli.Run(context.Background(), []string{"project", "create", "--name", "Acme Cloud", "--json",
		"--data-dir", d.dataDir, "--public-url", public, "--redirect-uri", appURL + "/callback"}, &out, &errOut, "e2e"); code != 0 {
		t.Fatalf("project create: %s", errOut.String())
	}
	var p oidcProject
	if err := json.Unmarshal(out.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	example, err := app.New(context.Background(), app.Config{Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: p.ClientSecret, URL: appURL})
	if err != nil {
		t.Fatal(err)
	}
	appSrv := &http.Server{Handler: example.Handler()}
	go func() { _ = appSrv.Serve(ln) }()
	t.Cleanup(func() { _ = appSrv.Close() })

	const email = "dorothy@vaughan.example"
	step(t, ctx, "open the app and start the login",
		chromedp.Navigate(appURL),
		chromedp.Click(chromedp.ID("login")),
		chromedp.WaitVisible(chromedp.ID("email")),
	)
	shot(t, ctx, "identify")
	step(t, ctx, "identify", chromedp.SendKeys(chromedp.ID("email"), email), chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.ID("code")))
	shot(t, ctx, "verify-email")
	code := mb.waitFor(t, email, 1).Code()
	step(t, ctx, "enter the code", chromedp.SendKeys(chromedp.ID("code"), code), chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.ID("org_name")))
	shot(t, ctx, "create-org")
	step(t, ctx, "create the organization", chromedp.SendKeys(chromedp.ID("org_name"), "West Computing"), chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.ID("signed-in")))
	shot(t, ctx, "app-signed-in")

	got, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("email")))
	if err != nil || got != email {
		t.Fatalf("the app shows %q (%v), want %s", got, err, email)
	}
	org, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("org")))
	roles, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("roles")))
	if org != "West Computing" || !strings.Contains(roles, "owner") {
		t.Fatalf("the app shows organization %q roles %q", org, roles)
	}

	// Log out ends the Gatehouse session too; logging in again asks for the
	// email again and lands on the same account.
	step(t, ctx, "log out", chromedp.Click(chromedp.ID("logout")), chromedp.WaitVisible(chromedp.ID("heading")))
	shot(t, ctx, "signed-out")
	if h, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("heading"))); !strings.Contains(strings.ToLower(h), "signed out") {
		t.Fatalf("the end-session page says %q", h)
	}
	step(t, ctx, "log in again", chromedp.Navigate(appURL), chromedp.Click(chromedp.ID("login")), chromedp.WaitVisible(chromedp.ID("email")))
	step(t, ctx, "identify again", chromedp.SendKeys(chromedp.ID("email"), email), chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.ID("code")))
	code = mb.waitFor(t, email, 2).Code()
	step(t, ctx, "enter the second code", chromedp.SendKeys(chromedp.ID("code"), code), chromedp.Click(chromedp.ID("submit")), chromedp.WaitVisible(chromedp.ID("signed-in")))
	again, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("org")))
	if again != "West Computing" {
		t.Fatalf("second login shows organization %q", again)
	}

	// The same person also has an account at Langley: the app's "Switch
	// organization" lists both and switches without another code.
	api := newClient(t, srv.url, p.SecretKey)
	langley := api.must(http.StatusCreated, "POST", "/organizations", map[string]any{"name": "Langley"}).str(t, "id")
	api.must(http.StatusCreated, "POST", "/users", map[string]any{"organization_id": langley, "email": email})
	step(t, ctx, "switch organization", chromedp.Click(chromedp.ID("switch")), chromedp.WaitVisible(chromedp.ID("org-"+langley)))
	shot(t, ctx, "switch-organization")
	step(t, ctx, "pick Langley", chromedp.Click(chromedp.ID("org-"+langley)), chromedp.WaitVisible(chromedp.ID("signed-in")))
	if now, _ := chromedp.Run(ctx, chromedp.Text(chromedp.ID("org"))); now != "Langley" {
		t.Fatalf("after switching the app shows organization %q, want Langley", now)
	}
	if n := mb.count(email); n != 2 {
		t.Fatalf("switching sent email: %d messages, want the 2 sign-in codes only", n)
	}
}

// shot saves a screenshot of the current page when GATEHOUSE_TEST_SCREENSHOTS
// names a directory, so people can look at the pages.
func shot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("GATEHOUSE_TEST_SCREENSHOTS")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
