package token_test

import (
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

var sentinels = []error{token.ErrMalformed, token.ErrAlgorithm, token.ErrUnknownKey, token.ErrSignature,
	token.ErrType, token.ErrIssuer, token.ErrExpired}

// refusedFor fails unless err wraps target and no other check's error: the
// token must be refused for the right reason.
func refusedFor(t testing.TB, err, target error, what string) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: got %v, want %v", what, err, target)
	}
	for _, s := range sentinels {
		if s != target && errors.Is(err, s) {
			t.Fatalf("%s: refused as %v as well as %v: %v", what, s, target, err)
		}
	}
}

// attack holds a project whose tokens are attacked, its current key, and a
// second project.
type attack struct {
	*env
	p, q id.Project
	kid  string
	priv *ecdsa.PrivateKey
}

func newAttack(t *testing.T, e *env) *attack {
	a := &attack{env: e, p: e.project("Victim"), q: e.project("Attacker")}
	a.kid = e.jwks(e.iss, a.p).Keys[0]["kid"]
	a.priv = e.privateKey(a.p, a.kid)
	return a
}

func (a *attack) verify(jwt string) error {
	_, err := a.iss.VerifyAccessToken(a.ctx, a.p, issuerURL(a.p), jwt)
	return err
}

func (a *attack) verifyID(jwt string, allowExpired bool) error {
	_, err := a.iss.VerifyIDToken(a.ctx, a.p, issuerURL(a.p), jwt, allowExpired)
	return err
}

// claims are valid access token claims of the victim project, now.
func (a *attack) claims() map[string]any {
	now := a.clk.Now().Unix()
	return map[string]any{
		"iss": issuerURL(a.p), "sub": "user_01jq0000000000000000000000", "aud": "cli_01jq0000000000000000000000",
		"exp": now + 300, "iat": now, "nbf": now, "jti": "j1", "client_id": "cli_01jq0000000000000000000000",
		"org_id": "org_01jq0000000000000000000000", "org": map[string]string{"id": "org_01jq0000000000000000000000", "name": "A"},
		"email": "ada@example.com", "email_verified": true, "roles": []string{"member"}, "permissions": []string{}, "amr": []string{"otp"},
	}
}

func (a *attack) header(typ string) map[string]any {
	return map[string]any{"alg": "ES256", "typ": typ, "kid": a.kid}
}

// The forge helper itself must produce tokens the Issuer accepts, or the
// refusals below would prove nothing.
func TestForgedBaselineAccepted(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		a := newAttack(t, e)
		noErr(t, a.verify(a.accessToken(a.iss, a.p)), "issued token")
		noErr(t, a.verify(forge(t, a.header("at+jwt"), a.claims(), es256(t, a.priv))), "forged with the real key")
		noErr(t, a.verify(forge(t, a.header("application/AT+JWT"), a.claims(), es256(t, a.priv))), "typ as a full media type")
	})
}

func TestAttackAlgNone(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		a := newAttack(t, e)
		noErr(t, a.verify(forge(t, a.header("at+jwt"), a.claims(), es256(t, a.priv))), "baseline")
		empty := func([]byte) []byte { return nil }
		for _, alg := range []any{"none", "None", "NONE", "", nil} {
			h := a.header("at+jwt")
			h["alg"] = alg
			refusedFor(t, a.verify(forge(t, h, a.claims(), empty)), token.ErrAlgorithm, "alg "+jsonOf(alg))
			// Even with a valid ES256 signature attached.
			refusedFor(t, a.verify(forge(t, h, a.claims(), es256(t, a.priv))), token.ErrAlgorithm, "alg "+jsonOf(alg)+" with a signature")
		}
		h := a.header("at+jwt")
		delete(h, "alg")
		refusedFor(t, a.verify(forge(t, h, a.claims(), es256(t, a.priv))), token.ErrAlgorithm, "no alg")
	})
}

