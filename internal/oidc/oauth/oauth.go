// Package oauth holds the OAuth 2.0 records of a project: its registered
// clients (applications) and the authorization codes issued to them. It sits
// below the store so the storage contract can name these types; the rules
// that use them live in package oidc.
package oauth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// ClientType says whether a client can keep a secret.
type ClientType string

// Client types (RFC 6749 §2.1).
const (
	// Public clients (single-page and native apps) cannot keep a secret;
	// they must use PKCE.
	Public ClientType = "public"
	// Confidential clients (server-side apps) authenticate with a secret.
	Confidential ClientType = "confidential"
)

// Valid reports whether t is a known client type.
func (t ClientType) Valid() bool { return t == Public || t == Confidential }

// Prefixes of the secrets this package mints, so they are easy to grep for
// and for secret scanners to catch.
const (
	SecretPrefix = "gh_cs_"
	CodePrefix   = "gh_ac_"
)

// CodeLifetime is how long an authorization code can be exchanged.
const CodeLifetime = 60 * time.Second

// Client is an application registered with a project.
type Client struct {
	ID        id.Client
	ProjectID id.Project
	Name      string
	Type      ClientType
	// SecretHash is the SHA-256 of the client secret; nil for public clients.
	SecretHash             Digest
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	CreatedAt              time.Time
	UpdatedAt              time.Time
}

// HasRedirectURI reports whether uri is registered, by exact string
// equality: no prefix, wildcard or normalisation, so an attacker cannot
// register a lookalike path or port and receive codes.
func (c *Client) HasRedirectURI(uri string) bool { return contains(c.RedirectURIs, uri) }

// HasPostLogoutRedirectURI is HasRedirectURI for RP-initiated logout.
func (c *Client) HasPostLogoutRedirectURI(uri string) bool {
	return contains(c.PostLogoutRedirectURIs, uri)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// VerifySecret compares a presented secret with the stored hash in
// constant time. A public client has no secret and never verifies.
func (c *Client) VerifySecret(secret string) bool {
	if len(c.SecretHash) == 0 || secret == "" {
		return false
	}
	return subtle.ConstantTimeCompare(Hash(secret), c.SecretHash) == 1
}

// NewSecret returns a fresh client secret (260 random bits).
func NewSecret() string { return SecretPrefix + rand.Text() + rand.Text() }

// NewCode returns a fresh authorization code (260 random bits).
func NewCode() string { return CodePrefix + rand.Text() + rand.Text() }

// Digest is a SHA-256 hash of a secret or a code.
type Digest []byte

// Hash is the SHA-256 under which secrets and codes are stored. They carry
// 260 bits of entropy, so a fast hash is enough and keeps lookups indexed.
func Hash(secret string) Digest {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// LooksLikeCode is a cheap shape check before touching the database.
func LooksLikeCode(s string) bool {
	return strings.HasPrefix(s, CodePrefix) && len(s) == len(CodePrefix)+52
}

// Code is an issued authorization code, stored under its hash.
type Code struct {
	Hash                Digest
	ProjectID           id.Project
	ClientID            id.Client
	SessionID           id.Session
	RedirectURI         string
	CodeChallenge       string
	CodeChallengeMethod string
	Nonce               string
	Scope               []string
	CreatedAt           time.Time
	ExpiresAt           time.Time
	// UsedAt is set by the first exchange; a second presentation is an
	// attack (or a replay) and revokes the session the code minted.
	UsedAt *time.Time
	// GrantedSessionID is the session the exchange gave tokens to: the
	// code's session, or a copy of it when another client already holds
	// that one. Empty until the exchange completes.
	GrantedSessionID id.Session
}
