package oidc

import (
	"net/http"
)

// Scopes the provider knows. Others are ignored (RFC 6749 §3.3 lets the
// server grant less than asked).
var supportedScopes = []string{"openid", "email", "profile", "offline_access"}

// discoveryDoc is the OpenID Provider metadata (OpenID Connect Discovery
// 1.0, RFC 8414).
type discoveryDoc struct {
	Issuer                            string   `json:"issuer"`
	AuthorizationEndpoint             string   `json:"authorization_endpoint"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	UserinfoEndpoint                  string   `json:"userinfo_endpoint"`
	JWKSURI                           string   `json:"jwks_uri"`
	RevocationEndpoint                string   `json:"revocation_endpoint"`
	EndSessionEndpoint                string   `json:"end_session_endpoint"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	ResponseModesSupported            []string `json:"response_modes_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	CodeChallengeMethodsSupported     []string `json:"code_challenge_methods_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	RevocationAuthMethodsSupported    []string `json:"revocation_endpoint_auth_methods_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	PromptValuesSupported             []string `json:"prompt_values_supported"`
	RequestParameterSupported         bool     `json:"request_parameter_supported"`
	RequestURIParameterSupported      bool     `json:"request_uri_parameter_supported"`
}

func (p *Provider) discovery(w http.ResponseWriter, r *http.Request) {
	publicCORS(w)
	pid, ok := p.projectOf(r.Context(), r)
	if !ok {
		notFound(w)
		return
	}
	iss := p.Issuer(pid)
	auth := []string{"client_secret_basic", "client_secret_post", "none"}
	doc := discoveryDoc{
		Issuer:                            iss,
		AuthorizationEndpoint:             iss + "/oauth/authorize",
		TokenEndpoint:                     iss + "/oauth/token",
		UserinfoEndpoint:                  iss + "/oauth/userinfo",
		JWKSURI:                           iss + "/.well-known/jwks.json",
		RevocationEndpoint:                iss + "/oauth/revoke",
		EndSessionEndpoint:                iss + "/oauth/logout",
		ResponseTypesSupported:            []string{"code"},
		ResponseModesSupported:            []string{"query"},
		GrantTypesSupported:               []string{"authorization_code", "refresh_token"},
		CodeChallengeMethodsSupported:     []string{"S256"},
		IDTokenSigningAlgValuesSupported:  []string{"ES256"},
		TokenEndpointAuthMethodsSupported: auth,
		RevocationAuthMethodsSupported:    auth,
		ScopesSupported:                   supportedScopes,
		ClaimsSupported: []string{
			"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "amr", "sid", "at_hash",
			"email", "email_verified", "name", "org_id", "org", "act",
		},
		SubjectTypesSupported: []string{"public"},
		PromptValuesSupported: []string{"none", "login", "select_account", "consent"},
	}
	// Metadata changes only with the server's configuration.
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, doc)
}

func (p *Provider) jwks(w http.ResponseWriter, r *http.Request) {
	publicCORS(w)
	pid, ok := p.projectOf(r.Context(), r)
	if !ok {
		notFound(w)
		return
	}
	body, err := p.tokens.JWKS(r.Context(), pid)
	if err != nil {
		p.log.ErrorContext(r.Context(), "publish JWKS", "project", pid, "err", err)
		writeJSON(w, http.StatusInternalServerError, errServer())
		return
	}
	// Verifiers may cache for five minutes: the next key is published well
	// before it signs anything, so a cached set never misses a fresh kid.
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(body)
}
