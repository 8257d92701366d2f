package mail

import (
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"
)

func sample() CodeData {
	return CodeData{
		ProjectName: "Acme", Email: "ann@example.com", Code: "482913",
		Link: "https://auth.example.com/p/proj_1/login/link?token=gh_ml_abc&x=1", ExpiresIn: 10 * time.Minute,
	}
}

func mustRender(t *testing.T, tpl Template, data any) *rendered {
	t.Helper()
	ts, err := parseTemplates()
	if err != nil {
		t.Fatalf("parseTemplates: %v", err)
	}
	r, err := ts.render(tpl, data)
	if err != nil {
		t.Fatalf("render %s: %v", tpl, err)
	}
	return r
}

func contains(t *testing.T, s, sub, what string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%s does not contain %q:\n%s", what, sub, s)
	}
}

func TestLoginCodeTemplate(t *testing.T) {
	r := mustRender(t, TemplateLoginCode, sample())
	if r.Subject != "Sign in to Acme" {
		t.Fatalf("subject %q", r.Subject)
	}
	for _, part := range []struct{ name, body string }{{"text", r.Text}, {"HTML", r.HTML}} {
		contains(t, part.body, "482913", part.name)
		contains(t, part.body, "expire in 10 minutes", part.name)
		contains(t, part.body, "try to sign in, ignore this email", part.name)
	}
	contains(t, r.Text, "If you didn't try to sign in, ignore this email.", "text")
	contains(t, r.Text, sample().Link, "text")
	// In HTML the link is an attribute value, its & escaped as HTML requires.
	contains(t, r.HTML, `href="https://auth.example.com/p/proj_1/login/link?token=gh_ml_abc&amp;x=1"`, "HTML")
	contains(t, r.HTML, `<html lang="en">`, "HTML")
	contains(t, r.HTML, "<title>Sign in to Acme</title>", "HTML")
}

func TestPasswordResetTemplate(t *testing.T) {
	d := sample()
	d.ExpiresIn = time.Hour
	r := mustRender(t, TemplatePasswordReset, &d)
	if r.Subject != "Reset your Acme password" {
		t.Fatalf("subject %q", r.Subject)
	}
	for _, part := range []struct{ name, body string }{{"text", r.Text}, {"HTML", r.HTML}} {
		contains(t, part.body, "482913", part.name)
		contains(t, part.body, "expire in 1 hour", part.name)
		contains(t, part.body, "Your password stays as it is.", part.name)
	}
}

// The code must not be readable over a shoulder or in a notification preview
// of the subject line alone.
func TestCodeNotInSubject(t *testing.T) {
	for _, tpl := range []Template{TemplateLoginCode, TemplatePasswordReset} {
		r := mustRender(t, tpl, sample())
		if regexp.MustCompile(`\d{6}`).MatchString(r.Subject) {
			t.Fatalf("%s subject %q shows the code", tpl, r.Subject)
		}
	}
}

// Everything in the HTML part is self-contained: no images, fonts, styles or
// scripts fetched from elsewhere (which would also track the reader).
func TestHTMLHasNoExternalResources(t *testing.T) {
	for _, tpl := range []Template{TemplateLoginCode, TemplatePasswordReset} {
		h := mustRender(t, tpl, sample()).HTML
		for _, banned := range []string{"<img", "<link", "<script", "<style", "src=", "url(", "@import"} {
			if strings.Contains(strings.ToLower(h), banned) {
				t.Fatalf("%s HTML contains %q", tpl, banned)
			}
		}
		// The only addresses are the link's own.
		for _, m := range regexp.MustCompile(`https?://[^"<\s]+`).FindAllString(h, -1) {
			if !strings.HasPrefix(m, "https://auth.example.com/p/proj_1/login/link") {
				t.Fatalf("%s HTML refers to %s", tpl, m)
			}
		}
	}
}

// A project named like markup is shown as text, never run or parsed as HTML;
// a line break in its name does not become a second header line.
func TestProjectNameIsEscaped(t *testing.T) {
	d := sample()
	d.ProjectName = `<script>alert(1)</script>"><img src=x>`
	r := mustRender(t, TemplateLoginCode, d)
	if strings.Contains(r.HTML, "<script>") || strings.Contains(r.HTML, "<img") {
		t.Fatalf("project name injected markup:\n%s", r.HTML)
	}
	contains(t, r.HTML, "&lt;script&gt;alert(1)&lt;/script&gt;", "HTML")
	// The baseline: the same name reaches the text part verbatim.
	contains(t, r.Text, d.ProjectName, "text")

	d.ProjectName = "Acme\r\nBcc: victim@example.com"
	r = mustRender(t, TemplateLoginCode, d)
	if strings.ContainsAny(r.Subject, "\r\n") {
		t.Fatalf("subject keeps a line break: %q", r.Subject)
	}
	if r.Subject != "Sign in to Acme Bcc: victim@example.com" {
		t.Fatalf("subject %q", r.Subject)
	}
}

func TestDangerousLinkRefused(t *testing.T) {
	ts, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	d := sample()
	d.Link = "javascript:alert(document.cookie)"
	if _, err := ts.render(TemplateLoginCode, d); err == nil {
		t.Fatalf("a javascript: link was rendered")
	}
}

func TestRenderRefusals(t *testing.T) {
	ts, err := parseTemplates()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ts.render("welcome", sample()); !errors.Is(err, ErrUnknownTemplate) {
		t.Fatalf("unknown template: %v, want ErrUnknownTemplate", err)
	}
	if _, err := ts.render(TemplateLoginCode, map[string]string{"Code": "1"}); err == nil {
		t.Fatalf("data of the wrong type was rendered")
	}
	if _, err := ts.render(TemplateLoginCode, (*CodeData)(nil)); err == nil {
		t.Fatalf("nil data was rendered")
	}
	for name, mutate := range map[string]func(*CodeData){
		"no code":    func(d *CodeData) { d.Code = "" },
		"no link":    func(d *CodeData) { d.Link = " " },
		"no project": func(d *CodeData) { d.ProjectName = "" },
		"no email":   func(d *CodeData) { d.Email = "" },
		"no expiry":  func(d *CodeData) { d.ExpiresIn = 0 },
	} {
		d := sample()
		mutate(&d)
		if _, err := ts.render(TemplateLoginCode, d); err == nil {
			t.Fatalf("%s: rendered", name)
		}
	}
}

func TestHumanDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		500 * time.Millisecond: "1 second",
		45 * time.Second:       "45 seconds",
		time.Minute:            "1 minute",
		10 * time.Minute:       "10 minutes",
		90 * time.Minute:       "1 hour",
		24 * time.Hour:         "24 hours",
		72 * time.Hour:         "3 days",
	} {
		if got := humanDuration(d); got != want {
			t.Errorf("humanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}
