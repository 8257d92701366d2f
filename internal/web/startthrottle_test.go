package web

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

// A client that opens sign-ins without end is answered 429 with
// Retry-After and a page saying how long to wait, while another client
// still starts normally.
func TestThrottledStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *envConfig) { c.trustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")} })
	start := func(ip string) *response {
		t.Helper()
		b := e.browser()
		b.header = http.Header{"X-Forwarded-For": {ip}}
		return b.get(e.authorizeURL(nil))
	}
	if r := start("203.0.113.1"); r.Status != http.StatusOK || pageName(r) != "identify" {
		t.Fatalf("baseline: %d %q", r.Status, pageName(r))
	}
	var r *response
	for i := 0; i < 500; i++ {
		if r = start("203.0.113.1"); r.Status != http.StatusOK {
			break
		}
	}
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("never throttled: %d", r.Status)
	}
	secs, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	if r.Doc == nil || !strings.Contains(r.Doc.Text(), "Wait") || len(r.Cookies) != 0 {
		t.Fatalf("throttled page:\n%s\ncookies %v", r.Body, r.Cookies)
	}
	if r := start("198.51.100.2"); r.Status != http.StatusOK || pageName(r) != "identify" {
		t.Fatalf("another client: %d %q", r.Status, pageName(r))
	}
}
