package web

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// checkPage asserts what every hosted page must have: a language, a title, a
// <main>, our stylesheet only, no script, a label for every visible input,
// error references that resolve, and the form token in every POST form.
func checkPage(t *testing.T, body string) *node {
	t.Helper()
	doc := parseHTML(t, body)
	if html := doc.tags("html"); len(html) != 1 || html[0].Attr["lang"] == "" {
		t.Errorf("want one <html lang=…>, got %d", len(html))
	}
	if ti := doc.tags("title"); len(ti) != 1 || ti[0].Text() == "" {
		t.Errorf("want one non-empty <title>")
	}
	if m := doc.tags("main"); len(m) != 1 {
		t.Errorf("want exactly one <main>, got %d", len(m))
	}
	if s := doc.tags("script"); len(s) != 0 {
		t.Errorf("pages must work without JavaScript, found %d <script>", len(s))
	}
	for _, l := range doc.tags("link") {
		href := l.Attr["href"]
		// Our assets, or the project's brand stylesheet (brand.go).
		own := strings.HasPrefix(href, "/assets/") || strings.HasPrefix(href, "/p/") && strings.Contains(href, "/brand.css?v=") && strings.Count(href, "/") == 3
		if !own {
			t.Errorf("page loads %q: only our own assets may load", href)
		}
	}
	labels := map[string]bool{}
	for _, l := range doc.tags("label") {
		labels[l.Attr["for"]] = true
	}
	for _, in := range doc.tags("input") {
		if in.Attr["type"] == "hidden" || in.has("hidden") {
			continue
		}
		if in.Attr["id"] == "" || !labels[in.Attr["id"]] {
			t.Errorf("input name=%q has no <label for=…>", in.Attr["name"])
		}
		if in.Attr["aria-invalid"] == "true" && in.Attr["aria-describedby"] == "" {
			t.Errorf("invalid input %q does not point at its error", in.Attr["id"])
		}
		for _, ref := range strings.Fields(in.Attr["aria-describedby"]) {
			if doc.byID(ref) == nil {
				t.Errorf("input %q: aria-describedby %q names no element", in.Attr["id"], ref)
			}
		}
	}
	for _, f := range doc.tags("form") {
		if strings.EqualFold(f.Attr["method"], "post") {
			tok := f.all(func(n *node) bool { return n.Attr["name"] == "csrf_token" })
			if len(tok) != 1 || tok[0].Attr["value"] == "" {
				t.Errorf("form %q lacks the csrf_token field", f.Attr["id"])
			}
		}
	}
	return doc
}

func testRenderer(t *testing.T) *renderer {
	t.Helper()
	tpl, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	return &renderer{tpl: tpl, log: slog.New(slog.DiscardHandler), styleURL: newAssets().styleURL()}
}

func renderPage(t *testing.T, p *page) (*httptest.ResponseRecorder, *node) {
	t.Helper()
	rec := httptest.NewRecorder()
	testRenderer(t).render(rec, http.StatusOK, p, "https://app.example")
	return rec, checkPage(t, rec.Body.String())
}

// wantInput checks the attributes of the input with the given id.
func wantInput(t *testing.T, doc *node, id string, attrs map[string]string) *node {
	t.Helper()
	in := doc.byID(id)
	if in == nil || in.Tag != "input" {
		t.Fatalf("no <input id=%q>", id)
	}
	for k, v := range attrs {
		got, ok := in.Attr[k]
		if !ok || (v != "" && got != v) {
			t.Errorf("input %s: %s=%q, want %q (present=%v)", id, k, got, v, ok)
		}
	}
	return in
}

func basePage(step string) *page {
	return &page{Page: step, Title: "T", ProjectName: "Acme <Prod>", FormAction: "/p/proj_x/login", CSRF: "tok",
		Email: "ada@example.com", Errors: map[string]string{}}
}

