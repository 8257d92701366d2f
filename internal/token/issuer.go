package token

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/seal"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Issuer signs and verifies a project's tokens and publishes its JWKS. It is
// safe for concurrent use; several Issuers (one per instance) may share a
// database.
type Issuer struct {
	st          store.Store
	sealer      *seal.Sealer
	now         func() time.Time
	log         *slog.Logger
	period      time.Duration
	retention   time.Duration
	reloadEvery time.Duration

	mu       sync.Mutex
	projects map[id.Project]*projectKeys
}

// Option configures an Issuer.
type Option func(*Issuer)

// WithClock sets the source of the current time.
func WithClock(now func() time.Time) Option { return func(i *Issuer) { i.now = now } }

// WithLogger sets where warnings (e.g. a failed key reload) go.
func WithLogger(l *slog.Logger) Option {
	return func(i *Issuer) {
		if l != nil {
			i.log = l
		}
	}
}

// WithRotation sets how long a key signs before its successor takes over
// (default DefaultRotationPeriod; zero keeps the default). Periods under an
// hour are raised to one hour, so a key signs for at least as long as an ID
// token lives. Every instance sharing a database should use the same period.
func WithRotation(period time.Duration) Option {
	return func(i *Issuer) {
		if period > 0 {
			i.period = max(period, time.Hour)
		}
	}
}

// WithRetention sets how long a retired key stays published (default
// DefaultRetention; zero keeps the default). It is at least the ID token
// lifetime plus Leeway, so every token a key signed verifies until it expires.
func WithRetention(d time.Duration) Option {
	return func(i *Issuer) {
		if d > 0 {
			i.retention = max(d, IDTokenLifetime+Leeway)
		}
	}
}

// NewIssuer returns an Issuer over st, opening private keys with sealer.
func NewIssuer(st store.Store, sealer *seal.Sealer, opts ...Option) *Issuer {
	i := &Issuer{
		st: st, sealer: sealer, now: time.Now, log: slog.New(slog.DiscardHandler),
		period: DefaultRotationPeriod, retention: DefaultRetention, reloadEvery: KeyReloadInterval,
		projects: map[id.Project]*projectKeys{},
	}
	for _, o := range opts {
		o(i)
	}
	return i
}

// AccessToken signs an access token for c with the project's current key and
// returns it with its expiry (AccessTokenLifetime from now). Audience
// defaults to the client ID.
func (i *Issuer) AccessToken(ctx context.Context, projectID id.Project, c AccessClaims) (string, time.Time, error) {
	_, ring, err := i.keys(ctx, projectID)
	if err != nil {
		return "", time.Time{}, err
	}
	now := i.now().Truncate(time.Second)
	p, err := accessPayloadOf(&c, now, rand.Text())
	if err != nil {
		return "", time.Time{}, err
	}
	body, err := json.Marshal(p)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("token: encode access token claims: %w", err)
	}
	jwt, err := sign(ring.signer.priv, ring.signer.accessHeader, body)
	if err != nil {
		return "", time.Time{}, err
	}
	return jwt, fromUnix(*p.Exp), nil
}

// IDToken signs an ID token for c (valid IDTokenLifetime from now).
func (i *Issuer) IDToken(ctx context.Context, projectID id.Project, c IDClaims) (string, error) {
	_, ring, err := i.keys(ctx, projectID)
	if err != nil {
		return "", err
	}
	p, err := idPayloadOf(&c, i.now().Truncate(time.Second))
	if err != nil {
		return "", err
	}
	body, err := json.Marshal(p)
	if err != nil {
		return "", fmt.Errorf("token: encode ID token claims: %w", err)
	}
	return sign(ring.signer.priv, ring.signer.idHeader, body)
}

