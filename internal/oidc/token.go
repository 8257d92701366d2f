package oidc

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/fault"
	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/oidc/oauth"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/token"
)

// tokenResponse is RFC 6749 §5.1 plus the OpenID Connect id_token.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	IDToken      string `json:"id_token,omitempty"`
	Scope        string `json:"scope,omitempty"`
}

// The PKCE verifier alphabet and length (RFC 7636 §4.1).
var pkceVerifier = regexp.MustCompile(`^[A-Za-z0-9\-._~]{43,128}$`)

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pid, form, client, ok := p.clientRequest(w, r)
	if !ok {
		return
	}
	var resp *tokenResponse
	var err error
	switch gt := form.Get("grant_type"); gt {
	case "authorization_code":
		resp, err = p.exchangeCode(ctx, pid, client, form)
	case "refresh_token":
		resp, err = p.refresh(ctx, pid, client, form)
	case "":
		err = errInvalidRequest("grant_type is required")
	default:
		err = &oauthError{Code: "unsupported_grant_type", Description: "grant_type must be authorization_code or refresh_token", status: http.StatusBadRequest}
	}
	if err != nil {
		p.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

// exchangeCode redeems an authorization code (RFC 6749 §4.1.3, RFC 7636).
// Checks that fail on a code presented by the wrong party leave the code
// usable by its rightful client; a second redemption revokes the session the
// first one gave tokens to (RFC 6749 §4.1.2).
func (p *Provider) exchangeCode(ctx context.Context, pid id.Project, client *Client, form url.Values) (*tokenResponse, error) {
	value := form.Get("code")
	if value == "" {
		return nil, errInvalidRequest("code is required")
	}
	if !oauth.LooksLikeCode(value) {
		return nil, errInvalidGrant("the authorization code is invalid, expired or already used")
	}
	hash := oauth.Hash(value)
	code, err := p.st.GetAuthorizationCode(ctx, pid, hash)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errInvalidGrant("the authorization code is invalid, expired or already used")
	}
	if err != nil {
		return nil, err
	}
	// The client comes first: only the client a code was issued to may
	// trigger the replay revocation, or any client of the project holding a
	// leaked used code could end the victim's session. The answer is the
	// same as for an unknown code, so it confirms nothing about the code.
	if code.ClientID != client.ID {
		return nil, errInvalidGrant("the authorization code is invalid, expired or already used")
	}
	if code.UsedAt != nil {
		p.revokeReplayed(ctx, pid, code)
		return nil, errInvalidGrant("the authorization code is invalid, expired or already used")
	}
	now := p.now()
	if !now.Before(code.ExpiresAt) {
		return nil, errInvalidGrant("the authorization code is invalid, expired or already used")
	}
	if form.Get("redirect_uri") != code.RedirectURI {
		return nil, errInvalidGrant("redirect_uri does not match the authorization request")
	}
	if err := checkPKCE(client, code, form.Get("code_verifier")); err != nil {
		return nil, err
	}

	var first bool
	err = p.st.Write(ctx, func(w store.Writer) error {
		var err error
		code, first, err = w.UseAuthorizationCode(ctx, pid, hash, now)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		// Deleted since it was read (its client was deleted).
		return nil, errInvalidGrant("the authorization code is invalid, expired or already used")
	}
	if err != nil {
		return nil, fmt.Errorf("redeem authorization code: %w", err)
	}
	if !first {
		// Another exchange of the same code won the race.
		p.revokeReplayed(ctx, pid, code)
		return nil, errInvalidGrant("the authorization code is invalid, expired or already used")
	}
	g, err := p.sessions.GrantForCode(ctx, pid, code.SessionID, client.ID)
	if err != nil {
		return nil, grantError(err)
	}
	err = p.st.Write(ctx, func(w store.Writer) error {
		return w.SetAuthorizationCodeGrant(ctx, pid, hash, g.Session.ID)
	})
	if err != nil {
		return nil, fmt.Errorf("record code grant: %w", err)
	}
	resp, err := p.issue(ctx, pid, client, g, code.Nonce, true)
	if err != nil {
		return nil, err
	}
	resp.Scope = joinScope(code.Scope)
	return resp, nil
}

// checkPKCE enforces RFC 7636 with S256 only. Public clients always have a
// challenge (ParseAuthorize requires it); a verifier sent for a code issued
// without a challenge is refused, so a downgrade cannot pass unnoticed.
func checkPKCE(client *Client, code *oauth.Code, verifier string) error {
	if code.CodeChallenge == "" {
		if client.Type == oauth.Public {
			return errInvalidGrant("a public client's code must have a PKCE challenge")
		}
		if verifier != "" {
			return errInvalidGrant("code_verifier sent for a code issued without code_challenge")
		}
		return nil
	}
	if code.CodeChallengeMethod != "S256" {
		return errInvalidGrant("unsupported code_challenge_method")
	}
	if verifier == "" {
		return errInvalidGrant("code_verifier is required")
	}
	if !pkceVerifier.MatchString(verifier) {
		return errInvalidGrant("code_verifier is malformed")
	}
	sum := sha256.Sum256([]byte(verifier))
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(want), []byte(code.CodeChallenge)) != 1 {
		return errInvalidGrant("code_verifier does not match code_challenge")
	}
	return nil
}

