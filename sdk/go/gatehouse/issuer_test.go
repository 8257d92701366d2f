package gatehouse

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testIssuer is a real HTTP server publishing discovery and a JWKS, with
// request counters, plus the private keys to mint tokens.
type testIssuer struct {
	t        *testing.T
	srv      *httptest.Server
	issuer   string
	discHits atomic.Int64
	jwksHits atomic.Int64

	mu        sync.Mutex
	published map[string]*ecdsa.PrivateKey // kid → key, as served in the JWKS
	claimIss  string                       // issuer named by discovery ("" = the real one)
	gate      chan struct{}                // when set, JWKS responses wait for it to close
}

var t0 = time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)

const testAudience = "cli_01jd8x3k5m7q9s1v3x5z7b9d1f"

func newTestIssuer(t *testing.T) *testIssuer {
	t.Helper()
	ti := &testIssuer{t: t, published: map[string]*ecdsa.PrivateKey{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /p/proj_test/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		ti.discHits.Add(1)
		ti.mu.Lock()
		iss := ti.claimIss
		ti.mu.Unlock()
		if iss == "" {
			iss = ti.issuer
		}
		writeJSON(w, map[string]any{"issuer": iss, "jwks_uri": ti.issuer + "/.well-known/jwks.json"})
	})
	mux.HandleFunc("GET /p/proj_test/.well-known/jwks.json", func(w http.ResponseWriter, r *http.Request) {
		ti.jwksHits.Add(1)
		ti.mu.Lock()
		gate := ti.gate
		ti.mu.Unlock()
		if gate != nil {
			<-gate
		}
		ti.mu.Lock()
		defer ti.mu.Unlock()
		keys := []map[string]string{}
		for kid, k := range ti.published {
			keys = append(keys, publicJWK(kid, &k.PublicKey))
		}
		writeJSON(w, map[string]any{"keys": keys})
	})
	ti.srv = httptest.NewServer(mux)
	t.Cleanup(ti.srv.Close)
	ti.issuer = ti.srv.URL + "/p/proj_test"
	return ti
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func publicJWK(kid string, pub *ecdsa.PublicKey) map[string]string {
	b, err := pub.Bytes()
	if err != nil {
		panic(err)
	}
	return map[string]string{"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": kid,
		"x": base64.RawURLEncoding.EncodeToString(b[1:33]), "y": base64.RawURLEncoding.EncodeToString(b[33:])}
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// publish adds a key to the served JWKS and returns it.
func (ti *testIssuer) publish(kid string) *ecdsa.PrivateKey {
	k := newKey(ti.t)
	ti.mu.Lock()
	ti.published[kid] = k
	ti.mu.Unlock()
	return k
}

func (ti *testIssuer) key(kid string) *ecdsa.PrivateKey {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	return ti.published[kid]
}

func (ti *testIssuer) verifier(opts ...Option) *Verifier {
	ti.t.Helper()
	opts = append([]Option{WithAudience(testAudience), WithClock(func() time.Time { return t0 })}, opts...)
	v, err := NewVerifier(context.Background(), ti.issuer, opts...)
	if err != nil {
		ti.t.Fatal(err)
	}
	return v
}

// claims returns the payload of a valid access token at t0.
func (ti *testIssuer) claims() map[string]any {
	return map[string]any{
		"iss": ti.issuer, "sub": "user_01jd8x3k5m7q9s1v3x5z7b9d1f", "aud": testAudience,
		"client_id": testAudience, "sid": "sess_01jd8x3k5m7q9s1v3x5z7b9d1f",
		"jti": "01jd8x3k5m7q9s1v3x5z7b9d1g", "org_id": "org_01jd8x3k5m7q9s1v3x5z7b9d1f",
		"org":   map[string]any{"id": "org_01jd8x3k5m7q9s1v3x5z7b9d1f", "name": "Southwest Airlines"},
		"email": "ada@example.com", "email_verified": true, "name": "Ada Lovelace",
		"roles": []string{"admin"}, "permissions": []string{"invoices.read", "invoices.write"},
		"amr": []string{"otp"}, "auth_time": t0.Add(-time.Hour).Unix(),
		"iat": t0.Add(-time.Minute).Unix(), "exp": t0.Add(4 * time.Minute).Unix(),
	}
}

func accessHeader(kid string) map[string]any {
	return map[string]any{"alg": "ES256", "typ": "at+jwt", "kid": kid}
}

// sign mints a compact JWS over header and claims with key (ES256, r||s).
func sign(t testing.TB, key *ecdsa.PrivateKey, header, claims map[string]any) string {
	t.Helper()
	input := encodePart(t, header) + "." + encodePart(t, claims)
	return input + "." + base64.RawURLEncoding.EncodeToString(signRaw(t, key, input))
}

func signRaw(t testing.TB, key *ecdsa.PrivateKey, input string) []byte {
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return sig
}

func encodePart(t testing.TB, v map[string]any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
