package project

import (
	"fmt"
	"net/url"
	"strings"
)

// MaxURLLength bounds the logo and app URLs: long enough for any real
// address, short enough to keep pages, emails and headers small.
const MaxURLLength = 2048

// NormalizeBrandColor returns a brand colour in its stored form: "#rrggbb"
// in lower case, or "" for none. Anything else is refused, so the value can
// be written into a stylesheet without escaping.
func NormalizeBrandColor(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if len(s) != 7 || s[0] != '#' {
		return "", fmt.Errorf("%q is not a colour like #1a73e8", s)
	}
	for _, c := range s[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return "", fmt.Errorf("%q is not a colour like #1a73e8", s)
		}
	}
	return strings.ToLower(s), nil
}

// ValidateLogoURL accepts "" or an absolute https URL (http only for
// loopback hosts, for local development) without credentials. The logo is
// loaded by every visitor's browser and its origin is allowed in the
// pages' Content-Security-Policy, so the host must be a plain host name.
func ValidateLogoURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := parseAbsolute(s)
	if err != nil {
		return err
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return fmt.Errorf("%q: scheme must be https (or http for localhost)", s)
	}
	return nil
}

// ValidateAppURL accepts "" or an absolute http(s) URL without credentials
// or fragment: the vendor's app, where people are sent after accepting an
// invitation or signing in without an app's request.
func ValidateAppURL(s string) error {
	if s == "" {
		return nil
	}
	u, err := parseAbsolute(s)
	if err != nil {
		return err
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return fmt.Errorf("%q: scheme must be https or http", s)
	}
	if u.Fragment != "" || strings.Contains(s, "#") {
		return fmt.Errorf("%q must not contain a fragment", s)
	}
	return nil
}

// LogoOrigin is the origin (scheme://host[:port]) the logo is loaded from,
// or "" when there is no logo.
func (p *Project) LogoOrigin() string {
	if p.LogoURL == "" {
		return ""
	}
	u, err := url.Parse(p.LogoURL)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// parseAbsolute parses an absolute URL with a host, no credentials, within
// MaxURLLength, whose host has only the characters a host name, an IPv6
// literal or a port may have (the origin is written into a CSP header).
func parseAbsolute(s string) (*url.URL, error) {
	if len(s) > MaxURLLength {
		return nil, fmt.Errorf("must be at most %d characters", MaxURLLength)
	}
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("%q is not an absolute URL", s)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%q must not contain a user name or password", s)
	}
	for _, c := range u.Host {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(".-:[]", c)
		if !ok {
			return nil, fmt.Errorf("%q: the host name has characters a host name cannot have", s)
		}
	}
	for _, c := range s {
		if c <= 0x20 || c == 0x7f {
			return nil, fmt.Errorf("%q must not contain spaces or control characters", s)
		}
	}
	return u, nil
}