// ReasonCodeReused is the revoke reason of a session whose authorization
// code was presented again.
const ReasonCodeReused = "authorization_code_reused"

// revokeReplayed ends the session a replayed code minted (or, before its
// exchange finished, the session the code was issued for).
func (p *Provider) revokeReplayed(ctx context.Context, pid id.Project, code *oauth.Code) {
	sid := code.GrantedSessionID
	if sid == "" {
		sid = code.SessionID
	}
	if err := p.sessions.Revoke(ctx, pid, sid, ReasonCodeReused); err != nil && !fault.Is(err, fault.NotFound) {
		p.log.ErrorContext(ctx, "revoke the session of a replayed code", "project", pid, "session", sid, "err", err)
	}
	p.log.WarnContext(ctx, "authorization code presented again; session revoked", "project", pid, "client", code.ClientID, "session", sid)
}

// refresh rotates a refresh token (RFC 6749 §6) and returns fresh tokens.
func (p *Provider) refresh(ctx context.Context, pid id.Project, client *Client, form url.Values) (*tokenResponse, error) {
	rt := form.Get("refresh_token")
	if rt == "" {
		return nil, errInvalidRequest("refresh_token is required")
	}
	g, err := p.sessions.Refresh(ctx, pid, client.ID, rt)
	if err != nil {
		return nil, grantError(err)
	}
	// OpenID Connect Core §12.2 lets a refresh response leave out the ID
	// token; leaving it out keeps a refresh at one signature. The access token
	// carries the current claims, and the ID token of the login stays valid
	// as an id_token_hint for logout.
	return p.issue(ctx, pid, client, g, "", false)
}

// actorOf is the act claim (RFC 8693 §4.1) of an impersonated session's
// tokens: the staff member acting as the user; nil for everyone else.
func actorOf(s *session.Session) *token.Actor {
	if s.Impersonator == nil {
		return nil
	}
	return &token.Actor{Subject: s.Impersonator.StaffUserID, Email: s.Impersonator.Email}
}

// grantError maps the session service's refusals to invalid_grant.
func grantError(err error) error {
	switch {
	case errors.Is(err, session.ErrReused):
		return errInvalidGrant("the refresh token was already used; the session has been revoked")
	case errors.Is(err, session.ErrRefused):
		return errInvalidGrant("the session is no longer allowed: " + err.Error())
	case errors.Is(err, session.ErrInvalid):
		return errInvalidGrant("the grant is invalid, expired or revoked")
	}
	return err
}

// issue signs the access token of a grant, and its ID token when asked.
func (p *Provider) issue(ctx context.Context, pid id.Project, client *Client, g *session.Grant, nonce string, withIDToken bool) (*tokenResponse, error) {
	iss := p.Issuer(pid)
	s, u, o := g.Session, g.User, g.Org
	at, exp, err := p.tokens.AccessToken(ctx, pid, token.AccessClaims{
		Issuer: iss, Subject: u.ID, Audience: []string{string(client.ID)}, ClientID: client.ID,
		SessionID: s.ID, AuthTime: s.Facts.AuthTime(), AMR: s.Facts.AMR(),
		OrgID: o.ID, OrgName: o.Name, Email: u.Email, EmailVerified: u.EmailVerified, Name: u.DisplayName,
		Roles: g.Roles, Permissions: g.Permissions, Act: actorOf(s),
	})
	if err != nil {
		return nil, fmt.Errorf("sign access token: %w", err)
	}
	resp := &tokenResponse{
		AccessToken: at, TokenType: "Bearer", ExpiresIn: int64(exp.Sub(p.clock()).Round(time.Second) / time.Second),
		RefreshToken: g.RefreshToken,
	}
	if !withIDToken {
		return resp, nil
	}
	idt, err := p.tokens.IDToken(ctx, pid, token.IDClaims{
		Issuer: iss, Subject: u.ID, Audience: client.ID, Nonce: nonce, AuthTime: s.Facts.AuthTime(),
		SessionID: s.ID, AMR: s.Facts.AMR(), Email: u.Email, EmailVerified: u.EmailVerified, Name: u.DisplayName,
		OrgID: o.ID, OrgName: o.Name, AccessTokenHash: token.AccessTokenHash(at), Act: actorOf(s),
	})
	if err != nil {
		return nil, fmt.Errorf("sign ID token: %w", err)
	}
	resp.IDToken = idt
	return resp, nil
}
