package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/httpapi"
	"github.com/gatehouse-auth/gatehouse/internal/oidc"
	"github.com/gatehouse-auth/gatehouse/internal/store"
	"github.com/gatehouse-auth/gatehouse/internal/tenancy"
	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

// clientEngines runs fn on each engine against an API that serves the OAuth
// client operations.
func clientEngines(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	for _, eng := range testdb.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			fn(t, newClientsEnv(t, eng.Open(t)))
		})
	}
}

func newClientsEnv(t *testing.T, st store.Store) *env {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := tenancy.New(st, tenancy.WithLogger(log))
	srv := httptest.NewServer(httpapi.New(httpapi.Options{
		Service: svc, Clients: oidc.NewClients(st, oidc.WithClientsLogger(log)),
		PublicURL: "http://gatehouse.test", Logger: log,
	}))
	t.Cleanup(srv.Close)
	return &env{t: t, st: st, svc: svc, srv: srv}
}

func confidentialBody(name string) map[string]any {
	return map[string]any{
		"name": name, "redirect_uris": []string{"https://app.example.com/callback"},
		"post_logout_redirect_uris": []string{"https://app.example.com/"},
	}
}

func TestOAuthClientLifecycle(t *testing.T) {
	t.Parallel()
	clientEngines(t, func(t *testing.T, e *env) {
		a := e.project("Clients")
		created := a.do(http.MethodPost, "/api/v1/oauth-clients", confidentialBody("Web app")).want(http.StatusCreated).obj()
		cid := created["id"].(string)
		secret, _ := created["client_secret"].(string)
		if !strings.HasPrefix(cid, "cli_") || !strings.HasPrefix(secret, "gh_cs_") || len(secret) != len("gh_cs_")+52 {
			t.Fatalf("created client: %v", created)
		}
		if created["type"] != "confidential" {
			t.Fatalf("default type %v, want confidential", created["type"])
		}

		got := a.do(http.MethodGet, "/api/v1/oauth-clients/"+cid, nil).want(http.StatusOK)
		if strings.Contains(string(got.body), "gh_cs_") || strings.Contains(string(got.body), "secret") {
			t.Fatalf("GET shows the secret: %s", got.body)
		}

		pub := a.do(http.MethodPost, "/api/v1/oauth-clients", map[string]any{
			"name": "SPA", "type": "public", "redirect_uris": []string{"http://localhost:5173/cb", "http://127.0.0.1:8000/cb"},
		}).want(http.StatusCreated).obj()
		if _, has := pub["client_secret"]; has {
			t.Fatalf("public client got a secret: %v", pub)
		}
		a.do(http.MethodPost, "/api/v1/oauth-clients/"+pub["id"].(string)+"/rotate-secret", nil).problem(http.StatusConflict, oidc.CodeClientNotConfidential)

		// PATCH: renames and replaces lists; the same values again write nothing.
		patched := a.do(http.MethodPatch, "/api/v1/oauth-clients/"+cid, map[string]any{
			"name": "Web app v2", "redirect_uris": []string{"https://app.example.com/cb2", "https://app.example.com/cb3"},
			"post_logout_redirect_uris": []string{},
		}).want(http.StatusOK).obj()
		if patched["name"] != "Web app v2" || len(patched["redirect_uris"].([]any)) != 2 || len(patched["post_logout_redirect_uris"].([]any)) != 0 {
			t.Fatalf("patched: %v", patched)
		}
		a.do(http.MethodPatch, "/api/v1/oauth-clients/"+cid, map[string]any{"name": "Web app v2"}).want(http.StatusOK)
		a.do(http.MethodPatch, "/api/v1/oauth-clients/"+cid, map[string]any{"type": "public"}).problem(http.StatusBadRequest, "invalid_request")

		rotated := a.do(http.MethodPost, "/api/v1/oauth-clients/"+cid+"/rotate-secret", nil).want(http.StatusOK).obj()
		if s, _ := rotated["client_secret"].(string); !strings.HasPrefix(s, "gh_cs_") || s == secret {
			t.Fatalf("rotated secret %q (old %q)", s, secret)
		}

		list := a.listAll("/api/v1/oauth-clients", 1)
		if got := ids(list); len(got) != 2 || got[0] != cid || got[1] != pub["id"] {
			t.Fatalf("list: %v", got)
		}

		// Audit: one event per change, never a secret or its hash.
		var types []string
		for _, ev := range a.listAll("/api/v1/audit-events", 200) {
			if ty, _ := ev["event_type"].(string); strings.HasPrefix(ty, "oauth_client.") {
				types = append(types, ty)
				raw := mustJSON(t, ev)
				if strings.Contains(raw, "gh_cs_") || strings.Contains(raw, "secret_hash") || strings.Contains(raw, "SecretHash") {
					t.Fatalf("audit event leaks a secret: %s", raw)
				}
			}
		}
		want := "oauth_client.secret_rotated,oauth_client.updated,oauth_client.created,oauth_client.created"
		if strings.Join(types, ",") != want {
			t.Fatalf("audit events %v, want %s", types, want)
		}

		a.do(http.MethodDelete, "/api/v1/oauth-clients/"+cid, nil).want(http.StatusNoContent)
		a.do(http.MethodGet, "/api/v1/oauth-clients/"+cid, nil).problem(http.StatusNotFound, "not_found")
		a.do(http.MethodDelete, "/api/v1/oauth-clients/"+cid, nil).problem(http.StatusNotFound, "not_found")
		a.do(http.MethodGet, "/api/v1/oauth-clients/cli_nonsense", nil).problem(http.StatusNotFound, "not_found")
	})
}

