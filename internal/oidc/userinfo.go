package oidc

import (
	"net/http"
	"strings"

	"github.com/gatehouse-auth/gatehouse/internal/id"
)

// userinfoResponse is the OpenID Connect UserInfo response: the claims of
// the access token's user at the time the token was issued.
type userinfoResponse struct {
	Subject       string   `json:"sub"`
	Email         string   `json:"email,omitempty"`
	EmailVerified bool     `json:"email_verified"`
	Name          string   `json:"name,omitempty"`
	OrgID         string   `json:"org_id"`
	Org           orgClaim `json:"org"`
}

type orgClaim struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// userinfo answers with the claims of a valid access token of this
// project (RFC 6750 bearer, header only). ID tokens, tokens of other
// projects and expired tokens get 401 with a WWW-Authenticate challenge.
func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	pid, err := id.Parse[id.Project](r.PathValue("project"))
	if err != nil {
		notFound(w)
		return
	}
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		bearerChallenge(w, "", "")
		return
	}
	claims, err := p.tokens.VerifyAccessToken(ctx, pid, p.Issuer(pid), strings.TrimSpace(tok))
	if err != nil {
		bearerChallenge(w, "invalid_token", "the access token is invalid or expired")
		return
	}
	writeJSON(w, http.StatusOK, userinfoResponse{
		Subject: string(claims.Subject), Email: claims.Email, EmailVerified: claims.EmailVerified,
		Name: claims.Name, OrgID: string(claims.OrgID), Org: orgClaim{ID: string(claims.OrgID), Name: claims.OrgName},
	})
}

// bearerChallenge answers 401 per RFC 6750 §3.
func bearerChallenge(w http.ResponseWriter, code, desc string) {
	v := `Bearer realm="gatehouse"`
	if code != "" {
		v += `, error="` + code + `", error_description="` + desc + `"`
	}
	w.Header().Set("WWW-Authenticate", v)
	body := &oauthError{Code: code, Description: desc}
	if code == "" {
		body.Code = "invalid_request"
		body.Description = "send the access token as Authorization: Bearer <token>"
	}
	writeJSON(w, http.StatusUnauthorized, body)
}
