package oauth

import (
	"strings"
	"testing"
)

func TestSecretsAndCodes(t *testing.T) {
	t.Parallel()
	s, s2 := NewSecret(), NewSecret()
	if !strings.HasPrefix(s, SecretPrefix) || len(s) != len(SecretPrefix)+52 || s == s2 {
		t.Fatalf("secrets %q %q", s, s2)
	}
	c := NewCode()
	if !LooksLikeCode(c) || LooksLikeCode(s) || LooksLikeCode(c[:len(c)-1]) || LooksLikeCode("") {
		t.Fatalf("code shape check wrong for %q", c)
	}
	if len(Hash(s)) != 32 || string(Hash(s)) == string(Hash(s2)) {
		t.Fatal("hashes are not SHA-256 of the value")
	}
}

func TestVerifySecret(t *testing.T) {
	t.Parallel()
	s := NewSecret()
	conf := &Client{Type: Confidential, SecretHash: Hash(s)}
	if !conf.VerifySecret(s) {
		t.Fatal("the right secret is refused")
	}
	for _, bad := range []string{"", s + "x", s[:len(s)-1], strings.ToUpper(s), NewSecret(), string(Hash(s))} {
		if conf.VerifySecret(bad) {
			t.Fatalf("secret %q accepted", bad)
		}
	}
	pub := &Client{Type: Public}
	if pub.VerifySecret("") || pub.VerifySecret(s) {
		t.Fatal("a public client verified a secret")
	}
}

// Redirect URIs match by string equality only.
func TestRedirectURIsMatchExactly(t *testing.T) {
	t.Parallel()
	c := &Client{RedirectURIs: []string{"https://app.example.com/cb", "http://localhost:3000/cb"}, PostLogoutRedirectURIs: []string{"https://app.example.com/"}}
	for _, ok := range c.RedirectURIs {
		if !c.HasRedirectURI(ok) {
			t.Fatalf("%s refused", ok)
		}
	}
	for _, bad := range []string{
		"https://app.example.com/cb/", "https://app.example.com/cb?x", "https://app.example.com:443/cb",
		"https://app.example.com/c", "HTTPS://app.example.com/cb", "http://localhost:3001/cb", "http://localhost/cb", "",
		"https://app.example.com/",
	} {
		if c.HasRedirectURI(bad) {
			t.Fatalf("%s accepted", bad)
		}
	}
	if !c.HasPostLogoutRedirectURI("https://app.example.com/") || c.HasPostLogoutRedirectURI("https://app.example.com/cb") {
		t.Fatal("post-logout URIs are not their own list")
	}
}
