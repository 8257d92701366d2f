package project

import (
	"strings"
	"testing"
	"time"
)

func TestValidateRedirectURI(t *testing.T) {
	for _, ok := range []string{
		"https://app.example.com/callback",
		"https://app.example.com:8443/cb?x=1",
		"http://localhost:3000/callback",
		"http://127.0.0.1/cb",
		"http://[::1]:8080/cb",
	} {
		if err := ValidateRedirectURI(ok); err != nil {
			t.Errorf("ValidateRedirectURI(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{
		"", "/callback", "app.example.com/cb",
		"http://app.example.com/cb",       // plain http off loopback
		"https://app.example.com/cb#frag", // fragments are forbidden by OAuth
		"javascript:alert(1)",
		"ftp://example.com/cb",
		"https:///nohost",
	} {
		if err := ValidateRedirectURI(bad); err == nil {
			t.Errorf("ValidateRedirectURI(%q) accepted", bad)
		}
	}
}

func TestValidateOrigin(t *testing.T) {
	if err := ValidateOrigin("https://app.example.com"); err != nil {
		t.Fatalf("valid origin refused: %v", err)
	}
	for _, bad := range []string{"https://app.example.com/path", "http://app.example.com", "app.example.com", "https://a.example.com?x"} {
		if err := ValidateOrigin(bad); err == nil {
			t.Errorf("ValidateOrigin(%q) accepted", bad)
		}
	}
}

func TestParseMethods(t *testing.T) {
	got, err := ParseMethods([]string{"passkey", "email", "email"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0] != MethodEmail || got[1] != MethodPasskey {
		t.Fatalf("ParseMethods = %v, want canonical order without duplicates", got)
	}
	if _, err := ParseMethods([]string{"email", "carrier-pigeon"}); err == nil {
		t.Fatal("unknown method accepted")
	}
	if got, _ := ParseMethods(nil); got == nil || len(got) != 0 {
		t.Fatalf("ParseMethods(nil) = %#v, want an empty non-nil list", got)
	}
}

func TestNewProjectDefaultsAndName(t *testing.T) {
	p, err := New("  Acme  ", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Acme" || len(p.EnabledLoginMethods) == 0 || !p.SelfServeCreateOrganizations {
		t.Fatalf("unexpected defaults: %+v", p)
	}
	for _, bad := range []string{"", "   ", "tab\tname", strings.Repeat("n", 201)} {
		if _, err := New(bad, time.Now()); err == nil {
			t.Errorf("project name %q accepted", bad)
		}
	}
}
