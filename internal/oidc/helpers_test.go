package oidc_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/oidc/oauth"
	"github.com/gatehouse-auth/gatehouse/internal/org"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/seal"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
	"github.com/gatehouse-auth/gatehouse/internal/token"
	"github.com/gatehouse-auth/gatehouse/internal/user"
)

// clock is real time plus an offset tests can move forward, so standard
// client libraries (which read the wall clock) agree with the server until
// a test deliberately jumps ahead.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.off) }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.off += d
}

// env is a real provider over a real database, served over HTTP.
type env struct {
	t        testing.TB
	ctx      context.Context
	st       store.Store
	clk      *clock
	srv      *httptest.Server
	ten      *tenancy.Service
	sessions *session.Service
	tokens   *token.Issuer
	prov     *oidc.Provider
	clients  *oidc.Clients
}

func engines(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t, eng.Open(t)))
		})
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newEnv(t testing.TB, st store.Store) *env {
	t.Helper()
	clk := &clock{}
	sealer, err := seal.New([]byte("0123456789abcdef0123456789abcdef"))
	fatal(t, err)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	e := &env{
		t: t, ctx: context.Background(), st: st, clk: clk, srv: srv,
		ten:      tenancy.New(st, tenancy.WithClock(clk.Now), tenancy.WithLogger(quiet)),
		sessions: session.New(st, sealer.DeriveKey("refresh-token v1"), session.WithClock(clk.Now), session.WithLogger(quiet)),
		tokens:   token.NewIssuer(st, sealer, token.WithClock(clk.Now), token.WithLogger(quiet)),
		clients:  oidc.NewClients(st, oidc.WithClientsClock(clk.Now), oidc.WithClientsLogger(quiet)),
	}
	e.prov = oidc.New(oidc.Options{Store: st, Tenancy: e.ten, Sessions: e.sessions, Tokens: e.tokens, PublicURL: srv.URL, Clock: clk.Now, Logger: quiet})
	e.prov.Register(mux)
	return e
}

func fatal(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// tenant is a project with one organization and one user.
type tenant struct {
	P    *project.Project
	Org  *org.Organization
	User *user.User
}

func (e *env) tenant(name string) *tenant {
	e.t.Helper()
	p, _, _, err := e.ten.CreateProject(e.ctx, audit.System("test"), tenancy.ProjectInput{Name: name})
	fatal(e.t, err)
	orgName := name + " customer"
	o, err := e.ten.CreateOrganization(e.ctx, audit.System("test"), p.ID, tenancy.OrganizationUpdate{Name: &orgName})
	fatal(e.t, err)
	u, _, err := e.ten.CreateUser(e.ctx, audit.System("test"), p.ID, tenancy.UserInput{
		OrganizationID: string(o.ID), Email: "ada@" + strings.ToLower(strings.ReplaceAll(name, " ", "")) + ".example",
		DisplayName: "Ada Lovelace", EmailVerified: true,
	})
	fatal(e.t, err)
	return &tenant{P: p, Org: o, User: u}
}

func (e *env) issuer(tn *tenant) string { return e.srv.URL + "/p/" + string(tn.P.ID) }

const (
	appCallback = "https://app.example.com/callback"
	appLogout   = "https://app.example.com/bye"
)

// client registers a client of tn; the secret is "" for public clients.
func (e *env) client(tn *tenant, typ oauth.ClientType, redirects ...string) (*oidc.Client, string) {
	e.t.Helper()
	if len(redirects) == 0 {
		redirects = []string{appCallback}
	}
	c, secret, err := e.clients.Create(e.ctx, audit.System("test"), tn.P.ID, oidc.ClientInput{
		Name: "App", Type: string(typ), RedirectURIs: redirects, PostLogoutRedirectURIs: []string{appLogout},
	})
	fatal(e.t, err)
	return c, secret
}

// login creates a session for tn's user, as a finished login does.
func (e *env) login(tn *tenant) *session.Session {
	e.t.Helper()
	var s *session.Session
	err := e.st.Write(e.ctx, func(w store.Writer) error {
		var err error
		s, _, err = e.sessions.Create(e.ctx, w, session.NewSession{
			ProjectID: tn.P.ID, OrgID: tn.Org.ID, UserID: tn.User.ID,
			Facts:     login.Facts{Email: tn.User.Email, EmailVerified: true, Proofs: []login.Proof{{Factor: login.FactorEmailCode, At: e.clk.Now()}}},
			UserAgent: "test", IP: "192.0.2.1",
		})
		return err
	})
	fatal(e.t, err)
	return s
}

const pkceVerifier = "dBjftJeZ4CVP-mJ92K9x7ATbpUBmGk0JYXlI0iu1jJS5aXfzSMQzYcKuoxKZC9oDd"

func challenge(v string) string {
	sum := sha256.Sum256([]byte(v))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// authQuery is a valid authorization request for c; extra overrides
// parameters ("" deletes one).
func authQuery(c *oidc.Client, extra map[string]string) url.Values {
	q := url.Values{
		"client_id": {string(c.ID)}, "redirect_uri": {c.RedirectURIs[0]}, "response_type": {"code"},
		"scope": {"openid email profile offline_access"}, "state": {"st-1"}, "nonce": {"n-1"},
		"code_challenge": {challenge(pkceVerifier)}, "code_challenge_method": {"S256"},
	}
	for k, v := range extra {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	return q
}

// code runs an authorization for c through a fresh login and returns the
// code from the redirect.
func (e *env) code(tn *tenant, c *oidc.Client, extra map[string]string) (string, *session.Session) {
	e.t.Helper()
	req, err := e.prov.ParseAuthorize(e.ctx, tn.P.ID, authQuery(c, extra))
	fatal(e.t, err)
	s := e.login(tn)
	to, err := e.prov.IssueCode(e.ctx, req, tn.P.ID, s)
	fatal(e.t, err)
	u, err := url.Parse(to)
	fatal(e.t, err)
	return u.Query().Get("code"), s
}

// response is a received HTTP response with its body read.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not JSON (%d): %s", r.status, r.body)
	}
	return m
}

// oauthErr checks an RFC 6749 §5.2 error response.
func (r *response) oauthErr(t testing.TB, status int, code string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	if got := r.json(t)["error"]; got != code {
		t.Fatalf("error %v, want %s: %s", got, code, r.body)
	}
	if cc := r.header.Get("Cache-Control"); cc != "no-store" {
		t.Fatalf("Cache-Control %q on an error, want no-store", cc)
	}
}

func (r *response) ok(t testing.TB) map[string]any {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200: %s", r.status, r.body)
	}
	return r.json(t)
}

