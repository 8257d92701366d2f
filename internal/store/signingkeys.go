package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// SigningKeyState is where a token signing key is in its life.
type SigningKeyState string

// A key is created as next (published in the JWKS so verifiers learn it before
// it signs anything), becomes current (the one key that signs), and ends
// retired (still published for a while so tokens it signed keep verifying,
// its private half erased) until it is deleted.
const (
	SigningKeyNext    SigningKeyState = "next"
	SigningKeyCurrent SigningKeyState = "current"
	SigningKeyRetired SigningKeyState = "retired"
)

// SigningKey is one of a project's token signing keys. A project has at most
// one current and one next key at a time.
type SigningKey struct {
	ID        id.SigningKey // the JWK kid
	ProjectID id.Project
	Algorithm string // JWS alg, e.g. "ES256"
	State     SigningKeyState
	// PublicJWK is the public key as a JWK (with kid, alg and use).
	PublicJWK json.RawMessage
	// PrivateKey is the sealed private key (see internal/seal); empty once
	// the key is retired.
	PrivateKey []byte
	CreatedAt  time.Time
	// ActivatedAt is when the key became current (nil while next).
	ActivatedAt *time.Time
	// RetiredAt is when the key stopped signing (nil until retired).
	RetiredAt *time.Time
}

// SigningKeyReader reads token signing keys (per project; private halves sealed under the master key).
type SigningKeyReader interface {
	// ListSigningKeys returns all of the project's signing keys in ID order.
	// Retired keys are deleted after a while, so the list stays short.
	ListSigningKeys(ctx context.Context, projectID id.Project) ([]*SigningKey, error)
	GetSigningKey(ctx context.Context, projectID id.Project, keyID id.SigningKey) (*SigningKey, error)
}

// SigningKeyWriter changes token signing keys (per project; private halves sealed under the master key).
type SigningKeyWriter interface {
	// CreateSigningKey inserts k (state next or current). ErrNotFound when the
	// project does not exist; ErrConflict for a duplicate ID, or for a second
	// current or second next key of the project.
	CreateSigningKey(ctx context.Context, k *SigningKey) error
	// ActivateSigningKey makes the project's next key keyID current. ErrNotFound
	// when there is no such next key; ErrConflict while another key is current.
	ActivateSigningKey(ctx context.Context, projectID id.Project, keyID id.SigningKey, at time.Time) error
	// RetireSigningKey retires a current or next key and erases its private
	// half. ErrNotFound when there is no such key that is not already retired.
	RetireSigningKey(ctx context.Context, projectID id.Project, keyID id.SigningKey, at time.Time) error
	// DeleteSigningKey removes a key. ErrNotFound when there is no such key.
	DeleteSigningKey(ctx context.Context, projectID id.Project, keyID id.SigningKey) error
}
