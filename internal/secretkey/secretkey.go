// Package secretkey holds project secret keys: the credentials the vendor's
// servers use for the backend API. A key is shown once; only its SHA-256 hash is
// stored, so a database leak does not leak usable keys.
package secretkey

import (
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// Prefix starts every secret key, so they are easy to grep for and to catch
// in secret scanners.
const Prefix = "gh_sk_"

// Key is a stored secret key (never the secret itself).
type Key struct {
	ID        id.SecretKey
	ProjectID id.Project
	Name      string
	Hash      []byte
	// Hint is the last four characters of the secret, to tell keys apart.
	Hint       string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Active reports whether the key still authenticates.
func (k *Key) Active() bool { return k.RevokedAt == nil }

// Generate returns a new key record and the secret to show once.
func Generate(projectID id.Project, name string, now time.Time) (*Key, string) {
	secret := Prefix + rand.Text() + rand.Text() // 2 x 26 base32 chars: 260 bits
	return &Key{
		ID:        id.New[id.SecretKey](now),
		ProjectID: projectID,
		Name:      strings.TrimSpace(name),
		Hash:      Hash(secret),
		Hint:      secret[len(secret)-4:],
		CreatedAt: now,
	}, secret
}

// Hash returns the SHA-256 of a presented secret. Secrets carry 260 bits of
// entropy, so a fast hash is safe here; it keeps authentication to one indexed
// lookup.
func Hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// LooksLikeKey is a cheap shape check done before touching the database.
func LooksLikeKey(s string) bool {
	return strings.HasPrefix(s, Prefix) && len(s) == len(Prefix)+52
}
