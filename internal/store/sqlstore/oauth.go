package sqlstore

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/oidc/oauth"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/store/sqlstore/sqlcdb"
)

func oauthClientFromRow(r sqlcdb.OauthClient) (*oauth.Client, error) {
	redirects, err := decodeList[string]("redirect_uris", r.RedirectUris)
	if err != nil {
		return nil, err
	}
	logouts, err := decodeList[string]("post_logout_redirect_uris", r.PostLogoutRedirectUris)
	if err != nil {
		return nil, err
	}
	var hash oauth.Digest
	if len(r.SecretHash) > 0 {
		hash = r.SecretHash
	}
	return &oauth.Client{
		ID:                     id.Client(r.ID),
		ProjectID:              id.Project(r.ProjectID),
		Name:                   r.Name,
		Type:                   oauth.ClientType(r.Type),
		SecretHash:             hash,
		RedirectURIs:           redirects,
		PostLogoutRedirectURIs: logouts,
		CreatedAt:              r.CreatedAt.UTC(),
		UpdatedAt:              r.UpdatedAt.UTC(),
	}, nil
}

func (r *reader) GetOAuthClient(ctx context.Context, projectID id.Project, clientID id.Client) (*oauth.Client, error) {
	row, err := r.q().GetOAuthClient(ctx, sqlcdb.GetOAuthClientParams{ProjectID: string(projectID), ID: string(clientID)})
	if err != nil {
		return nil, wrap(err, "get oauth client %s", clientID)
	}
	return oauthClientFromRow(row)
}

