package oidc

import (
	"net/http"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/session"
)

// revoke is RFC 7009 token revocation for authenticated clients. Revoking
// a refresh token ends its session (and so every token of it). Access
// tokens are self-contained and short-lived: they are not revocable one by
// one, and like unknown tokens get 200, as §2.2 requires, so the answer
// never tells whether a token existed.
func (p *Provider) revoke(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pid, form, client, ok := p.clientRequest(w, r)
	if !ok {
		return
	}
	tok := form.Get("token")
	if tok == "" {
		p.fail(w, r, errInvalidRequest("token is required"))
		return
	}
	if strings.HasPrefix(tok, session.RefreshTokenPrefix) {
		if err := p.sessions.RevokeRefreshToken(ctx, pid, client.ID, tok); err != nil {
			p.fail(w, r, err)
			return
		}
	}
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
}