func TestOAuthClientValidation(t *testing.T) {
	t.Parallel()
	e := newClientsEnv(t, testdbSQLite(t))
	a := e.project("Validation")
	a.do(http.MethodPost, "/api/v1/oauth-clients", confidentialBody("Baseline")).want(http.StatusCreated)
	for name, uris := range map[string][]string{
		"plain http off loopback": {"http://app.example.com/cb"},
		"relative":                {"/callback"},
		"fragment":                {"https://app.example.com/cb#x"},
		"custom scheme":           {"javascript:alert(1)"},
		"listed twice":            {"https://app.example.com/cb", "https://app.example.com/cb"},
		"none":                    {},
	} {
		t.Run(name, func(t *testing.T) {
			a.do(http.MethodPost, "/api/v1/oauth-clients", map[string]any{"name": "x", "redirect_uris": uris}).problem(http.StatusBadRequest, "invalid_request")
		})
	}
	a.do(http.MethodPost, "/api/v1/oauth-clients", map[string]any{"name": "x", "type": "hybrid", "redirect_uris": []string{"https://a.example/cb"}}).problem(http.StatusBadRequest, "invalid_request")
	a.do(http.MethodPost, "/api/v1/oauth-clients", map[string]any{"name": " ", "redirect_uris": []string{"https://a.example/cb"}}).problem(http.StatusBadRequest, "invalid_request")
	a.do(http.MethodPost, "/api/v1/oauth-clients", map[string]any{"name": "x", "redirect_uris": []string{"https://a.example/cb"}, "post_logout_redirect_uris": []string{"http://evil.example/"}}).problem(http.StatusBadRequest, "invalid_request")
	if n := len(a.listAll("/api/v1/oauth-clients", 50)); n != 1 {
		t.Fatalf("%d clients after refused creates, want 1", n)
	}
}

// TestOAuthClientCrossProject: project B's key with A's client ID gets 404
// from every client operation, and A's client is unchanged.
func TestOAuthClientCrossProject(t *testing.T) {
	t.Parallel()
	clientEngines(t, func(t *testing.T, e *env) {
		a, b := e.project("A"), e.project("B")
		created := a.do(http.MethodPost, "/api/v1/oauth-clients", confidentialBody("A's app")).want(http.StatusCreated).obj()
		cid := created["id"].(string)
		bc := b.do(http.MethodPost, "/api/v1/oauth-clients", confidentialBody("B's app")).want(http.StatusCreated).str("id")
		before := a.do(http.MethodGet, "/api/v1/oauth-clients/"+cid, nil).want(http.StatusOK).body

		path := "/api/v1/oauth-clients/" + cid
		b.do(http.MethodGet, path, nil).problem(http.StatusNotFound, "not_found")
		b.do(http.MethodPatch, path, map[string]any{"name": "hijacked", "redirect_uris": []string{"https://evil.example/cb"}}).problem(http.StatusNotFound, "not_found")
		b.do(http.MethodPost, path+"/rotate-secret", nil).problem(http.StatusNotFound, "not_found")
		b.do(http.MethodDelete, path, nil).problem(http.StatusNotFound, "not_found")
		list := b.listAll("/api/v1/oauth-clients", 50)
		if got := ids(list); len(got) != 1 || got[0] != bc {
			t.Fatalf("B's list: %v", got)
		}
		if after := a.do(http.MethodGet, path, nil).want(http.StatusOK).body; string(after) != string(before) {
			t.Fatalf("A's client changed:\nbefore %s\nafter  %s", before, after)
		}
		for _, ev := range b.listAll("/api/v1/audit-events", 200) {
			if ev["resource_id"] == cid {
				t.Fatalf("B's audit log shows A's client: %v", ev)
			}
		}
	})
}
