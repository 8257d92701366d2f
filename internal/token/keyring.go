package token

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// unknownKidReload is the least time between two reloads forced by tokens
// naming a kid the Issuer does not know, so a stream of made-up kids costs
// one database read per interval, not one per token.
const unknownKidReload = 5 * time.Second

// failedReloadRetry is how long an Issuer keeps serving keys it already has
// after a reload failed, before it tries again.
const failedReloadRetry = 5 * time.Second

// keyring is an immutable snapshot of one project's keys.
type keyring struct {
	loadedAt time.Time
	// refreshAt is when the snapshot must be reread: the reload interval,
	// the current key's rotation, or a retired key's end of publication,
	// whichever comes first.
	refreshAt time.Time
	// signUntil is when the current key is due to hand over; past it, no
	// caller signs with this snapshot without first waiting for a reload.
	signUntil time.Time
	signer    *signer
	verify    map[id.SigningKey]*ecdsa.PublicKey
	jwks      []byte
}

// signer is the current key, decrypted, with its encoded headers.
type signer struct {
	kid          id.SigningKey
	priv         *ecdsa.PrivateKey
	accessHeader string
	idHeader     string
}

// projectKeys holds one project's snapshot; mu makes concurrent callers that
// find it stale wait for one reload instead of each doing their own.
type projectKeys struct {
	ring atomic.Pointer[keyring]
	mu   sync.Mutex
}

func (i *Issuer) entry(projectID id.Project) *projectKeys {
	i.mu.Lock()
	defer i.mu.Unlock()
	pk := i.projects[projectID]
	if pk == nil {
		pk = &projectKeys{}
		i.projects[projectID] = pk
	}
	return pk
}

// keys returns the project's keys, reloading them when the snapshot is due.
func (i *Issuer) keys(ctx context.Context, projectID id.Project) (*projectKeys, *keyring, error) {
	pk := i.entry(projectID)
	if ring := pk.ring.Load(); ring != nil && i.now().Before(ring.refreshAt) {
		return pk, ring, nil
	}
	ring, err := i.reload(ctx, projectID, pk, func(r *keyring, now time.Time) bool { return now.Before(r.refreshAt) }, false)
	if err != nil {
		i.forget(projectID, pk)
	}
	return pk, ring, err
}

// forget drops an entry that never loaded (e.g. a project ID that does not
// exist), so made-up project IDs do not accumulate in memory.
func (i *Issuer) forget(projectID id.Project, pk *projectKeys) {
	i.mu.Lock()
	defer i.mu.Unlock()
	if i.projects[projectID] == pk && pk.ring.Load() == nil {
		delete(i.projects, projectID)
	}
}

// publicKey finds a kid among the project's published keys, rereading them
// once (rate-limited) when it is missing: another instance may have made a
// key this one has not seen yet.
func (i *Issuer) publicKey(ctx context.Context, projectID id.Project, kid id.SigningKey) (*ecdsa.PublicKey, error) {
	pk, ring, err := i.keys(ctx, projectID)
	if err != nil {
		return nil, err
	}
	if pub := ring.verify[kid]; pub != nil {
		return pub, nil
	}
	ring, err = i.reload(ctx, projectID, pk, func(r *keyring, now time.Time) bool {
		return r.verify[kid] != nil || now.Before(r.loadedAt.Add(unknownKidReload))
	}, true)
	if err != nil {
		return nil, err
	}
	if pub := ring.verify[kid]; pub != nil {
		return pub, nil
	}
	return nil, fmt.Errorf("%w: kid %q is not a published key of project %s", ErrUnknownKey, kid, projectID)
}

// reload rereads the project's keys unless, once the lock is held, good
// says the snapshot another caller just stored will do. Unless wait is set,
// a caller that finds a reload already running carries on with the snapshot
// it has (still valid keys) instead of queueing behind the database.
func (i *Issuer) reload(ctx context.Context, projectID id.Project, pk *projectKeys, good func(*keyring, time.Time) bool, wait bool) (*keyring, error) {
	if old := pk.ring.Load(); old != nil && !wait && i.now().Before(old.signUntil) {
		if !pk.mu.TryLock() {
			return old, nil
		}
	} else {
		pk.mu.Lock()
	}
	defer pk.mu.Unlock()
	old := pk.ring.Load()
	now := i.now()
	if old != nil && good(old, now) {
		return old, nil
	}
	ring, err := i.load(ctx, projectID, old, now)
	if err != nil {
		if old == nil {
			return nil, err
		}
		if ctx.Err() != nil {
			// The caller gave up; the next one retries the reload.
			return old, nil
		}
		// Keep signing and verifying with what is known (those keys stay
		// valid); a database outage must not stop token issuance.
		i.log.WarnContext(ctx, "reloading signing keys failed; using the cached keys", "project", projectID, "err", err)
		stale := *old
		stale.loadedAt = now
		stale.refreshAt = now.Add(failedReloadRetry)
		pk.ring.Store(&stale)
		return &stale, nil
	}
	pk.ring.Store(ring)
	return ring, nil
}