// HS256 "signed" with the public key: a verifier that let the token choose
// its algorithm would check the HMAC with the key bytes it has.
func TestAttackHS256WithPublicKey(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		a := newAttack(t, e)
		noErr(t, a.verify(forge(t, a.header("at+jwt"), a.claims(), es256(t, a.priv))), "baseline")
		pub := &a.priv.PublicKey
		point, err := pub.Bytes()
		noErr(t, err, "public key bytes")
		spki, err := x509.MarshalPKIXPublicKey(pub)
		noErr(t, err, "SPKI")
		jwk, err := json.Marshal(a.jwks(a.iss, a.p).Keys[0])
		noErr(t, err, "JWK")
		secrets := map[string][]byte{
			"uncompressed point": point,
			"SPKI DER":           spki,
			"SPKI PEM":           pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}),
			"JWK":                jwk,
			"JWKS":               mustJWKS(t, a),
		}
		for name, secret := range secrets {
			for _, alg := range []string{"HS256", "HS384", "HS512", "hs256"} {
				h := a.header("at+jwt")
				h["alg"] = alg
				mac := func(input []byte) []byte {
					m := hmac.New(sha256.New, secret)
					m.Write(input)
					return m.Sum(nil)
				}
				refusedFor(t, a.verify(forge(t, h, a.claims(), mac)), token.ErrAlgorithm, alg+" keyed with the "+name)
			}
		}
		for _, alg := range []string{"RS256", "PS256", "ES384", "ES512", "ES256K", "EdDSA", "es256", "ES256 "} {
			h := a.header("at+jwt")
			h["alg"] = alg
			refusedFor(t, a.verify(forge(t, h, a.claims(), es256(t, a.priv))), token.ErrAlgorithm, "alg "+alg)
		}
	})
}

func mustJWKS(t testing.TB, a *attack) []byte {
	raw, err := a.iss.JWKS(a.ctx, a.p)
	noErr(t, err, "JWKS")
	return raw
}

func TestAttackWrongIssuer(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		a := newAttack(t, e)
		jwt := a.accessToken(a.iss, a.p)
		noErr(t, a.verify(jwt), "baseline")
		for _, iss := range []string{issuerURL(a.q), issuerURL(a.p) + "/", "http://auth.example.com/p/" + string(a.p), ""} {
			_, err := a.iss.VerifyAccessToken(a.ctx, a.p, iss, jwt)
			refusedFor(t, err, token.ErrIssuer, "verified against issuer "+iss)
		}
		// Validly signed by the victim's key but naming another issuer.
		c := a.claims()
		c["iss"] = issuerURL(a.q)
		refusedFor(t, a.verify(forge(t, a.header("at+jwt"), c, es256(t, a.priv))), token.ErrIssuer, "iss of another project")
		delete(c, "iss")
		refusedFor(t, a.verify(forge(t, a.header("at+jwt"), c, es256(t, a.priv))), token.ErrIssuer, "no iss")
		// The same for ID tokens.
		idt := a.idToken(a.iss, a.p)
		noErr(t, a.verifyID(idt, false), "ID token baseline")
		_, err := a.iss.VerifyIDToken(a.ctx, a.p, issuerURL(a.q), idt, false)
		refusedFor(t, err, token.ErrIssuer, "ID token against another issuer")
	})
}

func TestAttackWrongType(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		a := newAttack(t, e)
		noErr(t, a.verify(forge(t, a.header("at+jwt"), a.claims(), es256(t, a.priv))), "baseline")
		for _, typ := range []any{"JWT", "jwt", "", "at+jwt ", "application/jwt", "id+jwt", nil} {
			h := a.header("at+jwt")
			h["typ"] = typ
			refusedFor(t, a.verify(forge(t, h, a.claims(), es256(t, a.priv))), token.ErrType, "typ "+jsonOf(typ))
		}
		// An ID token, properly signed by the project, is not an access
		// token; and an access token is not an ID token.
		idt := a.idToken(a.iss, a.p)
		noErr(t, a.verifyID(idt, false), "ID token baseline")
		refusedFor(t, a.verify(idt), token.ErrType, "ID token presented as an access token")
		access := a.accessToken(a.iss, a.p)
		noErr(t, a.verify(access), "access token baseline")
		refusedFor(t, a.verifyID(access, false), token.ErrType, "access token presented as an ID token")
		refusedFor(t, a.verifyID(access, true), token.ErrType, "access token presented as id_token_hint")
	})
}

