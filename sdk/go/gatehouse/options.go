package gatehouse

import (
	"net/http"
	"time"
)

// Defaults for the verifier's options.
const (
	DefaultLeeway          = 30 * time.Second
	DefaultRefetchInterval = 10 * time.Second
	DefaultKeySetMaxAge    = time.Hour
)

// Option configures a Verifier.
type Option func(*config)

type config struct {
	audiences       []string
	leeway          time.Duration
	refetchInterval time.Duration
	maxAge          time.Duration
	now             func() time.Time
	client          *http.Client
}

// WithAudience sets the accepted audiences (required). A token is accepted
// when its aud contains at least one of them. For Gatehouse access tokens the
// audience is the OAuth client_id of your application.
func WithAudience(aud ...string) Option {
	return func(c *config) { c.audiences = append(c.audiences, aud...) }
}

// WithLeeway sets the clock skew tolerated on exp, nbf and iat (default 30 s).
func WithLeeway(d time.Duration) Option {
	return func(c *config) { c.leeway = d }
}

// WithRefetchInterval sets the least time between two key set fetches caused
// by unknown kids (default 10 s), so a stream of tokens with invented kids
// cannot turn the verifier into a load generator against the issuer.
func WithRefetchInterval(d time.Duration) Option {
	return func(c *config) { c.refetchInterval = d }
}

// WithKeySetMaxAge sets how old the cached key set may grow before a
// verification starts a background refetch (default 1 h), so keys the issuer
// has withdrawn stop being trusted. Verifications never wait for it. Zero
// disables it: keys are then only refetched for unknown kids.
func WithKeySetMaxAge(d time.Duration) Option {
	return func(c *config) { c.maxAge = d }
}

// WithClock replaces time.Now, for tests.
func WithClock(now func() time.Time) Option {
	return func(c *config) { c.now = now }
}

// WithHTTPClient sets the client used for discovery and key set fetches
// (default: a client with a 10 s timeout); nil keeps the default.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) {
		if hc != nil {
			c.client = hc
		}
	}
}
