package gatehouse

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// newProtectedServer serves /invoices behind RequireAuth and
// RequirePermission("invoices.read"), echoing what the helpers report.
func newProtectedServer(t *testing.T, v *Verifier) *httptest.Server {
	mux := http.NewServeMux()
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		c, _ := ClaimsFrom(ctx)
		io.WriteString(w, strings.Join([]string{UserID(ctx), OrganizationID(ctx), c.Email,
			boolText(HasPermission(ctx, "invoices.write")), boolText(HasPermission(ctx, "invoices.delete")),
			boolText(HasRole(ctx, "admin")), boolText(HasRole(ctx, "owner"))}, " "))
	})
	auth := RequireAuth(v)
	mux.Handle("/me", auth(echo))
	mux.Handle("/invoices", auth(RequirePermission("invoices.read")(echo)))
	mux.Handle("/payroll", auth(RequirePermission("payroll.read")(echo)))
	mux.Handle("/unguarded", RequirePermission("invoices.read")(echo))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func boolText(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func get(t *testing.T, url, authorization string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, url, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestMiddleware(t *testing.T) {
	ti := newTestIssuer(t)
	k := ti.publish("key_a")
	v := ti.verifier()
	srv := newProtectedServer(t, v)
	good := sign(t, k, accessHeader("key_a"), ti.claims())
	expired := ti.claims()
	expired["exp"] = t0.Add(-time.Hour).Unix()
	idToken := accessHeader("key_a")
	idToken["typ"] = "JWT"

	cases := []struct {
		name, path, auth string
		status           int
		challenge, body  string
	}{
		{"valid token", "/me", "Bearer " + good, 200, "", "user_01jd8x3k5m7q9s1v3x5z7b9d1f org_01jd8x3k5m7q9s1v3x5z7b9d1f ada@example.com yes no yes no"},
		{"scheme in lower case", "/me", "bearer " + good, 200, "", "user_01jd8x3k5m7q9s1v3x5z7b9d1f"},
		{"permission held", "/invoices", "Bearer " + good, 200, "", "user_01jd8x3k5m7q9s1v3x5z7b9d1f"},
		{"no header", "/me", "", 401, "Bearer", `"error":"unauthorized"`},
		{"basic auth", "/me", "Basic YWRhOnNlY3JldA==", 401, "Bearer", `"error":"unauthorized"`},
		{"empty bearer", "/me", "Bearer ", 401, "Bearer", `"error":"unauthorized"`},
		{"expired token", "/me", "Bearer " + sign(t, k, accessHeader("key_a"), expired), 401,
			`Bearer error="invalid_token", error_description="the access token expired"`, `"error":"invalid_token"`},
		{"ID token", "/me", "Bearer " + sign(t, k, idToken, ti.claims()), 401,
			`Bearer error="invalid_token", error_description="not an access token"`, `"error":"invalid_token"`},
		{"garbage", "/me", "Bearer not-a-token", 401,
			`Bearer error="invalid_token", error_description="malformed access token"`, `"error":"invalid_token"`},
		{"permission missing", "/payroll", "Bearer " + good, 403,
			`Bearer error="insufficient_scope", error_description="requires permission payroll.read"`, `"error":"insufficient_scope"`},
		{"invalid token before the permission check", "/payroll", "Bearer not-a-token", 401,
			`Bearer error="invalid_token", error_description="malformed access token"`, ""},
		{"permission check without RequireAuth", "/unguarded", "Bearer " + good, 401, "Bearer", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := get(t, srv.URL+tc.path, tc.auth)
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d, want %d (%s)", resp.StatusCode, tc.status, body)
			}
			if got := resp.Header.Get("WWW-Authenticate"); got != tc.challenge {
				t.Fatalf("WWW-Authenticate = %q, want %q", got, tc.challenge)
			}
			if !strings.Contains(body, tc.body) {
				t.Fatalf("body = %q, want it to contain %q", body, tc.body)
			}
			if tc.status != 200 && strings.Contains(body, "user_") {
				t.Fatal("refused request reached the handler")
			}
		})
	}
}

func TestHelpersWithoutClaims(t *testing.T) {
	ctx := context.Background()
	if _, ok := ClaimsFrom(ctx); ok || UserID(ctx) != "" || OrganizationID(ctx) != "" ||
		HasPermission(ctx, "x") || HasRole(ctx, "x") {
		t.Fatal("helpers report claims in an empty context")
	}
	ctx = WithClaims(ctx, &Claims{Subject: "user_a", OrgID: "org_a", Permissions: []string{"x"}, Roles: []string{"r"}})
	if UserID(ctx) != "user_a" || OrganizationID(ctx) != "org_a" || !HasPermission(ctx, "x") || !HasRole(ctx, "r") {
		t.Fatal("helpers ignore the claims")
	}
}