func TestAttackExpired(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		a := newAttack(t, e)
		jwt := a.accessToken(a.iss, a.p)
		idt := a.idToken(a.iss, a.p)
		// Accepted up to Leeway past exp...
		a.clk.Advance(token.AccessTokenLifetime + token.Leeway - time.Second)
		noErr(t, a.verify(jwt), "within the leeway")
		// ...and refused after.
		a.clk.Advance(2 * time.Second)
		refusedFor(t, a.verify(jwt), token.ErrExpired, "expired access token")

		a.clk.Advance(token.IDTokenLifetime)
		refusedFor(t, a.verifyID(idt, false), token.ErrExpired, "expired ID token")
		noErr(t, a.verifyID(idt, true), "expired ID token as id_token_hint")

		// Not yet valid: nbf or iat beyond the leeway.
		for _, claim := range []string{"nbf", "iat"} {
			c := a.claims()
			c[claim] = a.clk.Now().Add(token.Leeway + 5*time.Second).Unix()
			err := a.verify(forge(t, a.header("at+jwt"), c, es256(t, a.priv)))
			refusedFor(t, err, token.ErrExpired, claim+" in the future")
			if !errors.Is(err, token.ErrNotYetValid) {
				t.Fatalf("%s in the future: %v, want ErrNotYetValid", claim, err)
			}
			c[claim] = a.clk.Now().Add(token.Leeway - 5*time.Second).Unix()
			noErr(t, a.verify(forge(t, a.header("at+jwt"), c, es256(t, a.priv))), claim+" within the leeway")
		}
		// exp is required.
		c := a.claims()
		delete(c, "exp")
		refusedFor(t, a.verify(forge(t, a.header("at+jwt"), c, es256(t, a.priv))), token.ErrMalformed, "no exp")
	})
}

func TestAttackOtherProjectsKey(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		a := newAttack(t, e)
		noErr(t, a.verify(a.accessToken(a.iss, a.p)), "baseline")
		// A token of the other project, even with the victim's issuer in it:
		// its kid is not one of the victim's keys.
		theirs := a.accessToken(a.iss, a.q)
		refusedFor(t, a.verify(theirs), token.ErrUnknownKey, "another project's token")
		theirKid := kidOf(t, theirs)
		theirPriv := a.privateKey(a.q, theirKid)
		h := a.header("at+jwt")
		h["kid"] = theirKid
		refusedFor(t, a.verify(forge(t, h, a.claims(), es256(t, theirPriv))), token.ErrUnknownKey, "victim's claims under the other project's kid")
		// The other project's key with the victim's kid (same format): the
		// signature does not verify under the victim's key of that kid.
		refusedFor(t, a.verify(forge(t, a.header("at+jwt"), a.claims(), es256(t, theirPriv))), token.ErrSignature, "other project's key claiming the victim's kid")
		// A kid that no project has, in the right format and in others.
		for _, kid := range []any{string(id.New[id.SigningKey](time.Now())), "key_", "", "../" + a.kid, nil} {
			h := a.header("at+jwt")
			h["kid"] = kid
			refusedFor(t, a.verify(forge(t, h, a.claims(), es256(t, a.priv))), token.ErrUnknownKey, "kid "+jsonOf(kid))
		}
		h["kid"] = 7
		refusedFor(t, a.verify(forge(t, h, a.claims(), es256(t, a.priv))), token.ErrMalformed, "numeric kid")
	})
}

