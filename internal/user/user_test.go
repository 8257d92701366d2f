package user

import (
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

func TestNormalizeEmail(t *testing.T) {
	good := map[string]string{
		"Ada@Example.COM":        "ada@example.com",
		"  ada@example.com \n":   "ada@example.com",
		"a.b+tag@sub.example.io": "a.b+tag@sub.example.io",
		"Ｊosé@example.com":       "ｊosé@example.com", // fullwidth J lowercases, NFC kept
	}
	for in, want := range good {
		got, err := NormalizeEmail(in)
		if err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"", "ada", "ada@", "@example.com", "ada@localhost", "ada@example.com.",
		"Ada <ada@example.com>", "<ada@example.com>", "ada@exa mple.com",
		"ada@example.com\r\nBcc: eve@example.com",
		strings.Repeat("a", 250) + "@example.com", // longer than 254 bytes,
	} {
		if got, err := NormalizeEmail(in); err == nil {
			t.Errorf("NormalizeEmail(%q) = %q, want an error", in, got)
		}
	}
}

func TestNewUserNeedsAnOrganization(t *testing.T) {
	now := time.Now()
	p := id.New[id.Project](now)
	if _, err := New(p, "", "ada@example.com", "Ada", now); err == nil {
		t.Fatal("a user without an organization was accepted")
	}
	u, err := New(p, id.New[id.Org](now), "Ada@Example.com", "  Ada Lovelace ", now)
	if err != nil {
		t.Fatalf("valid user refused: %v", err)
	}
	if u.Email != "ada@example.com" || u.DisplayName != "Ada Lovelace" || u.Status != StatusActive {
		t.Fatalf("unexpected user %+v", u)
	}
	if _, err := New(p, id.New[id.Org](now), "ada@example.com", "bell\a", now); err == nil {
		t.Fatal("control characters in a display name were accepted")
	}
}
