package gatehouse

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestVerifyAcceptsAccessTokenAndReadsClaims(t *testing.T) {
	ti := newTestIssuer(t)
	k := ti.publish("key_a")
	v := ti.verifier()
	claims := ti.claims()
	claims["act"] = map[string]any{"sub": "user_support", "email": "support@vendor.example"}
	claims["ext"] = map[string]any{"nested": []any{1, "two", nil, true, 3.5}}
	c, err := v.Verify(context.Background(), sign(t, k, accessHeader("key_a"), claims))
	if err != nil {
		t.Fatal(err)
	}
	if c.Subject != "user_01jd8x3k5m7q9s1v3x5z7b9d1f" || c.OrgID != "org_01jd8x3k5m7q9s1v3x5z7b9d1f" ||
		c.Org.Name != "Southwest Airlines" || c.Org.ID != c.OrgID || c.Email != "ada@example.com" ||
		!c.EmailVerified || c.Name != "Ada Lovelace" || c.ClientID != testAudience ||
		c.SessionID != "sess_01jd8x3k5m7q9s1v3x5z7b9d1f" || c.JTI == "" || c.Issuer != ti.issuer {
		t.Fatalf("claims = %+v", c)
	}
	if len(c.Audience) != 1 || c.Audience[0] != testAudience || !c.HasRole("admin") ||
		!c.HasPermission("invoices.write") || c.HasPermission("invoices.delete") || c.AMR[0] != "otp" {
		t.Fatalf("claims = %+v", c)
	}
	if !c.ExpiresAt.Equal(t0.Add(4*time.Minute)) || !c.IssuedAt.Equal(t0.Add(-time.Minute)) ||
		!c.AuthTime.Equal(t0.Add(-time.Hour)) || !c.NotBefore.IsZero() {
		t.Fatalf("times = %v %v %v", c.ExpiresAt, c.IssuedAt, c.AuthTime)
	}
	if c.Act == nil || c.Act.Subject != "user_support" || c.Act.Email != "support@vendor.example" {
		t.Fatalf("act = %+v", c.Act)
	}

	// The full media type, in any case, names the same type; an array aud
	// with one accepted entry is accepted too.
	claims["aud"] = []string{"cli_other", testAudience}
	for _, typ := range []string{"application/at+jwt", "AT+JWT"} {
		h := accessHeader("key_a")
		h["typ"] = typ
		if _, err := v.Verify(context.Background(), sign(t, k, h, claims)); err != nil {
			t.Errorf("typ %q: %v", typ, err)
		}
	}
}

func TestVerifierCachesKeysAfterDiscovery(t *testing.T) {
	ti := newTestIssuer(t)
	k := ti.publish("key_a")
	v := ti.verifier()
	if d, j := ti.discHits.Load(), ti.jwksHits.Load(); d != 1 || j != 1 {
		t.Fatalf("construction fetched discovery %d and JWKS %d times, want 1 and 1", d, j)
	}
	token := sign(t, k, accessHeader("key_a"), ti.claims())
	for range 50 {
		if _, err := v.Verify(context.Background(), token); err != nil {
			t.Fatal(err)
		}
	}
	if d, j := ti.discHits.Load(), ti.jwksHits.Load(); d != 1 || j != 1 {
		t.Fatalf("verifications made network calls: discovery %d, JWKS %d", d, j)
	}
	// Even with the issuer gone, cached keys keep verifying.
	ti.srv.Close()
	if _, err := v.Verify(context.Background(), token); err != nil {
		t.Fatalf("offline verification: %v", err)
	}
}

