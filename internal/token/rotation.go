package token

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// plan is what a project's keys need at some instant: the decision is a pure
// function of the stored keys and the time, so every instance reaches the
// same one, and re-deciding under the project lock after another instance
// has acted finds nothing left to do.
type plan struct {
	retire     *store.SigningKey // the current key, past its period
	activate   *store.SigningKey // the next key, taking over
	newCurrent bool              // no key to take over: make one (first use)
	newNext    bool
	remove     []*store.SigningKey // retired keys past their retention
}

func (p plan) empty() bool {
	return p.retire == nil && p.activate == nil && !p.newCurrent && !p.newNext && len(p.remove) == 0
}

func planFor(keys []*store.SigningKey, now time.Time, period, retention time.Duration) plan {
	var p plan
	var cur, next *store.SigningKey
	for _, k := range keys {
		switch k.State {
		case store.SigningKeyCurrent:
			cur = k
		case store.SigningKeyNext:
			next = k
		case store.SigningKeyRetired:
			if k.RetiredAt == nil || !now.Before(k.RetiredAt.Add(retention)) {
				p.remove = append(p.remove, k)
			}
		}
	}
	if cur != nil && !now.Before(rotateAt(cur, period)) {
		p.retire, cur = cur, nil
	}
	if cur == nil {
		if next != nil {
			p.activate, next = next, nil
		} else {
			p.newCurrent = true
		}
	}
	p.newNext = next == nil
	return p
}

// rotateAt is when a current key hands over to its successor.
func rotateAt(k *store.SigningKey, period time.Duration) time.Time {
	start := k.CreatedAt
	if k.ActivatedAt != nil {
		start = *k.ActivatedAt
	}
	return start.Add(period)
}

// published reports whether a key belongs in the JWKS (and may verify) at now.
func published(k *store.SigningKey, now time.Time, retention time.Duration) bool {
	if k.State != store.SigningKeyRetired {
		return true
	}
	return k.RetiredAt != nil && now.Before(k.RetiredAt.Add(retention))
}

// maintain brings the project's keys up to date inside one transaction that
// holds the project lock, so two instances (or two Issuers) that find the
// current key due at the same moment rotate it once: the second re-reads
// under the lock and finds nothing to do. It returns the keys as committed.
func (i *Issuer) maintain(ctx context.Context, projectID id.Project, now time.Time) ([]*store.SigningKey, error) {
	var keys []*store.SigningKey
	err := i.st.Write(ctx, func(w store.Writer) error {
		if err := w.LockProject(ctx, projectID); err != nil {
			return err
		}
		current, err := w.ListSigningKeys(ctx, projectID)
		if err != nil {
			return err
		}
		if err := i.apply(ctx, w, projectID, planFor(current, now, i.period, i.retention), now); err != nil {
			return err
		}
		keys, err = w.ListSigningKeys(ctx, projectID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("token: maintain signing keys of project %s: %w", projectID, err)
	}
	return keys, nil
}

// apply carries out a plan. The order matters: the old current key retires
// before the next one is activated, since a project may never hold two.
func (i *Issuer) apply(ctx context.Context, w store.Writer, projectID id.Project, p plan, now time.Time) error {
	if p.retire != nil {
		if err := w.RetireSigningKey(ctx, projectID, p.retire.ID, now); err != nil {
			return err
		}
		if err := i.audit(ctx, w, projectID, "signing_key.retired", p.retire.ID, now); err != nil {
			return err
		}
	}
	if p.activate != nil {
		if err := w.ActivateSigningKey(ctx, projectID, p.activate.ID, now); err != nil {
			return err
		}
		if err := i.audit(ctx, w, projectID, "signing_key.activated", p.activate.ID, now); err != nil {
			return err
		}
	}
	if p.newCurrent {
		if err := i.create(ctx, w, projectID, store.SigningKeyCurrent, now); err != nil {
			return err
		}
	}
	if p.newNext {
		// A distinct instant from a current key made in the same
		// transaction, so the two IDs sort in creation order.
		if err := i.create(ctx, w, projectID, store.SigningKeyNext, now.Add(time.Microsecond)); err != nil {
			return err
		}
	}
	for _, k := range p.remove {
		if err := w.DeleteSigningKey(ctx, projectID, k.ID); err != nil {
			return err
		}
		if err := i.audit(ctx, w, projectID, "signing_key.deleted", k.ID, now); err != nil {
			return err
		}
	}
	return nil
}

// create generates a P-256 key and stores it, the private half sealed with
// the row's own associated data.
func (i *Issuer) create(ctx context.Context, w store.Writer, projectID id.Project, state store.SigningKeyState, now time.Time) error {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("generate signing key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return fmt.Errorf("encode signing key: %w", err)
	}
	kid := id.New[id.SigningKey](now)
	jwk, err := jwkOf(kid, &priv.PublicKey)
	if err != nil {
		return err
	}
	k := &store.SigningKey{
		ID: kid, ProjectID: projectID, Algorithm: Algorithm, State: state,
		PublicJWK: jwk, PrivateKey: i.sealer.Seal(der, privateKeyAAD(kid)), CreatedAt: now,
	}
	clear(der)
	if state == store.SigningKeyCurrent {
		k.ActivatedAt = &now
	}
	if err := w.CreateSigningKey(ctx, k); err != nil {
		return err
	}
	return i.audit(ctx, w, projectID, "signing_key.created", kid, now)
}

// privateKeyAAD binds a sealed private key to its table, column and row.
func privateKeyAAD(kid id.SigningKey) []byte {
	return []byte("signing_keys.private_key:" + string(kid))
}

func (i *Issuer) audit(ctx context.Context, w store.Writer, projectID id.Project, typ string, kid id.SigningKey, now time.Time) error {
	return w.InsertAuditEvent(ctx, &audit.Event{
		ID:           id.New[id.AuditEvent](now),
		ProjectID:    projectID,
		Actor:        audit.System("token"),
		Type:         typ,
		ResourceType: "signing_key",
		ResourceID:   string(kid),
		Details:      audit.Details(nil, map[string]string{"kid": string(kid), "algorithm": Algorithm}),
		OccurredAt:   now,
	})
}
