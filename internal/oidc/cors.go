package oidc

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// CORS preflight answers may be cached by the browser this long (seconds).
const corsMaxAge = "600"

// publicCORS lets any page read a public document (discovery, JWKS): they
// hold nothing per user, and browser apps fetch them to verify tokens.
func publicCORS(w http.ResponseWriter) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", "*")
	// The server's default Cross-Origin-Resource-Policy is same-origin;
	// these documents are meant to be embedded anywhere.
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
}

// withCORS lets browser apps at the project's trusted origins call an
// endpoint (token, userinfo, revoke): the request's Origin is echoed when it
// is one of them, and nothing is added for any other origin, so the browser
// withholds the answer. Credentials (cookies) are never allowed: these
// endpoints authenticate with tokens and client IDs, never with cookies.
func (p *Provider) withCORS(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Origin")
		if origin := r.Header.Get("Origin"); origin != "" && p.originTrusted(r.Context(), r, origin) {
			h := w.Header()
			h.Set("Access-Control-Allow-Origin", origin)
			// A userinfo challenge says why a token was refused.
			h.Set("Access-Control-Expose-Headers", "WWW-Authenticate")
		}
		next(w, r)
	}
}

// preflight answers a CORS preflight (OPTIONS) for the token, userinfo and
// revocation endpoints. An untrusted origin gets the same status without
// any Access-Control header, which the browser reads as a refusal.
func (p *Provider) preflight(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Add("Vary", "Origin")
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	origin := r.Header.Get("Origin")
	if origin != "" && r.Header.Get("Access-Control-Request-Method") != "" && p.originTrusted(r.Context(), r, origin) {
		h.Set("Access-Control-Allow-Origin", origin)
		h.Set("Access-Control-Allow-Methods", "GET, POST")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
		h.Set("Access-Control-Max-Age", corsMaxAge)
	}
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
}

// originTrusted reports whether origin is one of the trusted origins of the
// project in the request's path. Only requests that carry an Origin (those
// from browsers) pay for the project read.
func (p *Provider) originTrusted(ctx context.Context, r *http.Request, origin string) bool {
	want := normalizeOrigin(origin)
	if want == "" {
		return false
	}
	pid, err := id.Parse[id.Project](r.PathValue("project"))
	if err != nil {
		return false
	}
	proj, err := p.st.GetProject(ctx, pid)
	if err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			p.log.ErrorContext(ctx, "read project for CORS", "project", pid, "err", err)
		}
		return false
	}
	for _, o := range proj.TrustedOrigins {
		if normalizeOrigin(o) == want {
			return true
		}
	}
	return false
}

// normalizeOrigin reduces an origin to scheme://host[:port] in lower case
// without a default port or trailing slash, the form browsers send, so a
// setting written as https://App.example.com/ still matches. "" when it is
// not an http(s) origin (including the opaque "null").
func normalizeOrigin(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		return ""
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "https" && scheme != "http" {
		return ""
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		host += ":" + port
	}
	return scheme + "://" + host
}