func TestAttackTampered(t *testing.T) {
	engines(t, func(t *testing.T, e *env) {
		a := newAttack(t, e)
		jwt := a.accessToken(a.iss, a.p)
		noErr(t, a.verify(jwt), "baseline")
		parts := strings.Split(jwt, ".")

		// Payload with more permissions, signature kept.
		var c map[string]any
		raw, _ := base64.RawURLEncoding.DecodeString(parts[1])
		noErr(t, json.Unmarshal(raw, &c), "claims")
		c["roles"] = []string{"owner"}
		c["permissions"] = []string{"*"}
		mod, _ := json.Marshal(c)
		refusedFor(t, a.verify(parts[0]+"."+base64.RawURLEncoding.EncodeToString(mod)+"."+parts[2]), token.ErrSignature, "tampered payload")

		// One flipped bit anywhere in the payload or the signature.
		for _, n := range []int{1, 2} {
			for i := range len(parts[n]) {
				b := []byte(parts[n])
				b[i] = flip(b[i])
				p := append([]string{}, parts...)
				p[n] = string(b)
				err := a.verify(strings.Join(p, "."))
				if !errors.Is(err, token.ErrSignature) && !errors.Is(err, token.ErrMalformed) {
					t.Fatalf("part %d char %d changed: %v, want ErrSignature or ErrMalformed", n, i, err)
				}
			}
		}
		// A header that says the same thing differently breaks the signature too.
		reordered := base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"at+jwt","alg":"ES256","kid":"` + a.kid + `"}`))
		refusedFor(t, a.verify(reordered+"."+parts[1]+"."+parts[2]), token.ErrSignature, "re-encoded header")

		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		for name, s := range map[string][]byte{"truncated": sig[:63], "empty": nil, "doubled": append(sig, sig...)} {
			refusedFor(t, a.verify(parts[0]+"."+parts[1]+"."+base64.RawURLEncoding.EncodeToString(s)), token.ErrSignature, name+" signature")
		}
		// crit names an extension nobody here understands.
		ch := a.header("at+jwt")
		ch["crit"] = []string{"exp"}
		refusedFor(t, a.verify(forge(t, ch, a.claims(), es256(t, a.priv))), token.ErrMalformed, "crit header")
	})
}

func flip(c byte) byte {
	if c == 'A' {
		return 'B'
	}
	return 'A'
}

func TestAttackMalformed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sqliteStore(t))
	a := newAttack(t, e)
	jwt := a.accessToken(a.iss, a.p)
	noErr(t, a.verify(jwt), "baseline")
	parts := strings.Split(jwt, ".")
	for name, bad := range map[string]string{
		"empty":              "",
		"one part":           parts[0],
		"two parts":          parts[0] + "." + parts[1],
		"four parts":         jwt + "." + parts[2],
		"padded header":      parts[0] + "=." + parts[1] + "." + parts[2],
		"standard base64":    strings.ReplaceAll(parts[0], "_", "/") + "+." + parts[1] + "." + parts[2],
		"header not JSON":    base64.RawURLEncoding.EncodeToString([]byte("ES256")) + "." + parts[1] + "." + parts[2],
		"header JSON array":  base64.RawURLEncoding.EncodeToString([]byte(`["ES256"]`)) + "." + parts[1] + "." + parts[2],
		"payload not base64": parts[0] + ".!!!." + parts[2],
		"huge":               parts[0] + "." + strings.Repeat("A", 20000) + "." + parts[2],
		"JWE-shaped":         jwt + ".a.b",
	} {
		refusedFor(t, a.verify(bad), token.ErrMalformed, name)
	}
	// Claims that are not a JSON object, validly signed.
	signed := func(payload string) string {
		h, _ := json.Marshal(a.header("at+jwt"))
		input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
		return input + "." + base64.RawURLEncoding.EncodeToString(es256(t, a.priv)([]byte(input)))
	}
	for _, payload := range []string{"null", "[]", `"x"`, "{", `{"exp":"soon","iat":1}`} {
		refusedFor(t, a.verify(signed(payload)), token.ErrMalformed, "claims "+payload)
	}
}

func jsonOf(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}
