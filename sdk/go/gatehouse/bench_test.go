package gatehouse

import (
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// benchSetup returns a verifier with cached keys and a realistic token.
func benchSetup(b *testing.B) (*Verifier, string, *ecdsa.PublicKey) {
	t := &testing.T{}
	ti := newTestIssuer(t)
	k := ti.publish("key_01jd8x3k5m7q9s1v3x5z7b9d1f")
	v := ti.verifier()
	token := sign(b, k, accessHeader("key_01jd8x3k5m7q9s1v3x5z7b9d1f"), ti.claims())
	if _, err := v.Verify(context.Background(), token); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(ti.srv.Close)
	return v, token, &k.PublicKey
}

// BenchmarkVerify is the full check of a cached-key access token: parsing,
// signature, claims, issuer, audience and times.
func BenchmarkVerify(b *testing.B) {
	v, token, _ := benchSetup(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRawECDSAVerify is the floor: crypto/ecdsa.Verify of the same
// token's signature over its precomputed digest, nothing else.
func BenchmarkRawECDSAVerify(b *testing.B) {
	_, token, pub := benchSetup(b)
	i := strings.LastIndexByte(token, '.')
	digest := sha256.Sum256([]byte(token[:i]))
	sig, _ := base64.RawURLEncoding.DecodeString(token[i+1:])
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
	b.ReportAllocs()
	for b.Loop() {
		if !ecdsa.Verify(pub, digest[:], r, s) {
			b.Fatal("signature rejected")
		}
	}
}

func benchServe(b *testing.B, h http.Handler, authorization string) {
	req := httptest.NewRequest(http.MethodGet, "/invoices", nil)
	req.Header.Set("Authorization", authorization)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

var okHandler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	_, _ = w.Write([]byte("ok"))
})

// BenchmarkMiddleware is a trivial route behind RequireAuth and
// RequirePermission.
func BenchmarkMiddleware(b *testing.B) {
	v, token, _ := benchSetup(b)
	benchServe(b, RequireAuth(v)(RequirePermission("invoices.read")(okHandler)), "Bearer "+token)
}

// BenchmarkBareHandler is the same route without any middleware; the
// request still carries the token, which the handler ignores.
func BenchmarkBareHandler(b *testing.B) {
	_, token, _ := benchSetup(b)
	benchServe(b, okHandler, "Bearer "+token)
}

// BenchmarkParseClaims isolates the claims reader.
func BenchmarkParseClaims(b *testing.B) {
	_, token, _ := benchSetup(b)
	payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(token, ".")[1])
	b.ReportAllocs()
	for b.Loop() {
		var c Claims
		if _, err := parseClaims(payload, &c); err != nil {
			b.Fatal(err)
		}
	}
}
