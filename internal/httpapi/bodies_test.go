package httpapi_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
)

// Oversized, malformed and non-JSON bodies are refused before anything is
// written.
func TestBodiesRefusedWithoutSideEffects(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		org := c.newOrg("Southwest")
		events := len(c.listAll("/api/v1/audit-events", 200))

		huge := `{"name": "` + strings.Repeat("a", 1<<20) + `"}`
		c.do(http.MethodPost, "/api/v1/organizations", huge).problem(http.StatusRequestEntityTooLarge, "request_too_large")
		c.do(http.MethodPatch, "/api/v1/organizations/"+org, huge).problem(http.StatusRequestEntityTooLarge, "request_too_large")

		// Without a Content-Length (chunked), the limit still holds.
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/organizations", struct{ *bytes.Reader }{bytes.NewReader([]byte(huge))})
		req.Header.Set("Authorization", "Bearer "+c.key)
		req.Header.Set("Content-Type", "application/json")
		e.send(req).problem(http.StatusRequestEntityTooLarge, "request_too_large")

		// Just under the limit is accepted as far as size goes (then fails validation on length).
		under := `{"name": "` + strings.Repeat("a", 1<<20-20) + `"}`
		c.do(http.MethodPost, "/api/v1/organizations", under).problem(http.StatusBadRequest, "invalid_request")

		for name, body := range map[string]string{
			"truncated":  `{"name": "x"`,
			"not json":   `name=x`,
			"array":      `["x"]`,
			"trailing":   `{"name": "x"} {"name": "y"}`,
			"wrong type": `{"name": 42}`,
		} {
			t.Logf("case %s", name)
			p := c.do(http.MethodPost, "/api/v1/organizations", body).problem(http.StatusBadRequest, "invalid_request")
			if d, _ := p["detail"].(string); d == "" {
				t.Errorf("%s: no detail", name)
			}
		}

		req, _ = http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/organizations", strings.NewReader("name=x"))
		req.Header.Set("Authorization", "Bearer "+c.key)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		e.send(req).problem(http.StatusUnsupportedMediaType, "unsupported_media_type")

		// Baseline: a JSON body without a Content-Type header is read as JSON.
		req, _ = http.NewRequest(http.MethodPost, e.srv.URL+"/api/v1/organizations", strings.NewReader(`{"name":"Plain"}`))
		req.Header.Set("Authorization", "Bearer "+c.key)
		plain := e.send(req).want(http.StatusCreated).str("id")
		c.do(http.MethodDelete, "/api/v1/organizations/"+plain, nil).want(http.StatusNoContent)

		orgs := c.listAll("/api/v1/organizations", 200)
		if len(orgs) != 1 || orgs[0]["name"] != "Southwest" {
			t.Fatalf("refused bodies changed organizations: %v", orgs)
		}
		if n := len(c.listAll("/api/v1/audit-events", 200)); n != events+2 {
			t.Fatalf("audit events: %d, want %d (only the baseline's create and delete)", n, events+2)
		}
	})
}

func TestUnknownRoutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdbSQLite(t))
	c := e.project("Acme")
	c.do(http.MethodGet, "/api/v1/nope", nil).problem(http.StatusNotFound, "not_found")
	r := c.do(http.MethodPut, "/api/v1/organizations", nil)
	r.problem(http.StatusMethodNotAllowed, "method_not_allowed")
	if !strings.Contains(r.header.Get("Allow"), "GET") {
		t.Fatalf("Allow = %q", r.header.Get("Allow"))
	}
}
