package gatehouse

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestKeySetKeepsOnlyUnambiguousP256SigningKeys: each refused key next to
// the accepted baseline key.
func TestKeySetKeepsOnlyUnambiguousP256SigningKeys(t *testing.T) {
	good := func(kid string) jwk {
		m := publicJWK(kid, &newKey(t).PublicKey)
		return jwk{Kty: m["kty"], Crv: m["crv"], Kid: kid, Use: m["use"], Alg: m["alg"], X: m["x"], Y: m["y"]}
	}
	with := func(kid string, mutate func(*jwk)) jwk {
		k := good(kid)
		mutate(&k)
		return k
	}
	offCurve := good("off_curve")
	y, _ := base64.RawURLEncoding.DecodeString(offCurve.Y)
	y[31] ^= 1
	offCurve.Y = base64.RawURLEncoding.EncodeToString(y)

	set := jwkSet{Keys: []jwk{
		good("baseline"),
		with("bare", func(k *jwk) { k.Use, k.Alg = "", "" }), // no use, alg or key_ops: fine
		with("verify_op", func(k *jwk) { k.KeyOps = []string{"verify"} }),
		good("dup"), good("dup"),
		with("encryption", func(k *jwk) { k.Use = "enc" }),
		with("encrypt_op", func(k *jwk) { k.KeyOps = []string{"encrypt"} }),
		with("es384", func(k *jwk) { k.Alg = "ES384" }),
		with("p384", func(k *jwk) { k.Crv = "P-384" }),
		with("rsa", func(k *jwk) { k.Kty = "RSA" }),
		with("", func(*jwk) {}),
		with("short_x", func(k *jwk) { k.X = k.X[:40] }),
		with("padded_x", func(k *jwk) { k.X += "=" }),
		offCurve,
	}}.keySet()
	for _, kid := range []string{"baseline", "bare", "verify_op"} {
		if set.keys[kid] == nil {
			t.Errorf("key %q dropped", kid)
		}
	}
	if len(set.keys) != 3 {
		for kid := range set.keys {
			t.Logf("kept %q", kid)
		}
		t.Fatalf("kept %d keys, want 3", len(set.keys))
	}
}

// TestDiscoveryRefusesPlainHTTPKeySetForHTTPSIssuer: with an https issuer,
// the key set must come over https too.
func TestDiscoveryRefusesPlainHTTPKeySetForHTTPSIssuer(t *testing.T) {
	var jwksURI string
	key := newKey(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /p/proj_tls/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]string{"issuer": "https://" + r.Host + "/p/proj_tls", "jwks_uri": jwksURI})
	})
	mux.HandleFunc("GET /p/proj_tls/.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]any{"keys": []map[string]string{publicJWK("key_a", &key.PublicKey)}})
	})
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()
	issuer := srv.URL + "/p/proj_tls"

	jwksURI = issuer + "/.well-known/jwks.json"
	if _, err := NewVerifier(context.Background(), issuer, WithAudience(testAudience), WithHTTPClient(srv.Client())); err != nil {
		t.Fatalf("baseline (https key set): %v", err)
	}
	jwksURI = strings.Replace(jwksURI, "https://", "http://", 1)
	_, err := NewVerifier(context.Background(), issuer, WithAudience(testAudience), WithHTTPClient(srv.Client()))
	if !errors.Is(err, ErrDiscovery) || !strings.Contains(err.Error(), "jwks_uri") {
		t.Fatalf("http key set: err = %v", err)
	}
}

func TestDiscoveryFailures(t *testing.T) {
	ti := newTestIssuer(t)
	ti.publish("key_a")
	for name, issuer := range map[string]string{
		"no discovery document": ti.srv.URL + "/p/proj_missing",
		"not a URL":             "auth.example.com",
		"query in issuer":       ti.issuer + "?x=1",
	} {
		if _, err := NewVerifier(context.Background(), issuer, WithAudience(testAudience)); !errors.Is(err, ErrDiscovery) {
			t.Errorf("%s: err = %v, want ErrDiscovery", name, err)
		}
	}
}
