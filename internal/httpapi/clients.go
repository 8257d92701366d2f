package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/gatehouse-auth/gatehouse/internal/audit"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// ClientService is what the OAuth client operations need (oidc.Clients).
type ClientService interface {
	Create(ctx context.Context, actor audit.Actor, projectID id.Project, in oidc.ClientInput) (*oidc.Client, string, error)
	Get(ctx context.Context, projectID id.Project, clientID string) (*oidc.Client, error)
	List(ctx context.Context, projectID id.Project, page store.Page) ([]*oidc.Client, error)
	Update(ctx context.Context, actor audit.Actor, projectID id.Project, clientID string, in oidc.ClientUpdate) (*oidc.Client, error)
	Delete(ctx context.Context, actor audit.Actor, projectID id.Project, clientID string) error
	RotateSecret(ctx context.Context, actor audit.Actor, projectID id.Project, clientID string) (*oidc.Client, string, error)
}

// OAuthClient is an application that logs users in through the project's
// OpenID Provider. Its secret is shown only at creation and rotation.
type OAuthClient struct {
	ID                     string    `json:"id" doc:"The client_id (cli_…)." example:"cli_01jd8x3k5m7q9s1v3x5z7b9d1f"`
	Name                   string    `json:"name" example:"Acme web app"`
	Type                   string    `json:"type" enum:"public,confidential" doc:"confidential: a server-side app holding a secret; public: a browser or native app, which must use PKCE (S256)."`
	RedirectURIs           []string  `json:"redirect_uris" doc:"Where authorization responses may be sent; matched exactly (string equality)." example:"[\"https://app.example.com/callback\"]"`
	PostLogoutRedirectURIs []string  `json:"post_logout_redirect_uris" doc:"Where RP-initiated logout may return to; matched exactly." example:"[\"https://app.example.com/\"]"`
	CreatedAt              time.Time `json:"created_at"`
	UpdatedAt              time.Time `json:"updated_at"`
}

// OAuthClientWithSecret is a client together with its secret.
type OAuthClientWithSecret struct {
	OAuthClient
	ClientSecret string `json:"client_secret,omitempty" doc:"The client secret (gh_cs_…) of a confidential client. Shown only in this response: store it now." example:"gh_cs_…"`
}

func clientOut(c *oidc.Client) OAuthClient {
	return OAuthClient{
		ID: string(c.ID), Name: c.Name, Type: string(c.Type),
		RedirectURIs: nonNil(c.RedirectURIs), PostLogoutRedirectURIs: nonNil(c.PostLogoutRedirectURIs),
		CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
	}
}

