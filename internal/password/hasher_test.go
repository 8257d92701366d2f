package password

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/crypto/argon2"
)

// cheap keeps tests fast where the cost itself is not under test.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func mustHash(t *testing.T, h *Hasher, pw string) string {
	t.Helper()
	enc, err := h.Hash(t.Context(), pw)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	return enc
}

func verify(t *testing.T, h *Hasher, pw, enc string) (ok, rehash bool) {
	t.Helper()
	ok, rehash, err := h.Verify(t.Context(), pw, enc)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return ok, rehash
}

func TestHashRoundTripAtOWASPCost(t *testing.T) {
	t.Parallel()
	h := NewHasher()
	const pw = "correct horse battery staple"
	enc := mustHash(t, h, pw)
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("encoding %q does not carry the OWASP parameters", enc)
	}
	e, err := parse(enc)
	if err != nil {
		t.Fatalf("parse own output: %v", err)
	}
	if len(e.salt) != 16 || len(e.key) != 32 {
		t.Fatalf("salt %d bytes, key %d bytes; want 16 and 32", len(e.salt), len(e.key))
	}
	if ok, rehash := verify(t, h, pw, enc); !ok || rehash {
		t.Fatalf("right password: ok=%v rehash=%v, want true false", ok, rehash)
	}
	if ok, _ := verify(t, h, "correct horse battery stapler", enc); ok {
		t.Fatalf("a wrong password verified")
	}
	if again := mustHash(t, h, pw); again == enc {
		t.Fatalf("two hashes of one password are equal: the salt is not fresh")
	}
}

