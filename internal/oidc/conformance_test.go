package oidc_test

import (
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/gatehouse-auth/gatehouse/internal/oidc/oauth"
)

// TestStandardClient: an unmodified go-oidc + x/oauth2 relying party logs a
// user in with code + PKCE + nonce, verifies the ID token, calls userinfo,
// refreshes, and when the old refresh token is presented again after the
// grace period the session is revoked: the new refresh token stops working.
// The browser part (the hosted pages) is replaced by ParseAuthorize +
// IssueCode with a session made by the session service.
func TestStandardClient(t *testing.T) {
	t.Parallel()
	for _, typ := range []oauth.ClientType{oauth.Confidential, oauth.Public} {
		t.Run(string(typ), func(t *testing.T) {
			t.Parallel()
			engines(t, func(t *testing.T, e *env) { standardClient(t, e, typ) })
		})
	}
}

func standardClient(t *testing.T, e *env, typ oauth.ClientType) {
	ctx := gooidc.ClientContext(context.Background(), e.srv.Client())
	tn := e.tenant("Acme")
	c, secret := e.client(tn, typ)

	provider, err := gooidc.NewProvider(ctx, e.issuer(tn))
	fatal(t, err)
	cfg := oauth2.Config{
		ClientID: string(c.ID), ClientSecret: secret, Endpoint: provider.Endpoint(), RedirectURL: appCallback,
		Scopes: []string{gooidc.ScopeOpenID, "email", "profile", gooidc.ScopeOfflineAccess},
	}
	verifier, nonce, state := oauth2.GenerateVerifier(), "nonce-"+string(c.ID), "state-xyz"
	authURL := cfg.AuthCodeURL(state, gooidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))

	// The browser leg: the hosted pages validate the request, log the person
	// in, and send them back with a code.
	u, err := url.Parse(authURL)
	fatal(t, err)
	if got := u.Scheme + "://" + u.Host + u.Path; got != e.issuer(tn)+"/oauth/authorize" {
		t.Fatalf("authorization endpoint %s", got)
	}
	req, err := e.prov.ParseAuthorize(e.ctx, tn.P.ID, u.Query())
	fatal(t, err)
	sess := e.login(tn)
	back, err := e.prov.IssueCode(e.ctx, req, tn.P.ID, sess)
	fatal(t, err)
	cb, err := url.Parse(back)
	fatal(t, err)
	if cb.Query().Get("state") != state || cb.Query().Get("iss") != e.issuer(tn) || cb.Scheme+"://"+cb.Host+cb.Path != appCallback {
		t.Fatalf("callback %s", back)
	}

	tok, err := cfg.Exchange(ctx, cb.Query().Get("code"), oauth2.VerifierOption(verifier))
	fatal(t, err)
	rawID, _ := tok.Extra("id_token").(string)
	idv := provider.Verifier(&gooidc.Config{ClientID: string(c.ID)})
	idt, err := idv.Verify(ctx, rawID)
	fatal(t, err)
	if idt.Nonce != nonce {
		t.Fatalf("nonce %q, want %q", idt.Nonce, nonce)
	}
	if idt.Subject != string(tn.User.ID) {
		t.Fatalf("sub %q, want %s", idt.Subject, tn.User.ID)
	}
	fatal(t, idt.VerifyAccessToken(tok.AccessToken))
	var idClaims struct {
		Email string `json:"email"`
		OrgID string `json:"org_id"`
		SID   string `json:"sid"`
	}
	fatal(t, idt.Claims(&idClaims))
	if idClaims.Email != tn.User.Email || idClaims.OrgID != string(tn.Org.ID) || idClaims.SID == "" {
		t.Fatalf("ID token claims %+v", idClaims)
	}
	if tok.RefreshToken == "" || tok.TokenType != "Bearer" {
		t.Fatalf("token response %+v", tok)
	}

	ui, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
	fatal(t, err)
	var uiClaims struct {
		OrgID string `json:"org_id"`
		Org   struct{ ID, Name string }
		Name  string `json:"name"`
	}
	fatal(t, ui.Claims(&uiClaims))
	if ui.Subject != string(tn.User.ID) || ui.Email != tn.User.Email || !ui.EmailVerified ||
		uiClaims.OrgID != string(tn.Org.ID) || uiClaims.Org.Name != tn.Org.Name || uiClaims.Name != "Ada Lovelace" {
		t.Fatalf("userinfo %+v %+v", ui, uiClaims)
	}

	// Refresh through the library: an expired token makes it refresh.
	old := tok.RefreshToken
	stale := *tok
	stale.Expiry = time.Now().Add(-time.Minute)
	fresh, err := cfg.TokenSource(ctx, &stale).Token()
	fatal(t, err)
	if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == "" || fresh.RefreshToken == old {
		t.Fatalf("refresh did not rotate: %+v", fresh)
	}
	// A refresh signs one token: the access token (OpenID Connect Core
	// §12.2 lets the response leave out the ID token).
	if raw, _ := fresh.Extra("id_token").(string); raw != "" {
		t.Fatalf("refresh returned an ID token: %s", raw)
	}
	ri, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(fresh))
	fatal(t, err)
	if ri.Subject != idt.Subject {
		t.Fatalf("refreshed access token for %s", ri.Subject)
	}

	// Past the grace period, the rotated token is a replay: refused, and
	// the session with every token of it is gone.
	e.clk.Advance(31 * time.Second)
	_, err = cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: old, Expiry: time.Now().Add(-time.Hour)}).Token()
	wantGrantError(t, err, "invalid_grant")
	_, err = cfg.TokenSource(ctx, &oauth2.Token{RefreshToken: fresh.RefreshToken, Expiry: time.Now().Add(-time.Hour)}).Token()
	wantGrantError(t, err, "invalid_grant")
	if !e.revoked(tn, sess.ID) {
		t.Fatalf("session %s not revoked after refresh token reuse", sess.ID)
	}
}

func wantGrantError(t *testing.T, err error, code string) {
	t.Helper()
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.ErrorCode != code {
		t.Fatalf("got %v, want an OAuth error %s", err, code)
	}
}
