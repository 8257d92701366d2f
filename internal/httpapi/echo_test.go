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

// A PATCH that changes nothing records nothing: the audit log lists changes.
func TestNoOpPatchesRecordNoEvent(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		org := c.newOrg("Southwest")
		uid := c.newUser(org, "ada@example.com", map[string]any{"display_name": "Ada"})["id"].(string)
		perm := c.do(http.MethodPost, "/api/v1/permissions", map[string]any{"key": "invoices.read", "description": "Read invoices"}).want(http.StatusCreated).str("id")
		role := c.do(http.MethodPost, "/api/v1/roles", map[string]any{"key": "billing", "name": "Billing", "permissions": []string{"invoices.read"}}).want(http.StatusCreated).str("id")
		before := len(c.listAll("/api/v1/audit-events", 200))

		c.do(http.MethodPatch, "/api/v1/organizations/"+org, map[string]any{}).want(http.StatusOK)
		c.do(http.MethodPatch, "/api/v1/organizations/"+org, map[string]any{"name": "Southwest", "require_mfa": false}).want(http.StatusOK)
		c.do(http.MethodPatch, "/api/v1/users/"+uid, map[string]any{"display_name": "Ada", "status": "active"}).want(http.StatusOK)
		c.do(http.MethodPatch, "/api/v1/permissions/"+perm, map[string]any{"description": "Read invoices"}).want(http.StatusOK)
		c.do(http.MethodPatch, "/api/v1/roles/"+role, map[string]any{"name": "Billing", "permissions": []string{"invoices.read"}}).want(http.StatusOK)
		c.do(http.MethodPatch, "/api/v1/project", map[string]any{"name": "Acme"}).want(http.StatusOK)
		if n := len(c.listAll("/api/v1/audit-events", 200)); n != before {
			t.Fatalf("no-op PATCHes recorded %d audit events", n-before)
		}

		// A real change still records one.
		c.do(http.MethodPatch, "/api/v1/organizations/"+org, map[string]any{"join_by_domain": true}).want(http.StatusOK)
		if n := len(c.listAll("/api/v1/audit-events", 200)); n != before+1 {
			t.Fatalf("a real change recorded %d events, want 1", n-before)
		}
	})
}
