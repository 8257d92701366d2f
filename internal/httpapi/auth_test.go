package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestAuthentication(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		// Baseline: the project's key is accepted.
		c.do(http.MethodGet, "/api/v1/organizations", nil).want(http.StatusOK)

		revoked := *c
		revoked.key = c.do(http.MethodPost, "/api/v1/secret-keys", map[string]any{"name": "old"}).want(http.StatusCreated).str("secret")
		revoked.do(http.MethodGet, "/api/v1/organizations", nil).want(http.StatusOK)
		var keyID string
		for _, k := range c.listAll("/api/v1/secret-keys", 50) {
			if k["name"] == "old" {
				keyID = k["id"].(string)
			}
		}
		c.do(http.MethodDelete, "/api/v1/secret-keys/"+keyID, nil).want(http.StatusNoContent)

		cases := []struct{ name, header string }{
			{"missing header", ""},
			{"wrong scheme", "Basic " + c.key},
			{"no scheme", c.key},
			{"garbage", "Bearer garbage"},
			{"right shape, unknown", "Bearer gh_sk_" + strings.Repeat("a", 52)},
			{"truncated", "Bearer " + c.key[:len(c.key)-1]},
			{"revoked", "Bearer " + revoked.key},
		}
		for _, tc := range cases {
			req, err := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/organizations", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			r := e.send(req)
			t.Logf("case %s", tc.name)
			r.problem(http.StatusUnauthorized, "unauthenticated")
			if !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s: WWW-Authenticate = %q", tc.name, r.header.Get("WWW-Authenticate"))
			}
		}
		// The scheme is case-insensitive (RFC 9110).
		req, _ := http.NewRequest(http.MethodGet, e.srv.URL+"/api/v1/organizations", nil)
		req.Header.Set("Authorization", "bearer "+c.key)
		e.send(req).want(http.StatusOK)
		// Unauthenticated writes change nothing.
		anon := &client{t: t, e: e}
		anon.do(http.MethodPost, "/api/v1/organizations", map[string]any{"name": "x"}).problem(http.StatusUnauthorized, "unauthenticated")
		if n := len(c.listAll("/api/v1/organizations", 50)); n != 0 {
			t.Fatalf("unauthenticated create made %d organizations", n)
		}
		// The OpenAPI document is public.
		anon.do(http.MethodGet, "/api/v1/openapi.json", nil).want(http.StatusOK)
	})
}

func TestSecretKeys(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		r := c.do(http.MethodPost, "/api/v1/secret-keys", map[string]any{"name": "Billing service"}).want(http.StatusCreated).obj()
		secret, _ := r["secret"].(string)
		if !strings.HasPrefix(secret, "gh_sk_") || r["hint"] != secret[len(secret)-4:] || r["revoked_at"] != nil {
			t.Fatalf("created key = %v", r)
		}
		c.do(http.MethodPost, "/api/v1/secret-keys", map[string]any{"name": ""}).problem(http.StatusBadRequest, "invalid_request")

		list := c.do(http.MethodGet, "/api/v1/secret-keys", nil).want(http.StatusOK)
		if strings.Contains(string(list.body), secret) || strings.Contains(string(list.body), `"secret"`) {
			t.Fatalf("list shows a secret: %s", list.body)
		}
		keys := c.listAll("/api/v1/secret-keys", 50)
		if len(keys) != 2 {
			t.Fatalf("%d keys, want 2", len(keys))
		}
		// The key in use has its last use recorded.
		for _, k := range keys {
			if k["id"] == c.keyID && k["last_used_at"] == nil {
				t.Fatalf("last_used_at not recorded: %v", k)
			}
		}
		nk := &client{t: t, e: e, key: secret}
		if p := nk.do(http.MethodGet, "/api/v1/project", nil).want(http.StatusOK).obj(); p["id"] != c.projectID {
			t.Fatalf("new key authenticates as %v, want %s", p["id"], c.projectID)
		}
		c.do(http.MethodDelete, "/api/v1/secret-keys/"+r["id"].(string), nil).want(http.StatusNoContent)
		nk.do(http.MethodGet, "/api/v1/project", nil).problem(http.StatusUnauthorized, "unauthenticated")
		// Revoking twice is harmless and records one event.
		c.do(http.MethodDelete, "/api/v1/secret-keys/"+r["id"].(string), nil).want(http.StatusNoContent)
		c.do(http.MethodDelete, "/api/v1/secret-keys/sk_nope", nil).problem(http.StatusNotFound, "not_found")
		types := auditTypes(c, "")
		if types["secret_key.created"] != 2 || types["secret_key.revoked"] != 1 {
			t.Fatalf("audit events = %v", types)
		}
		for _, ev := range c.listAll("/api/v1/audit-events?event_type=secret_key.created", 50) {
			if strings.Contains(mustJSON(t, ev), secret) || strings.Contains(mustJSON(t, ev), "hash") {
				t.Fatalf("audit details expose the secret: %v", ev)
			}
		}
	})
}

func TestProjectSettings(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		p := c.do(http.MethodGet, "/api/v1/project", nil).want(http.StatusOK).obj()
		if p["id"] != c.projectID || p["name"] != "Acme" || p["issuer"] != "http://gatehouse.test/p/"+c.projectID || p["self_serve_create_organizations"] != true || p["allow_custom_roles"] != false {
			t.Fatalf("project = %v", p)
		}
		up := c.do(http.MethodPatch, "/api/v1/project", map[string]any{
			"name": "Acme prod", "redirect_uris": []string{"https://app.example.com/callback", "http://localhost:3000/cb"},
			"trusted_origins": []string{"https://app.example.com"}, "enabled_login_methods": []string{"passkey", "email"},
			"auto_create_organizations": true, "session_idle_timeout_seconds": 3600,
		}).want(http.StatusOK).obj()
		if up["name"] != "Acme prod" || up["auto_create_organizations"] != true || up["session_idle_timeout_seconds"] != 3600.0 ||
			len(up["redirect_uris"].([]any)) != 2 || up["enabled_login_methods"].([]any)[0] != "email" {
			t.Fatalf("patched project = %v", up)
		}
		for name, body := range map[string]map[string]any{
			"http redirect":  {"redirect_uris": []string{"http://evil.example/cb"}},
			"fragment":       {"redirect_uris": []string{"https://app.example.com/cb#x"}},
			"origin path":    {"trusted_origins": []string{"https://app.example.com/path"}},
			"unknown method": {"enabled_login_methods": []string{"fax"}},
			"no methods":     {"enabled_login_methods": []string{}},
			"idle > max":     {"session_idle_timeout_seconds": 7200, "session_max_lifetime_seconds": 3600},
		} {
			t.Logf("case %s", name)
			c.do(http.MethodPatch, "/api/v1/project", body).problem(http.StatusBadRequest, "invalid_request")
		}
		if got := c.do(http.MethodGet, "/api/v1/project", nil).want(http.StatusOK).obj(); mustJSON(t, got) != mustJSON(t, up) {
			t.Fatalf("refused updates changed the project:\n%v\n%v", got, up)
		}
		ev := c.listAll("/api/v1/audit-events?event_type=project.updated", 50)
		if len(ev) != 1 {
			t.Fatalf("%d project.updated events, want 1", len(ev))
		}
		d := ev[0]["details"].(map[string]any)
		if d["before"].(map[string]any)["name"] != "Acme" || d["after"].(map[string]any)["name"] != "Acme prod" {
			t.Fatalf("details = %v", d)
		}
	})
}
