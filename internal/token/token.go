// Package token issues and verifies the JWTs a project hands to applications:
// RFC 9068 access tokens and OpenID Connect ID tokens, signed with ES256 keys
// that belong to one project and rotate on a schedule.
//
// Signing keys live in the store with their private halves sealed under the
// master key (internal/seal). An Issuer keeps each project's keys decrypted in
// memory and rereads them at most every KeyReloadInterval (sooner when the
// current key is due for rotation or a token names a key it has not seen),
// so issuing or verifying a token never reads the database or decrypts
// anything on its own.
package token

import (
	"errors"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// Lifetimes of issued tokens.
const (
	AccessTokenLifetime = 5 * time.Minute
	IDTokenLifetime     = time.Hour
)

// Defaults of the key schedule (see WithRotation and WithRetention).
const (
	// DefaultRotationPeriod is how long a key signs before its successor takes over.
	DefaultRotationPeriod = 30 * 24 * time.Hour
	// DefaultRetention is how long a retired key stays published so that
	// tokens it signed keep verifying (ID tokens also serve later as
	// id_token_hint at logout, after they have expired).
	DefaultRetention = 7 * 24 * time.Hour
	// KeyReloadInterval bounds how stale an Issuer's view of a project's keys
	// may get, e.g. after another instance rotated them.
	KeyReloadInterval = 45 * time.Second
	// Leeway is the clock skew tolerated when checking exp, nbf and iat.
	Leeway = 30 * time.Second
)

// Token types (the JOSE typ header).
const (
	TypeAccessToken = "at+jwt" // RFC 9068
	TypeIDToken     = "JWT"
)

// Algorithm is the only JWS algorithm Gatehouse signs with and accepts.
const Algorithm = "ES256"

// Verification errors. Each failure wraps exactly one of them, saying which
// check refused the token.
var (
	// ErrMalformed: not a compact JWS with a JSON header and claims, or a
	// required claim is missing.
	ErrMalformed = errors.New("token: malformed")
	// ErrAlgorithm: the header's alg is not ES256 (none, HS256, RS256, ...).
	ErrAlgorithm = errors.New("token: algorithm not accepted")
	// ErrUnknownKey: the kid is not one of this project's published keys.
	ErrUnknownKey = errors.New("token: unknown signing key")
	// ErrSignature: the signature does not verify under the named key.
	ErrSignature = errors.New("token: bad signature")
	// ErrType: the typ header is not the expected token type (an ID token
	// presented as an access token, or the reverse).
	ErrType = errors.New("token: wrong token type")
	// ErrIssuer: iss is not the project's issuer.
	ErrIssuer = errors.New("token: wrong issuer")
	// ErrExpired: the token is outside its validity window.
	ErrExpired = errors.New("token: expired")
)

// ErrNotYetValid is the ErrExpired variant for a token whose nbf or iat lies
// in the future (beyond Leeway); errors.Is matches both.
var ErrNotYetValid = notYetValid{}

type notYetValid struct{}

func (notYetValid) Error() string        { return "token: not valid yet" }
func (notYetValid) Is(target error) bool { return target == ErrExpired }

// Actor is the person acting on the subject's behalf (impersonation), the act
// claim of RFC 8693.
type Actor struct {
	Subject string
	Email   string
}

// AccessClaims are the claims of an access token. The fields after Act are
// filled by VerifyAccessToken and ignored by AccessToken.
type AccessClaims struct {
	Issuer string
	// Subject is the user; one token stands for one user of one organization.
	Subject id.User
	// Audience defaults to the ClientID when empty.
	Audience      []string
	ClientID      id.Client
	SessionID     id.Session
	AuthTime      time.Time
	AMR           []string
	OrgID         id.Org
	OrgName       string
	Email         string
	EmailVerified bool
	Name          string
	Roles         []string
	Permissions   []string
	Act           *Actor

	IssuedAt, ExpiresAt time.Time
	JTI                 string
}

// IDClaims are the claims of an OpenID Connect ID token. IssuedAt and
// ExpiresAt are filled by VerifyIDToken and ignored by IDToken.
type IDClaims struct {
	Issuer        string
	Subject       id.User
	Audience      id.Client
	Nonce         string
	AuthTime      time.Time
	SessionID     id.Session
	AMR           []string
	Email         string
	EmailVerified bool
	Name          string
	OrgID         id.Org
	OrgName       string
	// AccessTokenHash is the at_hash claim; see AccessTokenHash.
	AccessTokenHash string
	// Act is the staff member behind an impersonated session, as in the
	// access token.
	Act *Actor

	IssuedAt, ExpiresAt time.Time
}
