package gatehouse_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"time"
)

// demoIssuer plays a Gatehouse project for the examples: it serves the
// discovery document and JWKS over real HTTP and mints access tokens the
// way Gatehouse does. In an application, the issuer is your project's.
type demoIssuer struct {
	*httptest.Server
	Issuer string
	key    *ecdsa.PrivateKey
}

const demoClientID = "cli_01jd8x3k5m7q9s1v3x5z7b9d1f"

func startDemoIssuer() *demoIssuer {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	d := &demoIssuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /p/proj_demo/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]string{"issuer": d.Issuer, "jwks_uri": d.Issuer + "/.well-known/jwks.json"})
	})
	mux.HandleFunc("GET /p/proj_demo/.well-known/jwks.json", func(w http.ResponseWriter, _ *http.Request) {
		pt, _ := key.PublicKey.Bytes()
		enc := base64.RawURLEncoding.EncodeToString
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []map[string]string{{
			"kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": "key_demo",
			"x": enc(pt[1:33]), "y": enc(pt[33:]),
		}}})
	})
	d.Server = httptest.NewServer(mux)
	d.Issuer = d.URL + "/p/proj_demo"
	return d
}

// AccessToken mints a token for a user of Southwest Airlines holding the
// given permissions, expiring expiresIn from now.
func (d *demoIssuer) AccessToken(expiresIn time.Duration, permissions ...string) string {
	now := time.Now()
	claims := map[string]any{
		"iss": d.Issuer, "aud": demoClientID, "client_id": demoClientID,
		"sub": "user_01jd8x3k5m7q9s1v3x5z7b9d1f", "sid": "sess_01jd8x3k5m7q9s1v3x5z7b9d1f",
		"org_id": "org_01jd8x3k5m7q9s1v3x5z7b9d1f",
		"org":    map[string]string{"id": "org_01jd8x3k5m7q9s1v3x5z7b9d1f", "name": "Southwest Airlines"},
		"email":  "ada@example.com", "email_verified": true, "roles": []string{"billing"},
		"permissions": permissions, "amr": []string{"otp"},
		"iat": now.Unix(), "exp": now.Add(expiresIn).Unix(), "jti": "demo",
	}
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	input := enc(map[string]string{"alg": "ES256", "typ": "at+jwt", "kid": "key_demo"}) + "." + enc(claims)
	digest := sha256.Sum256([]byte(input))
	r, s, err := ecdsa.Sign(rand.Reader, d.key, digest[:])
	if err != nil {
		panic(err)
	}
	sig := make([]byte, 64)
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	return input + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// startDemoAPI plays the backend API for the client example.
func startDemoAPI() *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer gh_sk_demo" || r.URL.Path != "/api/v1/organizations" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"data": []map[string]any{{
			"id": "org_01jd8x3k5m7q9s1v3x5z7b9d1f", "name": "Southwest Airlines",
			"created_at": "2026-11-27T12:00:00Z", "member_count": 3,
		}}, "next_page_token": ""})
	}))
}
