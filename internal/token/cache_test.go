package token_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

// countingStore counts the signing-key reads and the transactions the
// Issuer makes on a real store.
type countingStore struct {
	store.Store
	reads, writes atomic.Int64
}

func (c *countingStore) ListSigningKeys(ctx context.Context, p id.Project) ([]*store.SigningKey, error) {
	c.reads.Add(1)
	return c.Store.ListSigningKeys(ctx, p)
}

func (c *countingStore) GetSigningKey(ctx context.Context, p id.Project, k id.SigningKey) (*store.SigningKey, error) {
	c.reads.Add(1)
	return c.Store.GetSigningKey(ctx, p, k)
}

func (c *countingStore) Write(ctx context.Context, fn func(store.Writer) error) error {
	c.writes.Add(1)
	return c.Store.Write(ctx, fn)
}

// Signing and verifying use the keys cached in memory: no database read per
// token, one read per reload interval, and a stream of made-up kids cannot
// turn into a stream of reads.
func TestKeysAreCached(t *testing.T) {
	t.Parallel()
	cs := &countingStore{Store: sqliteStore(t)}
	e := newEnv(t, cs)
	p := e.project("Acme")
	e.accessToken(e.iss, p) // first use: read, create, read back
	reads, writes := cs.reads.Load(), cs.writes.Load()
	if writes != 2 { // the project, then its keys
		t.Fatalf("first use made %d transactions, want 2", writes)
	}

	for range 100 {
		jwt := e.accessToken(e.iss, p)
		_, err := e.iss.VerifyAccessToken(e.ctx, p, issuerURL(p), jwt)
		noErr(t, err, "VerifyAccessToken")
		_, err = e.iss.VerifyIDToken(e.ctx, p, issuerURL(p), e.idToken(e.iss, p), false)
		noErr(t, err, "VerifyIDToken")
		e.jwks(e.iss, p)
	}
	if got := cs.reads.Load() - reads; got != 0 {
		t.Fatalf("100 rounds of sign, verify and JWKS read the keys %d times, want 0", got)
	}

	e.clk.Advance(token.KeyReloadInterval)
	for range 10 {
		e.accessToken(e.iss, p)
	}
	if got := cs.reads.Load() - reads; got != 1 {
		t.Fatalf("after the reload interval: %d reads, want 1", got)
	}

	// Tokens naming keys the project does not have: one reload, then none
	// until unknownKidReload has passed.
	q := e.project("Other")
	foreign := e.accessToken(e.iss, q)
	reads = cs.reads.Load()
	for range 50 {
		_, err := e.iss.VerifyAccessToken(e.ctx, p, issuerURL(p), foreign)
		wantErr(t, err, token.ErrUnknownKey, "token of another project")
	}
	if got := cs.reads.Load() - reads; got > 1 {
		t.Fatalf("50 tokens with an unknown kid caused %d reads, want at most 1", got)
	}
	if cs.writes.Load() != writes+2 { // only project Other and its keys
		t.Fatalf("unexpected transactions: %d", cs.writes.Load()-writes)
	}
}

// A database outage after the keys are cached does not stop issuance.
func TestCachedKeysSurviveDatabaseOutage(t *testing.T) {
	t.Parallel()
	db := sqliteStore(t)
	e := newEnv(t, db)
	p := e.project("Acme")
	jwt := e.accessToken(e.iss, p)
	noErr(t, db.Close(), "close the database")
	e.clk.Advance(token.KeyReloadInterval + time.Second)
	again := e.accessToken(e.iss, p)
	for _, tok := range []string{jwt, again} {
		_, err := e.iss.VerifyAccessToken(e.ctx, p, issuerURL(p), tok)
		noErr(t, err, "VerifyAccessToken during the outage")
	}
	// A project never loaded cannot be served.
	if _, err := e.iss.JWKS(e.ctx, id.New[id.Project](e.clk.Now())); err == nil {
		t.Fatal("JWKS of an uncached project during the outage succeeded")
	}
}

// Signers keep going while the keys reload underneath them: no errors, one
// key, and reloads bounded by the interval rather than by the callers.
func TestConcurrentSigningAcrossReloads(t *testing.T) {
	t.Parallel()
	cs := &countingStore{Store: sqliteStore(t)}
	e := newEnv(t, cs)
	p := e.project("Acme")
	want := kidOf(t, e.accessToken(e.iss, p))
	reads := cs.reads.Load()
	const rounds = 5
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				jwt, _, err := e.iss.AccessToken(e.ctx, p, accessClaims(p))
				if err != nil {
					t.Errorf("AccessToken: %v", err)
					return
				}
				if got := kidOf(t, jwt); got != want {
					t.Errorf("signed by %s, want %s", got, want)
					return
				}
			}
		})
	}
	for range rounds {
		time.Sleep(20 * time.Millisecond)
		e.clk.Advance(token.KeyReloadInterval)
	}
	time.Sleep(20 * time.Millisecond)
	close(done)
	wg.Wait()
	if got := cs.reads.Load() - reads; got < 1 || got > rounds {
		t.Fatalf("%d reloads for %d reload intervals", got, rounds)
	}
}
