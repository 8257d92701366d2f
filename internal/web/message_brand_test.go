package web

import (
	"net/http"
	"strings"
	"testing"
)

// Message pages (an expired sign-in, a refused link, a foreign form) look
// like the project's other pages: its colour and logo, with the logo's
// origin allowed for images only. A page of no known project stays plain.
func TestMessagePagesCarryTheBrand(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	setBranding(t, e, "#0B5FFF", "https://cdn.acme.example/brand/logo.svg")
	b := e.browser()

	branded := func(name string, r *response, status int) {
		t.Helper()
		if r.Status != status || pageName(r) != "message" {
			t.Fatalf("%s: %d %q\n%s", name, r.Status, pageName(r), r.Body)
		}
		if css := r.Doc.byID("brand-css"); css == nil || !strings.HasPrefix(css.Attr["href"], e.path("/brand.css?v=")) {
			t.Errorf("%s: no brand stylesheet\n%s", name, r.Body)
		}
		logo := r.Doc.byID("brand-logo")
		if logo == nil || logo.Attr["src"] != "https://cdn.acme.example/brand/logo.svg" || logo.Attr["alt"] != "Acme" {
			t.Errorf("%s: logo = %+v", name, logo)
		}
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data: https://cdn.acme.example;") ||
			strings.Count(csp, "cdn.acme.example") != 1 {
			t.Errorf("%s: CSP = %q", name, csp)
		}
	}

	// No login attempt in this browser: the project is read from the path.
	branded("expired sign-in", b.get(e.path("/login")), http.StatusGone)
	// The sign-in start has the project in hand already.
	branded("bad organization", b.get(e.path("/signin?organization_id=not-an-id")), http.StatusBadRequest)
	// An authorization request the page itself must refuse.
	branded("unknown client", b.get(e.authorizeURL(map[string]string{"client_id": "cli_unknown"})), http.StatusBadRequest)

	// A form posted from another site is refused in the project's brand.
	req := b.request("POST", e.path("/login"), nil, "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	branded("cross-site form", b.raw(req), http.StatusForbidden)

	// A project that does not exist has no brand to show.
	r := b.get("/p/proj_01jd8x3k5m7q9s1v3x5z7b9d1f/login")
	if r.Status != http.StatusGone && r.Status != http.StatusNotFound {
		t.Fatalf("unknown project: %d\n%s", r.Status, r.Body)
	}
	if r.Doc.byID("brand-css") != nil || r.Doc.byID("brand-logo") != nil || strings.Contains(r.Header.Get("Content-Security-Policy"), "cdn.acme.example") {
		t.Fatalf("an unknown project's page is branded:\n%s", r.Body)
	}
}
