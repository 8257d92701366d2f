package oidc_test

import (
	"errors"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/oidc/oauth"
)

// authErr asserts ParseAuthorize refused with code, and whether the error
// may be sent to the app (redirect) or must be shown locally.
func authErr(t *testing.T, err error, code string, redirect bool) *oidc.AuthorizeError {
	t.Helper()
	var ae *oidc.AuthorizeError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want an AuthorizeError %s", err, code)
	}
	if ae.Code != code {
		t.Fatalf("code %q (%s), want %q", ae.Code, ae.Description, code)
	}
	if redirect != (ae.RedirectURI != "") {
		t.Fatalf("redirect URI %q for %s: redirect wanted = %v", ae.RedirectURI, ae.Description, redirect)
	}
	return ae
}

// Redirect URIs match by string equality: a trailing slash, another port
// or an added path is an unregistered URI, and the error is never sent to it.
func TestAttackUnregisteredRedirectURI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteStore(t))
	tn := e.tenant("Acme")
	c, _ := e.client(tn, oauth.Confidential, "https://app.example.com/callback", "http://localhost:3000/cb")

	for _, ok := range c.RedirectURIs {
		if _, err := e.prov.ParseAuthorize(e.ctx, tn.P.ID, authQuery(c, map[string]string{"redirect_uri": ok})); err != nil {
			t.Fatalf("baseline %s refused: %v", ok, err)
		}
	}
	for _, bad := range []string{
		"https://app.example.com/callback/", "https://app.example.com:8443/callback", "https://app.example.com/callback/evil",
		"https://app.example.com/callbackx", "https://APP.example.com/callback", "https://app.example.com/callback?x=1",
		"http://app.example.com/callback", "http://localhost:3001/cb", "http://127.0.0.1:3000/cb", "https://evil.example/callback",
	} {
		_, err := e.prov.ParseAuthorize(e.ctx, tn.P.ID, authQuery(c, map[string]string{"redirect_uri": bad}))
		authErr(t, err, "invalid_request", false)
	}
	_, err := e.prov.ParseAuthorize(e.ctx, tn.P.ID, authQuery(c, map[string]string{"redirect_uri": ""}))
	authErr(t, err, "invalid_request", false)

	// The token endpoint holds the exchange to the URI of the request.
	code, _ := e.code(tn, c, nil)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"http://localhost:3000/cb"}, "code_verifier": {pkceVerifier}}
	secret := mustSecret(t, e, tn, c)
	e.post(tn, "/oauth/token", form, string(c.ID), secret).oauthErr(t, http.StatusBadRequest, "invalid_grant")
	e.exchange(tn, c, secret, code, pkceVerifier).ok(t)
}

// mustSecret rotates c's secret (the test did not keep it) and returns it.
func mustSecret(t *testing.T, e *env, tn *tenant, c *oidc.Client) string {
	t.Helper()
	_, s, err := e.clients.RotateSecret(e.ctx, system, tn.P.ID, string(c.ID))
	fatal(t, err)
	return s
}

// A second use of a code fails and revokes the session the first use
// handed tokens to (RFC 6749 §4.1.2).
func TestAttackCodeReused(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		tn := e.tenant("Acme")
		c, secret := e.client(tn, oauth.Confidential)
		code, sess := e.code(tn, c, nil)
		first := e.exchange(tn, c, secret, code, pkceVerifier).ok(t)
		rt := first["refresh_token"].(string)
		e.refresh(tn, c, secret, rt).ok(t) // baseline: the grant works

		e.exchange(tn, c, secret, code, pkceVerifier).oauthErr(t, http.StatusBadRequest, "invalid_grant")
		if !e.revoked(tn, sess.ID) {
			t.Fatal("the session of a replayed code is still live")
		}
		e.refresh(tn, c, secret, rt).oauthErr(t, http.StatusBadRequest, "invalid_grant")
	})
}

