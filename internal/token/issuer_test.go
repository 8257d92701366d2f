package token_test

import (
	"crypto/rand"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/seal"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

func TestAccessTokenRoundTrip(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		p := e.project("Acme")
		in := accessClaims(p)
		in.Act = &token.Actor{Subject: "user_01jq0000000000000000000001", Email: "support@vendor.example"}
		jwt, exp, err := e.iss.AccessToken(e.ctx, p, in)
		noErr(t, err, "AccessToken")
		now := e.clk.Now()
		if want := now.Add(token.AccessTokenLifetime); !exp.Equal(want) {
			t.Fatalf("expiresAt %s, want %s", exp, want)
		}

		header, claims := parts(t, jwt)
		keys := e.jwks(e.iss, p)
		want := map[string]any{"alg": "ES256", "typ": "at+jwt", "kid": keys.Keys[0]["kid"]}
		if d := cmp.Diff(want, header); d != "" {
			t.Fatalf("header (-want +got):\n%s", d)
		}
		for _, name := range []string{"iss", "sub", "aud", "exp", "iat", "nbf", "jti", "client_id", "sid",
			"auth_time", "amr", "org_id", "org", "email", "email_verified", "name", "roles", "permissions", "act"} {
			if _, ok := claims[name]; !ok {
				t.Errorf("claim %s missing from %v", name, claims)
			}
		}
		if claims["exp"].(float64)-claims["iat"].(float64) != 300 {
			t.Errorf("exp - iat = %v s, want 300", claims["exp"].(float64)-claims["iat"].(float64))
		}
		if d := cmp.Diff(map[string]any{"id": string(in.OrgID), "name": in.OrgName}, claims["org"]); d != "" {
			t.Errorf("org claim (-want +got):\n%s", d)
		}
		if claims["aud"] != string(in.ClientID) {
			t.Errorf("aud %v, want the client ID (the default audience)", claims["aud"])
		}

		got, err := e.iss.VerifyAccessToken(e.ctx, p, issuerURL(p), jwt)
		noErr(t, err, "VerifyAccessToken")
		in.Audience = []string{string(in.ClientID)}
		in.IssuedAt, in.ExpiresAt, in.JTI = now, exp, got.JTI
		if d := cmp.Diff(&in, got); d != "" {
			t.Fatalf("verified claims (-want +got):\n%s", d)
		}
		if len(got.JTI) < 20 {
			t.Fatalf("jti %q is too short to be unique", got.JTI)
		}
		other, _, err := e.iss.AccessToken(e.ctx, p, accessClaims(p))
		noErr(t, err, "AccessToken")
		if _, c := parts(t, other); c["jti"] == claims["jti"] {
			t.Fatal("two tokens share a jti")
		}
	})
}

func TestAccessTokenEmptyListsAndAudiences(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		p := e.project("Acme")
		in := accessClaims(p)
		in.AMR, in.Roles, in.Permissions, in.Name, in.SessionID = nil, nil, nil, "", ""
		in.Audience = []string{"https://api.example.com", "https://billing.example.com"}
		jwt, _, err := e.iss.AccessToken(e.ctx, p, in)
		noErr(t, err, "AccessToken")
		_, claims := parts(t, jwt)
		for _, name := range []string{"amr", "roles", "permissions"} {
			if l, ok := claims[name].([]any); !ok || len(l) != 0 {
				t.Errorf("%s = %#v, want []", name, claims[name])
			}
		}
		for _, name := range []string{"act", "name", "sid"} {
			if _, ok := claims[name]; ok {
				t.Errorf("unset claim %s present: %v", name, claims[name])
			}
		}
		if d := cmp.Diff([]any{"https://api.example.com", "https://billing.example.com"}, claims["aud"]); d != "" {
			t.Errorf("aud (-want +got):\n%s", d)
		}
		got, err := e.iss.VerifyAccessToken(e.ctx, p, issuerURL(p), jwt)
		noErr(t, err, "VerifyAccessToken")
		if got.Roles == nil || got.Permissions == nil || got.AMR == nil || got.Act != nil {
			t.Fatalf("verified lists must be empty, not nil, and act absent: %+v", got)
		}
		if d := cmp.Diff(in.Audience, got.Audience); d != "" {
			t.Fatalf("audience (-want +got):\n%s", d)
		}
	})
}

