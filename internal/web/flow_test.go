package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

// checkStep asserts the inputs each step must offer, exactly as browsers and
// password managers need them.
func checkStep(t *testing.T, r *response) {
	t.Helper()
	doc := r.Doc
	switch pageName(r) {
	case "identify":
		wantInput(t, doc, "email", map[string]string{"type": "email", "autocomplete": "email", "inputmode": "email"})
	case "verify_email":
		wantInput(t, doc, "code", map[string]string{"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}"})
	case "password":
		wantInput(t, doc, "password", map[string]string{"type": "password", "autocomplete": "current-password"})
		checkUsernameField(t, doc, "password")
	case "set_password":
		wantInput(t, doc, "new_password", map[string]string{"type": "password", "autocomplete": "new-password"})
		checkUsernameField(t, doc, "new_password")
	case "create_org":
		wantInput(t, doc, "org_name", map[string]string{"type": "text"})
	}
}

func checkUsernameField(t *testing.T, doc *node, pwID string) {
	t.Helper()
	pw := doc.byID(pwID)
	users := pw.form().all(func(n *node) bool { return n.Attr["autocomplete"] == "username" })
	if len(users) != 1 || users[0].Attr["value"] == "" {
		t.Errorf("%s form lacks the username field carrying the email", pwID)
	}
}

// driver drives the pages from r (any step) to the redirect back to the app,
// answering each step as a person would. choose picks among organizations
// by name ("" creates a new one when offered, else picks the first).
type driver struct {
	e        *env
	b        *browser
	email    string
	password string
	orgName  string
	choose   string
	seen     []string
}

func (f *driver) run(r *response) *response {
	t := f.e.t
	t.Helper()
	for range 20 {
		if r.Status == http.StatusSeeOther && strings.HasPrefix(r.Header.Get("Location"), appCallback) {
			return r
		}
		step := pageName(r)
		if r.Doc == nil || step == "" {
			t.Fatalf("flow stopped at status %d, page %q:\n%s", r.Status, step, r.Body)
		}
		f.seen = append(f.seen, step)
		checkStep(t, r)
		switch step {
		case "identify":
			r = f.b.submit(r, "submit", map[string]string{"email": f.email})
		case "verify_email":
			r = f.b.submit(r, "submit", map[string]string{"code": f.e.latestCode(f.email)})
		case "password":
			r = f.b.submit(r, "submit", map[string]string{"password": f.password})
		case "set_password":
			r = f.b.submit(r, "submit", map[string]string{"new_password": f.password})
		case "create_org":
			r = f.b.submit(r, "submit", map[string]string{"org_name": f.orgName})
		case "choose_org":
			r = f.chooseOrg(r)
		default:
			t.Fatalf("flow reached page %q:\n%s", step, r.Body)
		}
	}
	t.Fatalf("flow did not finish; steps %v", f.seen)
	return nil
}

func (f *driver) chooseOrg(r *response) *response {
	buttons := r.Doc.all(func(n *node) bool { return n.Tag == "button" && n.Attr["name"] == "org_id" })
	for _, b := range buttons {
		if f.choose != "" && b.Text() == f.choose {
			return f.b.submit(r, b.Attr["id"], nil)
		}
	}
	if f.choose == "" && r.Doc.byID("new-org") != nil {
		return f.b.submit(r, "new-org", nil)
	}
	if len(buttons) == 0 {
		f.e.t.Fatalf("choose_org offers nothing:\n%s", r.Body)
	}
	return f.b.submit(r, buttons[0].Attr["id"], nil)
}

// callback parses the redirect to the app.
func callback(t *testing.T, r *response) url.Values {
	t.Helper()
	loc, err := url.Parse(r.Header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), appCallback) {
		t.Fatalf("not a redirect to the app: %d %q", r.Status, r.Header.Get("Location"))
	}
	return loc.Query()
}

func TestFullFlowByHTTP(t *testing.T) {
	t.Parallel()
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			testFullFlow(t, newEnv(t, func(c *envConfig) { c.open = eng.Open }))
		})
	}
}

