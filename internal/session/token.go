package session

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// A refresh token names its session and proves that Gatehouse minted it:
//
//	gh_rt_ <session ID body: 26 chars> <base64url(secret[32] ‖ tag[16]): 64 chars>
//
// 96 characters in all. tag = HMAC-SHA256(tag key, session ID ‖ secret)
// truncated to 128 bits. Naming the session lets a refresh read its row by
// primary key and recognise any token of the chain, however old, as this
// session's; the tag lets it do so only for tokens Gatehouse minted, so a
// guessed token for a known session ID (the sid claim of every access token)
// is rejected before any database work and can never end the session.
const (
	refreshSecretLen = 32
	refreshTagLen    = 16
	sessionBodyLen   = 26
	refreshTokenLen  = len(RefreshTokenPrefix) + sessionBodyLen + (refreshSecretLen+refreshTagLen)/3*4
)

// Labels of the sub-keys derived from the refresh key, so the tag and the
// successor derivation never share a key.
const (
	tagKeyLabel       = "gatehouse refresh-token tag v1"
	successorKeyLabel = "gatehouse refresh-token successor v1"
)

// refreshKeys are the sub-keys of the service's refresh key.
type refreshKeys struct {
	tagKey, successorKey []byte
}

func deriveRefreshKeys(refreshKey []byte) refreshKeys {
	derive := func(label string) []byte {
		m := hmac.New(sha256.New, refreshKey)
		m.Write([]byte(label))
		return m.Sum(nil)
	}
	return refreshKeys{tagKey: derive(tagKeyLabel), successorKey: derive(successorKeyLabel)}
}

func (k refreshKeys) tagOf(sid id.Session, secret []byte) []byte {
	m := hmac.New(sha256.New, k.tagKey)
	// The ID has a fixed length, so the concatenation is unambiguous.
	m.Write([]byte(sid))
	m.Write(secret)
	return m.Sum(nil)[:refreshTagLen]
}

// mint builds the token of session sid with the given secret.
func (k refreshKeys) mint(sid id.Session, secret []byte) string {
	raw := make([]byte, 0, refreshSecretLen+refreshTagLen)
	raw = append(raw, secret...)
	raw = append(raw, k.tagOf(sid, secret)...)
	body := string(sid)[len(id.PrefixSession)+1:]
	return RefreshTokenPrefix + body + base64.RawURLEncoding.EncodeToString(raw)
}

// first is the first token of a session: a random secret.
func (k refreshKeys) first(sid id.Session) string {
	secret := make([]byte, refreshSecretLen)
	// crypto/rand.Read never fails (it aborts the program rather than
	// return weak randomness).
	_, _ = rand.Read(secret)
	return k.mint(sid, secret)
}

// successor derives the token that replaces tok, a token of session sid.
// Deriving it (instead of drawing it at random) lets every concurrent
// refresh of one token compute the same successor without storing any token
// in plaintext.
func (k refreshKeys) successor(sid id.Session, tok string) string {
	m := hmac.New(sha256.New, k.successorKey)
	m.Write([]byte(tok))
	return k.mint(sid, m.Sum(nil))
}

// parse returns the session a refresh token names, provided the token is
// well formed and its tag is authentic; ok is false otherwise, and nothing
// about the session may then be changed on the token's account.
func (k refreshKeys) parse(tok string) (sid id.Session, ok bool) {
	if len(tok) != refreshTokenLen || tok[:len(RefreshTokenPrefix)] != RefreshTokenPrefix {
		return "", false
	}
	rest := tok[len(RefreshTokenPrefix):]
	sid, err := id.Parse[id.Session](id.PrefixSession + "_" + rest[:sessionBodyLen])
	if err != nil {
		return "", false
	}
	// Strict decoding: 64 characters carry exactly 48 bytes, no spare bits,
	// so each token has one spelling.
	raw, err := base64.RawURLEncoding.Strict().DecodeString(rest[sessionBodyLen:])
	if err != nil || len(raw) != refreshSecretLen+refreshTagLen {
		return "", false
	}
	secret, tag := raw[:refreshSecretLen], raw[refreshSecretLen:]
	if !hmac.Equal(tag, k.tagOf(sid, secret)) {
		return "", false
	}
	return sid, true
}