// JWKS returns the project's JSON Web Key Set: the current key first, then
// the next one, then recently retired ones. The first call for a project
// creates its keys.
func (i *Issuer) JWKS(ctx context.Context, projectID id.Project) ([]byte, error) {
	_, ring, err := i.keys(ctx, projectID)
	if err != nil {
		return nil, err
	}
	return bytes.Clone(ring.jwks), nil
}

// VerifyAccessToken checks an access token of the project: algorithm ES256,
// a kid among the project's published keys, the signature, typ at+jwt, iss
// equal to issuer, and exp/nbf/iat with Leeway. The audience is the caller's
// to check. Errors wrap the sentinel of the failed check.
func (i *Issuer) VerifyAccessToken(ctx context.Context, projectID id.Project, issuer, jwt string) (*AccessClaims, error) {
	j, err := i.verified(ctx, projectID, jwt, TypeAccessToken)
	if err != nil {
		return nil, err
	}
	// Through a pointer, so that a payload of null is refused rather than
	// read as an empty object.
	var p *accessPayload
	if err := json.Unmarshal(j.payload, &p); err != nil || p == nil {
		return nil, fmt.Errorf("%w: claims are not a JSON object of the expected members (%v)", ErrMalformed, err)
	}
	if err := checkIssuer(p.Iss, issuer); err != nil {
		return nil, err
	}
	if err := window(i.now(), p.Exp, p.Iat, p.Nbf, false); err != nil {
		return nil, err
	}
	if p.Sub == "" {
		return nil, fmt.Errorf("%w: sub is required", ErrMalformed)
	}
	return p.claims(), nil
}

// VerifyIDToken checks an ID token of the project like VerifyAccessToken
// (typ JWT instead of at+jwt). allowExpired skips the exp check, for an ID
// token presented as id_token_hint; everything else is still checked.
func (i *Issuer) VerifyIDToken(ctx context.Context, projectID id.Project, issuer, jwt string, allowExpired bool) (*IDClaims, error) {
	j, err := i.verified(ctx, projectID, jwt, TypeIDToken)
	if err != nil {
		return nil, err
	}
	// Through a pointer, so that a payload of null is refused rather than
	// read as an empty object.
	var p *idPayload
	if err := json.Unmarshal(j.payload, &p); err != nil || p == nil {
		return nil, fmt.Errorf("%w: claims are not a JSON object of the expected members (%v)", ErrMalformed, err)
	}
	if err := checkIssuer(p.Iss, issuer); err != nil {
		return nil, err
	}
	if err := window(i.now(), p.Exp, p.Iat, nil, allowExpired); err != nil {
		return nil, err
	}
	if p.Sub == "" || p.Aud == "" {
		return nil, fmt.Errorf("%w: sub and aud are required", ErrMalformed)
	}
	return p.claims(), nil
}

// verified parses the token (refusing any alg but ES256), finds its key
// among this project's, checks the signature and then the type, in that
// order: nothing but alg and kid is trusted before the signature is.
func (i *Issuer) verified(ctx context.Context, projectID id.Project, jwt, typ string) (*parsedJWS, error) {
	j, err := parse(jwt)
	if err != nil {
		return nil, err
	}
	kid, err := id.Parse[id.SigningKey](j.header.Kid)
	if err != nil {
		return nil, fmt.Errorf("%w: kid %q is not a Gatehouse key ID", ErrUnknownKey, j.header.Kid)
	}
	pub, err := i.publicKey(ctx, projectID, kid)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			// No such project: no key of it can have signed anything.
			return nil, fmt.Errorf("%w: %w", ErrUnknownKey, err)
		}
		return nil, err
	}
	if err := j.verify(pub); err != nil {
		return nil, err
	}
	if !typeIs(j.header.Typ, typ) {
		return nil, fmt.Errorf("%w: typ %q, want %s", ErrType, j.header.Typ, typ)
	}
	return j, nil
}

func checkIssuer(got, want string) error {
	if got != want {
		return fmt.Errorf("%w: iss %q, want %q", ErrIssuer, got, want)
	}
	return nil
}
