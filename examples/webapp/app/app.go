// Package app is a tiny web application that signs its users in with
// Gatehouse: the standard OpenID Connect code flow with PKCE through
// golang.org/x/oauth2 and github.com/coreos/go-oidc/v3, and access tokens
// checked by the Gatehouse Go SDK, as a vendor's own product would do it.
package app

import (
	"context"
	"crypto/rand"
	"fmt"
	"html/template"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse-auth/gatehouse/sdk/go/gatehouse"
)

// Config is what the app needs to know about its Gatehouse project.
type Config struct {
	// Issuer is the project's issuer URL (project_id's "issuer" in
	// `gatehouse project create --json`).
	Issuer       string
	ClientID     string
	ClientSecret string
	// URL is where the app itself is reachable, e.g. http://localhost:3000;
	// the redirect URI registered for the client is URL + "/callback".
	URL string
	// HTTPClient reaches Gatehouse (nil: http.DefaultClient).
	HTTPClient *http.Client
}

// App is the example application.
type App struct {
	cfg      Config
	oauth    oauth2.Config
	idTokens *oidc.IDTokenVerifier
	access   *gatehouse.Verifier
	endURL   string

	mu       sync.Mutex
	pending  map[string]pending     // login state cookie → request details
	sessions map[string]*appSession // app session cookie → tokens
}

type pending struct {
	verifier, nonce string
	created         time.Time
}

type appSession struct {
	token   *oauth2.Token
	idToken string
}

// New discovers the issuer and returns the app.
func New(ctx context.Context, cfg Config) (*App, error) {
	hc := cfg.HTTPClient
	if hc == nil {
		hc = http.DefaultClient
	}
	ctx = oidc.ClientContext(ctx, hc)
	provider, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("discover %s: %w", cfg.Issuer, err)
	}
	var extra struct {
		EndSession string `json:"end_session_endpoint"`
	}
	if err := provider.Claims(&extra); err != nil {
		return nil, err
	}
	access, err := gatehouse.NewVerifier(ctx, cfg.Issuer, gatehouse.WithAudience(cfg.ClientID), gatehouse.WithHTTPClient(hc))
	if err != nil {
		return nil, err
	}
	return &App{
		cfg: cfg,
		oauth: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			Endpoint:     provider.Endpoint(),
			RedirectURL:  cfg.URL + "/callback",
			Scopes:       []string{oidc.ScopeOpenID, "email", "profile", oidc.ScopeOfflineAccess},
		},
		idTokens: provider.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
		access:   access,
		endURL:   extra.EndSession,
		pending:  map[string]pending{},
		sessions: map[string]*appSession{},
	}, nil
}

// Handler serves the app's pages and its one API route.
func (a *App) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("GET /login", a.login)
	mux.HandleFunc("GET /callback", a.callback)
	mux.HandleFunc("POST /logout", a.logout)
	// An API route as the vendor's backend would protect it: the access
	// token in the Authorization header, checked by the SDK middleware.
	mux.Handle("GET /api/whoami", gatehouse.RequireAuth(a.access)(http.HandlerFunc(whoami)))
	return mux
}

const (
	stateCookie   = "example_login"
	sessionCookie = "example_session"
)

func (a *App) login(w http.ResponseWriter, r *http.Request) {
	state, verifier, nonce := rand.Text(), oauth2.GenerateVerifier(), rand.Text()
	a.mu.Lock()
	// Logins that were never finished are forgotten after half an hour.
	for k, p := range a.pending {
		if time.Since(p.created) > 30*time.Minute {
			delete(a.pending, k)
		}
	}
	a.pending[state] = pending{verifier: verifier, nonce: nonce, created: time.Now()}
	a.mu.Unlock()
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Value: state, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: 1800})
	opts := []oauth2.AuthCodeOption{oauth2.S256ChallengeOption(verifier), oidc.Nonce(nonce)}
	if org := r.URL.Query().Get("organization_id"); org != "" {
		opts = append(opts, oauth2.SetAuthURLParam("organization_id", org))
	}
	if r.URL.Query().Has("switch") {
		// Switch organization: Gatehouse lists the person's organizations
		// again, without asking them to sign in again.
		opts = append(opts, oauth2.SetAuthURLParam("prompt", "select_account"))
	}
	http.Redirect(w, r, a.oauth.AuthCodeURL(state, opts...), http.StatusFound)
}

