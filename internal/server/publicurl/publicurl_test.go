package publicurl

import (
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

func TestFromAddr(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"127.0.0.1:8080":   "http://localhost:8080",
		"localhost:9000":   "http://localhost:9000",
		":8080":            "http://localhost:8080",
		"0.0.0.0:8080":     "http://localhost:8080",
		"[::1]:8080":       "http://localhost:8080",
		"[::]:8080":        "http://localhost:8080",
		"192.0.2.10:8080":  "http://192.0.2.10:8080",
		"[2001:db8::1]:80": "http://[2001:db8::1]:80",
		"auth.internal:80": "http://auth.internal:80",
	}
	for addr, want := range cases {
		if got := FromAddr(addr); got != want {
			t.Errorf("FromAddr(%q) = %q, want %q", addr, got, want)
		}
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	good := map[string]string{
		"https://auth.example.com/":      "https://auth.example.com",
		"https://example.com/gatehouse/": "https://example.com/gatehouse",
		"http://localhost:8080":          "http://localhost:8080",
	}
	for in, want := range good {
		got, err := Normalize(in)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{
		"", "auth.example.com", "ftp://example.com", "https://example.com/?a=b",
		"https://example.com/#x", "https://user:pw@example.com", "/relative",
	} {
		if got, err := Normalize(bad); err == nil {
			t.Errorf("Normalize(%q) = %q, want an error", bad, got)
		}
	}
}

func TestProjectURLs(t *testing.T) {
	t.Parallel()
	p := id.Project("proj_01jabcdefghjkmnpqrstvwxyz0")
	if got := Issuer("https://auth.example.com/", p); got != "https://auth.example.com/p/"+string(p) {
		t.Errorf("Issuer = %q", got)
	}
	if got := APIBaseURL("http://localhost:8080"); got != "http://localhost:8080/api/v1" {
		t.Errorf("APIBaseURL = %q", got)
	}
	if got := OpenAPIURL("http://localhost:8080"); got != "http://localhost:8080/api/v1/openapi.json" {
		t.Errorf("OpenAPIURL = %q", got)
	}
}
