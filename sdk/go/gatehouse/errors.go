package gatehouse

import (
	"errors"
	"fmt"
)

// Verification errors. Verify wraps one of them with a short detail, so test
// them with errors.Is; the detail never echoes the token.
var (
	// ErrMalformed: not a compact JWS, bad base64url, bad JSON, or a claim of
	// the wrong type.
	ErrMalformed = errors.New("gatehouse: malformed token")
	// ErrAlgorithm: the header names an algorithm other than ES256 (none,
	// HS256, RS256, …). Gatehouse signs with ES256 only, so nothing else is
	// ever tried.
	ErrAlgorithm = errors.New("gatehouse: unsupported signing algorithm")
	// ErrType: the header typ is not "at+jwt" (RFC 9068), e.g. an ID token.
	ErrType = errors.New("gatehouse: not an access token")
	// ErrUnknownKey: no kid, or a kid absent from the issuer's key set even
	// after the (rate-limited) refetch.
	ErrUnknownKey = errors.New("gatehouse: unknown signing key")
	// ErrSignature: the signature does not verify with the key named by kid.
	ErrSignature = errors.New("gatehouse: invalid signature")
	// ErrIssuer: iss is not the issuer the verifier was created for.
	ErrIssuer = errors.New("gatehouse: wrong issuer")
	// ErrAudience: aud names none of the configured audiences.
	ErrAudience = errors.New("gatehouse: wrong audience")
	// ErrExpired: exp has passed (beyond the leeway), or there is no exp.
	ErrExpired = errors.New("gatehouse: token expired")
	// ErrNotYetValid: nbf (or iat) lies in the future beyond the leeway.
	ErrNotYetValid = errors.New("gatehouse: token not yet valid")
	// ErrDiscovery: the issuer's discovery document or key set could not be
	// fetched or is unacceptable (returned by NewVerifier and on refetch).
	ErrDiscovery = errors.New("gatehouse: discovery failed")
)

func fail(kind error, detail string) error {
	return fmt.Errorf("%w: %s", kind, detail)
}