func (a *App) callback(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(stateCookie)
	q := r.URL.Query()
	if err != nil || c.Value != q.Get("state") {
		http.Error(w, "login state mismatch: start again from the home page", http.StatusBadRequest)
		return
	}
	a.mu.Lock()
	p, ok := a.pending[c.Value]
	delete(a.pending, c.Value)
	a.mu.Unlock()
	if !ok {
		http.Error(w, "unknown login state: start again from the home page", http.StatusBadRequest)
		return
	}
	if e := q.Get("error"); e != "" {
		http.Error(w, "Gatehouse answered "+e+": "+q.Get("error_description"), http.StatusBadRequest)
		return
	}
	ctx := oidc.ClientContext(r.Context(), a.httpClient())
	tok, err := a.oauth.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(p.verifier))
	if err != nil {
		http.Error(w, "code exchange failed: "+err.Error(), http.StatusBadGateway)
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := a.idTokens.Verify(ctx, raw)
	if err != nil || idt.Nonce != p.nonce {
		http.Error(w, "the ID token did not verify", http.StatusBadGateway)
		return
	}
	sid := rand.Text()
	a.mu.Lock()
	a.sessions[sid] = &appSession{token: tok, idToken: raw}
	a.mu.Unlock()
	// SameSite=Lax keeps the cookie off cross-site POSTs, so another site
	// cannot submit the logout form for the person.
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.SetCookie(w, &http.Cookie{Name: stateCookie, Path: "/", MaxAge: -1})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// current returns the signed-in session with a fresh access token,
// refreshing it through Gatehouse when it has expired.
func (a *App) current(r *http.Request) (*appSession, *gatehouse.Claims, error) {
	c, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil, nil, nil
	}
	a.mu.Lock()
	s := a.sessions[c.Value]
	a.mu.Unlock()
	if s == nil {
		return nil, nil, nil
	}
	ctx := oidc.ClientContext(r.Context(), a.httpClient())
	tok, err := a.oauth.TokenSource(ctx, s.token).Token()
	if err != nil {
		a.forget(c.Value)
		return nil, nil, fmt.Errorf("your session ended: %w", err)
	}
	a.mu.Lock()
	s.token = tok
	a.mu.Unlock()
	claims, err := a.access.Verify(r.Context(), tok.AccessToken)
	if err != nil {
		return nil, nil, err
	}
	return s, claims, nil
}

func (a *App) forget(sid string) {
	a.mu.Lock()
	delete(a.sessions, sid)
	a.mu.Unlock()
}

func (a *App) home(w http.ResponseWriter, r *http.Request) {
	s, claims, err := a.current(r)
	data := map[string]any{"Claims": claims, "Error": ""}
	if err != nil {
		data["Error"] = err.Error()
	}
	if s != nil {
		data["AccessToken"] = s.token.AccessToken
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := homePage.Execute(w, data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func (a *App) logout(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(sessionCookie)
	target := "/"
	if err == nil {
		a.mu.Lock()
		s := a.sessions[c.Value]
		a.mu.Unlock()
		a.forget(c.Value)
		if s != nil && a.endURL != "" {
			// RP-initiated logout ends the Gatehouse session too.
			target = a.endURL + "?id_token_hint=" + s.idToken
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Path: "/", MaxAge: -1})
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func whoami(w http.ResponseWriter, r *http.Request) {
	claims, _ := gatehouse.ClaimsFrom(r.Context())
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintf(w, "%s (%s) at %s\n", claims.Email, claims.Subject, claims.Org.Name)
}

func (a *App) httpClient() *http.Client {
	if a.cfg.HTTPClient != nil {
		return a.cfg.HTTPClient
	}
	return http.DefaultClient
}

var homePage = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Example app</title></head>
<body>
<h1>Example app</h1>
{{with .Error}}<p role="alert">{{.}}</p>{{end}}
{{with .Claims}}
<p id="signed-in">Signed in as <strong id="email">{{.Email}}</strong> at <strong id="org">{{.Org.Name}}</strong>.</p>
<dl>
<dt>User</dt><dd id="user-id">{{.Subject}}</dd>
<dt>Organization</dt><dd id="org-id">{{.OrgID}}</dd>
<dt>Roles</dt><dd id="roles">{{range .Roles}}{{.}} {{end}}</dd>
<dt>Permissions</dt><dd id="permissions">{{range .Permissions}}{{.}} {{end}}</dd>
<dt>Signed in with</dt><dd id="amr">{{range .AMR}}{{.}} {{end}}</dd>
</dl>
<p><a id="switch" href="/login?switch">Switch organization</a></p>
<form method="post" action="/logout"><button type="submit" id="logout">Log out</button></form>
{{else}}
<p><a id="login" href="/login">Log in</a></p>
{{end}}
</body></html>
`))
