package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/secretkey"
)

// SecretKey describes a project secret key; the secret itself is shown only
// when the key is created.
type SecretKey struct {
	ID         string     `json:"id" example:"sk_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	Name       string     `json:"name" example:"Billing service"`
	Hint       string     `json:"hint" doc:"The secret's last four characters, to tell keys apart."`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at" nullable:"true" doc:"Recorded at most once a minute."`
	RevokedAt  *time.Time `json:"revoked_at" nullable:"true"`
}

// NewSecretKey is a created key with its secret.
type NewSecretKey struct {
	SecretKey
	Secret string `json:"secret" doc:"The secret (gh_sk_…). Shown only in this response: store it now." example:"gh_sk_…"`
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func secretKeyOut(k *secretkey.Key) SecretKey {
	return SecretKey{ID: string(k.ID), Name: k.Name, Hint: k.Hint, CreatedAt: k.CreatedAt.UTC(), LastUsedAt: utcPtr(k.LastUsedAt), RevokedAt: utcPtr(k.RevokedAt)}
}

// SecretKeyCreate names a new key.
type SecretKeyCreate struct {
	Name string `json:"name" minLength:"1" maxLength:"200" example:"Billing service"`
}

type SecretKeyPath struct {
	ID string `path:"id" doc:"Secret key ID (sk_…)." example:"sk_01jd8x3k5m7q9s1v3x5z7b9d1f"`
}

func registerSecretKeys(api huma.API, h *handler) {
	const tag = "Secret keys"
	huma.Register(api, operation("createSecretKey", http.MethodPost, "/secret-keys", "Create a secret key (the secret is shown once)", tag, http.StatusCreated),
		func(ctx context.Context, in *struct{ Body SecretKeyCreate }) (*struct{ Body NewSecretKey }, error) {
			pid, actor := caller(ctx)
			k, secret, err := h.svc.CreateSecretKey(ctx, actor, pid, in.Body.Name)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body NewSecretKey }{NewSecretKey{SecretKey: secretKeyOut(k), Secret: secret}}, nil
		})

	huma.Register(api, operation("listSecretKeys", http.MethodGet, "/secret-keys", "List secret keys (never their secrets)", tag, http.StatusOK),
		func(ctx context.Context, in *struct{ ListParams }) (*struct{ Body *List[SecretKey] }, error) {
			pid, _ := caller(ctx)
			sp, err := page[id.SecretKey](in.ListParams)
			if err != nil {
				return nil, h.fail(err)
			}
			ks, err := h.svc.ListSecretKeys(ctx, pid, sp)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body *List[SecretKey] }{pageOf(ks, sp, func(k *secretkey.Key) string { return string(k.ID) }, secretKeyOut)}, nil
		})

	huma.Register(api, operation("getSecretKey", http.MethodGet, "/secret-keys/{id}", "Get a secret key (never its secret)", tag, http.StatusOK, http.StatusNotFound),
		func(ctx context.Context, in *SecretKeyPath) (*struct{ Body SecretKey }, error) {
			pid, _ := caller(ctx)
			k, err := h.svc.GetSecretKey(ctx, pid, in.ID)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body SecretKey }{secretKeyOut(k)}, nil
		})

	huma.Register(api, operation("revokeSecretKey", http.MethodDelete, "/secret-keys/{id}", "Revoke a secret key", tag, http.StatusNoContent, http.StatusNotFound),
		func(ctx context.Context, in *SecretKeyPath) (*struct{}, error) {
			pid, actor := caller(ctx)
			if _, err := h.svc.RevokeSecretKey(ctx, actor, pid, in.ID); err != nil {
				return nil, h.fail(err)
			}
			return nil, nil
		})
}
