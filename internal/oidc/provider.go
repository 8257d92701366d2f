// Package oidc is each project's OpenID Provider: discovery, the JWKS, the
// token endpoint (authorization_code with PKCE, refresh_token), userinfo,
// token revocation (RFC 7009), and the validation behind the authorization
// and end-session endpoints, whose browser side the hosted pages serve.
// It also manages the project's OAuth clients (Clients).
//
// The issuer of a project is <public URL>/p/<project ID>; every endpoint
// lives under it, so one server is many independent providers.
package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/server/publicurl"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

// Options wires a Provider to the rest of Gatehouse.
type Options struct {
	Store    store.Store
	Tenancy  *tenancy.Service
	Sessions *session.Service
	Tokens   *token.Issuer
	// PublicURL is the externally visible base URL; issuers derive from it.
	PublicURL string
	Clock     func() time.Time
	Logger    *slog.Logger
}

// Provider serves the OpenID Provider endpoints of every project.
type Provider struct {
	st       store.Store
	tenancy  *tenancy.Service
	sessions *session.Service
	tokens   *token.Issuer
	public   string
	clock    func() time.Time
	log      *slog.Logger
	clients  clientCache
}

// New returns a Provider.
func New(o Options) *Provider {
	p := &Provider{
		st: o.Store, tenancy: o.Tenancy, sessions: o.Sessions, tokens: o.Tokens,
		public: o.PublicURL, clock: o.Clock, log: o.Logger,
	}
	if p.clock == nil {
		p.clock = time.Now
	}
	if p.log == nil {
		p.log = slog.Default()
	}
	return p
}

// Register mounts the provider's endpoints on mux. The authorization and
// end-session endpoints are the hosted pages' (package web).
func (p *Provider) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /p/{project}/.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /p/{project}/.well-known/jwks.json", p.jwks)
	// Browser apps (public clients) call these from their own origin; the
	// project's trusted origins may (see withCORS).
	for _, path := range []string{"/oauth/token", "/oauth/userinfo", "/oauth/revoke"} {
		mux.HandleFunc("OPTIONS /p/{project}"+path, p.preflight)
	}
	mux.HandleFunc("POST /p/{project}/oauth/token", p.withCORS(p.token))
	mux.HandleFunc("GET /p/{project}/oauth/userinfo", p.withCORS(p.userinfo))
	mux.HandleFunc("POST /p/{project}/oauth/userinfo", p.withCORS(p.userinfo))
	mux.HandleFunc("POST /p/{project}/oauth/revoke", p.withCORS(p.revoke))
}

// Issuer is the issuer of a project.
func (p *Provider) Issuer(projectID id.Project) string { return publicurl.Issuer(p.public, projectID) }

func (p *Provider) now() time.Time { return p.clock().UTC().Truncate(time.Microsecond) }

// projectOf resolves the {project} path segment to an existing project.
// A malformed ID and an unknown one get the same answer.
func (p *Provider) projectOf(ctx context.Context, r *http.Request) (id.Project, bool) {
	pid, err := id.Parse[id.Project](r.PathValue("project"))
	if err != nil {
		return "", false
	}
	if _, err := p.st.GetProject(ctx, pid); err != nil {
		if !errors.Is(err, store.ErrNotFound) {
			p.log.ErrorContext(ctx, "read project", "project", pid, "err", err)
		}
		return "", false
	}
	return pid, true
}

// writeJSON answers with a JSON body. Token responses must never be cached
// (RFC 6749 §5.1), so no-store is the default; callers override it for
// public documents.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if h.Get("Cache-Control") == "" {
		h.Set("Cache-Control", "no-store")
		h.Set("Pragma", "no-cache")
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// oauthError is an RFC 6749 §5.2 error response.
type oauthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description,omitempty"`
	status      int
}

func (e *oauthError) Error() string { return e.Code + ": " + e.Description }

func errInvalidRequest(desc string) *oauthError {
	return &oauthError{Code: "invalid_request", Description: desc, status: http.StatusBadRequest}
}

func errInvalidGrant(desc string) *oauthError {
	return &oauthError{Code: "invalid_grant", Description: desc, status: http.StatusBadRequest}
}

func errInvalidClient(desc string) *oauthError {
	return &oauthError{Code: "invalid_client", Description: desc, status: http.StatusUnauthorized}
}

func errServer() *oauthError {
	return &oauthError{Code: "server_error", Description: "the request could not be completed", status: http.StatusInternalServerError}
}

// fail writes an OAuth error; anything that is not one is logged and
// answered as server_error without its details.
func (p *Provider) fail(w http.ResponseWriter, r *http.Request, err error) {
	var oe *oauthError
	if !errors.As(err, &oe) {
		p.log.ErrorContext(r.Context(), "oauth endpoint failed", "path", r.URL.Path, "err", err)
		oe = errServer()
	}
	if oe.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="gatehouse", charset="UTF-8"`)
	}
	writeJSON(w, oe.status, oe)
}

func notFound(w http.ResponseWriter) {
	writeJSON(w, http.StatusNotFound, &oauthError{Code: "not_found", Description: "no such project"})
}
