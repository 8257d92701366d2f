package oidc

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/login"
	"github.com/gatehouse-auth/gatehouse/internal/oidc/oauth"
	"github.com/gatehouse-auth/gatehouse/internal/session"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// Limits on values an authorization request carries through the login
// (they are stored with the attempt and echoed back to the app).
const (
	MaxStateLen     = 1024
	MaxNonceLen     = 512
	MaxLoginHintLen = 254
)

// AuthorizeError is an invalid authorization or end-session request. When
// RedirectURI is "" the request could not be tied to a registered redirect
// URI, so the error must be shown to the person and never sent anywhere.
type AuthorizeError struct {
	// Code is an OAuth 2.0 error code (RFC 6749 §4.1.2.1).
	Code        string
	Description string
	RedirectURI string
	State       string
}

func (e *AuthorizeError) Error() string { return e.Code + ": " + e.Description }

// A PKCE S256 challenge is a base64url SHA-256: 43 characters.
var pkceChallenge = regexp.MustCompile(`^[A-Za-z0-9\-_]{43}$`)

// ParseAuthorize validates an authorization request of the project
// (OpenID Connect Core §3.1.2.1, RFC 7636). The client and redirect URI are
// checked first: until both are known to match exactly, errors carry no
// redirect URI. Later errors go back to the app with its state.
func (p *Provider) ParseAuthorize(ctx context.Context, projectID id.Project, q url.Values) (*login.AuthRequest, error) {
	local := func(desc string) error { return &AuthorizeError{Code: "invalid_request", Description: desc} }
	for _, k := range []string{"client_id", "redirect_uri"} {
		if len(q[k]) > 1 {
			return nil, local(k + " is repeated")
		}
	}
	cid, err := id.Parse[id.Client](q.Get("client_id"))
	if err != nil {
		return nil, local("client_id is missing or not a client of this project")
	}
	client, err := p.st.GetOAuthClient(ctx, projectID, cid)
	if errors.Is(err, store.ErrNotFound) {
		return nil, local("client_id is missing or not a client of this project")
	}
	if err != nil {
		return nil, fmt.Errorf("read client: %w", err)
	}
	redirect := q.Get("redirect_uri")
	if redirect == "" {
		return nil, local("redirect_uri is required")
	}
	if !client.HasRedirectURI(redirect) {
		return nil, local("redirect_uri is not registered for this client")
	}

	state := q.Get("state")
	back := func(code, desc string) error {
		return &AuthorizeError{Code: code, Description: desc, RedirectURI: redirect, State: state}
	}
	if len(state) > MaxStateLen {
		// Not echoed: an oversized state is not the app's to get back.
		state = ""
		return nil, back("invalid_request", fmt.Sprintf("state is longer than %d characters", MaxStateLen))
	}
	for k, v := range q {
		if len(v) > 1 {
			return nil, back("invalid_request", k+" is repeated")
		}
	}
	if q.Has("request") {
		return nil, back("request_not_supported", "request objects are not supported")
	}
	if q.Has("request_uri") {
		return nil, back("request_uri_not_supported", "request_uri is not supported")
	}
	if rt := q.Get("response_type"); rt != "code" {
		return nil, back("unsupported_response_type", "response_type must be code")
	}
	if rm := q.Get("response_mode"); rm != "" && rm != "query" {
		return nil, back("invalid_request", "response_mode must be query")
	}

	scopes := strings.Fields(q.Get("scope"))
	if !hasScope(scopes, "openid") {
		return nil, back("invalid_scope", "scope must include openid")
	}
	granted := []string{}
	for _, s := range supportedScopes {
		if hasScope(scopes, s) {
			granted = append(granted, s)
		}
	}

	nonce := q.Get("nonce")
	if len(nonce) > MaxNonceLen {
		return nil, back("invalid_request", fmt.Sprintf("nonce is longer than %d characters", MaxNonceLen))
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	switch {
	case challenge == "" && method != "":
		return nil, back("invalid_request", "code_challenge_method without code_challenge")
	case challenge == "" && client.Type == oauth.Public:
		return nil, back("invalid_request", "public clients must use PKCE: send code_challenge with code_challenge_method=S256")
	case challenge != "" && method != "S256":
		// An absent method means plain (RFC 7636 §4.3), which is refused.
		return nil, back("invalid_request", "code_challenge_method must be S256")
	case challenge != "" && !pkceChallenge.MatchString(challenge):
		return nil, back("invalid_request", "code_challenge is not a base64url SHA-256")
	}

	prompt, err := parsePrompt(q.Get("prompt"))
	if err != nil {
		return nil, back("invalid_request", err.Error())
	}
	var maxAge *int64
	if q.Has("max_age") {
		n, err := parseMaxAge(q.Get("max_age"))
		if err != nil {
			return nil, back("invalid_request", err.Error())
		}
		maxAge = &n
		if n == 0 && prompt == "" {
			// max_age=0 asks for a fresh authentication, as prompt=login does.
			prompt = "login"
		}
	}
	hint := strings.TrimSpace(q.Get("login_hint"))
	if len(hint) > MaxLoginHintLen {
		return nil, back("invalid_request", fmt.Sprintf("login_hint is longer than %d characters", MaxLoginHintLen))
	}
	var orgHint id.Org
	if raw := q.Get("organization_id"); raw != "" {
		bad := back("invalid_request", "organization_id is not an organization of this project")
		oid, err := id.Parse[id.Org](raw)
		if err != nil {
			return nil, bad
		}
		if _, err := p.st.GetOrganization(ctx, projectID, oid); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return nil, bad
			}
			return nil, fmt.Errorf("read organization: %w", err)
		}
		orgHint = oid
	}

	return &login.AuthRequest{
		ClientID: client.ID, RedirectURI: redirect, State: state, Nonce: nonce, Scope: granted,
		CodeChallenge: challenge, CodeChallengeMethod: method, Prompt: prompt,
		LoginHint: hint, OrganizationHint: orgHint, MaxAge: maxAge,
	}, nil
}

