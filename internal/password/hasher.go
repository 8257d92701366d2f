// Package password hashes and verifies passwords with argon2id, bounds how
// many hashes run at once, and judges whether a new password is good enough.
//
// Passwords are NFKC-normalised before hashing and before checking, so the
// same characters typed on different keyboards (a composed or decomposed
// "é", a ligature) are the same password; nothing is ever truncated.
package password

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// ErrBusy: every hashing slot stayed taken for the whole queue timeout. The
// HTTP layer answers 429 Too Many Requests with a Retry-After header.
var ErrBusy = errors.New("password: too many password checks at once, try again shortly")

// Params are argon2id's cost parameters and output sizes.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over the memory
	Threads uint8  // lanes
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// OWASP returns the parameters OWASP's Password Storage Cheat Sheet lists
// first for argon2id: 19 MiB, two passes, one lane; a 16-byte salt and a
// 32-byte key.
func OWASP() Params {
	return Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

func (p Params) validate() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("t=%d is outside 1..%d", p.Time, maxTime)
	case p.Threads < 1:
		return errors.New("p must be at least 1")
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemoryKiB:
		// argon2 needs at least 8 KiB per lane.
		return fmt.Errorf("m=%d is outside %d..%d KiB", p.Memory, 8*uint32(p.Threads), maxMemoryKiB)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt of %d bytes is outside %d..%d", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("hash of %d bytes is outside %d..%d", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// DefaultQueueTimeout is how long a call waits for a free hashing slot
// before giving up with ErrBusy: long enough to ride out a burst (a slot
// frees every ~20 ms per core at OWASP cost), short enough that a flood is
// refused quickly instead of queueing memory-hungry work.
const DefaultQueueTimeout = 200 * time.Millisecond

// maxInputBytes bounds what Verify and Dummy normalise and hash. Check
// accepts at most 256 runes (at most 1 KiB of UTF-8), so no stored password
// is longer; a bigger input is wrong without any work.
const maxInputBytes = 4096

// Hasher hashes and verifies passwords. It is safe for concurrent use.
type Hasher struct {
	params  Params
	err     error // invalid parameters: every call fails with it
	slots   chan struct{}
	wait    time.Duration
	rand    io.Reader
	dummy   string
	compute func(pw, salt []byte, p Params) []byte
}

// Option configures a Hasher.
type Option func(*Hasher)

// WithParams sets the cost of new hashes. Hashes made with other
// parameters still verify, and Verify reports that they need a rehash.
// Invalid parameters make every call fail.
func WithParams(p Params) Option { return func(h *Hasher) { h.params = p } }

// WithConcurrency bounds how many hashes run at once (default GOMAXPROCS).
// Each running hash holds Params.Memory of RAM, so this also bounds memory.
func WithConcurrency(n int) Option {
	return func(h *Hasher) {
		if n > 0 {
			h.slots = make(chan struct{}, n)
		}
	}
}

// WithQueueTimeout sets how long a call waits for a free slot before it
// returns ErrBusy (default DefaultQueueTimeout; 0 means do not wait).
func WithQueueTimeout(d time.Duration) Option {
	return func(h *Hasher) {
		if d >= 0 {
			h.wait = d
		}
	}
}

// WithRand sets the source of salts (default crypto/rand).
func WithRand(r io.Reader) Option { return func(h *Hasher) { h.rand = r } }

// NewHasher returns a Hasher with OWASP parameters unless told otherwise.
func NewHasher(opts ...Option) *Hasher {
	h := &Hasher{params: OWASP(), wait: DefaultQueueTimeout, rand: rand.Reader, compute: derive}
	for _, o := range opts {
		o(h)
	}
	if h.slots == nil {
		h.slots = make(chan struct{}, runtime.GOMAXPROCS(0))
	}
	if err := h.params.validate(); err != nil {
		h.err = fmt.Errorf("password: invalid hasher parameters: %w", err)
		return h
	}
	// Dummy verifies against this: a well-formed hash at the current
	// parameters whose key matches nothing. It needs no hashing to build,
	// only random bytes, so NewHasher stays cheap.
	salt, key := make([]byte, h.params.SaltLen), make([]byte, h.params.KeyLen)
	if _, err := io.ReadFull(h.rand, salt); err != nil {
		h.err = fmt.Errorf("password: read random salt: %w", err)
		return h
	}
	if _, err := io.ReadFull(h.rand, key); err != nil {
		h.err = fmt.Errorf("password: read random bytes: %w", err)
		return h
	}
	h.dummy = encoded{params: h.params, salt: salt, key: key}.format()
	return h
}

// Params returns the parameters new hashes are made with.
func (h *Hasher) Params() Params { return h.params }

func derive(pw, salt []byte, p Params) []byte {
	return argon2.IDKey(pw, salt, p.Time, p.Memory, p.Threads, p.KeyLen)
}

// Normalize is the form a password is hashed and judged in: NFKC.
func Normalize(pw string) string { return norm.NFKC.String(pw) }

// Hash returns the PHC string of pw with a fresh salt. It does not judge the
// password: call Check first when the person is choosing one.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	if h.err != nil {
		return "", h.err
	}
	if len(pw) > maxInputBytes {
		return "", fmt.Errorf("password: refusing to hash %d bytes (at most %d)", len(pw), maxInputBytes)
	}
	salt := make([]byte, h.params.SaltLen)
	if _, err := io.ReadFull(h.rand, salt); err != nil {
		return "", fmt.Errorf("password: read random salt: %w", err)
	}
	release, err := h.acquire(ctx)
	if err != nil {
		return "", err
	}
	defer release()
	key := h.compute([]byte(Normalize(pw)), salt, h.params)
	return encoded{params: h.params, salt: salt, key: key}.format(), nil
}

// Verify reports whether pw matches the encoded hash, and whether the hash
// should be replaced (made again from pw) because its parameters are not the
// current ones. A malformed hash is an error wrapping ErrMalformed.
func (h *Hasher) Verify(ctx context.Context, pw, encodedHash string) (ok, needsRehash bool, err error) {
	if h.err != nil {
		return false, false, h.err
	}
	e, err := parse(encodedHash)
	if err != nil {
		return false, false, err
	}
	if len(pw) > maxInputBytes {
		return false, false, nil
	}
	release, err := h.acquire(ctx)
	if err != nil {
		return false, false, err
	}
	defer release()
	key := h.compute([]byte(Normalize(pw)), e.salt, e.params)
	if subtle.ConstantTimeCompare(key, e.key) != 1 {
		return false, false, nil
	}
	return true, e.params != h.params, nil
}

// Dummy does the work of one Verify at the current parameters against a
// hash nothing matches, so that a login for an unknown account takes as long
// (and is refused by ErrBusy as often) as one for a known account. Callers
// must treat its error exactly like Verify's.
func (h *Hasher) Dummy(ctx context.Context, pw string) error {
	_, _, err := h.Verify(ctx, pw, h.dummy)
	return err
}

// acquire takes a hashing slot, waiting up to the queue timeout.
func (h *Hasher) acquire(ctx context.Context) (release func(), err error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	release = func() { <-h.slots }
	select {
	case h.slots <- struct{}{}:
		return release, nil
	default:
	}
	if h.wait == 0 {
		return nil, ErrBusy
	}
	t := time.NewTimer(h.wait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
		return release, nil
	case <-t.C:
		return nil, ErrBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
