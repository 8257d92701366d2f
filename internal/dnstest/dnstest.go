// Package dnstest runs a small authoritative DNS server in-process, so tests
// of DNS-based features (domain verification) ask a real server over UDP and
// TCP instead of a stub. It answers TXT queries for the names a test sets and
// NXDOMAIN for every other name.
package dnstest

import (
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/miekg/dns"
)

// Server is a running DNS server on 127.0.0.1, on the same port for UDP and
// TCP.
type Server struct {
	addr string

	mu     sync.Mutex
	txt    map[string][]string // by lowercase FQDN
	silent map[string]bool
	asked  map[string]int // queries received, by lowercase FQDN
}

// Start runs a server until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{txt: map[string][]string{}, silent: map[string]bool{}, asked: map[string]int{}}
	pc, ln := listen(t)
	s.addr = pc.LocalAddr().String()
	for _, srv := range []*dns.Server{
		{PacketConn: pc, Handler: dns.HandlerFunc(s.serve)},
		{Listener: ln, Handler: dns.HandlerFunc(s.serve)},
	} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = srv.ActivateAndServe()
		}()
		select {
		case <-started:
		case <-done:
			t.Fatalf("dnstest: server did not start")
		}
		t.Cleanup(func() {
			_ = srv.Shutdown()
			<-done
		})
	}
	return s
}

// listen binds UDP on a free port and TCP on the same one, retrying when
// another process holds the TCP side of the port UDP got.
func listen(t testing.TB) (net.PacketConn, net.Listener) {
	t.Helper()
	var lastErr error
	for range 20 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("dnstest: listen udp: %v", err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln
		}
		lastErr = err
		pc.Close()
	}
	t.Fatalf("dnstest: no port free for both UDP and TCP: %v", lastErr)
	return nil, nil
}

// Addr is the server's host:port, for domain.NewResolver or the server's
// --dns-server setting.
func (s *Server) Addr() string { return s.addr }

// SetTXT publishes the TXT records of name, one record per value (replacing
// earlier ones). No values leaves the name existing without any TXT record.
func (s *Server) SetTXT(name string, values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.txt[fqdn(name)] = append([]string{}, values...)
}

// Remove deletes name: queries for it get NXDOMAIN again.
func (s *Server) Remove(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.txt, fqdn(name))
	delete(s.silent, fqdn(name))
}

// SetSilent makes the server ignore queries for name, as a server that is
// down or filtered would: lookups of it time out.
func (s *Server) SetSilent(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.silent[fqdn(name)] = true
}

// Queries is how many queries for name the server has received (a lookup
// retried over TCP counts twice).
func (s *Server) Queries(name string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.asked[fqdn(name)]
}

func fqdn(name string) string { return dns.Fqdn(strings.ToLower(strings.TrimSpace(name))) }

func (s *Server) serve(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	if len(req.Question) != 1 {
		m.SetRcode(req, dns.RcodeFormatError)
		_ = w.WriteMsg(m)
		return
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	s.mu.Lock()
	s.asked[name]++
	values, ok := s.txt[name]
	silent := s.silent[name]
	s.mu.Unlock()
	switch {
	case silent:
		return
	case !ok:
		m.SetRcode(req, dns.RcodeNameError)
	case q.Qtype == dns.TypeTXT && q.Qclass == dns.ClassINET:
		for _, v := range values {
			m.Answer = append(m.Answer, &dns.TXT{
				Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 60},
				Txt: chunks(v),
			})
		}
	}
	if _, udp := w.LocalAddr().(*net.UDPAddr); udp {
		// Like a real server: an answer too big for the client's UDP
		// buffer is truncated (TC set), and the client asks again over TCP.
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		m.Truncate(size)
	}
	_ = w.WriteMsg(m)
}

// chunks splits a value into the 255-byte character-strings a TXT record is
// made of; resolvers join them back into one value.
func chunks(v string) []string {
	out := []string{}
	for len(v) > 255 {
		out = append(out, v[:255])
		v = v[255:]
	}
	return append(out, v)
}
