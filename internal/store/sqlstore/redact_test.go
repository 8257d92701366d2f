package sqlstore

import (
	"strings"
	"testing"
)

func TestRedactNeverPrintsAPassword(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://app:s3cret@db.internal:5432/gh": "postgres://app:xxxxx@db.internal:5432/gh",
		"postgres://app:s3cr%zzet@127.0.0.1:1/x":    "postgres://xxxxx@127.0.0.1:1/x", // not a valid URL
		"postgres://db.internal/gh?sslmode=disable": "postgres://db.internal/gh?sslmode=disable",
		"host=db user=app password=s3cret":          "<not a URL>",
	} {
		got := redact(in)
		if strings.Contains(got, "s3cr") {
			t.Errorf("redact(%q) = %q still shows the password", in, got)
		}
		if got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}
