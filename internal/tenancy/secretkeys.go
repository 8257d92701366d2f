package tenancy

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/project"
	"github.com/gatehouse-auth/gatehouse/internal/secretkey"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// touchEvery is how often a key's last use is written at most.
const touchEvery = time.Minute

// CreateSecretKey creates a project secret key and returns its secret, shown
// this once.
func (s *Service) CreateSecretKey(ctx context.Context, actor audit.Actor, projectID id.Project, name string) (*secretkey.Key, string, error) {
	if err := project.ValidateName("name", name); err != nil {
		return nil, "", fault.From(err)
	}
	now := s.now()
	k, secret := secretkey.Generate(projectID, name, now)
	err := s.write(ctx, "create secret key", func(w store.Writer) error {
		if err := w.CreateSecretKey(ctx, k); err != nil {
			return store.NotFoundAs(err, "project")
		}
		return w.InsertAuditEvent(ctx, event(now, projectID, "", actor, "secret_key.created", "secret_key", string(k.ID), nil, secretKeySnapshot(k)))
	})
	if err != nil {
		return nil, "", err
	}
	return k, secret, nil
}

// GetSecretKey returns one of the project's keys (never its secret).
func (s *Service) GetSecretKey(ctx context.Context, projectID id.Project, keyID string) (*secretkey.Key, error) {
	kid, err := fault.ParseID[id.SecretKey](keyID, "secret key")
	if err != nil {
		return nil, err
	}
	k, err := s.st.GetSecretKey(ctx, projectID, kid)
	if err != nil {
		return nil, s.classify("get secret key", store.NotFoundAs(err, "secret key"))
	}
	return k, nil
}

// ListSecretKeys lists the project's keys, revoked ones included.
func (s *Service) ListSecretKeys(ctx context.Context, projectID id.Project, page store.Page) ([]*secretkey.Key, error) {
	ks, err := s.st.ListSecretKeys(ctx, projectID, clampPage(page))
	if err != nil {
		return nil, s.classify("list secret keys", err)
	}
	return ks, nil
}

// RevokeSecretKey stops a key from authenticating. Revoking a revoked key
// changes nothing.
func (s *Service) RevokeSecretKey(ctx context.Context, actor audit.Actor, projectID id.Project, keyID string) (*secretkey.Key, error) {
	kid, err := fault.ParseID[id.SecretKey](keyID, "secret key")
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out *secretkey.Key
	err = s.write(ctx, "revoke secret key", func(w store.Writer) error {
		k, err := w.GetSecretKey(ctx, projectID, kid)
		if err != nil {
			return store.NotFoundAs(err, "secret key")
		}
		out = k
		if !k.Active() {
			return nil
		}
		before := secretKeySnapshot(k)
		if err := w.RevokeSecretKey(ctx, projectID, kid, now); err != nil {
			return store.NotFoundAs(err, "secret key")
		}
		k.RevokedAt = &now
		return w.InsertAuditEvent(ctx, event(now, projectID, "", actor, "secret_key.revoked", "secret_key", string(k.ID), before, secretKeySnapshot(k)))
	})
	return out, err
}

// AuthenticateSecretKey returns the active key for a presented secret, or an
// Unauthenticated fault. Every failure gets the same message, so a caller
// cannot tell a revoked key from an unknown one.
func (s *Service) AuthenticateSecretKey(ctx context.Context, secret string) (*secretkey.Key, error) {
	denied := fault.NewUnauthenticated("a valid secret key is required: send Authorization: Bearer gh_sk_…")
	if !secretkey.LooksLikeKey(secret) {
		return nil, denied
	}
	k, err := s.st.GetSecretKeyByHash(ctx, secretkey.Hash(secret))
	if errors.Is(err, store.ErrNotFound) {
		return nil, denied
	}
	if err != nil {
		return nil, s.classify("authenticate secret key", err)
	}
	if !k.Active() {
		return nil, denied
	}
	s.touch(ctx, k)
	return k, nil
}

// touch records the key's use, at most once per touchEvery per key. A failed
// write is logged and does not fail the request: last use is informative.
func (s *Service) touch(ctx context.Context, k *secretkey.Key) {
	now := s.now()
	s.touchMu.Lock()
	last, ok := s.touched[k.ID]
	if ok && now.Sub(last) < touchEvery {
		s.touchMu.Unlock()
		return
	}
	if !ok && k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) < touchEvery {
		s.touched[k.ID] = *k.LastUsedAt
		s.touchMu.Unlock()
		return
	}
	s.touched[k.ID] = now
	s.touchMu.Unlock()
	err := s.st.Write(ctx, func(w store.Writer) error { return w.TouchSecretKey(ctx, k.ProjectID, k.ID, now) })
	if err != nil {
		s.log.Warn("recording secret key use failed", "key_id", k.ID, "err", err)
		return
	}
	k.LastUsedAt = &now
}