// parseMaxAge reads max_age: a non-negative number of seconds in decimal
// digits. A value too large for int64 is a limit no session reaches, so it
// is kept as the largest one.
func parseMaxAge(raw string) (int64, error) {
	bad := errors.New("max_age must be a non-negative integer number of seconds")
	if raw == "" || len(raw) > 64 {
		return 0, bad
	}
	for _, c := range raw {
		if c < '0' || c > '9' {
			return 0, bad
		}
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		return math.MaxInt64, nil
	}
	return n, nil
}

// parsePrompt reduces the prompt parameter to what the login honours:
// "none", "login", "select_account" or "". select_account asks to choose
// the organization again (switching from the app), login to prove
// everything again, which includes choosing; consent is accepted and has
// nothing to do (no consent screen). none with anything else is an error
// (OIDC Core §3.1.2.1).
func parsePrompt(raw string) (string, error) {
	vals := strings.Fields(raw)
	out := ""
	for _, v := range vals {
		switch v {
		case "none":
			if len(vals) > 1 {
				return "", errors.New("prompt=none cannot be combined with other values")
			}
			out = "none"
		case "login":
			out = "login"
		case "select_account":
			if out != "login" {
				out = "select_account"
			}
		case "consent":
		default:
			return "", fmt.Errorf("prompt value %q is not supported", v)
		}
	}
	return out, nil
}

// IssueCode ends a successful authorization: it stores a single-use code
// for the session and returns the redirect to the app with code, state and
// iss (RFC 9207). The client and redirect URI are checked again, since the
// login may have taken a while and the registration may have changed.
func (p *Provider) IssueCode(ctx context.Context, req *login.AuthRequest, projectID id.Project, sess *session.Session) (string, error) {
	if sess == nil || sess.ProjectID != projectID {
		return "", errors.New("issue code: the session is not of this project")
	}
	client, err := p.st.GetOAuthClient(ctx, projectID, req.ClientID)
	if err != nil {
		return "", fmt.Errorf("issue code: read client: %w", err)
	}
	if !client.HasRedirectURI(req.RedirectURI) {
		return "", errors.New("issue code: the redirect URI is no longer registered for the client")
	}
	if client.Type == oauth.Public && req.CodeChallenge == "" {
		return "", errors.New("issue code: a public client's request has no PKCE challenge")
	}
	u, err := url.Parse(req.RedirectURI)
	if err != nil {
		return "", fmt.Errorf("issue code: %w", err)
	}
	now := p.now()
	value := oauth.NewCode()
	code := &oauth.Code{
		Hash: oauth.Hash(value), ProjectID: projectID, ClientID: client.ID, SessionID: sess.ID,
		RedirectURI: req.RedirectURI, CodeChallenge: req.CodeChallenge, CodeChallengeMethod: req.CodeChallengeMethod,
		Nonce: req.Nonce, Scope: req.Scope, CreatedAt: now, ExpiresAt: now.Add(oauth.CodeLifetime),
	}
	err = p.st.Write(ctx, func(w store.Writer) error {
		// Used codes are kept for a while so a late replay still revokes
		// its session; after that they only take up space.
		if _, err := w.DeleteAuthorizationCodesExpiredBefore(ctx, projectID, now.Add(-codeRetention)); err != nil {
			return err
		}
		return w.CreateAuthorizationCode(ctx, code)
	})
	if err != nil {
		return "", fmt.Errorf("issue code: %w", err)
	}
	v := u.Query()
	v.Set("code", value)
	if req.State != "" {
		v.Set("state", req.State)
	}
	v.Set("iss", p.Issuer(projectID))
	u.RawQuery = v.Encode()
	return u.String(), nil
}

// codeRetention is how long a code row outlives its expiry.
const codeRetention = 24 * time.Hour

// ErrorRedirect builds an error response to the app (RFC 6749 §4.1.2.1)
// for a request whose redirect URI was already validated by ParseAuthorize,
// e.g. login_required for prompt=none.
func (p *Provider) ErrorRedirect(req *login.AuthRequest, code, description string) string {
	u, err := url.Parse(req.RedirectURI)
	if err != nil {
		return ""
	}
	v := u.Query()
	v.Set("error", code)
	if description != "" {
		v.Set("error_description", description)
	}
	if req.State != "" {
		v.Set("state", req.State)
	}
	u.RawQuery = v.Encode()
	return u.String()
}
