// Package httpapi serves Gatehouse's backend REST API under /api/v1, with its
// OpenAPI 3.1 document generated from the code.
//
// The vendor's servers call it with a project secret key
// (Authorization: Bearer gh_sk_…); the key decides the project, and every
// operation is scoped to that project by the tenancy service. Errors are RFC
// 9457 problem documents with a stable code.
package httpapi

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/secretkey"
	"github.com/gatehouse-auth/gatehouse/internal/server/publicurl"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
)

// Prefix is the path every API route starts with.
const Prefix = publicurl.APIPath

// MaxBodyBytes is the largest request body accepted (1 MiB).
const MaxBodyBytes = 1 << 20

// Options configures the API handler.
type Options struct {
	Service *tenancy.Service
	// Sessions serves the session operations (list, revoke); nil leaves them out.
	Sessions SessionService
	// Clients serves the OAuth client operations; nil leaves them out.
	Clients ClientService
	// Invites serves the invitation operations; nil leaves them out.
	Invites *invite.Service
	// Domains serves the verified-domain operations; nil leaves them out.
	Domains *domain.Service
	// PublicURL is the externally visible base URL (for the OpenAPI servers list).
	PublicURL string
	Logger    *slog.Logger
}

// handler serves the API. It expects the full request path: mount it with
// mux.Handle("/api/v1/", httpapi.New(...)) and do not strip the prefix.
type handler struct {
	svc       *tenancy.Service
	sessions  SessionService
	clients   ClientService
	invites   *invite.Service
	domains   *domain.Service
	publicURL string
	log       *slog.Logger
	mux       *http.ServeMux
	spec      struct{ json, yaml []byte }
}

// New returns the handler serving everything under /api/v1. It routes on the
// full path (/api/v1/organizations, …): mount it at "/api/v1/" on the server
// mux without http.StripPrefix.
func New(opts Options) http.Handler {
	h := &handler{svc: opts.Service, sessions: opts.Sessions, clients: opts.Clients, invites: opts.Invites, domains: opts.Domains, publicURL: opts.PublicURL, log: opts.Logger, mux: http.NewServeMux()}
	if h.log == nil {
		h.log = slog.Default()
	}
	api := humago.NewWithPrefix(h.mux, Prefix, h.config(opts.PublicURL))
	registerProject(api, h)
	registerOrganizations(api, h)
	registerUsers(api, h)
	registerUserRoles(api, h)
	registerPermissions(api, h)
	registerRoles(api, h)
	registerAuditEvents(api, h)
	registerSecretKeys(api, h)
	if h.sessions != nil {
		registerSessions(api, h)
		registerUsage(api, h)
	}
	if h.clients != nil {
		registerClients(api, h)
	}
	if h.invites != nil {
		registerInvites(api, h)
	}
	if h.domains != nil {
		registerDomains(api, h)
	}

	// huma documents 422 for validation failures; this API answers them with
	// 400 (see newHumaError), so the document must not promise 422.
	for _, item := range api.OpenAPI().Paths {
		for _, op := range []*huma.Operation{item.Get, item.Post, item.Patch, item.Delete, item.Put} {
			if op != nil {
				delete(op.Responses, "422")
			}
		}
	}
	// The document is complete once every operation is registered; render it
	// once rather than per request.
	var err error
	if h.spec.json, err = json.Marshal(api.OpenAPI()); err != nil {
		h.log.Error("rendering the OpenAPI document failed", "err", err)
	}
	if h.spec.yaml, err = api.OpenAPI().YAML(); err != nil {
		h.log.Error("rendering the OpenAPI document as YAML failed", "err", err)
	}
	h.mux.HandleFunc("GET "+Prefix+"/openapi.json", h.serveSpec("application/openapi+json", h.spec.json))
	h.mux.HandleFunc("GET "+Prefix+"/openapi.yaml", h.serveSpec("application/openapi+yaml", h.spec.yaml))
	return h
}

func (h *handler) config(publicURL string) huma.Config {
	cfg := huma.DefaultConfig("Gatehouse Backend API", "1.0.0")
	cfg.Info.Description = "Manage a Gatehouse project's organizations, users, roles, permissions, audit log and secret keys. " +
		"Authenticate with a project secret key: `Authorization: Bearer gh_sk_…`."
	// Served by this package from a pre-rendered copy; no docs page, whose
	// viewer would load scripts from a CDN.
	cfg.OpenAPIPath = ""
	cfg.DocsPath = ""
	cfg.SchemasPath = ""
	// No $schema links in responses: the OpenAPI document describes them.
	cfg.CreateHooks = nil
	cfg.Servers = []*huma.Server{{URL: publicurl.APIBaseURL(publicURL), Description: "This Gatehouse server"}}
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearerAuth": {
			Type:         "http",
			Scheme:       "bearer",
			BearerFormat: "gh_sk_…",
			Description:  "A project secret key, created with `gatehouse project create` or POST /secret-keys.",
		},
	}
	cfg.Security = []map[string][]string{{"bearerAuth": {}}}
	return cfg
}

