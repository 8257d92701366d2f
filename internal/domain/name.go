package domain

import (
	"net"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/net/publicsuffix"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
)

// maxNameLen is the longest DNS name in presentation form (RFC 1035 §2.3.4).
// The TXT record's name adds a label in front, which must fit as well.
const maxNameLen = 253

// recordPrefix is the label the TXT record is published under.
const recordPrefix = "_gatehouse-challenge."

// idnaProfile turns a name people type (any case, Unicode) into the ASCII form
// DNS and email use, refusing what cannot be a hostname.
func idnaProfile() *idna.Profile {
	return idna.New(
		idna.MapForLookup(),
		idna.BidiRule(),
		idna.ValidateLabels(true),
		idna.StrictDomainName(true),
		idna.Transitional(false),
	)
}

// Normalize returns the canonical form of a domain name: trimmed, lowercase,
// without a trailing dot, in IDNA ASCII form ("Bücher.Example." →
// "xn--bcher-kva.example"). It refuses anything that is not a hostname with
// at least two labels, an IP address, and names that are a public suffix
// themselves ("com", "co.uk"), which nobody can prove for a single
// organization.
func Normalize(s string) (string, error) {
	name := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	bad := func(msg string) error { return fault.InvalidField("domain", msg) }
	if name == "" {
		return "", bad("is required")
	}
	if strings.ContainsAny(name, "@/:") {
		return "", bad("enter the domain name only, like example.com (no email address, URL or port)")
	}
	if net.ParseIP(strings.Trim(name, "[]")) != nil {
		return "", bad("must be a domain name, not an IP address")
	}
	ascii, err := idnaProfile().ToASCII(name)
	if err != nil {
		return "", bad("is not a valid domain name: use letters, digits and hyphens in dot-separated labels")
	}
	if len(ascii)+len(recordPrefix) > maxNameLen {
		return "", bad("is too long")
	}
	labels := strings.Split(ascii, ".")
	if len(labels) < 2 {
		return "", bad("must have at least two labels, like example.com")
	}
	for _, l := range labels {
		if !validLabel(l) {
			return "", bad("is not a valid domain name: each label has 1 to 63 letters, digits or hyphens, not at either end")
		}
	}
	if allDigits(labels[len(labels)-1]) {
		return "", bad("must be a domain name, not an IP address")
	}
	if _, err := publicsuffix.EffectiveTLDPlusOne(ascii); err != nil {
		return "", bad("is a public suffix that many unrelated owners share; claim your own domain under it")
	}
	return ascii, nil
}

// validLabel applies the hostname rules (RFC 952/1123) to one ASCII label.
func validLabel(l string) bool {
	if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// EmailDomain returns the normalised domain of an email address, or "" when
// the address has none that could match a claimed domain.
func EmailDomain(email string) string {
	at := strings.LastIndexByte(email, '@')
	if at < 0 {
		return ""
	}
	name, err := Normalize(email[at+1:])
	if err != nil {
		return ""
	}
	return name
}