// OAuthClientCreate registers a client.
type OAuthClientCreate struct {
	Name                   string   `json:"name" minLength:"1" maxLength:"200" example:"Acme web app"`
	Type                   string   `json:"type,omitempty" enum:"public,confidential" default:"confidential"`
	RedirectURIs           []string `json:"redirect_uris" minItems:"1" maxItems:"20" doc:"Absolute https URIs (http only for localhost), no fragment." example:"[\"https://app.example.com/callback\"]"`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris,omitempty" maxItems:"20" example:"[\"https://app.example.com/\"]"`
}

// OAuthClientPatch changes a client; absent fields stay unchanged. The type
// cannot change.
type OAuthClientPatch struct {
	Name                   *string  `json:"name,omitempty" minLength:"1" maxLength:"200"`
	RedirectURIs           []string `json:"redirect_uris,omitempty" minItems:"1" maxItems:"20" doc:"Replaces the whole list."`
	PostLogoutRedirectURIs []string `json:"post_logout_redirect_uris,omitempty" maxItems:"20" doc:"Replaces the whole list; [] removes every URI."`
}

// OAuthClientPath names a client.
type OAuthClientPath struct {
	ClientID string `path:"client_id" doc:"Client ID (cli_…)." example:"cli_01jd8x3k5m7q9s1v3x5z7b9d1f"`
}

func registerClients(api huma.API, h *handler) {
	const tag = "OAuth clients"
	huma.Register(api, operation("createOAuthClient", http.MethodPost, "/oauth-clients", "Register an OAuth client (a confidential client's secret is shown once)", tag, http.StatusCreated),
		func(ctx context.Context, in *struct{ Body OAuthClientCreate }) (*struct{ Body OAuthClientWithSecret }, error) {
			pid, actor := caller(ctx)
			b := in.Body
			c, secret, err := h.clients.Create(ctx, actor, pid, oidc.ClientInput{
				Name: b.Name, Type: b.Type, RedirectURIs: b.RedirectURIs, PostLogoutRedirectURIs: b.PostLogoutRedirectURIs,
			})
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body OAuthClientWithSecret }{OAuthClientWithSecret{OAuthClient: clientOut(c), ClientSecret: secret}}, nil
		})

	huma.Register(api, operation("listOAuthClients", http.MethodGet, "/oauth-clients", "List OAuth clients (never their secrets)", tag, http.StatusOK),
		func(ctx context.Context, in *struct{ ListParams }) (*struct{ Body *List[OAuthClient] }, error) {
			pid, _ := caller(ctx)
			sp, err := page[id.Client](in.ListParams)
			if err != nil {
				return nil, h.fail(err)
			}
			cs, err := h.clients.List(ctx, pid, sp)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body *List[OAuthClient] }{pageOf(cs, sp, func(c *oidc.Client) string { return string(c.ID) }, clientOut)}, nil
		})

	huma.Register(api, operation("getOAuthClient", http.MethodGet, "/oauth-clients/{client_id}", "Get an OAuth client (never its secret)", tag, http.StatusOK, http.StatusNotFound),
		func(ctx context.Context, in *OAuthClientPath) (*struct{ Body OAuthClient }, error) {
			pid, _ := caller(ctx)
			c, err := h.clients.Get(ctx, pid, in.ClientID)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body OAuthClient }{clientOut(c)}, nil
		})

	huma.Register(api, operation("updateOAuthClient", http.MethodPatch, "/oauth-clients/{client_id}", "Update an OAuth client", tag, http.StatusOK, http.StatusNotFound),
		func(ctx context.Context, in *struct {
			OAuthClientPath
			Body OAuthClientPatch
		}) (*struct{ Body OAuthClient }, error) {
			pid, actor := caller(ctx)
			b := in.Body
			c, err := h.clients.Update(ctx, actor, pid, in.ClientID, oidc.ClientUpdate{
				Name: b.Name, RedirectURIs: b.RedirectURIs, PostLogoutRedirectURIs: b.PostLogoutRedirectURIs,
			})
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body OAuthClient }{clientOut(c)}, nil
		})

	huma.Register(api, operation("deleteOAuthClient", http.MethodDelete, "/oauth-clients/{client_id}", "Delete an OAuth client", tag, http.StatusNoContent, http.StatusNotFound),
		func(ctx context.Context, in *OAuthClientPath) (*struct{}, error) {
			pid, actor := caller(ctx)
			if err := h.clients.Delete(ctx, actor, pid, in.ClientID); err != nil {
				return nil, h.fail(err)
			}
			return nil, nil
		})

	huma.Register(api, operation("rotateOAuthClientSecret", http.MethodPost, "/oauth-clients/{client_id}/rotate-secret", "Replace a confidential client's secret (the old one stops working; the new one is shown once)", tag, http.StatusOK, http.StatusNotFound, http.StatusConflict),
		func(ctx context.Context, in *OAuthClientPath) (*struct{ Body OAuthClientWithSecret }, error) {
			pid, actor := caller(ctx)
			c, secret, err := h.clients.RotateSecret(ctx, actor, pid, in.ClientID)
			if err != nil {
				return nil, h.fail(err)
			}
			return &struct{ Body OAuthClientWithSecret }{OAuthClientWithSecret{OAuthClient: clientOut(c), ClientSecret: secret}}, nil
		})
}
