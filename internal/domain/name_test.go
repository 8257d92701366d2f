package domain_test

import (
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/domain"
)

func TestNormalize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"example.com":                    "example.com",
		"  Example.COM.  ":               "example.com",
		"eng.example.co.uk":              "eng.example.co.uk",
		"Bücher.example":                 "xn--bcher-kva.example",
		"xn--bcher-kva.example":          "xn--bcher-kva.example",
		"a-b.example":                    "a-b.example",
		"123.example":                    "123.example",
		"example.internal":               "example.internal",
		strings.Repeat("a", 63) + ".com": strings.Repeat("a", 63) + ".com",
	} {
		got, err := domain.Normalize(in)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", " ", ".", "localhost", "com", "co.uk", "github.io",
		"1.2.3.4", "[::1]", "::1", "10.0.0.1.",
		"exa mple.com", "-a.example", "a-.example", "a..example", ".example.com",
		"a_b.example", "ex!ample.com", "bob@example.com", "https://example.com", "example.com:443", "example.com/path",
		strings.Repeat("a", 64) + ".com",
		strings.Repeat("abcdefghi.", 24) + "com", // 243 characters: the record name would pass 253
	} {
		if got, err := domain.Normalize(in); err == nil {
			t.Errorf("Normalize(%q) = %q, want an error", in, got)
		}
	}
}

func TestEmailDomain(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"ada@example.com":        "example.com",
		"Ada@Example.COM":        "example.com",
		"ada@eng.example.com":    "eng.example.com",
		"ada@bücher.example":     "xn--bcher-kva.example",
		"no-at-sign.example.com": "",
		"ada@localhost":          "",
		"ada@[127.0.0.1]":        "",
	} {
		if got := domain.EmailDomain(in); got != want {
			t.Errorf("EmailDomain(%q) = %q, want %q", in, got, want)
		}
	}
}
