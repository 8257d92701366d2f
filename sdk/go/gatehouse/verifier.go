// Package gatehouse verifies Gatehouse access tokens in Go services and
// provides net/http middleware that puts the verified claims in the request
// context.
//
// A Verifier discovers the issuer once, caches its signing keys, and then
// verifies tokens without any network call: the signature (ES256 only), the
// token type (at+jwt, RFC 9068), the issuer, the audience and the validity
// period.
package gatehouse

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Verifier verifies access tokens of one issuer (one Gatehouse project). It
// is safe for concurrent use; create one per issuer and share it.
type Verifier struct {
	issuer string
	cfg    config
	keys   *keyCache
}

// discovery holds the members of the OpenID Provider metadata used here.
type discovery struct {
	Issuer  string `json:"issuer"`
	JWKSURI string `json:"jwks_uri"`
}

// NewVerifier fetches the issuer's discovery document
// (<issuer>/.well-known/openid-configuration) and its key set. The document
// must name exactly the same issuer (OpenID Connect Discovery §4.3), so a
// misconfigured or impersonating server is refused up front. WithAudience is
// required. Both documents must be reachable: a service that cannot verify
// tokens fails at start-up rather than at its first request.
func NewVerifier(ctx context.Context, issuer string, opts ...Option) (*Verifier, error) {
	cfg := config{
		leeway:          DefaultLeeway,
		refetchInterval: DefaultRefetchInterval,
		maxAge:          DefaultKeySetMaxAge,
		now:             time.Now,
		client:          &http.Client{Timeout: fetchTimeout},
	}
	for _, o := range opts {
		o(&cfg)
	}
	cfg.audiences = slices.DeleteFunc(cfg.audiences, func(a string) bool { return a == "" })
	if len(cfg.audiences) == 0 {
		return nil, errors.New("gatehouse: WithAudience is required (your OAuth client_id)")
	}
	if cfg.leeway < 0 || cfg.refetchInterval < 0 || cfg.maxAge < 0 {
		return nil, errors.New("gatehouse: durations must not be negative")
	}
	iu, err := url.Parse(issuer)
	if err != nil || (iu.Scheme != "https" && iu.Scheme != "http") || iu.Host == "" || iu.RawQuery != "" || iu.Fragment != "" {
		return nil, fmt.Errorf("%w: issuer must be an http(s) URL without query or fragment", ErrDiscovery)
	}

	var doc discovery
	if err := getJSON(ctx, cfg.client, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration", &doc); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDiscovery, err)
	}
	if doc.Issuer != issuer {
		return nil, fmt.Errorf("%w: discovery document names issuer %q, expected %q", ErrDiscovery, doc.Issuer, issuer)
	}
	ju, err := url.Parse(doc.JWKSURI)
	if err != nil || ju.Host == "" || (ju.Scheme != "https" && !(ju.Scheme == "http" && iu.Scheme == "http")) {
		return nil, fmt.Errorf("%w: jwks_uri must be an absolute URL, https when the issuer is", ErrDiscovery)
	}

	v := &Verifier{issuer: issuer, cfg: cfg, keys: &keyCache{
		url: doc.JWKSURI, client: cfg.client, now: cfg.now,
		interval: cfg.refetchInterval, maxAge: cfg.maxAge,
	}}
	set, err := fetchKeySet(ctx, cfg.client, doc.JWKSURI)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrDiscovery, err)
	}
	set.fetchedAt = cfg.now()
	v.keys.current.Store(set)
	return v, nil
}

// Issuer returns the issuer the verifier accepts.
func (v *Verifier) Issuer() string { return v.issuer }

// Verify checks an access token and returns its claims. Errors wrap one of
// ErrMalformed, ErrAlgorithm, ErrType, ErrUnknownKey, ErrSignature,
// ErrIssuer, ErrAudience, ErrExpired, ErrNotYetValid. Only a kid missing
// from the cached key set can make it wait on the network (a rate-limited
// refetch); an aged key set is refreshed in the background.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	j, err := splitES256(token)
	if err != nil {
		return nil, err
	}
	if !isAccessTokenType(j.header.typ) {
		return nil, fail(ErrType, "typ must be at+jwt")
	}
	if err := checkSignature(ctx, j, v.keys.lookup); err != nil {
		return nil, err
	}

	c := &Claims{}
	seen, err := parseClaims(j.payload, c)
	if err != nil {
		return nil, fail(ErrMalformed, "claims are not a valid JSON object")
	}
	if c.Issuer != v.issuer {
		return nil, fail(ErrIssuer, "iss does not match")
	}
	if !v.audienceOK(c.Audience) {
		return nil, fail(ErrAudience, "aud names no accepted audience")
	}
	now := v.cfg.now()
	if seen&seenExp == 0 {
		return nil, fail(ErrExpired, "token has no exp")
	}
	if !now.Before(c.ExpiresAt.Add(v.cfg.leeway)) {
		return nil, fail(ErrExpired, "exp has passed")
	}
	if seen&seenNbf != 0 && now.Add(v.cfg.leeway).Before(c.NotBefore) {
		return nil, fail(ErrNotYetValid, "nbf is in the future")
	}
	if seen&seenIat != 0 && now.Add(v.cfg.leeway).Before(c.IssuedAt) {
		return nil, fail(ErrNotYetValid, "iat is in the future")
	}
	if c.Subject == "" {
		return nil, fail(ErrMalformed, "token has no sub")
	}
	return c, nil
}

func (v *Verifier) audienceOK(aud []string) bool {
	for _, a := range aud {
		if slices.Contains(v.cfg.audiences, a) {
			return true
		}
	}
	return false
}

// isAccessTokenType accepts "at+jwt" and its full media type, compared
// case-insensitively as media types are (RFC 9068 §4, RFC 7515 §4.1.9).
func isAccessTokenType(typ string) bool {
	return strings.EqualFold(typ, "at+jwt") || strings.EqualFold(typ, "application/at+jwt")
}
