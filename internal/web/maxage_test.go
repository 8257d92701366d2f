package web

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// idTokenAuthTime reads auth_time from an ID token's payload (the token
// package's own tests verify signatures; this is about the claim).
func idTokenAuthTime(t *testing.T, idt string) int64 {
	t.Helper()
	parts := strings.Split(idt, ".")
	if len(parts) != 3 {
		t.Fatalf("not a JWT: %q", idt)
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		AuthTime int64 `json:"auth_time"`
	}
	if err := json.Unmarshal(raw, &c); err != nil || c.AuthTime == 0 {
		t.Fatalf("no auth_time in %s", raw)
	}
	return c.AuthTime
}

func TestMaxAge(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *envConfig) { c.autoCreate = true })
	signedInAt := e.clock.Now()
	b, idt := signedIn(t, e, "ada@example.com")
	authTime := idTokenAuthTime(t, idt)
	if d := authTime - signedInAt.Unix(); d < 0 || d > 5 {
		t.Fatalf("auth_time %d, signed in at %d", authTime, signedInAt.Unix())
	}

	e.clock.Advance(2 * time.Minute)

	// Baseline: a limit the session meets reuses it, and the ID token still
	// says when the person authenticated, not when the code was issued.
	r := b.get(e.authorizeURL(map[string]string{"max_age": "3600", "prompt": "none"}))
	code := callback(t, r).Get("code")
	if code == "" {
		t.Fatalf("max_age=3600 did not reuse the session: %v", callback(t, r))
	}
	status, body := e.exchange(code)
	var tok struct {
		IDToken string `json:"id_token"`
	}
	if err := json.Unmarshal([]byte(body), &tok); status != 200 || err != nil {
		t.Fatalf("exchange: %d %s", status, body)
	}
	if got := idTokenAuthTime(t, tok.IDToken); got != authTime {
		t.Errorf("reused session's auth_time %d, want %d", got, authTime)
	}

	// Older than max_age with prompt=none: login_required, no page.
	q := callback(t, b.get(e.authorizeURL(map[string]string{"max_age": "60", "prompt": "none"})))
	if q.Get("error") != "login_required" || q.Get("code") != "" || q.Get("state") != "st-123" {
		t.Fatalf("stale session with prompt=none: %v", q)
	}

	// Older than max_age: a new login starts instead of a code.
	r = b.get(e.authorizeURL(map[string]string{"max_age": "60"}))
	if r.Status != http.StatusOK || pageName(r) != "identify" {
		t.Fatalf("stale session: %d %q %s", r.Status, pageName(r), r.Header.Get("Location"))
	}

	// Without max_age the session still serves.
	if !stillSignedIn(t, e, b) {
		t.Fatal("the session stopped being reused without max_age")
	}
}
