package oidc_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/oidc/oauth"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

const (
	spaOrigin   = "https://spa.example.com"
	otherOrigin = "https://evil.example"
)

// trustOrigins sets tn's trusted origins, as PATCH /api/v1/project does.
func (e *env) trustOrigins(tn *tenant, origins ...string) {
	e.t.Helper()
	_, err := e.ten.UpdateProject(e.ctx, system, tn.P.ID, tenancy.ProjectUpdate{TrustedOrigins: &origins})
	fatal(e.t, err)
}

// fromOrigin sends req as a browser page at origin would.
func (e *env) fromOrigin(req *http.Request, origin string) *response {
	e.t.Helper()
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return e.send(req)
}

func newReq(t testing.TB, method, target string, form url.Values) *http.Request {
	t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(method, target, body)
	fatal(t, err)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req
}

// corsAllowed checks the headers a trusted origin gets, or that an
// untrusted one gets none.
func corsAllowed(t *testing.T, r *response, origin string, want bool) {
	t.Helper()
	got := r.header.Get("Access-Control-Allow-Origin")
	if want && got != origin {
		t.Fatalf("Access-Control-Allow-Origin %q, want %q (status %d)", got, origin, r.status)
	}
	if !want && got != "" {
		t.Fatalf("origin %q allowed: %q", origin, got)
	}
	if r.header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatal("credentials allowed")
	}
	if want && !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Origin") {
		t.Fatalf("no Vary: Origin: %v", r.header.Values("Vary"))
	}
}

func TestCORSPublicDocuments(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteStore(t))
	tn := e.tenant("Acme")
	for _, path := range []string{"/.well-known/openid-configuration", "/.well-known/jwks.json"} {
		r := e.fromOrigin(newReq(t, "GET", e.issuer(tn)+path, nil), otherOrigin)
		if r.status != http.StatusOK || r.header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s: %d, Access-Control-Allow-Origin %q", path, r.status, r.header.Get("Access-Control-Allow-Origin"))
		}
		if r.header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("%s allows credentials", path)
		}
	}
}

// A single-page app (public client) at a trusted origin runs the whole
// code flow, userinfo and revocation from the browser; any other origin,
// including one trusted by another project, gets no CORS headers.
func TestCORSForTrustedOrigins(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		tn := e.tenant("Acme")
		other := e.tenant("Other")
		e.trustOrigins(tn, spaOrigin+"/", "https://admin.example.com:8443")
		e.trustOrigins(other, otherOrigin)
		spa, _ := e.client(tn, oauth.Public)

		tokenReq := func() *http.Request {
			code, _ := e.code(tn, spa, nil)
			return newReq(t, "POST", e.issuer(tn)+"/oauth/token", url.Values{
				"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appCallback},
				"client_id": {string(spa.ID)}, "code_verifier": {pkceVerifier},
			})
		}

		// Token endpoint.
		r := e.fromOrigin(tokenReq(), spaOrigin)
		tok := r.ok(t)
		corsAllowed(t, r, spaOrigin, true)
		corsAllowed(t, e.fromOrigin(tokenReq(), "https://admin.example.com:8443"), "https://admin.example.com:8443", true)
		for _, o := range []string{otherOrigin, "https://spa.example.com:8443", "http://spa.example.com", "null", "https://spa.example.com.evil.example"} {
			corsAllowed(t, e.fromOrigin(tokenReq(), o), o, false)
		}
		if r := e.send(tokenReq()); r.header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatal("CORS headers without an Origin")
		}
		// An error the SPA must be able to read.
		bad := e.fromOrigin(newReq(t, "POST", e.issuer(tn)+"/oauth/token", url.Values{"grant_type": {"password"}, "client_id": {string(spa.ID)}}), spaOrigin)
		bad.oauthErr(t, http.StatusBadRequest, "unsupported_grant_type")
		corsAllowed(t, bad, spaOrigin, true)

		// Userinfo, GET and POST, and its 401 challenge.
		at := tok["access_token"].(string)
		for _, method := range []string{"GET", "POST"} {
			req := newReq(t, method, e.issuer(tn)+"/oauth/userinfo", nil)
			req.Header.Set("Authorization", "Bearer "+at)
			r := e.fromOrigin(req, spaOrigin)
			r.ok(t)
			corsAllowed(t, r, spaOrigin, true)
			req = newReq(t, method, e.issuer(tn)+"/oauth/userinfo", nil)
			req.Header.Set("Authorization", "Bearer "+at)
			corsAllowed(t, e.fromOrigin(req, otherOrigin), otherOrigin, false)
		}
		req := newReq(t, "GET", e.issuer(tn)+"/oauth/userinfo", nil)
		r = e.fromOrigin(req, spaOrigin)
		if r.status != http.StatusUnauthorized || !strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "WWW-Authenticate") {
			t.Fatalf("userinfo challenge: %d, expose %q", r.status, r.header.Get("Access-Control-Expose-Headers"))
		}
		corsAllowed(t, r, spaOrigin, true)

		// Revocation.
		revoke := func(origin string) *response {
			return e.fromOrigin(newReq(t, "POST", e.issuer(tn)+"/oauth/revoke", url.Values{
				"token": {tok["refresh_token"].(string)}, "client_id": {string(spa.ID)},
			}), origin)
		}
		corsAllowed(t, revoke(otherOrigin), otherOrigin, false)
		r = revoke(spaOrigin)
		if r.status != http.StatusOK {
			t.Fatalf("revoke: %d %s", r.status, r.body)
		}
		corsAllowed(t, r, spaOrigin, true)

		// The other project's origin is trusted there, not here.
		corsAllowed(t, e.fromOrigin(tokenReq(), otherOrigin), otherOrigin, false)
	})
}

func TestCORSPreflight(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		tn := e.tenant("Acme")
		other := e.tenant("Other")
		e.trustOrigins(tn, spaOrigin)
		e.trustOrigins(other, otherOrigin)
		preflight := func(project *tenant, path, origin string) *response {
			req := newReq(t, "OPTIONS", e.issuer(project)+path, nil)
			req.Header.Set("Access-Control-Request-Method", "POST")
			req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
			return e.fromOrigin(req, origin)
		}
		for _, path := range []string{"/oauth/token", "/oauth/userinfo", "/oauth/revoke"} {
			r := preflight(tn, path, spaOrigin)
			if r.status != http.StatusNoContent {
				t.Fatalf("%s: status %d", path, r.status)
			}
			corsAllowed(t, r, spaOrigin, true)
			methods, headers := r.header.Get("Access-Control-Allow-Methods"), strings.ToLower(r.header.Get("Access-Control-Allow-Headers"))
			if !strings.Contains(methods, "POST") || !strings.Contains(methods, "GET") ||
				!strings.Contains(headers, "authorization") || !strings.Contains(headers, "content-type") ||
				r.header.Get("Access-Control-Max-Age") == "" {
				t.Fatalf("%s: methods %q headers %q max-age %q", path, methods, headers, r.header.Get("Access-Control-Max-Age"))
			}
			for _, o := range []string{otherOrigin, "null"} {
				r := preflight(tn, path, o)
				corsAllowed(t, r, o, false)
				if r.header.Get("Access-Control-Allow-Methods") != "" {
					t.Fatalf("%s: methods offered to %s", path, o)
				}
			}
			// Trusted by the other project only.
			corsAllowed(t, preflight(tn, path, otherOrigin), otherOrigin, false)
			corsAllowed(t, preflight(other, path, spaOrigin), spaOrigin, false)
			corsAllowed(t, preflight(other, path, otherOrigin), otherOrigin, true)
		}
	})
}