func TestStepTemplatesAutocompleteAndLabels(t *testing.T) {
	t.Parallel()
	t.Run("identify", func(t *testing.T) {
		_, doc := renderPage(t, basePage("identify"))
		wantInput(t, doc, "email", map[string]string{"type": "email", "autocomplete": "email", "inputmode": "email", "name": "email", "required": ""})
	})
	t.Run("verify_email", func(t *testing.T) {
		p := basePage("verify_email")
		p.CodeSent, p.PasswordAvailable = true, true
		_, doc := renderPage(t, p)
		wantInput(t, doc, "code", map[string]string{"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]{6}", "name": "code"})
		for _, id := range []string{"resend", "use-password", "restart", "continue"} {
			if doc.byID(id) == nil {
				t.Errorf("verify_email lacks #%s", id)
			}
		}
		if got := doc.byID("sent-to").Text(); got != "ada@example.com" {
			t.Errorf("shows email %q", got)
		}
	})
	t.Run("verify_email without password", func(t *testing.T) {
		p := basePage("verify_email")
		_, doc := renderPage(t, p)
		if doc.byID("use-password") != nil {
			t.Error("offers a password the account cannot use")
		}
	})
	t.Run("password", func(t *testing.T) {
		p := basePage("password")
		p.CodeAvailable = true
		_, doc := renderPage(t, p)
		wantInput(t, doc, "password", map[string]string{"type": "password", "autocomplete": "current-password", "name": "password"})
		user := doc.all(func(n *node) bool { return n.Attr["autocomplete"] == "username" })
		if len(user) != 1 || user[0].Attr["value"] != "ada@example.com" {
			t.Errorf("password step needs one username field carrying the email, got %d", len(user))
		}
		if doc.byID("forgot") == nil || doc.byID("use-code") == nil {
			t.Error("password step lacks forgot / use-code")
		}
	})
	t.Run("set_password", func(t *testing.T) {
		_, doc := renderPage(t, basePage("set_password"))
		wantInput(t, doc, "new_password", map[string]string{"type": "password", "autocomplete": "new-password", "minlength": "8"})
		user := doc.all(func(n *node) bool { return n.Attr["autocomplete"] == "username" })
		if len(user) != 1 || user[0].Attr["value"] != "ada@example.com" || user[0].form() == nil ||
			user[0].form() != doc.byID("new_password").form() {
			t.Error("set_password needs the username field inside the password form")
		}
	})
	t.Run("choose_org", func(t *testing.T) {
		p := basePage("choose_org")
		p.Orgs = []orgChoice{{ID: "org_a", Name: "Alpha"}, {ID: "org_b", Name: "Beta"}}
		p.CanCreateOrg = true
		_, doc := renderPage(t, p)
		for _, o := range p.Orgs {
			b := doc.byID("org-" + o.ID)
			if b == nil || b.Tag != "button" || b.Attr["name"] != "org_id" || b.Attr["value"] != o.ID || b.Text() != o.Name {
				t.Errorf("no button for %s", o.ID)
			}
		}
		if doc.byID("new-org") == nil {
			t.Error("no create-organization button")
		}
	})
	t.Run("create_org", func(t *testing.T) {
		_, doc := renderPage(t, basePage("create_org"))
		wantInput(t, doc, "org_name", map[string]string{"type": "text", "name": "org_name", "autocomplete": "organization"})
	})
	t.Run("blocked", func(t *testing.T) {
		p := basePage("blocked")
		p.Blocked = "logins are disabled for Alpha"
		_, doc := renderPage(t, p)
		if got := doc.byID("refusal").Text(); got != p.Blocked {
			t.Errorf("refusal %q", got)
		}
	})
}

func TestFieldErrorsBesideTheirField(t *testing.T) {
	t.Parallel()
	cases := map[string]string{"identify": "email", "verify_email": "code", "password": "password",
		"set_password": "new_password", "create_org": "org_name"}
	for step, field := range cases {
		t.Run(step, func(t *testing.T) {
			p := basePage(step)
			p.Errors[field] = "That is not right"
			_, doc := renderPage(t, p)
			in := wantInput(t, doc, field, map[string]string{"aria-invalid": "true"})
			errEl := doc.byID(field + "-error")
			if errEl == nil || errEl.Text() != "That is not right" {
				t.Fatalf("no error element beside %s", field)
			}
			if !strings.Contains(" "+in.Attr["aria-describedby"]+" ", " "+field+"-error ") {
				t.Errorf("aria-describedby %q does not name the error", in.Attr["aria-describedby"])
			}
			if errEl.Parent != in.Parent {
				t.Error("error is not beside its field")
			}
		})
	}
	t.Run("no error, no aria-invalid", func(t *testing.T) {
		_, doc := renderPage(t, basePage("identify"))
		if in := doc.byID("email"); in.has("aria-invalid") {
			t.Error("aria-invalid set without an error")
		}
	})
	t.Run("errors for fields not on the page still show", func(t *testing.T) {
		p := basePage("identify")
		p.Errors["org_id"] = "Pick one"
		_, doc := renderPage(t, p)
		alerts := doc.all(func(n *node) bool { return n.Attr["role"] == "alert" && n.Text() == "Pick one" })
		if len(alerts) != 1 {
			t.Error("stray error is lost")
		}
	})
}