func testFullFlow(t *testing.T, e *env) {
	b := e.browser()
	r := b.get(e.authorizeURL(nil))
	if pageName(r) != "identify" {
		t.Fatalf("authorize led to %q (%d)", pageName(r), r.Status)
	}
	if r.Doc.byID("brand").Text() != "Acme" {
		t.Errorf("brand %q", r.Doc.byID("brand").Text())
	}
	ac := b.setCookie(attemptCookieName(string(e.project.ID)))
	if ac == nil || !ac.HttpOnly || ac.SameSite != http.SameSiteLaxMode || ac.Path != e.path("/") || ac.Secure ||
		!strings.HasPrefix(ac.Value, "gh_la_") || ac.Expires.IsZero() {
		t.Errorf("attempt cookie %+v", ac)
	}
	if !strings.Contains(r.Header.Get("Content-Security-Policy"), "form-action 'self' https://app.example;") {
		t.Errorf("login page CSP does not allow the app as form target: %q", r.Header.Get("Content-Security-Policy"))
	}

	f := &driver{e: e, b: b, email: "ada@example.com", password: testPassword, orgName: "Ada's Company"}
	r = f.run(r)
	q := callback(t, r)
	if q.Get("state") != "st-123" || q.Get("code") == "" || q.Get("error") != "" {
		t.Fatalf("callback %v", q)
	}
	if f.seen[0] != "identify" || f.seen[1] != "verify_email" {
		t.Errorf("steps %v", f.seen)
	}
	sc := b.setCookie(sessionCookieName(string(e.project.ID)))
	if sc == nil || !sc.HttpOnly || sc.SameSite != http.SameSiteLaxMode || sc.Path != e.path("/") || !strings.HasPrefix(sc.Value, "gh_bs_") {
		t.Errorf("session cookie %+v", sc)
	}
	if c := b.setCookie(attemptCookieName(string(e.project.ID))); c == nil || c.MaxAge >= 0 {
		t.Errorf("attempt cookie not cleared at completion: %+v", c)
	}
	if status, body := e.exchange(q.Get("code")); status != 200 || !strings.Contains(body, "id_token") {
		t.Fatalf("the code does not redeem: %d %s", status, body)
	}

	t.Run("a live session skips the pages", func(t *testing.T) {
		r := b.get(e.authorizeURL(map[string]string{"state": "again"}))
		q := callback(t, r)
		if q.Get("code") == "" || q.Get("state") != "again" {
			t.Fatalf("callback %v", q)
		}
	})
	t.Run("prompt=login asks again", func(t *testing.T) {
		r := b.get(e.authorizeURL(map[string]string{"prompt": "login"}))
		if r.Status != 200 || pageName(r) != "identify" {
			t.Fatalf("prompt=login: %d %q", r.Status, pageName(r))
		}
	})
	t.Run("prompt=none without a session", func(t *testing.T) {
		r := e.browser().get(e.authorizeURL(map[string]string{"prompt": "none"}))
		q := callback(t, r)
		if q.Get("error") != "login_required" || q.Get("state") != "st-123" || q.Get("code") != "" {
			t.Fatalf("callback %v", q)
		}
	})
	t.Run("prompt=none with the session", func(t *testing.T) {
		q := callback(t, b.get(e.authorizeURL(map[string]string{"prompt": "none"})))
		if q.Get("code") == "" {
			t.Fatalf("callback %v", q)
		}
	})
}

func TestExpiredAttempt(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	if r := b.get(e.authorizeURL(nil)); pageName(r) != "identify" {
		t.Fatalf("baseline: %d %q", r.Status, pageName(r))
	}
	e.clock.Advance(3 * time.Hour)
	r := b.get(e.path("/login"))
	if r.Status != http.StatusGone || !strings.Contains(r.Doc.byID("heading").Text(), "This sign-in expired") {
		t.Fatalf("expired attempt: %d\n%s", r.Status, r.Body)
	}
	r = e.browser().get(e.path("/login"))
	if r.Status != http.StatusGone {
		t.Fatalf("no attempt at all: %d", r.Status)
	}
}

func TestUnregisteredRedirectURINeverRedirects(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	for name, q := range map[string]map[string]string{
		"foreign host":   {"redirect_uri": evilCallback},
		"lookalike path": {"redirect_uri": appCallback + "/../evil"},
		"unknown client": {"client_id": "cli_00000000000000000000000000"},
	} {
		t.Run(name, func(t *testing.T) {
			r := b.get(e.authorizeURL(q))
			if r.Status != http.StatusBadRequest || r.Header.Get("Location") != "" || pageName(r) != "message" {
				t.Fatalf("got %d Location=%q page=%q", r.Status, r.Header.Get("Location"), pageName(r))
			}
			if len(b.chain) != 1 {
				t.Errorf("followed %d redirects", len(b.chain)-1)
			}
			if strings.Contains(r.Body, "href=\""+evilCallback) {
				t.Error("error page links to the unregistered URI")
			}
		})
	}
	t.Run("baseline: a registered URI with a bad parameter goes back to the app", func(t *testing.T) {
		r := b.get(e.authorizeURL(map[string]string{"response_type": "token"}))
		q := callback(t, r)
		if q.Get("error") == "" || q.Get("state") != "st-123" {
			t.Fatalf("callback %v", q)
		}
	})
}

func TestUnknownProject(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	for path, want := range map[string]int{
		"/p/proj_00000000000000000000000000/oauth/authorize?client_id=" + string(e.client.ID) + "&redirect_uri=" + url.QueryEscape(appCallback): http.StatusBadRequest,
		"/p/not-a-project/login":                          http.StatusNotFound,
		"/p/proj_00000000000000000000000000/login":        http.StatusGone,
		"/p/not-a-project/login/link?token=gh_ml_x":       http.StatusNotFound,
		"/p/proj_00000000000000000000000000/oauth/logout": http.StatusOK,
	} {
		r := b.get(path)
		if r.Status != want || r.Header.Get("Location") != "" {
			t.Errorf("%s: %d Location %q, want %d", path, r.Status, r.Header.Get("Location"), want)
		}
	}
	// Baseline: the same client at its own project starts a login.
	if r := b.get(e.authorizeURL(nil)); pageName(r) != "identify" {
		t.Errorf("baseline: %d %q", r.Status, pageName(r))
	}
}
