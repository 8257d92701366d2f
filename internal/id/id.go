// Package id provides Gatehouse's typed, prefixed identifiers.
//
// Every kind of resource has its own Go type, so a project ID cannot be passed
// where an organization ID belongs. IDs are a prefix, an underscore and 26
// lowercase Crockford base32 characters: 48 bits of Unix milliseconds, 12 bits
// of the fraction of that millisecond (as in UUIDv7's sub-millisecond
// precision), then 68 random bits. They sort by creation time to about a
// quarter of a microsecond, which keeps lists in creation order, keyset
// pagination and B-tree inserts cheap, and they are unguessable.
package id

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Project identifies one of the vendor's apps.
type Project string

// Org identifies an organization (a tenant) inside a project.
type Org string

// User identifies one person's account at one organization.
type User string

// Role identifies a role (a named set of permissions).
type Role string

// Permission identifies a permission defined by the vendor.
type Permission string

// SecretKey identifies a project's backend API secret key.
type SecretKey string

// AuditEvent identifies one audit log entry.
type AuditEvent string

// Session identifies one logged-in session of one user.
type Session string

// LoginAttempt identifies one server-side login attempt (sign-up, log-in,
// password reset) from identify to session.
type LoginAttempt string

// Client identifies an OAuth client (an application) of a project.
type Client string

// SigningKey identifies one of a project's token signing keys (the JWK kid).
type SigningKey string

// Mail identifies one email in the outbox.
type Mail string

// Invite identifies an invitation to join an organization.
type Invite string

// Domain identifies a domain an organization claims (and may verify).
type Domain string

// Prefixes, one per kind.
const (
	PrefixProject    = "proj"
	PrefixOrg        = "org"
	PrefixUser       = "user"
	PrefixRole       = "role"
	PrefixPermission = "perm"
	PrefixSecretKey  = "sk"
	PrefixAuditEvent = "evt"
	PrefixSession    = "sess"
	PrefixAttempt    = "la"
	PrefixClient     = "cli"
	PrefixSigningKey = "key"
	PrefixMail       = "mail"
	PrefixInvite     = "inv"
	PrefixDomain     = "dom"
)

// Kind is the set of ID types.
type Kind interface {
	~string
}

// prefixOf maps each ID type to its prefix.
func prefixOf[T Kind]() string {
	var zero T
	switch any(zero).(type) {
	case Project:
		return PrefixProject
	case Org:
		return PrefixOrg
	case User:
		return PrefixUser
	case Role:
		return PrefixRole
	case Permission:
		return PrefixPermission
	case SecretKey:
		return PrefixSecretKey
	case AuditEvent:
		return PrefixAuditEvent
	case Session:
		return PrefixSession
	case LoginAttempt:
		return PrefixAttempt
	case Client:
		return PrefixClient
	case SigningKey:
		return PrefixSigningKey
	case Mail:
		return PrefixMail
	case Invite:
		return PrefixInvite
	case Domain:
		return PrefixDomain
	}
	panic(fmt.Sprintf("id: no prefix registered for %T", zero))
}

const (
	bodyLen  = 26
	alphabet = "0123456789abcdefghjkmnpqrstvwxyz" // Crockford base32, lowercase
)

// ErrMalformed is returned by Parse for strings that are not IDs of the asked kind.
var ErrMalformed = errors.New("malformed id")

// New returns a fresh ID of kind T whose time part is t.
func New[T Kind](t time.Time) T {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand never fails on supported platforms; see its docs.
		panic(err)
	}
	ns := t.UnixNano()
	ms := uint64(ns / 1e6)
	frac := uint64(ns%1e6) * 4096 / 1e6 // 12 bits: steps of ~244 ns
	hi := ms<<16 | frac<<4 | uint64(b[7]&0x0f)
	binary.BigEndian.PutUint64(b[0:8], hi)
	return T(prefixOf[T]() + "_" + encode(b))
}

// Parse checks that s is a well-formed ID of kind T.
func Parse[T Kind](s string) (T, error) {
	p := prefixOf[T]()
	body, ok := strings.CutPrefix(s, p+"_")
	if !ok || len(body) != bodyLen {
		return "", fmt.Errorf("%w: %q is not a %s_ id", ErrMalformed, s, p)
	}
	for i := 0; i < len(body); i++ {
		if strings.IndexByte(alphabet, body[i]) < 0 {
			return "", fmt.Errorf("%w: %q is not a %s_ id", ErrMalformed, s, p)
		}
	}
	// The first character holds only the top 3 bits of 128 (26*5 = 130 bits).
	if strings.IndexByte(alphabet, body[0]) > 7 {
		return "", fmt.Errorf("%w: %q is not a %s_ id", ErrMalformed, s, p)
	}
	return T(s), nil
}

// encode writes 128 bits as 26 base32 characters (2 leading pad bits).
func encode(b [16]byte) string {
	hi := binary.BigEndian.Uint64(b[0:8])
	lo := binary.BigEndian.Uint64(b[8:16])
	var out [bodyLen]byte
	for i := bodyLen - 1; i >= 0; i-- {
		out[i] = alphabet[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}