// post sends a form to one of tn's endpoints, with HTTP Basic when
// basic is a [client_id, secret] pair.
func (e *env) post(tn *tenant, path string, form url.Values, basic ...string) *response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.issuer(tn)+path, strings.NewReader(form.Encode()))
	fatal(e.t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if len(basic) == 2 {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	return e.send(req)
}

func (e *env) get(rawURL, bearer string) *response {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, rawURL, nil)
	fatal(e.t, err)
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	return e.send(req)
}

func (e *env) send(req *http.Request) *response {
	e.t.Helper()
	res, err := e.srv.Client().Do(req)
	fatal(e.t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	fatal(e.t, err)
	return &response{status: res.StatusCode, header: res.Header, body: b}
}

// exchange redeems a code as client c (secret "" for a public client).
func (e *env) exchange(tn *tenant, c *oidc.Client, secret, code, verifier string) *response {
	e.t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {c.RedirectURIs[0]}}
	if verifier != "" {
		form.Set("code_verifier", verifier)
	}
	if secret == "" {
		form.Set("client_id", string(c.ID))
		return e.post(tn, "/oauth/token", form)
	}
	return e.post(tn, "/oauth/token", form, string(c.ID), secret)
}

// refresh presents a refresh token as client c.
func (e *env) refresh(tn *tenant, c *oidc.Client, secret, rt string) *response {
	e.t.Helper()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}
	if secret == "" {
		form.Set("client_id", string(c.ID))
		return e.post(tn, "/oauth/token", form)
	}
	return e.post(tn, "/oauth/token", form, string(c.ID), secret)
}

// revoked reports whether a session has been revoked.
func (e *env) revoked(tn *tenant, sid id.Session) bool {
	e.t.Helper()
	s, err := e.sessions.Get(e.ctx, tn.P.ID, sid)
	fatal(e.t, err)
	return s.RevokedAt != nil
}

var system = audit.System("test")

func sqliteStore(t testing.TB) store.Store { return testdb.SQLite(t) }

func oidcUpdate(redirects ...string) oidc.ClientUpdate {
	return oidc.ClientUpdate{RedirectURIs: redirects}
}
