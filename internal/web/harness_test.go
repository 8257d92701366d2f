package web

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/console"
	"github.com/gatehouse-auth/gatehouse/internal/dnstest"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
	"github.com/gatehouse-auth/gatehouse/internal/invite"
	"github.com/gatehouse-auth/gatehouse/internal/mail"
	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testclock"
)

// The app the tests log into: its registered URIs, and one that is not.
const (
	appCallback  = "https://app.example/callback"
	appLoggedOut = "https://app.example/logged-out"
	evilCallback = "https://evil.example/callback"
	testPassword = "correct horse battery staple 42"
	pkceVerifier = "dBjftJeZ4CVP-mJ0zKuzTlZq3QyS3tTTeHpBo4v5yZsdBjftJeZ4CVP-mJ0zKuzTlZq"
)

// clock is the shared test clock; the pages' tests read it ticking one
// millisecond per call, so records made one after the other (two emails,
// say) never share a timestamp and "newest" is well defined.
type clock = testclock.Clock

// env is a real Gatehouse stack over a real SQLite database, served by
// httptest: tenancy, login, sessions, tokens, the OpenID Provider, the mail
// outbox and these pages, wired as the server wires them.
type env struct {
	t       *testing.T
	st      store.Store
	srv     *httptest.Server
	clock   *clock
	ten     *tenancy.Service
	outbox  *mail.Outbox
	project *project.Project
	client  *oidc.Client
	secret  string
	invites *invite.Service
	domains *domain.Service
	dns     *dnstest.Server
	sess    *session.Service
	con     *console.Service
}

func newEnv(t *testing.T, mutate ...func(*envConfig)) *env {
	t.Helper()
	cfg := envConfig{devInbox: true}
	for _, m := range mutate {
		m(&cfg)
	}
	ctx := context.Background()
	s := newStack(t, cfg.open, nil)
	s.serve(Options{DevInbox: cfg.devInbox, TrustedProxies: cfg.trustedProxies})

	p, _, _, err := s.ten.CreateProject(ctx, audit.System("test"), tenancy.ProjectInput{Name: "Acme", AutoCreateOrganizations: cfg.autoCreate})
	if err != nil {
		t.Fatal(err)
	}
	c, secret, err := oidc.NewClients(s.st, oidc.WithClientsClock(s.clock.Now)).Create(ctx, audit.System("test"), p.ID, oidc.ClientInput{
		Name: "App", RedirectURIs: []string{appCallback}, PostLogoutRedirectURIs: []string{appLoggedOut},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, st: s.st, srv: s.srv, clock: s.clock, ten: s.ten, outbox: s.outbox, project: p, client: c, secret: secret,
		invites: s.invites, domains: s.domains, dns: s.dns, sess: s.sessions, con: s.con}
}

type envConfig struct {
	devInbox       bool
	autoCreate     bool
	trustedProxies []netip.Prefix
	// open makes the database (default SQLite).
	open func(testing.TB) *sqlstore.DB
}

func (e *env) browser() *browser { return newBrowser(e.t, e.srv.URL) }

func (e *env) path(rest string) string { return "/p/" + string(e.project.ID) + rest }

// authorizeURL is a valid authorization request with PKCE; extra overrides
// or adds parameters ("" deletes).
func (e *env) authorizeURL(extra map[string]string) string {
	sum := sha256.Sum256([]byte(pkceVerifier))
	q := url.Values{
		"client_id":             {string(e.client.ID)},
		"redirect_uri":          {appCallback},
		"response_type":         {"code"},
		"scope":                 {"openid email"},
		"state":                 {"st-123"},
		"nonce":                 {"n-456"},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
		"code_challenge_method": {"S256"},
	}
	for k, v := range extra {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	return e.path("/oauth/authorize?" + q.Encode())
}

var codeRE = regexp.MustCompile(`\b(\d{6})\b`)

// latestMail is the newest email to addr.
func (e *env) latestMail(addr string) *mail.Message {
	e.t.Helper()
	msgs, err := e.outbox.Inbox(context.Background(), e.project.ID, 20)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, m := range msgs {
		if m.To == addr {
			return m
		}
	}
	e.t.Fatalf("no email to %s", addr)
	return nil
}

func (e *env) latestCode(addr string) string {
	e.t.Helper()
	m := codeRE.FindStringSubmatch(e.latestMail(addr).Text)
	if m == nil {
		e.t.Fatalf("no code in email to %s", addr)
	}
	return m[1]
}

func (e *env) latestLink(addr string) string {
	e.t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(e.srv.URL+e.path("/login/link")) + `\S+`)
	l := re.FindString(e.latestMail(addr).Text)
	if l == "" {
		e.t.Fatalf("no link in email to %s", addr)
	}
	return l
}

// exchange redeems an authorization code at the real token endpoint.
func (e *env) exchange(code string) (status int, body string) {
	e.t.Helper()
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appCallback},
		"client_id": {string(e.client.ID)}, "code_verifier": {pkceVerifier}}
	req, _ := http.NewRequest("POST", e.srv.URL+e.path("/oauth/token"), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(string(e.client.ID)), url.QueryEscape(e.secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}