func (r *reader) ListOAuthClients(ctx context.Context, projectID id.Project, page store.Page) ([]*oauth.Client, error) {
	rows, err := r.q().ListOAuthClients(ctx, sqlcdb.ListOAuthClientsParams{
		ProjectID: string(projectID), After: page.After, MaxRows: pageLimit(page),
	})
	if err != nil {
		return nil, wrap(err, "list oauth clients")
	}
	out := make([]*oauth.Client, 0, len(rows))
	for _, row := range rows {
		c, err := oauthClientFromRow(row)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// normClient makes a client exactly what reading it back returns.
func normClient(c *oauth.Client) {
	c.CreatedAt, c.UpdatedAt = dbTime(c.CreatedAt), dbTime(c.UpdatedAt)
	if c.RedirectURIs == nil {
		c.RedirectURIs = []string{}
	}
	if c.PostLogoutRedirectURIs == nil {
		c.PostLogoutRedirectURIs = []string{}
	}
	if len(c.SecretHash) == 0 {
		c.SecretHash = nil
	}
}

func (w *writer) CreateOAuthClient(ctx context.Context, c *oauth.Client) error {
	normClient(c)
	n, err := w.q().InsertOAuthClient(ctx, sqlcdb.InsertOAuthClientParams{
		ID:                     string(c.ID),
		ProjectID:              string(c.ProjectID),
		Name:                   c.Name,
		Type:                   string(c.Type),
		SecretHash:             []byte(c.SecretHash),
		RedirectUris:           encodeList(c.RedirectURIs),
		PostLogoutRedirectUris: encodeList(c.PostLogoutRedirectURIs),
		CreatedAt:              c.CreatedAt,
		UpdatedAt:              c.UpdatedAt,
	})
	if err != nil {
		return wrap(err, "create oauth client %s in project %s", c.ID, c.ProjectID)
	}
	if n == 0 {
		return conflict("create oauth client %s: id already exists", c.ID)
	}
	return nil
}

func (w *writer) UpdateOAuthClient(ctx context.Context, c *oauth.Client) error {
	normClient(c)
	n, err := w.q().UpdateOAuthClient(ctx, sqlcdb.UpdateOAuthClientParams{
		ProjectID:              string(c.ProjectID),
		ID:                     string(c.ID),
		Name:                   c.Name,
		SecretHash:             []byte(c.SecretHash),
		RedirectUris:           encodeList(c.RedirectURIs),
		PostLogoutRedirectUris: encodeList(c.PostLogoutRedirectURIs),
		UpdatedAt:              c.UpdatedAt,
	})
	if err != nil {
		return wrap(err, "update oauth client %s", c.ID)
	}
	if n == 0 {
		return notFound("update oauth client %s", c.ID)
	}
	return nil
}

func (w *writer) DeleteOAuthClient(ctx context.Context, projectID id.Project, clientID id.Client) error {
	n, err := w.q().DeleteOAuthClient(ctx, sqlcdb.DeleteOAuthClientParams{ProjectID: string(projectID), ID: string(clientID)})
	if err != nil {
		return wrap(err, "delete oauth client %s", clientID)
	}
	if n == 0 {
		return notFound("delete oauth client %s", clientID)
	}
	return nil
}

// Scopes are stored space-separated, as OAuth writes them.
func codeFromRow(r sqlcdb.AuthorizationCode) *oauth.Code {
	scope := []string{}
	if r.Scope != "" {
		scope = strings.Split(r.Scope, " ")
	}
	return &oauth.Code{
		Hash:                r.CodeHash,
		ProjectID:           id.Project(r.ProjectID),
		ClientID:            id.Client(r.ClientID),
		SessionID:           id.Session(r.SessionID),
		RedirectURI:         r.RedirectUri,
		CodeChallenge:       r.CodeChallenge,
		CodeChallengeMethod: r.CodeChallengeMethod,
		Nonce:               r.Nonce,
		Scope:               scope,
		CreatedAt:           r.CreatedAt.UTC(),
		ExpiresAt:           r.ExpiresAt.UTC(),
		UsedAt:              fromNullTime(r.UsedAt),
		GrantedSessionID:    id.Session(r.GrantedSessionID),
	}
}

func (r *reader) GetAuthorizationCode(ctx context.Context, projectID id.Project, hash oauth.Digest) (*oauth.Code, error) {
	row, err := r.q().GetAuthorizationCode(ctx, sqlcdb.GetAuthorizationCodeParams{ProjectID: string(projectID), CodeHash: hash})
	if err != nil {
		return nil, wrap(err, "get authorization code")
	}
	return codeFromRow(row), nil
}

func (w *writer) CreateAuthorizationCode(ctx context.Context, c *oauth.Code) error {
	c.CreatedAt, c.ExpiresAt, c.UsedAt = dbTime(c.CreatedAt), dbTime(c.ExpiresAt), normTimePtr(c.UsedAt)
	if c.Scope == nil {
		c.Scope = []string{}
	}
	for _, s := range c.Scope {
		if s == "" || strings.ContainsAny(s, " \t\r\n") {
			return errors.New("create authorization code: a scope value is empty or contains whitespace")
		}
	}
	n, err := w.q().InsertAuthorizationCode(ctx, sqlcdb.InsertAuthorizationCodeParams{
		CodeHash:            []byte(c.Hash),
		ProjectID:           string(c.ProjectID),
		ClientID:            string(c.ClientID),
		SessionID:           string(c.SessionID),
		RedirectUri:         c.RedirectURI,
		CodeChallenge:       c.CodeChallenge,
		CodeChallengeMethod: c.CodeChallengeMethod,
		Nonce:               c.Nonce,
		Scope:               strings.Join(c.Scope, " "),
		CreatedAt:           c.CreatedAt,
		ExpiresAt:           c.ExpiresAt,
		UsedAt:              dbNullTime(c.UsedAt),
	})
	if err != nil {
		return wrap(err, "create authorization code for client %s", c.ClientID)
	}
	if n == 0 {
		return conflict("create authorization code: hash already exists")
	}
	return nil
}

func (w *writer) UseAuthorizationCode(ctx context.Context, projectID id.Project, hash oauth.Digest, at time.Time) (*oauth.Code, bool, error) {
	row, err := w.q().UseAuthorizationCode(ctx, sqlcdb.UseAuthorizationCodeParams{
		ProjectID: string(projectID), CodeHash: hash, UsedAt: dbNullTime(&at),
	})
	if err == nil {
		return codeFromRow(row), true, nil
	}
	if !errors.Is(mapErr(err), store.ErrNotFound) {
		return nil, false, wrap(err, "use authorization code")
	}
	prev, err := w.q().GetAuthorizationCode(ctx, sqlcdb.GetAuthorizationCodeParams{ProjectID: string(projectID), CodeHash: hash})
	if err != nil {
		return nil, false, wrap(err, "use authorization code")
	}
	return codeFromRow(prev), false, nil
}

func (w *writer) SetAuthorizationCodeGrant(ctx context.Context, projectID id.Project, hash oauth.Digest, sessionID id.Session) error {
	n, err := w.q().SetAuthorizationCodeGrant(ctx, sqlcdb.SetAuthorizationCodeGrantParams{
		ProjectID: string(projectID), CodeHash: []byte(hash), GrantedSessionID: string(sessionID),
	})
	if err != nil {
		return wrap(err, "record the grant of an authorization code")
	}
	if n == 0 {
		return notFound("record the grant of an authorization code")
	}
	return nil
}

func (w *writer) DeleteAuthorizationCodesExpiredBefore(ctx context.Context, projectID id.Project, t time.Time) (int64, error) {
	n, err := w.q().DeleteAuthorizationCodesExpiredBefore(ctx, sqlcdb.DeleteAuthorizationCodesExpiredBeforeParams{
		ProjectID: string(projectID), ExpiresAt: dbTime(t),
	})
	if err != nil {
		return 0, wrap(err, "delete expired authorization codes")
	}
	return n, nil
}
