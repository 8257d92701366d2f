package domain

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
)

// NewResolver returns the Resolver the server uses. server "" asks the
// system's resolver; "host:port" sends every query to that DNS server only
// (over UDP, and TCP for truncated answers), for deployments whose system
// resolver cannot see public DNS, and for tests.
func NewResolver(server string) Resolver {
	if server == "" {
		return &netResolver{r: net.DefaultResolver}
	}
	return &netResolver{r: &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		},
	}}
}

type netResolver struct{ r *net.Resolver }

// LookupTXT asks for the fully qualified name, so the resolver's search
// domains are never appended to it.
func (n *netResolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	if !strings.HasSuffix(name, ".") {
		name += "."
	}
	return n.r.LookupTXT(ctx, name)
}

// describeLookup explains a failed or unmatched lookup to the person who
// has to fix their DNS: what was asked, and what was found instead.
func describeLookup(name string, found []string, err error) string {
	if err != nil {
		var dnsErr *net.DNSError
		switch {
		case errors.Is(err, context.DeadlineExceeded), errors.As(err, &dnsErr) && dnsErr.IsTimeout:
			return fmt.Sprintf("the DNS lookup of %s timed out; try again in a few minutes", name)
		case errors.As(err, &dnsErr) && dnsErr.IsNotFound:
			return fmt.Sprintf("no TXT record found at %s: the name does not exist in DNS (NXDOMAIN) or holds no TXT record; DNS changes can take a while to appear", name)
		default:
			return fmt.Sprintf("the DNS lookup of %s failed; try again in a few minutes", name)
		}
	}
	if len(found) == 0 {
		return fmt.Sprintf("no TXT record found at %s; DNS changes can take a while to appear", name)
	}
	shown := make([]string, 0, 3)
	for i, v := range found {
		if i == 3 {
			shown = append(shown, fmt.Sprintf("and %d more", len(found)-3))
			break
		}
		if len(v) > 100 {
			v = v[:100] + "…"
		}
		shown = append(shown, fmt.Sprintf("%q", v))
	}
	return fmt.Sprintf("the TXT records at %s do not contain the expected value; found %s", name, strings.Join(shown, ", "))
}

// matches reports whether one of the TXT values is want, ignoring the quotes
// and spaces DNS consoles sometimes add around a value.
func matches(found []string, want string) bool {
	for _, v := range found {
		if strings.Trim(v, "\" \t") == want {
			return true
		}
	}
	return false
}