// The encoding is the standard one: a hash made by calling argon2 directly
// and written out by hand verifies, so hashes move to and from other systems.
func TestVerifyIndependentlyEncodedHash(t *testing.T) {
	t.Parallel()
	salt := []byte("sixteen byte salt")[:16]
	key := argon2.IDKey([]byte("independent"), salt, 3, 1024, 2, 24)
	enc := fmt.Sprintf("$argon2id$v=19$m=1024,t=3,p=2$%s$%s",
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
	h := NewHasher(WithParams(cheap))
	ok, rehash := verify(t, h, "independent", enc)
	if !ok || !rehash {
		t.Fatalf("foreign hash: ok=%v rehash=%v, want true true", ok, rehash)
	}
	if ok, _ := verify(t, h, "Independent", enc); ok {
		t.Fatalf("a password differing in case verified")
	}
}

func TestRehashWhenParametersChange(t *testing.T) {
	t.Parallel()
	old := NewHasher(WithParams(cheap))
	enc := mustHash(t, old, "a fine old passphrase")
	if ok, rehash := verify(t, old, "a fine old passphrase", enc); !ok || rehash {
		t.Fatalf("same parameters: ok=%v rehash=%v, want true false", ok, rehash)
	}
	for name, p := range map[string]Params{
		"memory":  {Memory: 128, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		"time":    {Memory: 64, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32},
		"threads": {Memory: 64, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32},
		"salt":    {Memory: 64, Time: 1, Threads: 1, SaltLen: 32, KeyLen: 32},
		"key":     {Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 64},
	} {
		h := NewHasher(WithParams(p))
		ok, rehash := verify(t, h, "a fine old passphrase", enc)
		if !ok || !rehash {
			t.Errorf("%s changed: ok=%v rehash=%v, want true true", name, ok, rehash)
		}
		// A wrong password is just wrong: no rehash from a failed login.
		if ok, rehash := verify(t, h, "a fine old passphrasf", enc); ok || rehash {
			t.Errorf("%s changed, wrong password: ok=%v rehash=%v", name, ok, rehash)
		}
		fresh := mustHash(t, h, "a fine old passphrase")
		if ok, rehash := verify(t, h, "a fine old passphrase", fresh); !ok || rehash {
			t.Errorf("%s: the rehashed value still asks for a rehash", name)
		}
	}
}

func TestMalformedHashesRefused(t *testing.T) {
	t.Parallel()
	h := NewHasher(WithParams(cheap))
	good := mustHash(t, h, "baseline passphrase")
	if ok, _ := verify(t, h, "baseline passphrase", good); !ok {
		t.Fatalf("baseline hash does not verify")
	}
	parts := strings.Split(good, "$")
	salt, key := parts[4], parts[5]
	with := func(id, v, params, s, k string) string { return strings.Join([]string{"", id, v, params, s, k}, "$") }
	bad := map[string]string{
		"empty":             "",
		"garbage":           "not a hash",
		"bcrypt":            "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":           with("argon2i", "v=19", "m=64,t=1,p=1", salt, key),
		"argon2d":           with("argon2d", "v=19", "m=64,t=1,p=1", salt, key),
		"version 16":        with("argon2id", "v=16", "m=64,t=1,p=1", salt, key),
		"no version":        "$argon2id$m=64,t=1,p=1$" + salt + "$" + key,
		"params reordered":  with("argon2id", "v=19", "t=1,m=64,p=1", salt, key),
		"param missing":     with("argon2id", "v=19", "m=64,t=1", salt, key),
		"extra param":       with("argon2id", "v=19", "m=64,t=1,p=1,x=1", salt, key),
		"zero memory":       with("argon2id", "v=19", "m=0,t=1,p=1", salt, key),
		"huge memory":       with("argon2id", "v=19", "m=4294967295,t=1,p=1", salt, key),
		"memory overflow":   with("argon2id", "v=19", "m=99999999999,t=1,p=1", salt, key),
		"zero time":         with("argon2id", "v=19", "m=64,t=0,p=1", salt, key),
		"huge time":         with("argon2id", "v=19", "m=64,t=100000,p=1", salt, key),
		"zero threads":      with("argon2id", "v=19", "m=64,t=1,p=0", salt, key),
		"threads overflow":  with("argon2id", "v=19", "m=64,t=1,p=256", salt, key),
		"memory per lane":   with("argon2id", "v=19", "m=8,t=1,p=2", salt, key),
		"leading zero":      with("argon2id", "v=19", "m=064,t=1,p=1", salt, key),
		"signed":            with("argon2id", "v=19", "m=+64,t=1,p=1", salt, key),
		"empty value":       with("argon2id", "v=19", "m=,t=1,p=1", salt, key),
		"padded salt":       with("argon2id", "v=19", "m=64,t=1,p=1", salt+"==", key),
		"url alphabet":      with("argon2id", "v=19", "m=64,t=1,p=1", salt, strings.NewReplacer("+", "-", "/", "_").Replace(key)+"-_"),
		"bad base64":        with("argon2id", "v=19", "m=64,t=1,p=1", "!!!!", key),
		"short salt":        with("argon2id", "v=19", "m=64,t=1,p=1", "YWJj", key),
		"short key":         with("argon2id", "v=19", "m=64,t=1,p=1", salt, "YWJjZA"),
		"empty key":         with("argon2id", "v=19", "m=64,t=1,p=1", salt, ""),
		"extra segment":     good + "$",
		"no leading dollar": strings.TrimPrefix(good, "$"),
		"trailing space":    good + " ",
		"truncated":         good[:len(good)-10],
	}
	for name, enc := range bad {
		ok, rehash, err := h.Verify(t.Context(), "baseline passphrase", enc)
		if !errors.Is(err, ErrMalformed) || ok || rehash {
			t.Errorf("%s (%q): ok=%v rehash=%v err=%v, want ErrMalformed", name, enc, ok, rehash, err)
		}
	}
}

// FuzzParse: no input panics, and what parses is written back unchanged
// (one spelling per hash).
func FuzzParse(f *testing.F) {
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g")
	f.Add("$argon2id$v=19$m=1,t=1,p=1$$")
	f.Add("$$$$$")
	f.Fuzz(func(t *testing.T, s string) {
		e, err := parse(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("parse error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if got := e.format(); got != s {
			t.Fatalf("parse then format: %q, want %q", got, s)
		}
	})
}

func TestNormalisationMakesEquivalentSpellingsEqual(t *testing.T) {
	t.Parallel()
	h := NewHasher(WithParams(cheap))
	for _, c := range []struct{ set, login string }{
		{"\ufb01nancial planning", "financial planning"},           // "ﬁ" ligature
		{"caf\u00e9 au lait!", "cafe\u0301 au lait!"},              // composed, decomposed é
		{"cafe\u0301 au lait!", "caf\u00e9 au lait!"},              // and the other way
		{"ｆｕｌｌｗｉｄｔｈ words", "fullwidth words"},                     // compatibility forms
		{"Ångström units here", "A\u030angstro\u0308m units here"}, // precomposed vs combining
	} {
		enc := mustHash(t, h, c.set)
		if ok, _ := verify(t, h, c.login, enc); !ok {
			t.Errorf("%q set, %q typed: not equal after normalisation", c.set, c.login)
		}
	}
	// Baseline: normalisation does not merge different letters.
	enc := mustHash(t, h, "caf\u00e9 au lait!")
	if ok, _ := verify(t, h, "cafe au lait!", enc); ok {
		t.Errorf("é and e verified as the same password")
	}
}

func TestLongPasswordsAreNotTruncated(t *testing.T) {
	t.Parallel()
	h := NewHasher(WithParams(cheap))
	long := strings.Repeat("0123456789", 19) + "abcdefghij"
	if len(long) != 200 {
		t.Fatalf("setup: %d characters", len(long))
	}
	other := long[:199] + "k"
	encLong, encOther := mustHash(t, h, long), mustHash(t, h, other)
	if ok, _ := verify(t, h, long, encLong); !ok {
		t.Fatalf("200-character password does not verify against itself")
	}
	if ok, _ := verify(t, h, other, encLong); ok {
		t.Fatalf("changing the 200th character still verifies: the password was truncated")
	}
	if ok, _ := verify(t, h, long, encOther); ok {
		t.Fatalf("changing the 200th character still verifies (other way)")
	}
	// A 72-byte prefix is where bcrypt stops reading; argon2id must not.
	if ok, _ := verify(t, h, long[:72], encLong); ok {
		t.Fatalf("a 72-byte prefix verifies")
	}
}

func TestOversizedInput(t *testing.T) {
	t.Parallel()
	h := NewHasher(WithParams(cheap))
	huge := strings.Repeat("x", maxInputBytes+1)
	if _, err := h.Hash(t.Context(), huge); err == nil {
		t.Fatalf("Hash of %d bytes succeeded", len(huge))
	}
	enc := mustHash(t, h, "a normal passphrase")
	if ok, _ := verify(t, h, huge, enc); ok {
		t.Fatalf("oversized input verified")
	}
}

func TestInvalidParametersFailEveryCall(t *testing.T) {
	t.Parallel()
	h := NewHasher(WithParams(Params{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32}))
	if _, err := h.Hash(t.Context(), "whatever passphrase"); err == nil {
		t.Fatalf("Hash with t=0 succeeded")
	}
	if _, _, err := h.Verify(t.Context(), "x", "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"); err == nil {
		t.Fatalf("Verify with an invalid hasher succeeded")
	}
	if err := h.Dummy(t.Context(), "x"); err == nil {
		t.Fatalf("Dummy with an invalid hasher succeeded")
	}
}

func TestRandomFailure(t *testing.T) {
	t.Parallel()
	h := NewHasher(WithParams(cheap), WithRand(strings.NewReader("")))
	if _, err := h.Hash(t.Context(), "some passphrase"); err == nil {
		t.Fatalf("Hash without randomness succeeded")
	}
}

// Dummy runs the KDF once, at the current parameters, through the same
// path as Verify; it never reports a match.
func TestDummyDoesTheWork(t *testing.T) {
	t.Parallel()
	h := NewHasher(WithParams(cheap))
	var calls atomic.Int32
	var seen sync.Map
	h.compute = func(pw, salt []byte, p Params) []byte {
		calls.Add(1)
		seen.Store(p, true)
		return derive(pw, salt, p)
	}
	if err := h.Dummy(t.Context(), "anything at all"); err != nil {
		t.Fatalf("Dummy: %v", err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("Dummy ran the KDF %d times, want 1", n)
	}
	if _, ok := seen.Load(cheap); !ok {
		t.Fatalf("Dummy did not run the KDF at the hasher's parameters")
	}
	enc := mustHash(t, h, "anything at all")
	calls.Store(0)
	verify(t, h, "anything at all", enc)
	if n := calls.Load(); n != 1 {
		t.Fatalf("Verify ran the KDF %d times, want 1 (like Dummy)", n)
	}
	// Two hashers' dummy hashes differ: nothing fixed to precompute.
	if NewHasher().dummy == NewHasher().dummy {
		t.Fatalf("dummy hash is the same across hashers")
	}
}

func TestBusyWhenSlotsAreFull(t *testing.T) {
	t.Parallel()
	h := NewHasher(WithParams(cheap), WithConcurrency(1), WithQueueTimeout(20*time.Millisecond))
	enc := mustHash(t, h, "baseline passphrase")

	h.slots <- struct{}{} // another request holds the only slot
	start := time.Now()
	if _, err := h.Hash(t.Context(), "baseline passphrase"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Hash with the slot taken: %v, want ErrBusy", err)
	}
	if waited := time.Since(start); waited < 20*time.Millisecond {
		t.Fatalf("gave up after %v, before the queue timeout", waited)
	}
	if _, _, err := h.Verify(t.Context(), "baseline passphrase", enc); !errors.Is(err, ErrBusy) {
		t.Fatalf("Verify with the slot taken: %v, want ErrBusy", err)
	}
	if err := h.Dummy(t.Context(), "baseline passphrase"); !errors.Is(err, ErrBusy) {
		t.Fatalf("Dummy with the slot taken: %v, want ErrBusy", err)
	}
	// A malformed hash is reported as such without waiting for a slot.
	if _, _, err := h.Verify(t.Context(), "x", "junk"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("malformed hash with the slot taken: %v", err)
	}
	<-h.slots
	if ok, _ := verify(t, h, "baseline passphrase", enc); !ok {
		t.Fatalf("Verify after the slot was freed failed")
	}

	// A slot freed within the queue timeout is taken by the waiting call.
	patient := NewHasher(WithParams(cheap), WithConcurrency(1), WithQueueTimeout(5*time.Second))
	patient.slots <- struct{}{}
	time.AfterFunc(30*time.Millisecond, func() { <-patient.slots })
	if _, err := patient.Hash(t.Context(), "baseline passphrase"); err != nil {
		t.Fatalf("Hash waiting for a slot that frees: %v", err)
	}

	// A cancelled request stops waiting with its context's error.
	patient.slots <- struct{}{}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := patient.Hash(ctx, "baseline passphrase"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Hash with a cancelled context: %v", err)
	}
	<-patient.slots
}

// However many requests arrive, at most the configured number of KDF runs
// are in flight; the rest wait briefly or get ErrBusy.
func TestConcurrencyIsBounded(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		slots int
		wait  time.Duration
	}{{2, 10 * time.Second}, {2, 0}, {3, time.Millisecond}} {
		h := NewHasher(WithParams(cheap), WithConcurrency(c.slots), WithQueueTimeout(c.wait))
		var inFlight, peak atomic.Int32
		h.compute = func(pw, salt []byte, p Params) []byte {
			n := inFlight.Add(1)
			for {
				m := peak.Load()
				if n <= m || peak.CompareAndSwap(m, n) {
					break
				}
			}
			time.Sleep(2 * time.Millisecond)
			inFlight.Add(-1)
			return derive(pw, salt, p)
		}
		var done, busy atomic.Int32
		var wg sync.WaitGroup
		for range 24 {
			wg.Go(func() {
				_, err := h.Hash(t.Context(), rand.Text())
				switch {
				case err == nil:
					done.Add(1)
				case errors.Is(err, ErrBusy):
					busy.Add(1)
				default:
					t.Errorf("Hash: %v", err)
				}
			})
		}
		wg.Wait()
		if p := peak.Load(); p > int32(c.slots) || p < 1 {
			t.Errorf("%d slots: %d KDF runs were in flight at once", c.slots, p)
		}
		if c.wait >= time.Second && busy.Load() != 0 {
			t.Errorf("%d slots, long queue: %d requests got ErrBusy", c.slots, busy.Load())
		}
		if done.Load()+busy.Load() != 24 || done.Load() == 0 {
			t.Errorf("%d slots: %d done, %d busy of 24", c.slots, done.Load(), busy.Load())
		}
	}
}
