package sqlstore

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore/sqlcdb"
)

func signingKeyFromRow(r sqlcdb.SigningKey) *store.SigningKey {
	k := &store.SigningKey{
		ID:          id.SigningKey(r.ID),
		ProjectID:   id.Project(r.ProjectID),
		Algorithm:   r.Algorithm,
		State:       store.SigningKeyState(r.State),
		PublicJWK:   json.RawMessage(r.PublicJwk),
		CreatedAt:   r.CreatedAt.UTC(),
		ActivatedAt: fromNullTime(r.ActivatedAt),
		RetiredAt:   fromNullTime(r.RetiredAt),
	}
	// Engines disagree on whether an empty BLOB reads back as nil or as an
	// empty slice; a retired key has none either way.
	if len(r.PrivateKey) > 0 {
		k.PrivateKey = r.PrivateKey
	}
	return k
}

func (r *reader) ListSigningKeys(ctx context.Context, projectID id.Project) ([]*store.SigningKey, error) {
	rows, err := r.q().ListSigningKeys(ctx, string(projectID))
	if err != nil {
		return nil, wrap(err, "list signing keys of project %s", projectID)
	}
	out := make([]*store.SigningKey, 0, len(rows))
	for _, row := range rows {
		out = append(out, signingKeyFromRow(row))
	}
	return out, nil
}

func (r *reader) GetSigningKey(ctx context.Context, projectID id.Project, keyID id.SigningKey) (*store.SigningKey, error) {
	row, err := r.q().GetSigningKey(ctx, sqlcdb.GetSigningKeyParams{ProjectID: string(projectID), ID: string(keyID)})
	if err != nil {
		return nil, wrap(err, "get signing key %s", keyID)
	}
	return signingKeyFromRow(row), nil
}

// CreateSigningKey inserts k and normalises its times. The unique indexes on
// (project, state) for current and next keys turn a second current or next
// key into ErrConflict.
func (w *writer) CreateSigningKey(ctx context.Context, k *store.SigningKey) error {
	k.CreatedAt = dbTime(k.CreatedAt)
	k.ActivatedAt, k.RetiredAt = normTimePtr(k.ActivatedAt), normTimePtr(k.RetiredAt)
	if len(k.PrivateKey) == 0 {
		k.PrivateKey = nil
	}
	_, err := w.q().InsertSigningKey(ctx, sqlcdb.InsertSigningKeyParams{
		ID:          string(k.ID),
		ProjectID:   string(k.ProjectID),
		Algorithm:   k.Algorithm,
		State:       string(k.State),
		PublicJwk:   string(k.PublicJWK),
		PrivateKey:  nonNilBytes(k.PrivateKey),
		CreatedAt:   k.CreatedAt,
		ActivatedAt: dbNullTime(k.ActivatedAt),
		RetiredAt:   dbNullTime(k.RetiredAt),
	})
	if err != nil {
		return wrap(err, "create signing key %s in project %s", k.ID, k.ProjectID)
	}
	return nil
}

func (w *writer) ActivateSigningKey(ctx context.Context, projectID id.Project, keyID id.SigningKey, at time.Time) error {
	n, err := w.q().ActivateSigningKey(ctx, sqlcdb.ActivateSigningKeyParams{
		ProjectID: string(projectID), ID: string(keyID), ActivatedAt: dbNullTime(&at),
	})
	if err != nil {
		return wrap(err, "activate signing key %s", keyID)
	}
	if n == 0 {
		return notFound("activate signing key %s: no such next key", keyID)
	}
	return nil
}

func (w *writer) RetireSigningKey(ctx context.Context, projectID id.Project, keyID id.SigningKey, at time.Time) error {
	n, err := w.q().RetireSigningKey(ctx, sqlcdb.RetireSigningKeyParams{
		ProjectID: string(projectID), ID: string(keyID), RetiredAt: dbNullTime(&at), PrivateKey: []byte{},
	})
	if err != nil {
		return wrap(err, "retire signing key %s", keyID)
	}
	if n == 0 {
		return notFound("retire signing key %s: no such unretired key", keyID)
	}
	return nil
}

func (w *writer) DeleteSigningKey(ctx context.Context, projectID id.Project, keyID id.SigningKey) error {
	n, err := w.q().DeleteSigningKey(ctx, sqlcdb.DeleteSigningKeyParams{ProjectID: string(projectID), ID: string(keyID)})
	if err != nil {
		return wrap(err, "delete signing key %s", keyID)
	}
	if n == 0 {
		return notFound("delete signing key %s", keyID)
	}
	return nil
}

// nonNilBytes keeps NOT NULL binary columns from receiving NULL for an empty value.
func nonNilBytes(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
