package web

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

func setBranding(t *testing.T, e *env, color, logo string) {
	t.Helper()
	if _, err := e.ten.UpdateProject(context.Background(), audit.System("test"), e.project.ID, tenancy.ProjectUpdate{BrandColor: &color, LogoURL: &logo}); err != nil {
		t.Fatal(err)
	}
}

func TestBrandedLoginPage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()

	// Without branding: no brand stylesheet, the name as text, images
	// from this origin only.
	r := b.get(e.authorizeURL(nil))
	if pageName(r) != "identify" || r.Doc.byID("brand-css") != nil || r.Doc.byID("brand-logo") != nil || r.Doc.byID("brand").Text() != "Acme" {
		t.Fatalf("unbranded page: %s", r.Body)
	}
	if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data:;") {
		t.Fatalf("unbranded CSP = %q", csp)
	}

	setBranding(t, e, "#0B5FFF", "https://cdn.acme.example/brand/logo.svg")
	r = b.get(e.authorizeURL(nil))
	link := r.Doc.byID("brand-css")
	if link == nil || !strings.HasPrefix(link.Attr["href"], e.path("/brand.css?v=")) {
		t.Fatalf("branded page links no brand stylesheet: %s", r.Body)
	}
	logo := r.Doc.byID("brand-logo")
	if logo == nil || logo.Attr["src"] != "https://cdn.acme.example/brand/logo.svg" || logo.Attr["alt"] != "Acme" {
		t.Fatalf("logo = %+v", logo)
	}
	csp := r.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "img-src 'self' data: https://cdn.acme.example;") {
		t.Fatalf("CSP does not allow the logo's origin: %q", csp)
	}
	// Only images gain the origin: styles and everything else stay ours.
	if !strings.Contains(csp, "default-src 'none'") || strings.Count(csp, "cdn.acme.example") != 1 {
		t.Fatalf("CSP = %q", csp)
	}

	// The stylesheet carries the colour, in lower case, with a validator.
	css := b.get(link.Attr["href"])
	if css.Status != http.StatusOK || !strings.HasPrefix(css.Header.Get("Content-Type"), "text/css") ||
		!strings.Contains(css.Body, "--brand: #0b5fff;") || !strings.Contains(css.Body, "--brand-ink: #ffffff;") {
		t.Fatalf("brand.css = %d %q %s", css.Status, css.Header.Get("Content-Type"), css.Body)
	}
	etag := css.Header.Get("ETag")
	if etag == "" || !strings.Contains(css.Header.Get("Cache-Control"), "max-age") || css.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("brand.css headers = %v", css.Header)
	}
	req := b.request("GET", link.Attr["href"], nil, "same-origin")
	req.Header.Set("If-None-Match", etag)
	if again := b.raw(req); again.Status != http.StatusNotModified || again.Body != "" {
		t.Fatalf("revalidation = %d %q", again.Status, again.Body)
	}

	// A new colour is a new stylesheet URL, so pages show it at once.
	setBranding(t, e, "#ffd500", "")
	r = b.get(e.authorizeURL(nil))
	if next := r.Doc.byID("brand-css"); next == nil || next.Attr["href"] == link.Attr["href"] {
		t.Fatalf("stylesheet URL did not change with the colour: %+v", next)
	}
	if r.Doc.byID("brand-logo") != nil || strings.Contains(r.Header.Get("Content-Security-Policy"), "cdn.acme.example") {
		t.Fatal("a removed logo is still shown or allowed")
	}
	css = b.get(r.Doc.byID("brand-css").Attr["href"])
	if !strings.Contains(css.Body, "--brand: #ffd500;") || !strings.Contains(css.Body, "--brand-ink: #0d1117;") {
		t.Fatalf("light colour gets dark text: %s", css.Body)
	}

	// Unknown and malformed projects have no stylesheet.
	for _, path := range []string{"/p/proj_01jd8x3k5m7q9s1v3x5z7b9d1f/brand.css", "/p/nonsense/brand.css"} {
		if got := b.get(path); got.Status != http.StatusNotFound {
			t.Fatalf("%s = %d", path, got.Status)
		}
	}
}

func TestBrandStylesheet(t *testing.T) {
	if brandStylesheet("") != "" || brandStylesheet("red") != "" || brandStylesheet("#12345z") != "" {
		t.Fatal("stylesheet for no or an invalid colour")
	}
	// A dark colour is lightened for the dark scheme, where it would be
	// unreadable on the dark background.
	css := brandStylesheet("#102030")
	light, dark, _ := strings.Cut(css, "@media")
	if !strings.Contains(light, "--brand: #102030;") || strings.Contains(dark, "#102030") {
		t.Fatalf("dark colour in the dark scheme: %s", css)
	}
}
