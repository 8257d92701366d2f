package web

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

func TestParseTrustedProxies(t *testing.T) {
	t.Parallel()
	got, err := ParseTrustedProxies(" 10.0.0.0/8, 192.168.1.7 ,fd00::/8,, ::ffff:172.16.0.1")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"10.0.0.0/8", "192.168.1.7/32", "fd00::/8", "172.16.0.1/32"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	if got, err := ParseTrustedProxies(""); err != nil || len(got) != 0 {
		t.Fatalf("empty: %v %v", got, err)
	}
	for _, bad := range []string{"10.0.0.0/33", "proxy.internal", "10.0.0.0/8;", "fe80::1%eth0"} {
		if _, err := ParseTrustedProxies(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestClientAddr(t *testing.T) {
	t.Parallel()
	proxies, err := ParseTrustedProxies("10.0.0.0/8, 2001:db8:ffff::/48")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, peer string
		xff        []string
		trusted    []netip.Prefix
		want       string
	}{
		{"no proxy configured: the peer", "198.51.100.7:4000", nil, nil, "198.51.100.7"},
		{"untrusted peer's forged header is ignored", "198.51.100.7:4000", []string{"203.0.113.1"}, proxies, "198.51.100.7"},
		{"header ignored when nobody is trusted", "10.0.0.2:4000", []string{"203.0.113.1"}, nil, "10.0.0.2"},
		{"trusted peer: the hop it saw", "10.0.0.2:4000", []string{"203.0.113.1"}, proxies, "203.0.113.1"},
		{"client-written hops left of the real one are ignored", "10.0.0.2:4000", []string{"1.2.3.4, 203.0.113.1"}, proxies, "203.0.113.1"},
		{"chained trusted proxies are skipped", "10.0.0.2:4000", []string{"6.6.6.6, 203.0.113.1", "10.9.9.9"}, proxies, "203.0.113.1"},
		{"only proxies: the leftmost proxy", "10.0.0.2:4000", []string{"10.0.0.3"}, proxies, "10.0.0.3"},
		{"trusted peer without header", "10.0.0.2:4000", nil, proxies, "10.0.0.2"},
		{"garbage right of the client: the last proxy", "10.0.0.2:4000", []string{"203.0.113.1, nonsense"}, proxies, "10.0.0.2"},
		{"IPv6 peer and hops", "[2001:db8:ffff::1]:443", []string{"[2001:db8:1:2::5]:1234"}, proxies, "2001:db8:1:2::5"},
		{"IPv4-mapped peer", "[::ffff:10.0.0.2]:4000", []string{"203.0.113.1"}, proxies, "203.0.113.1"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, _ := http.NewRequest("GET", "http://gatehouse.test/", nil)
			r.RemoteAddr = c.peer
			for _, v := range c.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientAddr(r, c.trusted).String(); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestThrottleKeyGroupsIPv6By64(t *testing.T) {
	t.Parallel()
	key := func(s string) string { return throttleKey(netip.MustParseAddr(s)) }
	if a, b := key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff:ffff:ffff:ffff"); a != b || a != "2001:db8:1:2::/64" {
		t.Errorf("one /64 gives two keys: %s %s", a, b)
	}
	if a, b := key("2001:db8:1:2::1"), key("2001:db8:1:3::1"); a == b {
		t.Errorf("two /64s share a key: %s", a)
	}
	if a, b := key("203.0.113.1"), key("203.0.113.2"); a == b || a != "203.0.113.1" {
		t.Errorf("IPv4 keys: %s %s", a, b)
	}
}

// sessionIPs lists the IP recorded with each of the project's sessions.
func (e *env) sessionIPs() []string {
	e.t.Helper()
	list, err := session.New(e.st, make([]byte, 32)).List(context.Background(), e.project.ID, session.Filter{}, store.Page{Limit: 50})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, s := range list {
		out = append(out, s.IP)
	}
	return out
}

func TestClientIPBehindProxy(t *testing.T) {
	t.Parallel()
	signIn := func(e *env, xff string) {
		t.Helper()
		b := e.browser()
		b.header = http.Header{"X-Forwarded-For": {xff}}
		f := &driver{e: e, b: b, email: "ada@example.com", password: testPassword, orgName: "Ada's"}
		if callback(t, f.run(b.get(e.authorizeURL(nil)))).Get("code") == "" {
			t.Fatal("no code")
		}
	}
	loopback := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	t.Run("untrusted peer: forged header ignored", func(t *testing.T) {
		e := newEnv(t, func(c *envConfig) { c.autoCreate = true })
		signIn(e, "203.0.113.9")
		if ips := e.sessionIPs(); fmt.Sprint(ips) != "[127.0.0.1]" {
			t.Fatalf("recorded %v", ips)
		}
	})
	t.Run("trusted peer: forwarded client", func(t *testing.T) {
		e := newEnv(t, func(c *envConfig) { c.autoCreate = true; c.trustedProxies = loopback })
		signIn(e, "6.6.6.6, 203.0.113.9")
		if ips := e.sessionIPs(); fmt.Sprint(ips) != "[203.0.113.9]" {
			t.Fatalf("recorded %v", ips)
		}
	})
	t.Run("IPv6 client recorded as its /64", func(t *testing.T) {
		e := newEnv(t, func(c *envConfig) { c.autoCreate = true; c.trustedProxies = loopback })
		signIn(e, "2001:db8:1:2:3:4:5:6")
		if ips := e.sessionIPs(); fmt.Sprint(ips) != "[2001:db8:1:2::/64]" {
			t.Fatalf("recorded %v", ips)
		}
	})
}

// TestThrottlePerClientBehindProxy exhausts the per-IP email limit from one
// IPv6 address behind a trusted proxy: another address of the same /64 is
// throttled too, while a client elsewhere still gets its email. Before the
// proxy was trusted, all three shared the proxy's counter.
func TestThrottlePerClientBehindProxy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, func(c *envConfig) { c.trustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")} })
	identify := func(xff, email string) *response {
		t.Helper()
		b := e.browser()
		b.header = http.Header{"X-Forwarded-For": {xff}}
		return b.submit(b.get(e.authorizeURL(nil)), "submit", map[string]string{"email": email})
	}
	var r *response
	for i := 0; i < 40; i++ {
		r = identify(fmt.Sprintf("2001:db8:1:2::%x", i+1), fmt.Sprintf("p%d@example.com", i))
		if r.Status == http.StatusTooManyRequests {
			break
		}
	}
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("never throttled: %d", r.Status)
	}
	if r := identify("2001:db8:1:2:ffff::1", "same64@example.com"); r.Status != http.StatusTooManyRequests {
		t.Errorf("another address of the same /64: %d", r.Status)
	}
	if r := identify("2001:db8:9:9::1", "elsewhere@example.com"); r.Status == http.StatusTooManyRequests || pageName(r) != "verify_email" {
		t.Errorf("a client of another /64 is throttled: %d %q", r.Status, pageName(r))
	}
	if r := identify("203.0.113.50", "v4@example.com"); r.Status == http.StatusTooManyRequests {
		t.Errorf("an IPv4 client is throttled: %d", r.Status)
	}
}