func TestIDTokenRoundTrip(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		p := e.project("Acme")
		access := e.accessToken(e.iss, p)
		in := idClaims(p)
		in.AccessTokenHash = token.AccessTokenHash(access)
		jwt, err := e.iss.IDToken(e.ctx, p, in)
		noErr(t, err, "IDToken")
		header, claims := parts(t, jwt)
		if header["typ"] != "JWT" || header["alg"] != "ES256" {
			t.Fatalf("header %v", header)
		}
		if claims["aud"] != string(in.Audience) || claims["nonce"] != in.Nonce || claims["at_hash"] != in.AccessTokenHash {
			t.Fatalf("claims %v", claims)
		}
		if claims["exp"].(float64)-claims["iat"].(float64) != 3600 {
			t.Fatalf("ID token lives %v s, want 3600", claims["exp"].(float64)-claims["iat"].(float64))
		}
		got, err := e.iss.VerifyIDToken(e.ctx, p, issuerURL(p), jwt, false)
		noErr(t, err, "VerifyIDToken")
		now := e.clk.Now()
		in.IssuedAt, in.ExpiresAt = now, now.Add(token.IDTokenLifetime)
		if d := cmp.Diff(&in, got, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("verified claims (-want +got):\n%s", d)
		}
	})
}

// at_hash is the base64url left half of the token's SHA-256 (OpenID Connect
// Core §3.1.3.6). SHA-256("abc") is the FIPS 180-2 test vector
// ba7816bf8f01cfea414140de5dae2223b00361a3...; its left half, encoded by hand:
func TestAccessTokenHash(t *testing.T) {
	if got, want := token.AccessTokenHash("abc"), "ungWv48Bz-pBQUDeXa4iIw"; got != want {
		t.Fatalf("AccessTokenHash(abc) = %q, want %q", got, want)
	}
}

func TestRefusesIncompleteClaims(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteStore(t))
	p := e.project("Acme")
	for name, mutate := range map[string]func(*token.AccessClaims){
		"no issuer":          func(c *token.AccessClaims) { c.Issuer = "" },
		"no subject":         func(c *token.AccessClaims) { c.Subject = "" },
		"no organization":    func(c *token.AccessClaims) { c.OrgID = "" },
		"no client/audience": func(c *token.AccessClaims) { c.ClientID, c.Audience = "", nil },
	} {
		c := accessClaims(p)
		mutate(&c)
		if jwt, _, err := e.iss.AccessToken(e.ctx, p, c); err == nil {
			t.Errorf("%s: issued %s", name, jwt)
		}
	}
	for name, mutate := range map[string]func(*token.IDClaims){
		"no issuer":   func(c *token.IDClaims) { c.Issuer = "" },
		"no subject":  func(c *token.IDClaims) { c.Subject = "" },
		"no audience": func(c *token.IDClaims) { c.Audience = "" },
	} {
		c := idClaims(p)
		mutate(&c)
		if jwt, err := e.iss.IDToken(e.ctx, p, c); err == nil {
			t.Errorf("ID token %s: issued %s", name, jwt)
		}
	}
}

func TestUnknownProject(t *testing.T) {
	t.Parallel()
	cs := &countingStore{Store: sqliteStore(t)}
	e := newEnv(t, cs)
	ghost := id.New[id.Project](time.Now())
	if _, _, err := e.iss.AccessToken(e.ctx, ghost, accessClaims(ghost)); err == nil {
		t.Fatal("signed a token for a project that does not exist")
	}
	if _, err := e.iss.JWKS(e.ctx, ghost); err == nil {
		t.Fatal("published keys for a project that does not exist")
	}
	// A token of a real project presented for ones that do not exist.
	p := e.project("Acme")
	jwt := e.accessToken(e.iss, p)
	writes := cs.writes.Load()
	for range 20 {
		ghost := id.New[id.Project](time.Now())
		_, err := e.iss.VerifyAccessToken(e.ctx, ghost, issuerURL(p), jwt)
		wantErr(t, err, token.ErrUnknownKey, "token verified against a project that does not exist")
	}
	if got := cs.writes.Load() - writes; got != 0 {
		t.Fatalf("tokens for projects that do not exist opened %d write transactions", got)
	}
}

// An instance configured with another master key cannot open the project's
// key: it refuses to sign instead of issuing tokens nobody could verify.
func TestWrongMasterKey(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		p := e.project("Acme")
		jwt := e.accessToken(e.iss, p)
		key := make([]byte, seal.KeySize)
		rand.Read(key)
		other, err := seal.New(key)
		noErr(t, err, "seal.New")
		wrong := token.NewIssuer(e.st, other, token.WithClock(e.clk.Now))
		_, _, err = wrong.AccessToken(e.ctx, p, accessClaims(p))
		if err == nil || !strings.Contains(err.Error(), "master key") {
			t.Fatalf("AccessToken under another master key: %v, want an error naming the master key", err)
		}
		// The right key still works, and the stored keys were left alone.
		_, err = e.issuer().VerifyAccessToken(e.ctx, p, issuerURL(p), jwt)
		noErr(t, err, "verify on an instance with the right master key")
		if got := e.states(p); len(got) != 2 {
			t.Fatalf("stored keys after the failed load: %v", got)
		}
	})
}