func TestPagesEscapeAndCarryHeaders(t *testing.T) {
	t.Parallel()
	rec, doc := renderPage(t, basePage("identify"))
	if strings.Contains(rec.Body.String(), "Acme <Prod>") {
		t.Error("project name not escaped")
	}
	if doc.byID("brand").Text() != "Acme <Prod>" {
		t.Errorf("brand %q", doc.byID("brand").Text())
	}
	if got := doc.tags("title")[0].Text(); got != "T · Acme <Prod>" {
		t.Errorf("title %q", got)
	}
	h := rec.Header()
	want := map[string]string{
		"Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self' https://app.example; frame-ancestors 'none'; base-uri 'none'",
		"Referrer-Policy":         "no-referrer",
		"X-Frame-Options":         "DENY",
		"Cache-Control":           "no-store",
		"X-Content-Type-Options":  "nosniff",
		"Content-Type":            "text/html; charset=utf-8",
	}
	for k, v := range want {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}
}

func TestSourceOrigin(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"https://app.example.com/cb?x=1":     "https://app.example.com",
		"http://localhost:3000/callback":     "http://localhost:3000",
		"com.example.app:/oauth/callback":    "com.example.app:",
		"":                                   "",
		"/relative":                          "",
		"https://evil.example;script-src":    "",
		"https://a.example 'unsafe-inline'/": "",
	}
	for in, want := range cases {
		if got := sourceOrigin(in); got != want {
			t.Errorf("sourceOrigin(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStylesheet(t *testing.T) {
	t.Parallel()
	a := newAssets()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /assets/{file}", a.serve)
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", a.styleURL(), nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "text/css; charset=utf-8" {
		t.Fatalf("stylesheet: %d %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	css := rec.Body.String()
	// [hidden] must win over the input rules, or the username fields meant
	// for password managers show up as a second email box.
	for _, want := range []string{"--brand", "prefers-color-scheme: dark", ":focus-visible", "system-ui", "[hidden] { display: none !important; }"} {
		if !strings.Contains(css, want) {
			t.Errorf("stylesheet lacks %q", want)
		}
	}
	if strings.Contains(css, "@import") || strings.Contains(css, "url(") {
		t.Error("stylesheet loads something else")
	}
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest("GET", "/assets/other.css", nil))
	if rec.Code != 404 {
		t.Errorf("unknown asset: %d", rec.Code)
	}
}

func TestFormToken(t *testing.T) {
	t.Parallel()
	tok := formToken("gh_la_secret", "proj_a")
	if !validFormToken("gh_la_secret", "proj_a", tok) {
		t.Fatal("baseline: own token rejected")
	}
	if validFormToken("gh_la_other", "proj_a", tok) {
		t.Error("token of another attempt accepted")
	}
	if validFormToken("gh_la_secret", "proj_b", tok) {
		t.Error("token of another project accepted")
	}
	if validFormToken("gh_la_secret", "proj_a", "") || validFormToken("", "proj_a", formToken("", "proj_a")) {
		t.Error("empty token or cookie accepted")
	}
}

func TestLinkify(t *testing.T) {
	t.Parallel()
	own := "http://localhost:8080/p/proj_a/"
	text := "Your code is 123456.\nOr open http://localhost:8080/p/proj_a/login/link?token=gh_ml_x\n" +
		"Not ours: https://evil.example/p/proj_a/login/link?token=y and http://localhost:8080/p/proj_b/login/link"
	var links []string
	var joined strings.Builder
	for _, p := range linkify(text, own) {
		joined.WriteString(p.Text)
		if p.Link {
			links = append(links, p.Text)
		}
	}
	if joined.String() != text {
		t.Errorf("linkify lost text: %q", joined.String())
	}
	if len(links) != 1 || links[0] != "http://localhost:8080/p/proj_a/login/link?token=gh_ml_x" {
		t.Errorf("links %q", links)
	}
}