func TestUnknownKidRefetchesOnceThenRateLimits(t *testing.T) {
	ti := newTestIssuer(t)
	ti.publish("key_a")
	now := t0
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	v := ti.verifier(WithClock(clock))

	// A rotated-in key the verifier has not seen: one refetch finds it.
	k2 := ti.publish("key_b")
	if _, err := v.Verify(context.Background(), sign(t, k2, accessHeader("key_b"), ti.claims())); err != nil {
		t.Fatalf("token under a newly published key: %v", err)
	}
	if got := ti.jwksHits.Load(); got != 2 {
		t.Fatalf("JWKS fetched %d times, want 2", got)
	}

	// A spray of invented kids, concurrently: no further fetch inside the
	// interval, each refused as an unknown key.
	rogue := newKey(t)
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			kid := "key_rogue" + string(rune('a'+i%26))
			_, err := v.Verify(context.Background(), sign(t, rogue, accessHeader(kid), ti.claims()))
			if !errors.Is(err, ErrUnknownKey) {
				t.Errorf("kid %s: err = %v, want ErrUnknownKey", kid, err)
			}
		})
	}
	wg.Wait()
	if got := ti.jwksHits.Load(); got != 2 {
		t.Fatalf("spray of unknown kids caused %d fetches in the interval", got-2)
	}

	// After the interval one more fetch is allowed, and only one.
	advance(DefaultRefetchInterval + time.Second)
	for range 5 {
		_, err := v.Verify(context.Background(), sign(t, rogue, accessHeader("key_rogue"), ti.claims()))
		if !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("err = %v", err)
		}
	}
	if got := ti.jwksHits.Load(); got != 3 {
		t.Fatalf("JWKS fetched %d times, want 3", got)
	}
}

func TestConcurrentUnknownKidsShareOneFetch(t *testing.T) {
	ti := newTestIssuer(t)
	ti.publish("key_a")
	v := ti.verifier()
	k := ti.publish("key_b")
	token := sign(t, k, accessHeader("key_b"), ti.claims())
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := v.Verify(context.Background(), token); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := ti.jwksHits.Load(); got != 2 {
		t.Fatalf("JWKS fetched %d times for 20 concurrent verifications, want 2", got)
	}
}

// TestRefetchOutlivesImpatientCaller: a caller that stops waiting gets its
// context's error, while the fetch it started completes for the others.
func TestRefetchOutlivesImpatientCaller(t *testing.T) {
	ti := newTestIssuer(t)
	ti.publish("key_a")
	v := ti.verifier()
	k := ti.publish("key_b")
	gate := make(chan struct{})
	ti.mu.Lock()
	ti.gate = gate
	ti.mu.Unlock()
	token := sign(t, k, accessHeader("key_b"), ti.claims())

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := v.Verify(ctx, token)
	if !errors.Is(err, ErrUnknownKey) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("impatient caller: err = %v", err)
	}
	close(gate)
	if _, err := v.Verify(context.Background(), token); err != nil {
		t.Fatalf("patient caller: %v", err)
	}
	if got := ti.jwksHits.Load(); got != 2 {
		t.Fatalf("JWKS fetched %d times, want 2", got)
	}
}

func TestStaleKeySetRefreshesInBackground(t *testing.T) {
	ti := newTestIssuer(t)
	k := ti.publish("key_a")
	now := t0
	var mu sync.Mutex
	v := ti.verifier(WithClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now }))
	mu.Lock()
	now = now.Add(DefaultKeySetMaxAge + time.Minute)
	mu.Unlock()
	claims := ti.claims()
	claims["exp"] = now.Add(time.Minute).Unix()
	if _, err := v.Verify(context.Background(), sign(t, k, accessHeader("key_a"), claims)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for ti.jwksHits.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := ti.jwksHits.Load(); got != 2 {
		t.Fatalf("JWKS fetched %d times, want a background refetch", got)
	}
}

func TestDiscoveryRefusesIssuerMismatch(t *testing.T) {
	ti := newTestIssuer(t)
	ti.publish("key_a")
	ti.verifier() // baseline: the honest document is accepted

	for _, claimed := range []string{ti.issuer + "/", "https://evil.example/p/proj_test", strings.ToUpper(ti.issuer)} {
		ti.mu.Lock()
		ti.claimIss = claimed
		ti.mu.Unlock()
		_, err := NewVerifier(context.Background(), ti.issuer, WithAudience(testAudience))
		if !errors.Is(err, ErrDiscovery) || !strings.Contains(err.Error(), "names issuer") {
			t.Errorf("discovery naming %q: err = %v", claimed, err)
		}
	}
}

func TestNewVerifierRequiresAudience(t *testing.T) {
	ti := newTestIssuer(t)
	if _, err := NewVerifier(context.Background(), ti.issuer); err == nil || !strings.Contains(err.Error(), "WithAudience") {
		t.Fatalf("err = %v", err)
	}
	if got := ti.discHits.Load(); got != 0 {
		t.Fatalf("a misconfigured verifier still called the issuer %d times", got)
	}
}

