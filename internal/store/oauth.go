package store

import (
	"context"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/oidc/oauth"
)

// OAuthReader reads OAuth clients and authorization codes.
type OAuthReader interface {
	GetOAuthClient(ctx context.Context, projectID id.Project, clientID id.Client) (*oauth.Client, error)
	ListOAuthClients(ctx context.Context, projectID id.Project, page Page) ([]*oauth.Client, error)
	// GetAuthorizationCode finds a code by the hash of its value, used or not.
	GetAuthorizationCode(ctx context.Context, projectID id.Project, hash oauth.Digest) (*oauth.Code, error)
}

// OAuthWriter changes OAuth clients and authorization codes.
type OAuthWriter interface {
	// CreateOAuthClient: ErrNotFound when the project does not exist,
	// ErrConflict for a duplicate ID.
	CreateOAuthClient(ctx context.Context, c *oauth.Client) error
	// UpdateOAuthClient writes name, secret hash, redirect URIs and
	// updated_at; the type and the project never change.
	UpdateOAuthClient(ctx context.Context, c *oauth.Client) error
	// DeleteOAuthClient deletes the client and its authorization codes.
	DeleteOAuthClient(ctx context.Context, projectID id.Project, clientID id.Client) error

	// CreateAuthorizationCode: ErrNotFound unless the client belongs to the
	// code's project, ErrConflict for a duplicate hash.
	CreateAuthorizationCode(ctx context.Context, c *oauth.Code) error
	// UseAuthorizationCode marks an unused code used at at and returns it.
	// A code already used comes back with its first use time and
	// first=false; an unknown code is ErrNotFound. Of concurrent calls,
	// exactly one sees first=true.
	UseAuthorizationCode(ctx context.Context, projectID id.Project, hash oauth.Digest, at time.Time) (c *oauth.Code, first bool, err error)
	// SetAuthorizationCodeGrant records the session an exchanged code gave
	// tokens to, so a replay of the code can revoke it.
	SetAuthorizationCodeGrant(ctx context.Context, projectID id.Project, hash oauth.Digest, sessionID id.Session) error
	// DeleteAuthorizationCodesExpiredBefore removes the project's codes that
	// expired before t and returns how many.
	DeleteAuthorizationCodesExpiredBefore(ctx context.Context, projectID id.Project, t time.Time) (int64, error)
}
