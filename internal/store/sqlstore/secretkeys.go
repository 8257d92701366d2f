package sqlstore

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/secretkey"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore/sqlcdb"
)

func secretKeyFromRow(r sqlcdb.SecretKey) *secretkey.Key {
	return &secretkey.Key{
		ID:         id.SecretKey(r.ID),
		ProjectID:  id.Project(r.ProjectID),
		Name:       r.Name,
		Hash:       r.TokenHash,
		Hint:       r.Hint,
		CreatedAt:  r.CreatedAt.UTC(),
		LastUsedAt: fromNullTime(r.LastUsedAt),
		RevokedAt:  fromNullTime(r.RevokedAt),
	}
}

func (r *reader) GetSecretKey(ctx context.Context, projectID id.Project, keyID id.SecretKey) (*secretkey.Key, error) {
	row, err := r.q().GetSecretKey(ctx, sqlcdb.GetSecretKeyParams{ProjectID: string(projectID), ID: string(keyID)})
	if err != nil {
		return nil, wrap(err, "get secret key %s", keyID)
	}
	return secretKeyFromRow(row), nil
}

func (r *reader) GetSecretKeyByHash(ctx context.Context, hash []byte) (*secretkey.Key, error) {
	row, err := r.q().GetSecretKeyByHash(ctx, hash)
	if err != nil {
		return nil, wrap(err, "get secret key by hash")
	}
	return secretKeyFromRow(row), nil
}

func (r *reader) ListSecretKeys(ctx context.Context, projectID id.Project, page store.Page) ([]*secretkey.Key, error) {
	rows, err := r.q().ListSecretKeys(ctx, sqlcdb.ListSecretKeysParams{
		ProjectID: string(projectID), After: page.After, MaxRows: pageLimit(page),
	})
	if err != nil {
		return nil, wrap(err, "list secret keys")
	}
	out := make([]*secretkey.Key, 0, len(rows))
	for _, row := range rows {
		out = append(out, secretKeyFromRow(row))
	}
	return out, nil
}

// CreateSecretKey inserts k and normalises its times. ErrNotFound when the
// project does not exist, ErrConflict for a duplicate ID or hash.
func (w *writer) CreateSecretKey(ctx context.Context, k *secretkey.Key) error {
	k.CreatedAt = dbTime(k.CreatedAt)
	k.LastUsedAt, k.RevokedAt = normTimePtr(k.LastUsedAt), normTimePtr(k.RevokedAt)
	n, err := w.q().InsertSecretKey(ctx, sqlcdb.InsertSecretKeyParams{
		ID:         string(k.ID),
		ProjectID:  string(k.ProjectID),
		Name:       k.Name,
		TokenHash:  k.Hash,
		Hint:       k.Hint,
		CreatedAt:  k.CreatedAt,
		LastUsedAt: dbNullTime(k.LastUsedAt),
		RevokedAt:  dbNullTime(k.RevokedAt),
	})
	if err != nil {
		return wrap(err, "create secret key %s in project %s", k.ID, k.ProjectID)
	}
	if n == 0 {
		return conflict("create secret key %s: id or hash already exists", k.ID)
	}
	return nil
}

// RevokeSecretKey is idempotent: a second revocation keeps the first time.
func (w *writer) RevokeSecretKey(ctx context.Context, projectID id.Project, keyID id.SecretKey, at time.Time) error {
	n, err := w.q().RevokeSecretKey(ctx, sqlcdb.RevokeSecretKeyParams{
		ProjectID: string(projectID), ID: string(keyID), RevokedAt: dbNullTime(&at),
	})
	if err != nil {
		return wrap(err, "revoke secret key %s", keyID)
	}
	if n == 0 {
		return notFound("revoke secret key %s", keyID)
	}
	return nil
}

func (w *writer) TouchSecretKey(ctx context.Context, projectID id.Project, keyID id.SecretKey, at time.Time) error {
	n, err := w.q().TouchSecretKey(ctx, sqlcdb.TouchSecretKeyParams{
		ProjectID: string(projectID), ID: string(keyID), LastUsedAt: dbNullTime(&at),
	})
	if err != nil {
		return wrap(err, "touch secret key %s", keyID)
	}
	if n == 0 {
		return notFound("touch secret key %s", keyID)
	}
	return nil
}
