package e2e

import (
	"context"
	"crypto/rand"
	"errors"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// oidcProject is a project with a default OAuth client, created by the CLI
// with --redirect-uri as the README does.
type oidcProject struct {
	createdProject
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	redirectURI  string
}

// appCallback is the redirect URI the tests register. Nothing listens
// there: the test's HTTP client stops at the redirect, like an app would
// receive it.
const appCallback = "http://127.0.0.1:9/callback"

// person drives the hosted pages over plain HTTP with a cookie jar: a
// browser without JavaScript.
type person struct {
	t      *testing.T
	http   *http.Client
	server string // the server's base URL, for Origin headers
	page   string // the HTML of the current page
	at     string // its URL
	// landed is set when the login redirected back to the app.
	landed *url.URL
}

func newPerson(t *testing.T, serverURL string) *person {
	jar, _ := cookiejar.New(nil)
	p := &person{t: t, server: serverURL}
	p.http = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), appCallback) || !strings.HasPrefix(req.URL.String(), serverURL) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	return p
}

// open GETs a URL and keeps the page it ends on.
func (p *person) open(u string) {
	p.t.Helper()
	resp, err := p.http.Get(u)
	if err != nil {
		p.t.Fatalf("GET %s: %v", u, err)
	}
	p.keep(resp)
}

func (p *person) keep(resp *http.Response) {
	p.t.Helper()
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusFound || resp.StatusCode == http.StatusSeeOther {
		loc, err := resp.Location()
		if err != nil {
			p.t.Fatal(err)
		}
		p.landed, p.page, p.at = loc, "", loc.String()
		return
	}
	p.page, p.at = string(b), resp.Request.URL.String()
	if resp.StatusCode >= 500 {
		p.t.Fatalf("%s answered %d:\n%s", p.at, resp.StatusCode, p.page)
	}
}

var (
	csrfPattern  = regexp.MustCompile(`name="csrf_token" value="([^"]*)"`)
	formPattern  = regexp.MustCompile(`<form method="post" action="([^"]*)" id="([^"]*)"`)
	errorPattern = regexp.MustCompile(`(?s)class="field-error"[^>]*>(.*?)<`)
)

// has reports whether the current page contains an element with this id.
func (p *person) has(elementID string) bool {
	return strings.Contains(p.page, `id="`+elementID+`"`)
}

// submit posts a form of the current page (by form id) with its CSRF token,
// the action and fields, as a same-origin browser would.
func (p *person) submit(formID, action string, fields ...string) {
	p.t.Helper()
	var target string
	for _, m := range formPattern.FindAllStringSubmatch(p.page, -1) {
		if m[2] == formID {
			target = html.UnescapeString(m[1])
		}
	}
	if target == "" {
		p.t.Fatalf("no form %q on %s:\n%s", formID, p.at, p.page)
	}
	form := url.Values{"action": {action}}
	if m := csrfPattern.FindStringSubmatch(p.page); m != nil {
		form.Set("csrf_token", html.UnescapeString(m[1]))
	}
	for i := 0; i+1 < len(fields); i += 2 {
		form.Set(fields[i], fields[i+1])
	}
	base, _ := url.Parse(p.at)
	u, err := base.Parse(target)
	if err != nil {
		p.t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", p.server)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	resp, err := p.http.Do(req)
	if err != nil {
		p.t.Fatalf("POST %s: %v", u, err)
	}
	p.keep(resp)
	// A POST answered with a redirect to the pages is followed like a browser.
	if p.landed != nil && strings.HasPrefix(p.landed.String(), p.server) {
		next := p.landed.String()
		p.landed = nil
		p.open(next)
	}
}

// fieldError is the first field error on the page ("" when none).
func (p *person) fieldError() string {
	if m := errorPattern.FindStringSubmatch(p.page); m != nil {
		return strings.TrimSpace(html.UnescapeString(m[1]))
	}
	return ""
}

// app is the vendor's application as an OAuth client: a standard OIDC client
// library, untouched.
type oauthApp struct {
	provider *oidc.Provider
	config   oauth2.Config
	verifier string
	nonce    string
	state    string
}

func newApp(t *testing.T, p oidcProject) *oauthApp {
	t.Helper()
	provider, err := oidc.NewProvider(context.Background(), p.Issuer)
	if err != nil {
		t.Fatalf("discovery: %v", err)
	}
	return &oauthApp{
		provider: provider,
		config: oauth2.Config{
			ClientID: p.ClientID, ClientSecret: p.ClientSecret,
			Endpoint: provider.Endpoint(), RedirectURL: appCallback,
			Scopes: []string{oidc.ScopeOpenID, "email", "profile", oidc.ScopeOfflineAccess},
		},
	}
}

// authURL starts a login: PKCE S256, nonce and state, plus extra parameters.
func (a *oauthApp) authURL(extra ...oauth2.AuthCodeOption) string {
	a.verifier, a.nonce, a.state = oauth2.GenerateVerifier(), rand.Text(), rand.Text()
	opts := append([]oauth2.AuthCodeOption{oauth2.S256ChallengeOption(a.verifier), oidc.Nonce(a.nonce)}, extra...)
	return a.config.AuthCodeURL(a.state, opts...)
}

// tokens is what the app holds after a login.
type tokens struct {
	oauth   *oauth2.Token
	idToken *oidc.IDToken
	claims  struct {
		Email string `json:"email"`
		OrgID string `json:"org_id"`
	}
}

// finish exchanges the code the login redirected back with and verifies the
// ID token, as the app's callback would.
func (a *oauthApp) finish(t *testing.T, landed *url.URL) *tokens {
	t.Helper()
	if landed == nil || !strings.HasPrefix(landed.String(), appCallback) {
		t.Fatalf("the login did not return to the app: %v", landed)
	}
	q := landed.Query()
	if e := q.Get("error"); e != "" {
		t.Fatalf("authorization error %s: %s", e, q.Get("error_description"))
	}
	if q.Get("state") != a.state {
		t.Fatalf("state %q, want %q", q.Get("state"), a.state)
	}
	ctx := context.Background()
	tok, err := a.config.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(a.verifier))
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := a.provider.Verifier(&oidc.Config{ClientID: a.config.ClientID}).Verify(ctx, raw)
	if err != nil {
		t.Fatalf("ID token: %v", err)
	}
	if idt.Nonce != a.nonce {
		t.Fatalf("nonce %q, want %q", idt.Nonce, a.nonce)
	}
	out := &tokens{oauth: tok, idToken: idt}
	if err := idt.Claims(&out.claims); err != nil {
		t.Fatal(err)
	}
	return out
}

// isInvalidGrant reports whether err is the token endpoint's invalid_grant.
func isInvalidGrant(err error) bool {
	var re *oauth2.RetrieveError
	return errors.As(err, &re) && re.ErrorCode == "invalid_grant"
}
