package gatehouse

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// MaxTokenBytes bounds the token length accepted, far above any token
// Gatehouse issues, so oversized input is refused before any decoding.
const MaxTokenBytes = 16 << 10

// b64 is strict: no padding, and no non-zero bits after the last full byte,
// so each token has exactly one accepted spelling.
var b64 = base64.RawURLEncoding.Strict()

// tokenByte marks the bytes of a compact JWS: base64url and the dots.
var tokenByte = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_." {
		t[c] = true
	}
	return t
}()

// p256Order is n, the order of the P-256 group, big-endian.
var p256Order = [32]byte{
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
}

// jws is a compact JWS split into its parts, header already checked.
type jws struct {
	header       header
	signingInput []byte // header.payload, the bytes the signature covers
	payload, sig []byte
}

// splitES256 parses a compact JWS and enforces what does not depend on keys:
// three non-empty parts, canonical base64url, a JSON header naming ES256 with
// a kid, and a 64-byte signature. The payload is decoded but not interpreted.
func splitES256(token string) (*jws, error) {
	if len(token) > MaxTokenBytes {
		return nil, fail(ErrMalformed, "token too long")
	}
	// encoding/base64 skips CR and LF even in strict mode; refusing every
	// byte outside the base64url alphabet keeps one spelling per token.
	for i := range len(token) {
		if !tokenByte[token[i]] {
			return nil, fail(ErrMalformed, "character outside base64url")
		}
	}
	dot1 := strings.IndexByte(token, '.')
	if dot1 < 0 {
		return nil, fail(ErrMalformed, "not a compact JWS")
	}
	rest := token[dot1+1:]
	dot2 := strings.IndexByte(rest, '.')
	if dot2 < 0 || strings.IndexByte(rest[dot2+1:], '.') >= 0 {
		return nil, fail(ErrMalformed, "not a compact JWS")
	}
	// One copy of the token; the parts are decoded from slices of it.
	tb := []byte(token)
	h64, p64, s64 := tb[:dot1], tb[dot1+1:dot1+1+dot2], tb[dot1+1+dot2+1:]
	if len(h64) == 0 {
		return nil, fail(ErrMalformed, "empty JWS header")
	}
	var hbuf [512]byte
	if b64.DecodedLen(len(h64)) > len(hbuf) {
		return nil, fail(ErrMalformed, "header too long")
	}
	n, err := b64.Decode(hbuf[:], h64)
	if err != nil {
		return nil, fail(ErrMalformed, "header is not base64url")
	}
	h, err := parseHeader(hbuf[:n])
	if err != nil {
		return nil, fail(ErrMalformed, "header is not a JSON object")
	}
	// The algorithm is fixed by the verifier, never chosen by the token:
	// that shuts out alg=none and HMAC-with-the-public-key confusion.
	if h.alg != "ES256" {
		return nil, fail(ErrAlgorithm, "alg must be ES256")
	}
	if h.crit {
		return nil, fail(ErrMalformed, "unsupported critical header")
	}
	if len(p64) == 0 {
		return nil, fail(ErrMalformed, "empty JWS payload")
	}
	if b64.DecodedLen(len(s64)) != 64 {
		return nil, fail(ErrSignature, "ES256 signature must be 64 bytes")
	}
	j := &jws{header: h, signingInput: tb[:dot1+1+dot2]}
	j.sig = make([]byte, 64)
	if n, err := b64.Decode(j.sig, s64); err != nil || n != 64 {
		return nil, fail(ErrSignature, "signature is not base64url")
	}
	j.payload = make([]byte, b64.DecodedLen(len(p64)))
	if n, err = b64.Decode(j.payload, p64); err != nil {
		return nil, fail(ErrMalformed, "payload is not base64url")
	}
	j.payload = j.payload[:n]
	return j, nil
}

// checkSignature verifies j with the key its kid names.
func checkSignature(ctx context.Context, j *jws, lookup func(context.Context, string) (*ecdsa.PublicKey, error)) error {
	if j.header.kid == "" {
		return fail(ErrUnknownKey, "header has no kid")
	}
	pub, err := lookup(ctx, j.header.kid)
	if err != nil {
		return err
	}
	if !verifyES256(pub, j.signingInput, j.sig) {
		return fail(ErrSignature, "signature does not verify")
	}
	return nil
}

// verifyES256 checks a raw r||s signature over the signing input.
func verifyES256(pub *ecdsa.PublicKey, signingInput, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	r, s := sig[:32], sig[32:]
	if !inRange(r) || !inRange(s) {
		return false
	}
	digest := sha256.Sum256(signingInput)
	var der [72]byte
	return ecdsa.VerifyASN1(pub, digest[:], encodeDER(der[:0], r, s))
}

// inRange reports whether 0 < v < n.
func inRange(v []byte) bool {
	var zero [32]byte
	return !bytes.Equal(v, zero[:]) && bytes.Compare(v, p256Order[:]) < 0
}

// encodeDER writes SEQUENCE { INTEGER r, INTEGER s } in minimal DER, the
// form crypto/ecdsa verifies, without going through math/big.
func encodeDER(dst, r, s []byte) []byte {
	r, s = trimInt(r), trimInt(s)
	lr, ls := intLen(r), intLen(s)
	dst = append(dst, 0x30, byte(2+lr+2+ls))
	dst = appendInt(dst, r, lr)
	return appendInt(dst, s, ls)
}

func trimInt(v []byte) []byte {
	for len(v) > 1 && v[0] == 0 {
		v = v[1:]
	}
	return v
}

// intLen is the length of v as a DER INTEGER body: a leading zero keeps a
// set high bit from reading as a sign.
func intLen(v []byte) int {
	if v[0]&0x80 != 0 {
		return len(v) + 1
	}
	return len(v)
}

func appendInt(dst, v []byte, l int) []byte {
	dst = append(dst, 0x02, byte(l))
	if l > len(v) {
		dst = append(dst, 0)
	}
	return append(dst, v...)
}
