package oidc

import (
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// EndSession is a validated RP-initiated logout request.
type EndSession struct {
	// SessionID is the session the id_token_hint names ("" without a hint).
	SessionID id.Session
	// RedirectURI is the registered post-logout URI to return to ("" to
	// show a signed-out page).
	RedirectURI string
	State       string
}

// ParseEndSession validates an RP-initiated logout request (OpenID Connect
// RP-Initiated Logout 1.0). The id_token_hint may have expired (logout
// often comes after its hour), but it must be a genuine ID token of this
// project. post_logout_redirect_uri must be registered, exactly, for the
// client the hint was issued to (or, without a hint, the client_id given).
func (p *Provider) ParseEndSession(ctx context.Context, projectID id.Project, q url.Values) (*EndSession, error) {
	bad := func(desc string) error { return &AuthorizeError{Code: "invalid_request", Description: desc} }
	for k, v := range q {
		if len(v) > 1 {
			return nil, bad(k + " is repeated")
		}
	}
	out := &EndSession{}
	var clientID id.Client
	if hint := q.Get("id_token_hint"); hint != "" {
		claims, err := p.tokens.VerifyIDToken(ctx, projectID, p.Issuer(projectID), hint, true)
		if err != nil {
			return nil, bad("id_token_hint is not an ID token issued by this project")
		}
		out.SessionID = claims.SessionID
		clientID = claims.Audience
	}
	if raw := q.Get("client_id"); raw != "" {
		cid, err := id.Parse[id.Client](raw)
		if err != nil || (clientID != "" && cid != clientID) {
			return nil, bad("client_id does not match the id_token_hint")
		}
		clientID = cid
	}
	redirect := q.Get("post_logout_redirect_uri")
	if redirect == "" {
		return out, nil
	}
	if len(q.Get("state")) > MaxStateLen {
		return nil, bad(fmt.Sprintf("state is longer than %d characters", MaxStateLen))
	}
	if clientID == "" {
		return nil, bad("post_logout_redirect_uri needs id_token_hint or client_id")
	}
	client, err := p.st.GetOAuthClient(ctx, projectID, clientID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, bad("the client is not a client of this project")
	}
	if err != nil {
		return nil, fmt.Errorf("read client: %w", err)
	}
	if !client.HasPostLogoutRedirectURI(redirect) {
		return nil, bad("post_logout_redirect_uri is not registered for this client")
	}
	out.RedirectURI, out.State = redirect, q.Get("state")
	return out, nil
}