// load reads the keys, rotating them first when due, and builds a snapshot.
// Keys already decoded in old are reused, so a routine reload decrypts nothing.
func (i *Issuer) load(ctx context.Context, projectID id.Project, old *keyring, now time.Time) (*keyring, error) {
	keys, err := i.st.ListSigningKeys(ctx, projectID)
	if err != nil {
		return nil, fmt.Errorf("token: read signing keys of project %s: %w", projectID, err)
	}
	if len(keys) == 0 {
		// Keys are made on first use, in a write transaction; a read first
		// keeps requests naming projects that do not exist from each taking
		// the write lock.
		if _, err := i.st.GetProject(ctx, projectID); err != nil {
			return nil, fmt.Errorf("token: signing keys of project %s: %w", projectID, err)
		}
	}
	if pl := planFor(keys, now, i.period, i.retention); !pl.empty() {
		if keys, err = i.maintain(ctx, projectID, now); err != nil {
			return nil, err
		}
		if pl.retire != nil || pl.newCurrent {
			i.log.InfoContext(ctx, "signing keys rotated", "project", projectID)
		}
	}
	ring := &keyring{loadedAt: now, refreshAt: now.Add(i.reloadEvery), verify: map[id.SigningKey]*ecdsa.PublicKey{}}
	var jwks bytes.Buffer
	jwks.WriteString(`{"keys":[`)
	// Current first, then next, then retired keys newest first: a client
	// that looks only at the first key gets the one that signs.
	written := 0
	for _, k := range orderForJWKS(keys) {
		if !published(k, now, i.retention) {
			continue
		}
		pub, err := i.publicOf(k, old)
		if err != nil {
			return nil, err
		}
		ring.verify[k.ID] = pub
		if written > 0 {
			jwks.WriteByte(',')
		}
		jwks.Write(k.PublicJWK)
		written++
		switch k.State {
		case store.SigningKeyCurrent:
			if ring.signer, err = i.signerOf(k, old); err != nil {
				return nil, err
			}
			ring.signUntil = rotateAt(k, i.period)
			ring.refreshAt = earlier(ring.refreshAt, ring.signUntil)
		case store.SigningKeyRetired:
			ring.refreshAt = earlier(ring.refreshAt, k.RetiredAt.Add(i.retention))
		}
	}
	jwks.WriteString(`]}`)
	if ring.signer == nil {
		return nil, fmt.Errorf("token: project %s has no current signing key", projectID)
	}
	ring.jwks = jwks.Bytes()
	return ring, nil
}

func (i *Issuer) publicOf(k *store.SigningKey, old *keyring) (*ecdsa.PublicKey, error) {
	if old != nil && old.verify[k.ID] != nil {
		return old.verify[k.ID], nil
	}
	return parseJWK(k.ID, k.PublicJWK)
}

// signerOf decrypts the current key, unless old already holds it.
func (i *Issuer) signerOf(k *store.SigningKey, old *keyring) (*signer, error) {
	if old != nil && old.signer != nil && old.signer.kid == k.ID {
		return old.signer, nil
	}
	if k.Algorithm != Algorithm {
		return nil, fmt.Errorf("token: key %s uses %s, this version signs only with %s", k.ID, k.Algorithm, Algorithm)
	}
	der, err := i.sealer.Open(k.PrivateKey, privateKeyAAD(k.ID))
	if err != nil {
		return nil, fmt.Errorf("token: open private key %s (is the master key the one it was sealed with?): %w", k.ID, err)
	}
	defer clear(der)
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("token: parse private key %s: %w", k.ID, err)
	}
	priv, ok := parsed.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("token: private key %s is a %T, want ECDSA", k.ID, parsed)
	}
	// The private key must be the one the published JWK describes, or every
	// token it signs would fail verification everywhere.
	pub, err := parseJWK(k.ID, k.PublicJWK)
	if err != nil {
		return nil, err
	}
	if !priv.PublicKey.Equal(pub) {
		return nil, fmt.Errorf("token: private key %s does not match its public JWK", k.ID)
	}
	return &signer{
		kid: k.ID, priv: priv,
		accessHeader: encodedHeader(k.ID, TypeAccessToken),
		idHeader:     encodedHeader(k.ID, TypeIDToken),
	}, nil
}

func orderForJWKS(keys []*store.SigningKey) []*store.SigningKey {
	rank := map[store.SigningKeyState]int{store.SigningKeyCurrent: 0, store.SigningKeyNext: 1, store.SigningKeyRetired: 2}
	out := make([]*store.SigningKey, 0, len(keys))
	for r := 0; r <= 2; r++ {
		// keys are in ID (creation) order; retired keys go newest first.
		for j := range keys {
			k := keys[j]
			if r == 2 {
				k = keys[len(keys)-1-j]
			}
			if rank[k.State] == r {
				out = append(out, k)
			}
		}
	}
	return out
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
