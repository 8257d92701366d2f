package server

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/metrics"
	"github.com/gatehouse-auth/gatehouse/internal/server/publicurl"
)

// pinger is the slice of the store that readiness needs.
type pinger interface {
	Ping(ctx context.Context) error
	Engine() string
}

type handlerDeps struct {
	api       http.Handler
	surfaces  []surface
	db        pinger
	log       *slog.Logger
	publicURL string
	// metrics is nil when metrics are disabled.
	metrics *metrics.Metrics
}

// newHandler builds the routing table and wraps it in the middleware every
// response goes through.
func newHandler(d handlerDeps) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(publicurl.APIPath+"/", d.api)
	for _, s := range d.surfaces {
		s.Register(mux)
	}
	mux.HandleFunc("GET /healthz", handleHealthz)
	mux.Handle("GET /readyz", readyzHandler(d.db, d.log))
	mux.Handle("GET /{$}", rootHandler(d.publicURL))
	if d.metrics != nil {
		mux.Handle("GET /metrics", d.metrics.Handler())
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusNotFound, codeNotFound, "no such page; the backend API is under "+publicurl.APIPath)
	})
	return withMiddleware(mux, d.log, d.metrics)
}

// handleHealthz answers while the process runs: liveness only, no
// dependencies, so an orchestrator never restarts a server for a database
// outage it cannot fix.
func handleHealthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyzHandler reports whether this instance can serve traffic: the
// database must answer within a short deadline.
func readyzHandler(db pinger, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := db.Ping(ctx); err != nil {
			log.Warn("readiness check failed", "error", err)
			writeProblem(w, http.StatusServiceUnavailable, codeDatabaseUnavailable, "the database is not answering")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok", "database": db.Engine()})
	})
}

const rootStyle = `body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;line-height:1.5}` +
	`code{background:rgba(127,127,127,.15);padding:.1rem .3rem;border-radius:.2rem}` +
	`@media (prefers-color-scheme:dark){body{background:#111;color:#eee}a{color:#8cf}}`

var rootTemplate = template.Must(template.New("root").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gatehouse</title>
<style>{{.Style}}</style>
</head>
<body>
<main>
<h1>Gatehouse</h1>
<p>Authentication and user management for B2B SaaS: hosted login pages, an OpenID Provider per project, sessions and tokens, organizations, users, roles and an audit log.</p>
<ul>
<li>Backend API: <a href="{{.API}}/">{{.API}}</a> (authenticate with <code>Authorization: Bearer gh_sk_…</code>)</li>
<li>OpenAPI document: <a href="{{.OpenAPI}}">{{.OpenAPI}}</a></li>
<li>Health: <a href="/healthz">/healthz</a>, readiness: <a href="/readyz">/readyz</a></li>
</ul>
<p>Create a project, its secret key and an OAuth client for your app with <code>gatehouse project create --name "My app" --redirect-uri http://localhost:3000/callback --json</code>.
Its <code>issuer</code> ({{.Public}}/p/&lt;project_id&gt;) serves OpenID Connect discovery at <code>/.well-known/openid-configuration</code> and the hosted login pages; without SMTP, sign-in emails appear at <code>/p/&lt;project_id&gt;/dev/inbox</code> on a local server.</p>
</main>
</body>
</html>
`))

// rootHandler serves a small page saying what this server is and where its
// API lives. Its CSP allows exactly its own inline stylesheet, by hash.
func rootHandler(public string) http.Handler {
	sum := sha256.Sum256([]byte(rootStyle))
	csp := "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
		"frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
	data := struct {
		Style                template.CSS
		API, OpenAPI, Public string
	}{template.CSS(rootStyle), publicurl.APIBaseURL(public), publicurl.OpenAPIURL(public), public}
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = rootTemplate.Execute(w, data)
	})
}
