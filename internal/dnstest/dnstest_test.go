package dnstest_test

import (
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/gatehouse-auth/gatehouse/internal/dnstest"
	"github.com/gatehouse-auth/gatehouse/internal/domain"
)

func TestServerAnswersOverUDPAndTCP(t *testing.T) {
	t.Parallel()
	s := dnstest.Start(t)
	long := strings.Repeat("x", 600)
	s.SetTXT("_challenge.Example.COM", "first", long)
	s.SetTXT("empty.example.com")
	for _, network := range []string{"udp", "tcp"} {
		c := &dns.Client{Net: network}
		ask := func(name string) *dns.Msg {
			t.Helper()
			m := new(dns.Msg)
			m.SetQuestion(dns.Fqdn(name), dns.TypeTXT)
			r, _, err := c.Exchange(m, s.Addr())
			if err != nil {
				t.Fatalf("%s %s: %v", network, name, err)
			}
			return r
		}
		r := ask("_challenge.example.com")
		var got []string
		for _, rr := range r.Answer {
			got = append(got, strings.Join(rr.(*dns.TXT).Txt, ""))
		}
		switch {
		case network == "udp" && !r.Truncated:
			// 600 bytes do not fit a plain UDP answer: truncated, to be
			// asked again over TCP.
			t.Fatalf("udp: a 600-byte answer was not truncated")
		case network == "tcp" && (r.Rcode != dns.RcodeSuccess || len(got) != 2 || got[0] != "first" || got[1] != long):
			t.Fatalf("tcp: rcode %d, answers %q", r.Rcode, got)
		}
		if r := ask("empty.example.com"); r.Rcode != dns.RcodeSuccess || len(r.Answer) != 0 {
			t.Fatalf("%s: a name without TXT records: rcode %d, %d answers", network, r.Rcode, len(r.Answer))
		}
		if r := ask("unknown.example.com"); r.Rcode != dns.RcodeNameError {
			t.Fatalf("%s: unknown name: rcode %d, want NXDOMAIN", network, r.Rcode)
		}
	}
	// Go's resolver (what the server uses) follows the truncation to TCP.
	vals, err := domain.NewResolver(s.Addr()).LookupTXT(t.Context(), "_challenge.example.com")
	if err != nil || len(vals) != 2 || vals[1] != long {
		t.Fatalf("resolver: %d values, %v", len(vals), err)
	}

	s.Remove("_challenge.example.com")
	m := new(dns.Msg)
	m.SetQuestion("_challenge.example.com.", dns.TypeTXT)
	r, _, err := new(dns.Client).Exchange(m, s.Addr())
	if err != nil || r.Rcode != dns.RcodeNameError {
		t.Fatalf("after Remove: %v, %v", r, err)
	}
}
