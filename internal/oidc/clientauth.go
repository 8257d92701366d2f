package oidc

import (
	"context"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/id"
	"github.com/gatehouse-auth/gatehouse/internal/oidc/oauth"
	"github.com/gatehouse-auth/gatehouse/internal/store"
)

// maxFormBytes bounds token and revocation request bodies.
const maxFormBytes = 64 << 10

// readForm parses an application/x-www-form-urlencoded body, refusing
// other media types, oversized bodies and repeated parameters (RFC 6749
// §3.2: parameters must not be included more than once).
func readForm(w http.ResponseWriter, r *http.Request) (url.Values, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, errInvalidRequest("send the parameters as application/x-www-form-urlencoded")
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		return nil, errInvalidRequest("the request body is not a valid form")
	}
	if len(r.URL.RawQuery) > 0 {
		// Credentials in a URL end up in logs; RFC 6749 §2.3.1 forbids them there.
		return nil, errInvalidRequest("send parameters in the request body, not the URL")
	}
	for k, v := range r.PostForm {
		if len(v) > 1 {
			return nil, errInvalidRequest("parameter " + k + " is repeated")
		}
	}
	return r.PostForm, nil
}

// authenticateClient identifies and authenticates the calling client:
// client_secret_basic or client_secret_post for confidential clients, none
// (client_id only) for public ones. Every failure is invalid_client with the
// same description, so callers cannot probe which clients exist.
func (p *Provider) authenticateClient(ctx context.Context, r *http.Request, form url.Values, pid id.Project) (*Client, error) {
	basicID, basicSecret, hasBasic := r.BasicAuth()
	postSecret := form.Get("client_secret")
	clientID := form.Get("client_id")
	if hasBasic {
		if postSecret != "" {
			return nil, errInvalidRequest("use one client authentication method, not two")
		}
		// RFC 6749 §2.3.1: both halves are form-urlencoded before Basic.
		var err1, err2 error
		basicID, err1 = url.QueryUnescape(basicID)
		basicSecret, err2 = url.QueryUnescape(basicSecret)
		if err1 != nil || err2 != nil {
			return nil, errInvalidClient("client authentication failed")
		}
		if clientID != "" && clientID != basicID {
			return nil, errInvalidClient("client authentication failed")
		}
		clientID = basicID
	}
	if clientID == "" {
		return nil, errInvalidClient("client authentication failed")
	}
	cid, err := id.Parse[id.Client](clientID)
	if err != nil {
		return nil, errInvalidClient("client authentication failed")
	}
	secret := postSecret
	if hasBasic {
		secret = basicSecret
	}
	now := p.clock()
	if c := p.clients.get(pid, cid, now); c != nil {
		if checkClientSecret(c, secret) {
			return c, nil
		}
		// The registration may have changed (a new secret): read it again.
		p.clients.drop(pid, cid)
	}
	c, err := p.st.GetOAuthClient(ctx, pid, cid)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, errInvalidClient("client authentication failed")
		}
		return nil, err
	}
	if !checkClientSecret(c, secret) {
		return nil, errInvalidClient("client authentication failed")
	}
	p.clients.put(c, now)
	return c, nil
}

// checkClientSecret applies the client's authentication method.
func checkClientSecret(c *Client, secret string) bool {
	switch c.Type {
	case oauth.Confidential:
		return c.VerifySecret(secret)
	case oauth.Public:
		// A public client holds no secret; one that sends a secret is
		// confused or not who it says. Basic with an empty secret is what
		// some libraries send for "none", so it is accepted.
		return secret == ""
	}
	return false
}

// hasScope reports whether the space-separated scope list holds s.
func hasScope(scopes []string, s string) bool {
	for _, x := range scopes {
		if x == s {
			return true
		}
	}
	return false
}

func joinScope(scopes []string) string { return strings.Join(scopes, " ") }

// clientRequest reads what the token and revocation endpoints share: the
// project from the path, the form body and the authenticated client. On
// failure it has answered the request and returns ok == false.
func (p *Provider) clientRequest(w http.ResponseWriter, r *http.Request) (pid id.Project, form url.Values, client *Client, ok bool) {
	pid, err := id.Parse[id.Project](r.PathValue("project"))
	if err != nil {
		notFound(w)
		return "", nil, nil, false
	}
	if form, err = readForm(w, r); err != nil {
		p.fail(w, r, err)
		return "", nil, nil, false
	}
	// The client lookup is scoped to the project, so an unknown project
	// fails here as invalid_client without a separate read.
	if client, err = p.authenticateClient(r.Context(), r, form, pid); err != nil {
		p.fail(w, r, err)
		return "", nil, nil, false
	}
	return pid, form, client, true
}