// A code is bound to the client it was issued to; another client's try does
// not burn it.
func TestAttackCodeOfAnotherClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteStore(t))
	tn := e.tenant("Acme")
	victim, victimSecret := e.client(tn, oauth.Confidential)
	thief, thiefSecret := e.client(tn, oauth.Confidential)
	code, sess := e.code(tn, victim, nil)
	e.exchange(tn, thief, thiefSecret, code, pkceVerifier).oauthErr(t, http.StatusBadRequest, "invalid_grant")
	e.exchange(tn, victim, victimSecret, code, pkceVerifier).ok(t)
	if e.revoked(tn, sess.ID) {
		t.Fatal("the rightful exchange left a revoked session")
	}

	// Another project's client cannot even authenticate here.
	other := e.tenant("Other")
	foreign, foreignSecret := e.client(other, oauth.Confidential)
	code, _ = e.code(tn, victim, nil)
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appCallback}, "code_verifier": {pkceVerifier}}
	e.post(tn, "/oauth/token", form, string(foreign.ID), foreignSecret).oauthErr(t, http.StatusUnauthorized, "invalid_client")
	e.post(other, "/oauth/token", form, string(foreign.ID), foreignSecret).oauthErr(t, http.StatusBadRequest, "invalid_grant")
	e.exchange(tn, victim, victimSecret, code, pkceVerifier).ok(t)
}

// A used code that leaks to another client of the project (even a public
// one, which needs no secret) is refused like any bad code and does not
// revoke the victim's session: only the code's own client triggers the
// replay revocation.
func TestAttackUsedCodeOfAnotherClient(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		tn := e.tenant("Acme")
		victim, victimSecret := e.client(tn, oauth.Confidential)
		public, _ := e.client(tn, oauth.Public)
		other, otherSecret := e.client(tn, oauth.Confidential)
		code, sess := e.code(tn, victim, nil)
		rt := e.exchange(tn, victim, victimSecret, code, pkceVerifier).ok(t)["refresh_token"].(string)

		for _, r := range []*response{
			e.exchange(tn, public, "", code, pkceVerifier),
			e.exchange(tn, other, otherSecret, code, pkceVerifier),
		} {
			r.oauthErr(t, http.StatusBadRequest, "invalid_grant")
			if desc, _ := r.json(t)["error_description"].(string); desc != "the authorization code is invalid, expired or already used" {
				t.Errorf("the answer tells more than an unknown code's: %q", desc)
			}
		}
		if e.revoked(tn, sess.ID) {
			t.Fatal("another client's replay revoked the victim's session")
		}
		rt = e.refresh(tn, victim, victimSecret, rt).ok(t)["refresh_token"].(string)

		// Baseline: the code's own client replaying it does revoke.
		e.exchange(tn, victim, victimSecret, code, pkceVerifier).oauthErr(t, http.StatusBadRequest, "invalid_grant")
		e.refresh(tn, victim, victimSecret, rt).oauthErr(t, http.StatusBadRequest, "invalid_grant")
	})
}

// PKCE: a wrong or missing verifier fails without burning the code; plain
// and missing challenges are refused where they are asked for.
func TestAttackPKCE(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		tn := e.tenant("Acme")
		pub, _ := e.client(tn, oauth.Public)
		code, _ := e.code(tn, pub, nil)
		other := oauth.NewSecret()[6:] + "0123456789abcdef0123"
		e.exchange(tn, pub, "", code, other).oauthErr(t, http.StatusBadRequest, "invalid_grant")
		e.exchange(tn, pub, "", code, "").oauthErr(t, http.StatusBadRequest, "invalid_grant")
		e.exchange(tn, pub, "", code, challenge(pkceVerifier)).oauthErr(t, http.StatusBadRequest, "invalid_grant")
		e.exchange(tn, pub, "", code, pkceVerifier).ok(t)

		// Public clients must send an S256 challenge.
		_, err := e.prov.ParseAuthorize(e.ctx, tn.P.ID, authQuery(pub, map[string]string{"code_challenge": "", "code_challenge_method": ""}))
		ae := authErr(t, err, "invalid_request", true)
		if ae.State != "st-1" {
			t.Fatalf("state %q not echoed", ae.State)
		}
		_, err = e.prov.ParseAuthorize(e.ctx, tn.P.ID, authQuery(pub, map[string]string{"code_challenge_method": "plain", "code_challenge": pkceVerifier[:43]}))
		authErr(t, err, "invalid_request", true)
		_, err = e.prov.ParseAuthorize(e.ctx, tn.P.ID, authQuery(pub, map[string]string{"code_challenge_method": ""}))
		authErr(t, err, "invalid_request", true)

		// A confidential client may skip PKCE; then no verifier may appear.
		conf, secret := e.client(tn, oauth.Confidential)
		code, _ = e.code(tn, conf, map[string]string{"code_challenge": "", "code_challenge_method": ""})
		e.exchange(tn, conf, secret, code, pkceVerifier).oauthErr(t, http.StatusBadRequest, "invalid_grant")
		e.exchange(tn, conf, secret, code, "").ok(t)
		// When it did send a challenge, the verifier is checked as for anyone.
		code, _ = e.code(tn, conf, nil)
		e.exchange(tn, conf, secret, code, "").oauthErr(t, http.StatusBadRequest, "invalid_grant")
		e.exchange(tn, conf, secret, code, pkceVerifier).ok(t)
	})
}

