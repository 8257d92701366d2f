package gatehouse

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// maxDocumentBytes bounds discovery and key set responses.
const maxDocumentBytes = 1 << 20

// fetchTimeout bounds one discovery or key set request when the caller's
// context has no deadline of its own.
const fetchTimeout = 10 * time.Second

// keySet is an immutable snapshot of the issuer's signing keys.
type keySet struct {
	keys      map[string]*ecdsa.PublicKey
	fetchedAt time.Time
}

// keyCache holds the current key set for lock-free reads, and serialises
// refetches: one in flight at a time, and at most one per interval.
type keyCache struct {
	url      string
	client   *http.Client
	now      func() time.Time
	interval time.Duration
	maxAge   time.Duration

	current atomic.Pointer[keySet]

	mu        sync.Mutex
	inflight  chan struct{} // closed when the running fetch ends
	lastStart time.Time
	lastErr   error
}

var errRateLimited = errors.New("refetch rate-limited")

// lookup returns the cached key for kid, refetching the key set once when
// kid is unknown and the rate limit allows it.
func (k *keyCache) lookup(ctx context.Context, kid string) (*ecdsa.PublicKey, error) {
	set := k.current.Load()
	if pub := set.keys[kid]; pub != nil {
		if k.maxAge > 0 && k.now().Sub(set.fetchedAt) > k.maxAge {
			k.refreshInBackground()
		}
		return pub, nil
	}
	if err := k.refresh(ctx); err != nil && !errors.Is(err, errRateLimited) {
		return nil, fmt.Errorf("%w: key set refetch failed: %w", ErrUnknownKey, err)
	}
	if pub := k.current.Load().keys[kid]; pub != nil {
		return pub, nil
	}
	return nil, fail(ErrUnknownKey, "no key with this kid")
}

// refresh fetches the key set unless a fetch started less than the interval
// ago. A caller arriving while a fetch runs waits for that one instead of
// starting another.
func (k *keyCache) refresh(ctx context.Context) error {
	k.mu.Lock()
	ch := k.inflight
	if ch == nil {
		if !k.lastStart.IsZero() && k.now().Sub(k.lastStart) < k.interval {
			k.mu.Unlock()
			return errRateLimited
		}
		ch = k.start()
		// The fetch runs on its own so that it outlives a caller that gives
		// up: the others waiting on it still get its result.
		go k.fetch(context.WithoutCancel(ctx), ch)
	}
	k.mu.Unlock()
	select {
	case <-ch:
	case <-ctx.Done():
		return ctx.Err()
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.lastErr
}

func (k *keyCache) refreshInBackground() {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.inflight != nil || k.now().Sub(k.lastStart) < k.interval {
		return
	}
	ch := k.start()
	go k.fetch(context.Background(), ch)
}

// start marks a fetch as running; k.mu must be held.
func (k *keyCache) start() chan struct{} {
	ch := make(chan struct{})
	k.inflight = ch
	k.lastStart = k.now()
	return ch
}

func (k *keyCache) fetch(ctx context.Context, done chan struct{}) {
	set, err := fetchKeySet(ctx, k.client, k.url)
	if err == nil {
		set.fetchedAt = k.now()
		k.current.Store(set)
	}
	k.mu.Lock()
	k.lastErr = err
	k.inflight = nil
	k.mu.Unlock()
	close(done)
}

// jwk holds the members of a JSON Web Key this verifier reads.
type jwk struct {
	Kty    string   `json:"kty"`
	Crv    string   `json:"crv"`
	Kid    string   `json:"kid"`
	Use    string   `json:"use"`
	Alg    string   `json:"alg"`
	KeyOps []string `json:"key_ops"`
	X      string   `json:"x"`
	Y      string   `json:"y"`
}

type jwkSet struct {
	Keys []jwk `json:"keys"`
}

func fetchKeySet(ctx context.Context, hc *http.Client, url string) (*keySet, error) {
	var doc jwkSet
	if err := getJSON(ctx, hc, url, &doc); err != nil {
		return nil, err
	}
	return doc.keySet(), nil
}

// keySet keeps the ES256 verification keys of a JWKS, by kid.
func (doc jwkSet) keySet() *keySet {
	set := &keySet{keys: make(map[string]*ecdsa.PublicKey, len(doc.Keys))}
	seenKid := map[string]bool{}
	for _, k := range doc.Keys {
		// A kid shared by two keys of any type is ambiguous; trust neither.
		if _, seen := set.keys[k.Kid]; seen || seenKid[k.Kid] {
			delete(set.keys, k.Kid)
			continue
		}
		seenKid[k.Kid] = true
		if pub, ok := k.es256(); ok {
			set.keys[k.Kid] = pub
		}
	}
	return set
}

// es256 returns the key when it is a P-256 signing key with a kid, with the
// point checked to lie on the curve.
func (k jwk) es256() (*ecdsa.PublicKey, bool) {
	if k.Kty != "EC" || k.Crv != "P-256" || k.Kid == "" ||
		(k.Use != "" && k.Use != "sig") || (k.Alg != "" && k.Alg != "ES256") ||
		(k.KeyOps != nil && !slices.Contains(k.KeyOps, "verify")) {
		return nil, false
	}
	x, errX := b64.DecodeString(k.X)
	y, errY := b64.DecodeString(k.Y)
	if errX != nil || errY != nil || len(x) != 32 || len(y) != 32 {
		return nil, false
	}
	point := append(append([]byte{4}, x...), y...)
	pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), point)
	if err != nil {
		return nil, false
	}
	return pub, true
}

// getJSON fetches url and decodes a JSON object from a 200 response.
func getJSON(ctx context.Context, hc *http.Client, url string, v any) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, fetchTimeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDocumentBytes))
		return fmt.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxDocumentBytes+1))
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	if len(body) > maxDocumentBytes {
		return fmt.Errorf("GET %s: response larger than %d bytes", url, maxDocumentBytes)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	return nil
}
