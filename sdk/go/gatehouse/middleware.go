package gatehouse

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

type claimsKey struct{}

// RequireAuth returns middleware that admits only requests carrying a valid
// access token in "Authorization: Bearer …" and stores its claims in the
// request context (read them with ClaimsFrom and the helpers). Other
// requests get 401 with a WWW-Authenticate challenge (RFC 6750 §3):
// error="invalid_token" when a token was presented but failed verification,
// and a bare challenge when there was none, as §3.1 asks.
func RequireAuth(v *Verifier) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			token, ok := bearerToken(r)
			if !ok {
				challenge(w, http.StatusUnauthorized, "", "")
				return
			}
			claims, err := v.Verify(r.Context(), token)
			if err != nil {
				challenge(w, http.StatusUnauthorized, "invalid_token", describe(err))
				return
			}
			next.ServeHTTP(w, r.WithContext(WithClaims(r.Context(), claims)))
		})
	}
}

// RequirePermission returns middleware, placed after RequireAuth, that admits
// only tokens whose permissions claim contains perm; others get 403 with
// error="insufficient_scope" (RFC 6750 §3.1). Without claims in the context
// (RequireAuth missing in front) it answers 401.
func RequirePermission(perm string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c, ok := ClaimsFrom(r.Context())
			if !ok {
				challenge(w, http.StatusUnauthorized, "", "")
				return
			}
			if !c.HasPermission(perm) {
				challenge(w, http.StatusForbidden, "insufficient_scope", "requires permission "+perm)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// WithClaims returns a context carrying c, as RequireAuth does; useful in
// tests of handlers and for transports other than net/http.
func WithClaims(ctx context.Context, c *Claims) context.Context {
	return context.WithValue(ctx, claimsKey{}, c)
}

// ClaimsFrom returns the verified claims RequireAuth stored in ctx.
func ClaimsFrom(ctx context.Context) (*Claims, bool) {
	c, ok := ctx.Value(claimsKey{}).(*Claims)
	return c, ok && c != nil
}

// UserID returns the verified user's ID (sub), or "" without claims.
func UserID(ctx context.Context) string {
	if c, ok := ClaimsFrom(ctx); ok {
		return c.Subject
	}
	return ""
}

// OrganizationID returns the verified user's organization (org_id), or ""
// without claims. Scope every tenant query by it.
func OrganizationID(ctx context.Context) string {
	if c, ok := ClaimsFrom(ctx); ok {
		return c.OrgID
	}
	return ""
}

// HasPermission reports whether the verified token grants perm.
func HasPermission(ctx context.Context, perm string) bool {
	c, _ := ClaimsFrom(ctx)
	return c.HasPermission(perm)
}

// HasRole reports whether the verified user has role in their organization.
func HasRole(ctx context.Context, role string) bool {
	c, _ := ClaimsFrom(ctx)
	return c.HasRole(role)
}

// bearerToken extracts the token of an RFC 6750 §2.1 Authorization header;
// the scheme name is case-insensitive.
func bearerToken(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	const scheme = "bearer "
	if len(h) <= len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
		return "", false
	}
	token := strings.TrimLeft(h[len(scheme):], " ")
	return token, token != ""
}

// describe turns a verification error into a fixed description: the
// challenge tells the client what went wrong without echoing input.
func describe(err error) string {
	for _, k := range []struct {
		err  error
		text string
	}{
		{ErrExpired, "the access token expired"},
		{ErrNotYetValid, "the access token is not valid yet"},
		{ErrAudience, "the access token is for another audience"},
		{ErrIssuer, "the access token is from another issuer"},
		{ErrType, "not an access token"},
		{ErrAlgorithm, "unsupported signing algorithm"},
		{ErrUnknownKey, "unknown signing key"},
		{ErrSignature, "invalid signature"},
	} {
		if errors.Is(err, k.err) {
			return k.text
		}
	}
	return "malformed access token"
}

func challenge(w http.ResponseWriter, status int, code, description string) {
	value := "Bearer"
	if code != "" {
		value += ` error="` + code + `", error_description="` + description + `"`
	}
	h := w.Header()
	h.Set("WWW-Authenticate", value)
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if code == "" {
		code = "unauthorized"
		description = "an access token is required"
	}
	_, _ = w.Write([]byte(`{"error":"` + code + `","error_description":"` + description + `"}` + "\n"))
}
