package web

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/login"
)

// ParseTrustedProxies reads a comma-separated list of CIDRs (a bare address
// counts as a single host). An empty list trusts nobody.
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, raw := range strings.Split(s, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		if p, err := netip.ParsePrefix(raw); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(raw)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("trusted proxies: %q is not a CIDR like 10.0.0.0/8 or an IP address", raw)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// clientAddr is the address of the browser behind the request. The TCP peer
// is the answer unless it is one of the configured proxies: then the
// X-Forwarded-For hops are read from the right (each proxy appends the
// address it received the request from), skipping further trusted proxies,
// and the first address that is not one is the client. Everything to its
// left was written by the client itself and is ignored, so a forged header
// cannot pick someone else's throttle counter.
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer := parseHop(r.RemoteAddr)
	if !peer.IsValid() || !isTrusted(peer, trusted) {
		return peer
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	last := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a := parseHop(hops[i])
		if !a.IsValid() {
			// Garbage next to a trusted hop: nothing further left can be
			// trusted either, so the last proxy stands for the client.
			return last
		}
		if !isTrusted(a, trusted) {
			return a
		}
		last = a
	}
	return last
}

// parseHop reads an address as it appears in RemoteAddr or a forwarded
// header: bare, or with a port (IPv6 in brackets). Zones and IPv4-mapped
// forms are dropped so one host always reads the same.
func parseHop(s string) netip.Addr {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone("")
	}
	return netip.Addr{}
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// throttleKey is how a client address is counted. One IPv6 subscriber gets
// a whole /64 and can pick a fresh address from it for every request, so
// IPv6 clients are keyed by their /64; IPv4 clients by their address.
func throttleKey(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	if a.Is6() {
		return netip.PrefixFrom(a, 64).Masked().String()
	}
	return a.String()
}

// client describes the browser for throttling and session records. The
// login flow keys its per-IP limits on IP, so an IPv6 client appears as its
// /64 there and in the sessions it creates.
func (h *Handler) client(r *http.Request) login.Client {
	ua := r.UserAgent()
	if len(ua) > 512 {
		ua = ua[:512]
	}
	ip := throttleKey(clientAddr(r, h.o.TrustedProxies))
	if ip == "" {
		// Not an IP peer (a unix socket, a test transport): keep what there is.
		ip = r.RemoteAddr
	}
	return login.Client{IP: ip, UserAgent: ua}
}
