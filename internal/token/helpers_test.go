package token_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/seal"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/testclock"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

// clock is the shared settable test clock.
type clock = testclock.Clock

func newClock() *clock { return testclock.New(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)) }

// env is one test's database, master key, clock and Issuer.
type env struct {
	t      testing.TB
	ctx    context.Context
	st     store.Store
	sealer *seal.Sealer
	clk    *clock
	iss    *token.Issuer
}

// engines runs fn once per database engine, in parallel.
func engines(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Parallel()
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, newEnv(t, eng.Open(t)))
		})
	}
}

func newEnv(t testing.TB, st store.Store) *env {
	key := make([]byte, seal.KeySize)
	rand.Read(key)
	sealer, err := seal.New(key)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: context.Background(), st: st, sealer: sealer, clk: newClock()}
	e.iss = e.issuer()
	return e
}

// issuer returns another Issuer on the same database, master key and clock,
// as a second instance of the server would have.
func (e *env) issuer(opts ...token.Option) *token.Issuer {
	return token.NewIssuer(e.st, e.sealer, append([]token.Option{token.WithClock(e.clk.Now)}, opts...)...)
}

func (e *env) project(name string) id.Project {
	e.t.Helper()
	p, err := project.New(name, e.clk.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.Write(e.ctx, func(w store.Writer) error { return w.CreateProject(e.ctx, p) }); err != nil {
		e.t.Fatal(err)
	}
	return p.ID
}

func issuerURL(p id.Project) string { return "https://auth.example.com/p/" + string(p) }

func accessClaims(p id.Project) token.AccessClaims {
	return token.AccessClaims{
		Issuer:        issuerURL(p),
		Subject:       id.User("user_01jq0000000000000000000000"),
		ClientID:      id.Client("cli_01jq0000000000000000000000"),
		SessionID:     id.Session("sess_01jq0000000000000000000000"),
		AuthTime:      time.Date(2026, 3, 1, 8, 59, 0, 0, time.UTC),
		AMR:           []string{"otp"},
		OrgID:         id.Org("org_01jq0000000000000000000000"),
		OrgName:       "Southwest Airlines",
		Email:         "ada@example.com",
		EmailVerified: true,
		Name:          "Ada",
		Roles:         []string{"member"},
		Permissions:   []string{"invoices.read"},
	}
}

func idClaims(p id.Project) token.IDClaims {
	return token.IDClaims{
		Issuer:        issuerURL(p),
		Subject:       id.User("user_01jq0000000000000000000000"),
		Audience:      id.Client("cli_01jq0000000000000000000000"),
		Nonce:         "n-0S6_WzA2Mj",
		AuthTime:      time.Date(2026, 3, 1, 8, 59, 0, 0, time.UTC),
		SessionID:     id.Session("sess_01jq0000000000000000000000"),
		AMR:           []string{"pwd"},
		Email:         "ada@example.com",
		EmailVerified: true,
		Name:          "Ada",
		OrgID:         id.Org("org_01jq0000000000000000000000"),
		OrgName:       "Southwest Airlines",
	}
}

func (e *env) accessToken(iss *token.Issuer, p id.Project) string {
	e.t.Helper()
	jwt, _, err := iss.AccessToken(e.ctx, p, accessClaims(p))
	if err != nil {
		e.t.Fatalf("AccessToken: %v", err)
	}
	return jwt
}

func (e *env) idToken(iss *token.Issuer, p id.Project) string {
	e.t.Helper()
	jwt, err := iss.IDToken(e.ctx, p, idClaims(p))
	if err != nil {
		e.t.Fatalf("IDToken: %v", err)
	}
	return jwt
}

// jwks is a decoded JWKS.
type jwks struct {
	Keys []map[string]string `json:"keys"`
}

func (j jwks) kids() []string {
	out := []string{}
	for _, k := range j.Keys {
		out = append(out, k["kid"])
	}
	return out
}

func (e *env) jwks(iss *token.Issuer, p id.Project) jwks {
	e.t.Helper()
	raw, err := iss.JWKS(e.ctx, p)
	if err != nil {
		e.t.Fatalf("JWKS: %v", err)
	}
	var out jwks
	if err := json.Unmarshal(raw, &out); err != nil {
		e.t.Fatalf("JWKS is not JSON: %v\n%s", err, raw)
	}
	return out
}

// parts decodes a compact JWS without verifying it.
func parts(t testing.TB, jwt string) (header, claims map[string]any) {
	t.Helper()
	s := strings.Split(jwt, ".")
	if len(s) != 3 {
		t.Fatalf("token has %d parts", len(s))
	}
	for i, dst := range []*map[string]any{&header, &claims} {
		b, err := base64.RawURLEncoding.DecodeString(s[i])
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
	}
	return header, claims
}

// privateKey opens a stored key's private half the way the Issuer does.
func (e *env) privateKey(p id.Project, kid string) *ecdsa.PrivateKey {
	e.t.Helper()
	k, err := e.st.GetSigningKey(e.ctx, p, id.SigningKey(kid))
	if err != nil {
		e.t.Fatalf("GetSigningKey: %v", err)
	}
	der, err := e.sealer.Open(k.PrivateKey, []byte("signing_keys.private_key:"+kid))
	if err != nil {
		e.t.Fatalf("open private key: %v", err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		e.t.Fatal(err)
	}
	return priv.(*ecdsa.PrivateKey)
}

// forge builds a token from a header and claims, signed by signer.
func forge(t testing.TB, header, claims any, signer func(input []byte) []byte) string {
	t.Helper()
	h, err := json.Marshal(header)
	if err != nil {
		t.Fatal(err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	return input + "." + base64.RawURLEncoding.EncodeToString(signer([]byte(input)))
}

// es256 signs like a JWS ES256 signer: r||s over SHA-256.
func es256(t testing.TB, priv *ecdsa.PrivateKey) func([]byte) []byte {
	return func(input []byte) []byte {
		digest := sha256.Sum256(input)
		r, s, err := ecdsa.Sign(rand.Reader, priv, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return sig
	}
}

// wantErr fails unless err wraps target.
func wantErr(t testing.TB, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got error %v, want %v", what, err, target)
	}
}

func noErr(t testing.TB, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func sqliteStore(t testing.TB) store.Store { return testdb.SQLite(t) }
