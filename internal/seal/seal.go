// Package seal encrypts secret columns at rest under the master key.
//
// A sealed value is a version byte followed by what AES-256-GCM with a random
// 96-bit nonce produces (nonce, ciphertext, tag). The caller's associated data
// names where the value lives (table, column and row ID), so a ciphertext
// copied into another row, another column or another table fails to open even
// though the key is the same everywhere.
//
// The AES key is not the master key itself but a sub-key derived from it with
// HKDF-SHA256, and DeriveKey hands out further sub-keys under a separate
// label, so no two purposes ever share key material.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
)

// KeySize is the length of the master key and of derived keys in bytes.
const KeySize = 32

// version1 marks AES-256-GCM with a random nonce under the HKDF sub-key
// labelled sealLabel. A new scheme gets a new byte; Open dispatches on it.
const version1 byte = 1

const (
	sealLabel   = "gatehouse/seal/aes-256-gcm/v1"
	deriveLabel = "gatehouse/derive/"
)

// ErrOpen is returned (wrapped, with the reason) when a sealed value cannot be
// opened: too short, an unknown version, or authentication failed because the
// ciphertext, the associated data or the key is not the one it was sealed with.
var ErrOpen = errors.New("seal: cannot open sealed value")

// Sealer seals and opens values under one master key. It is safe for
// concurrent use.
type Sealer struct {
	master []byte
	aead   cipher.AEAD
}

// New returns a Sealer for a 32-byte master key.
func New(masterKey []byte) (*Sealer, error) {
	if len(masterKey) != KeySize {
		return nil, fmt.Errorf("seal: master key is %d bytes, want %d", len(masterKey), KeySize)
	}
	master := append([]byte(nil), masterKey...)
	key, err := hkdf.Key(sha256.New, master, nil, sealLabel, KeySize)
	if err != nil {
		return nil, fmt.Errorf("seal: derive encryption key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	// Random nonces: the same key seals values on every instance, so a
	// counter could not be kept unique; 2^32 seals per key stay far below the
	// birthday bound for 96-bit nonces.
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return &Sealer{master: master, aead: aead}, nil
}

// Seal encrypts plaintext bound to aad, which should name the table, column
// and row the value is stored in (e.g. "signing_keys.private_key:key_…").
func (s *Sealer) Seal(plaintext, aad []byte) []byte {
	out := make([]byte, 1, 1+s.aead.NonceSize()+len(plaintext)+s.aead.Overhead())
	out[0] = version1
	return s.aead.Seal(out, nil, plaintext, versionedAAD(version1, aad))
}

// Open decrypts a value made by Seal with the same aad. Any other aad, a
// changed byte or another master key gives an error wrapping ErrOpen.
func (s *Sealer) Open(ciphertext, aad []byte) ([]byte, error) {
	if len(ciphertext) == 0 {
		return nil, fmt.Errorf("%w: empty input", ErrOpen)
	}
	switch ciphertext[0] {
	case version1:
	default:
		return nil, fmt.Errorf("%w: unknown version %d", ErrOpen, ciphertext[0])
	}
	body := ciphertext[1:]
	if len(body) < s.aead.NonceSize()+s.aead.Overhead() {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrOpen, len(ciphertext))
	}
	plain, err := s.aead.Open(nil, nil, body, versionedAAD(version1, aad))
	if err != nil {
		// GCM says only that authentication failed; which input was wrong
		// cannot be told apart, by design.
		return nil, fmt.Errorf("%w: authentication failed", ErrOpen)
	}
	return plain, nil
}

// DeriveKey returns a 32-byte sub-key of the master key for purpose (e.g.
// "refresh-token v1"). The same purpose always gives the same key, different
// purposes unrelated keys, and none equals the key Seal uses.
func (s *Sealer) DeriveKey(purpose string) []byte {
	key, err := hkdf.Key(sha256.New, s.master, nil, deriveLabel+purpose, KeySize)
	if err != nil {
		// hkdf.Key fails only for lengths above 255*32 bytes; KeySize is fixed.
		panic("seal: hkdf: " + err.Error())
	}
	return key
}

// versionedAAD prefixes the associated data with the version byte, so a
// value cannot be passed off as belonging to another scheme.
func versionedAAD(v byte, aad []byte) []byte {
	out := make([]byte, 0, 1+len(aad))
	out = append(out, v)
	return append(out, aad...)
}

// String keeps the key material out of logs and error messages when a Sealer
// is formatted by mistake.
func (s *Sealer) String() string { return "seal.Sealer{…}" }

// GoString is String for %#v.
func (s *Sealer) GoString() string { return s.String() }
