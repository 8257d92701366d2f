package token

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// The JWS compact serialisation is written by hand rather than through a
// general JOSE library: Gatehouse signs with exactly one algorithm and one
// key type, and a verifier that can only ever run ES256 has no algorithm to
// be confused into. It also keeps a signature within a few per cent of the
// bare ECDSA operation.

var b64 = base64.RawURLEncoding.Strict()

// maxTokenLen bounds what a verifier parses; Gatehouse's tokens are well
// under 2 KiB even with many roles and permissions.
const maxTokenLen = 16 << 10

// es256SigLen is r||s, 32 bytes each (RFC 7518 §3.4).
const es256SigLen = 64

type jwsHeader struct {
	Alg string `json:"alg"`
	Kid string `json:"kid"`
	Typ string `json:"typ"`
	// Crit lists extensions the verifier must understand; Gatehouse
	// understands none, so any crit refuses the token (RFC 7515 §4.1.11).
	Crit json.RawMessage `json:"crit,omitempty"`
}

// encodedHeader is the base64url JOSE header for a key and token type; it is
// the same for every token, so it is computed once per key.
func encodedHeader(kid id.SigningKey, typ string) string {
	b, _ := json.Marshal(jwsHeader{Alg: Algorithm, Kid: string(kid), Typ: typ})
	return b64.EncodeToString(b)
}

// sign returns header.payload.signature.
func sign(priv *ecdsa.PrivateKey, header string, payload []byte) (string, error) {
	n := len(header) + 1 + b64.EncodedLen(len(payload))
	buf := make([]byte, 0, n+1+b64.EncodedLen(es256SigLen))
	buf = append(buf, header...)
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, payload)
	digest := sha256.Sum256(buf)
	r, s, err := ecdsa.Sign(rand.Reader, priv, digest[:])
	if err != nil {
		return "", fmt.Errorf("token: sign: %w", err)
	}
	var sig [es256SigLen]byte
	r.FillBytes(sig[:32])
	s.FillBytes(sig[32:])
	buf = append(buf, '.')
	buf = b64.AppendEncode(buf, sig[:])
	return string(buf), nil
}

// parsedJWS is a compact JWS split and decoded, not yet verified.
type parsedJWS struct {
	header       jwsHeader
	payload      []byte
	signingInput string
	sig          []byte
}

// parse splits and decodes a compact JWS and checks the algorithm, so no
// later step ever looks at a token that is not ES256.
func parse(token string) (*parsedJWS, error) {
	if len(token) > maxTokenLen {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrMalformed, maxTokenLen)
	}
	h, rest, ok1 := strings.Cut(token, ".")
	p, s, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || strings.Contains(s, ".") {
		return nil, fmt.Errorf("%w: not a compact JWS (three dot-separated parts)", ErrMalformed)
	}
	hb, err := b64.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("%w: header is not base64url", ErrMalformed)
	}
	var out parsedJWS
	if err := json.Unmarshal(hb, &out.header); err != nil {
		return nil, fmt.Errorf("%w: header is not a JSON object", ErrMalformed)
	}
	if out.header.Alg != Algorithm {
		return nil, fmt.Errorf("%w: alg %q, want %s", ErrAlgorithm, out.header.Alg, Algorithm)
	}
	if len(out.header.Crit) > 0 {
		return nil, fmt.Errorf("%w: crit header names unsupported extensions", ErrMalformed)
	}
	if out.payload, err = b64.DecodeString(p); err != nil {
		return nil, fmt.Errorf("%w: payload is not base64url", ErrMalformed)
	}
	if out.sig, err = b64.DecodeString(s); err != nil {
		return nil, fmt.Errorf("%w: signature is not base64url", ErrMalformed)
	}
	out.signingInput = token[:len(h)+1+len(p)]
	return &out, nil
}

// verify checks the ES256 signature over the signing input.
func (j *parsedJWS) verify(pub *ecdsa.PublicKey) error {
	if len(j.sig) != es256SigLen {
		return fmt.Errorf("%w: ES256 signature is %d bytes, want %d", ErrSignature, len(j.sig), es256SigLen)
	}
	digest := sha256.Sum256([]byte(j.signingInput))
	r := new(big.Int).SetBytes(j.sig[:32])
	s := new(big.Int).SetBytes(j.sig[32:])
	if !ecdsa.Verify(pub, digest[:], r, s) {
		return fmt.Errorf("%w: signature does not verify under key %s", ErrSignature, j.header.Kid)
	}
	return nil
}

// typeIs compares a typ header with the expected type as a media type:
// case-insensitively, with or without "application/" (RFC 7515 §4.1.9).
func typeIs(got, want string) bool {
	if len(got) > len("application/") && strings.EqualFold(got[:len("application/")], "application/") {
		got = got[len("application/"):]
	}
	return strings.EqualFold(got, want)
}

// publicJWK is a P-256 public key as a JWK (RFC 7517, RFC 7518 §6.2).
type publicJWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

func jwkOf(kid id.SigningKey, pub *ecdsa.PublicKey) ([]byte, error) {
	point, err := pub.Bytes()
	if err != nil {
		return nil, fmt.Errorf("token: encode public key: %w", err)
	}
	// Uncompressed point: 0x04 || X || Y.
	return json.Marshal(publicJWK{
		Kty: "EC", Crv: "P-256", Kid: string(kid), Use: "sig", Alg: Algorithm,
		X: b64.EncodeToString(point[1:33]), Y: b64.EncodeToString(point[33:]),
	})
}

// parseJWK reads a key written by jwkOf, checking that it is a P-256 point
// and carries the kid it is stored under.
func parseJWK(kid id.SigningKey, raw []byte) (*ecdsa.PublicKey, error) {
	var k publicJWK
	if err := json.Unmarshal(raw, &k); err != nil {
		return nil, fmt.Errorf("token: key %s: public JWK: %w", kid, err)
	}
	if k.Kty != "EC" || k.Crv != "P-256" || k.Kid != string(kid) {
		return nil, fmt.Errorf("token: key %s: public JWK is %s/%s with kid %q", kid, k.Kty, k.Crv, k.Kid)
	}
	x, errX := b64.DecodeString(k.X)
	y, errY := b64.DecodeString(k.Y)
	if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
		return nil, fmt.Errorf("token: key %s: public JWK coordinates are not 32-byte base64url", kid)
	}
	point := append(append([]byte{4}, x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, fmt.Errorf("token: key %s: %w", kid, err)
	}
	return pub, nil
}

// AccessTokenHash is the at_hash of an ID token issued with accessToken:
// the base64url left half of its SHA-256 (OpenID Connect Core §3.1.3.6, for
// ES256).
func AccessTokenHash(accessToken string) string {
	sum := sha256.Sum256([]byte(accessToken))
	return b64.EncodeToString(sum[:len(sum)/2])
}
