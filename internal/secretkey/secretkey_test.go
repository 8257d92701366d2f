package secretkey

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

func TestGenerateShowsOnceAndStoresOnlyTheHash(t *testing.T) {
	k, secret := Generate(id.New[id.Project](time.Now()), " CI deploys ", time.Now())
	if !LooksLikeKey(secret) {
		t.Fatalf("generated secret %q fails the shape check", secret)
	}
	if !bytes.Equal(k.Hash, Hash(secret)) {
		t.Fatal("stored hash does not match the secret")
	}
	if bytes.Contains(k.Hash, []byte(secret)) || k.Hint != secret[len(secret)-4:] || k.Name != "CI deploys" {
		t.Fatalf("unexpected key record %+v", k)
	}
	_, other := Generate(k.ProjectID, "x", time.Now())
	if other == secret {
		t.Fatal("two generated secrets are equal")
	}
}

func TestLooksLikeKeyRefusesOtherShapes(t *testing.T) {
	_, secret := Generate(id.New[id.Project](time.Now()), "k", time.Now())
	for _, s := range []string{
		"", "gh_sk_", secret[:len(secret)-1], secret + "A",
		strings.Replace(secret, "gh_sk_", "gh_rt_", 1),
		"Bearer " + secret,
	} {
		if LooksLikeKey(s) {
			t.Errorf("LooksLikeKey(%q) = true", s)
		}
	}
}