// TestVerifyRejectsAttacks checks each attack is refused for its own reason,
// against the same verifier that accepts the baseline.
func TestVerifyRejectsAttacks(t *testing.T) {
	ti := newTestIssuer(t)
	k := ti.publish("key_a")
	v := ti.verifier()
	good := sign(t, k, accessHeader("key_a"), ti.claims())
	if _, err := v.Verify(context.Background(), good); err != nil {
		t.Fatalf("baseline rejected: %v", err)
	}
	parts := strings.Split(good, ".")
	pubBytes, _ := k.PublicKey.Bytes()

	with := func(mutate func(h, c map[string]any)) string {
		h, c := accessHeader("key_a"), ti.claims()
		mutate(h, c)
		return sign(t, k, h, c)
	}
	hs256 := func(secret []byte) string {
		h := accessHeader("key_a")
		h["alg"] = "HS256"
		input := encodePart(t, h) + "." + parts[1]
		mac := hmac.New(sha256.New, secret)
		mac.Write([]byte(input))
		return input + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	}
	rs256 := func() string {
		rk, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		h := accessHeader("key_a")
		h["alg"] = "RS256"
		input := encodePart(t, h) + "." + parts[1]
		d := sha256.Sum256([]byte(input))
		sig, err := rsa.SignPKCS1v15(rand.Reader, rk, crypto.SHA256, d[:])
		if err != nil {
			t.Fatal(err)
		}
		return input + "." + base64.RawURLEncoding.EncodeToString(sig)
	}
	tamper := func() string {
		c := ti.claims()
		c["permissions"] = []string{"invoices.read", "invoices.write", "admin.everything"}
		return parts[0] + "." + encodePart(t, c) + "." + parts[2]
	}
	sigBytes, _ := base64.RawURLEncoding.DecodeString(parts[2])
	zeroSig := base64.RawURLEncoding.EncodeToString(make([]byte, 64))

	cases := []struct {
		name  string
		token string
		want  error
	}{
		{"alg none, no signature", encodePart(t, map[string]any{"alg": "none", "typ": "at+jwt", "kid": "key_a"}) + "." + parts[1] + ".", ErrAlgorithm},
		{"alg None", with(func(h, _ map[string]any) { h["alg"] = "None" }), ErrAlgorithm},
		{"HS256 keyed with the public key point", hs256(pubBytes), ErrAlgorithm},
		{"HS256 keyed with the x coordinate", hs256(pubBytes[1:33]), ErrAlgorithm},
		{"RS256 header", rs256(), ErrAlgorithm},
		{"ES384 header", with(func(h, _ map[string]any) { h["alg"] = "ES384" }), ErrAlgorithm},
		{"alg missing", with(func(h, _ map[string]any) { delete(h, "alg") }), ErrAlgorithm},
		{"wrong iss", with(func(_, c map[string]any) { c["iss"] = ti.srv.URL + "/p/proj_other" }), ErrIssuer},
		{"no iss", with(func(_, c map[string]any) { delete(c, "iss") }), ErrIssuer},
		{"wrong aud", with(func(_, c map[string]any) { c["aud"] = "cli_another_app" }), ErrAudience},
		{"aud array without ours", with(func(_, c map[string]any) { c["aud"] = []string{"cli_a", "cli_b"} }), ErrAudience},
		{"no aud", with(func(_, c map[string]any) { delete(c, "aud") }), ErrAudience},
		{"ID token (typ JWT)", with(func(h, _ map[string]any) { h["typ"] = "JWT" }), ErrType},
		{"no typ", with(func(h, _ map[string]any) { delete(h, "typ") }), ErrType},
		{"expired beyond leeway", with(func(_, c map[string]any) { c["exp"] = t0.Add(-31 * time.Second).Unix() }), ErrExpired},
		{"no exp", with(func(_, c map[string]any) { delete(c, "exp") }), ErrExpired},
		{"not yet valid (nbf)", with(func(_, c map[string]any) { c["nbf"] = t0.Add(time.Minute).Unix() }), ErrNotYetValid},
		{"issued in the future", with(func(_, c map[string]any) { c["iat"] = t0.Add(time.Minute).Unix() }), ErrNotYetValid},
		{"another key with the same kid", sign(t, newKey(t), accessHeader("key_a"), ti.claims()), ErrSignature},
		{"tampered payload", tamper(), ErrSignature},
		{"truncated signature", parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sigBytes[:63]), ErrSignature},
		{"signature with a trailing byte", parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(append(sigBytes, 0)), ErrSignature},
		{"empty signature", parts[0] + "." + parts[1] + ".", ErrSignature},
		{"r = s = 0", parts[0] + "." + parts[1] + "." + zeroSig, ErrSignature},
		{"no kid", with(func(h, _ map[string]any) { delete(h, "kid") }), ErrUnknownKey},
		{"unknown kid", with(func(h, _ map[string]any) { h["kid"] = "key_zzz" }), ErrUnknownKey},
		{"critical header", with(func(h, _ map[string]any) { h["crit"] = []string{"exp"} }), ErrMalformed},
		{"two parts", parts[0] + "." + parts[1], ErrMalformed},
		{"four parts", good + ".", ErrMalformed},
		{"padded base64", parts[0] + "=." + parts[1] + "." + parts[2], ErrMalformed},
		{"line break inside the signature", parts[0] + "." + parts[1] + "." + parts[2][:40] + "\n" + parts[2][40:], ErrMalformed},
		{"space before the token", " " + good, ErrMalformed},
		{"JSON serialization", `{"payload":"` + parts[1] + `","signatures":[]}`, ErrMalformed},
		{"empty", "", ErrMalformed},
		{"oversized", strings.Repeat("a", MaxTokenBytes+1), ErrMalformed},
		{"claims not an object", signPayload(t, k, `["not","claims"]`), ErrMalformed},
		{"duplicate sub", signPayload(t, k, `{"iss":"`+ti.issuer+`","sub":"user_a","sub":"user_b"}`), ErrMalformed},
		{"exp as a string", with(func(_, c map[string]any) { c["exp"] = "tomorrow" }), ErrMalformed},
		{"no sub", with(func(_, c map[string]any) { delete(c, "sub") }), ErrMalformed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := v.Verify(context.Background(), tc.token)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if c != nil {
				t.Fatal("claims returned with an error")
			}
		})
	}

	// Leeway boundaries: 29 s past exp and nbf 29 s ahead are still fine.
	for name, tok := range map[string]string{
		"exp within leeway": with(func(_, c map[string]any) { c["exp"] = t0.Add(-29 * time.Second).Unix() }),
		"nbf within leeway": with(func(_, c map[string]any) { c["nbf"] = t0.Add(29 * time.Second).Unix() }),
		"fractional exp":    with(func(_, c map[string]any) { c["exp"] = float64(t0.Add(time.Minute).Unix()) + 0.5 }),
	} {
		if _, err := v.Verify(context.Background(), tok); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// signPayload signs a raw payload text, for payloads json.Marshal cannot
// produce (duplicate members, non-objects).
func signPayload(t *testing.T, k *ecdsa.PrivateKey, payload string) string {
	t.Helper()
	input := encodePart(t, accessHeader("key_a")) + "." + base64.RawURLEncoding.EncodeToString([]byte(payload))
	return input + "." + base64.RawURLEncoding.EncodeToString(signRaw(t, k, input))
}

// TestVerifyRejectsAnotherProjectsToken: a verifier for one project refuses a
// genuine token of another project, whether it names its own issuer or
// borrows this one's.
func TestVerifyRejectsAnotherProjectsToken(t *testing.T) {
	ours, theirs := newTestIssuer(t), newTestIssuer(t)
	ours.publish("key_ours")
	kt := theirs.publish("key_theirs")
	v := ours.verifier()

	genuine := sign(t, kt, accessHeader("key_theirs"), theirs.claims())
	if _, err := theirs.verifier().Verify(context.Background(), genuine); err != nil {
		t.Fatalf("baseline: their verifier rejects their token: %v", err)
	}
	if _, err := v.Verify(context.Background(), genuine); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("their token: err = %v, want ErrUnknownKey", err)
	}
	borrowed := sign(t, kt, accessHeader("key_theirs"), ours.claims())
	if _, err := v.Verify(context.Background(), borrowed); !errors.Is(err, ErrUnknownKey) {
		t.Fatalf("their key with our issuer: err = %v, want ErrUnknownKey", err)
	}
	if got := theirs.jwksHits.Load(); got != 1 {
		t.Fatalf("our verifier fetched their key set (%d fetches)", got)
	}
}
