package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// A refused body is not reflected back: the error names the offending field
// (and echoes short scalar values), never the whole body with whatever
// secrets it holds.
func TestErrorsDoNotEchoTheBody(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		secret := "do-not-echo-" + strings.Repeat("x", 50)
		p := c.do(http.MethodPost, "/api/v1/organizations", map[string]any{"name": "Acme", "password": secret}).problem(http.StatusBadRequest, "invalid_request")
		if raw := mustJSON(t, p); strings.Contains(raw, secret) {
			t.Fatalf("the error echoes the body's other fields: %s", raw)
		}
		if !strings.Contains(mustJSON(t, p), "body.password") {
			t.Fatalf("the error does not name the unexpected property: %v", p)
		}
		p = c.do(http.MethodPost, "/api/v1/organizations", `{"name": "`+secret+`", `).problem(http.StatusBadRequest, "invalid_request")
		if raw := mustJSON(t, p); strings.Contains(raw, secret) {
			t.Fatalf("a malformed body is echoed: %s", raw)
		}
		// A short offending scalar is still shown, which helps.
		p = c.do(http.MethodPost, "/api/v1/organizations", map[string]any{"name": "Acme", "require_mfa": "yes"}).problem(http.StatusBadRequest, "invalid_request")
		if !strings.Contains(mustJSON(t, p), `"yes"`) {
			t.Fatalf("the offending value is not shown: %v", p)
		}
	})
}