// Codes live 60 seconds.
func TestAttackExpiredCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteStore(t))
	tn := e.tenant("Acme")
	c, secret := e.client(tn, oauth.Confidential)
	code, _ := e.code(tn, c, nil)
	e.clk.Advance(oauth.CodeLifetime - 2*time.Second)
	e.exchange(tn, c, secret, code, pkceVerifier).ok(t)

	code, _ = e.code(tn, c, nil)
	e.clk.Advance(oauth.CodeLifetime + time.Second)
	e.exchange(tn, c, secret, code, pkceVerifier).oauthErr(t, http.StatusBadRequest, "invalid_grant")
}

// Confidential clients must prove their secret, by either method.
func TestAttackWrongClientSecret(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteStore(t))
	tn := e.tenant("Acme")
	c, secret := e.client(tn, oauth.Confidential)
	code, _ := e.code(tn, c, nil)
	e.exchange(tn, c, secret[:len(secret)-1]+"x", code, pkceVerifier).oauthErr(t, http.StatusUnauthorized, "invalid_client")
	e.exchange(tn, c, oauth.NewSecret(), code, pkceVerifier).oauthErr(t, http.StatusUnauthorized, "invalid_client")
	// No secret at all: a confidential client cannot pass as public.
	form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {appCallback}, "code_verifier": {pkceVerifier}, "client_id": {string(c.ID)}}
	r := e.post(tn, "/oauth/token", form)
	r.oauthErr(t, http.StatusUnauthorized, "invalid_client")
	if r.header.Get("WWW-Authenticate") == "" {
		t.Fatal("401 without WWW-Authenticate")
	}
	// client_secret_post is the baseline here; the code was not burnt.
	form.Set("client_secret", secret)
	e.post(tn, "/oauth/token", form).ok(t)

	// After a rotation the new secret works at once; the old one, which
	// this instance just accepted, stops within ClientCacheTTL.
	fresh := mustSecret(t, e, tn, c)
	code, _ = e.code(tn, c, nil)
	e.exchange(tn, c, fresh, code, pkceVerifier).ok(t)
	e.clk.Advance(oidc.ClientCacheTTL)
	code, _ = e.code(tn, c, nil)
	e.exchange(tn, c, secret, code, pkceVerifier).oauthErr(t, http.StatusUnauthorized, "invalid_client")
	e.exchange(tn, c, fresh, code, pkceVerifier).ok(t)
}

// userinfo accepts only this project's access tokens.
func TestAttackUserinfoTokens(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		a, b := e.tenant("Acme"), e.tenant("Other")
		ca, sa := e.client(a, oauth.Confidential)
		cb, sb := e.client(b, oauth.Confidential)
		code, _ := e.code(a, ca, nil)
		ta := e.exchange(a, ca, sa, code, pkceVerifier).ok(t)
		code, _ = e.code(b, cb, nil)
		tb := e.exchange(b, cb, sb, code, pkceVerifier).ok(t)

		got := e.get(e.issuer(a)+"/oauth/userinfo", ta["access_token"].(string)).ok(t)
		if got["sub"] != string(a.User.ID) || got["org_id"] != string(a.Org.ID) {
			t.Fatalf("userinfo %v", got)
		}
		for name, tok := range map[string]string{
			"another project's access token": tb["access_token"].(string),
			"an ID token":                    ta["id_token"].(string),
			"a refresh token":                ta["refresh_token"].(string),
			"garbage":                        "not-a-token",
		} {
			r := e.get(e.issuer(a)+"/oauth/userinfo", tok)
			if r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") == "" || r.json(t)["error"] != "invalid_token" {
				t.Fatalf("%s at userinfo: %d %v %s", name, r.status, r.header, r.body)
			}
		}
		r := e.get(e.issuer(a)+"/oauth/userinfo", "")
		if r.status != http.StatusUnauthorized || r.header.Get("WWW-Authenticate") != `Bearer realm="gatehouse"` {
			t.Fatalf("no token: %d %v", r.status, r.header)
		}
		// An expired access token is refused too.
		e.clk.Advance(6 * time.Minute)
		r = e.get(e.issuer(a)+"/oauth/userinfo", ta["access_token"].(string))
		if r.status != http.StatusUnauthorized {
			t.Fatalf("expired access token at userinfo: %d", r.status)
		}
	})
}