func (h *handler) serveSpec(contentType string, body []byte) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body)
	}
}

type keyCtx struct{}

// ServeHTTP checks what every operation needs before huma decodes anything:
// a known route, a valid secret key, a JSON body of acceptable size.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if _, pattern := h.mux.Handler(r); pattern == "" {
		h.noRoute(w, r)
		return
	}
	if r.URL.Path == Prefix+"/openapi.json" || r.URL.Path == Prefix+"/openapi.yaml" {
		h.mux.ServeHTTP(w, r)
		return
	}
	key, err := h.authenticate(r)
	if err != nil {
		p := problemFrom(h.log, err)
		if p.Status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="gatehouse"`)
		}
		writeProblem(w, p)
		return
	}
	if r.Method == http.MethodPost || r.Method == http.MethodPatch || r.Method == http.MethodPut {
		if r.ContentLength > MaxBodyBytes {
			writeProblem(w, simpleProblem(http.StatusRequestEntityTooLarge, fault.CodeTooLarge,
				fmt.Sprintf("the request body exceeds %d bytes", MaxBodyBytes)))
			return
		}
		if ct := r.Header.Get("Content-Type"); ct != "" && !isJSON(ct) {
			writeProblem(w, simpleProblem(http.StatusUnsupportedMediaType, fault.CodeUnsupportedMedia,
				"send the request body as JSON with Content-Type: application/json"))
			return
		}
	}
	inner := r.WithContext(context.WithValue(r.Context(), keyCtx{}, key))
	h.mux.ServeHTTP(w, inner)
	// Hand the operation's pattern ("GET /api/v1/users/{id}") back to the
	// caller's request, for per-route metrics and logs.
	if inner.Pattern != "" {
		r.Pattern = inner.Pattern
	}
}

// noRoute answers unknown paths with 404 and known paths with the wrong
// method with 405, both as problems.
func (h *handler) noRoute(w http.ResponseWriter, r *http.Request) {
	var allow []string
	for _, m := range []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete} {
		probe := r.Clone(r.Context())
		probe.Method = m
		if _, p := h.mux.Handler(probe); p != "" {
			allow = append(allow, m)
		}
	}
	if len(allow) > 0 {
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeProblem(w, simpleProblem(http.StatusMethodNotAllowed, "method_not_allowed", r.Method+" is not supported here"))
		return
	}
	writeProblem(w, simpleProblem(http.StatusNotFound, fault.CodeNotFound, "no such endpoint; see "+Prefix+"/openapi.json"))
}

func isJSON(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// authenticate resolves the bearer secret key. Every way of getting it wrong
// gets the same answer.
func (h *handler) authenticate(r *http.Request) (*secretkey.Key, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return nil, fault.NewUnauthenticated("a valid secret key is required: send Authorization: Bearer gh_sk_…")
	}
	return h.svc.AuthenticateSecretKey(r.Context(), strings.TrimSpace(token))
}

// caller returns the authenticated key's project and the audit actor.
func caller(ctx context.Context) (id.Project, audit.Actor) {
	k, _ := ctx.Value(keyCtx{}).(*secretkey.Key)
	if k == nil {
		// ServeHTTP authenticates every operation; an empty project matches
		// no rows, so even a wiring mistake exposes nothing.
		return "", audit.Actor{Type: audit.ActorSecretKey}
	}
	return k.ProjectID, audit.Actor{Type: audit.ActorSecretKey, ID: string(k.ID)}
}

// fail maps a domain error to its problem response; a throttled one
// carries Retry-After.
func (h *handler) fail(err error) error {
	p := problemFrom(h.log, err)
	if fe, ok := fault.As(err); ok && fe.Kind == fault.Throttled {
		return huma.ErrorWithHeaders(p, http.Header{"Retry-After": {fault.RetryAfterSeconds(fe.RetryAfter)}})
	}
	return p
}

// operation fills in what every operation declares: its ID, summary, tag,
// security requirement and error responses.
func operation(opID, method, path, summary, tag string, status int, errs ...int) huma.Operation {
	documented := []int{http.StatusBadRequest, http.StatusUnauthorized}
	if method == http.MethodPost || method == http.MethodPatch {
		documented = append(documented, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
	}
	return huma.Operation{
		OperationID:   opID,
		Method:        method,
		Path:          path,
		Summary:       summary,
		Tags:          []string{tag},
		Security:      []map[string][]string{{"bearerAuth": {}}},
		DefaultStatus: status,
		Errors:        append(documented, errs...),
		// huma refuses a body whose length reaches MaxBodyBytes; one more
		// byte lets exactly 1 MiB through.
		MaxBodyBytes: MaxBodyBytes + 1,
	}
}
