package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse-auth/gatehouse/internal/testdb"
)

// spec fetches and decodes the served OpenAPI document.
func (e *env) spec() map[string]any {
	e.t.Helper()
	c := &client{t: e.t, e: e}
	r := c.do(http.MethodGet, "/api/v1/openapi.json", nil).want(http.StatusOK)
	var doc map[string]any
	if err := json.Unmarshal(r.body, &doc); err != nil {
		e.t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return doc
}

func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t))
	doc := e.spec()
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Fatalf("openapi = %q, want 3.1.x", v)
	}
	schemes := doc["components"].(map[string]any)["securitySchemes"].(map[string]any)
	if _, ok := schemes["bearerAuth"]; !ok {
		t.Fatal("no bearerAuth security scheme")
	}
	seen := map[string]bool{}
	n := 0
	for path, item := range doc["paths"].(map[string]any) {
		for method, raw := range item.(map[string]any) {
			op := raw.(map[string]any)
			n++
			where := strings.ToUpper(method) + " " + path
			opID, _ := op["operationId"].(string)
			if opID == "" || seen[opID] {
				t.Errorf("%s: missing or duplicate operationId %q", where, opID)
			}
			seen[opID] = true
			if s, _ := op["summary"].(string); s == "" {
				t.Errorf("%s: no summary", where)
			}
			if tags, _ := op["tags"].([]any); len(tags) == 0 {
				t.Errorf("%s: no tags", where)
			}
			sec, _ := op["security"].([]any)
			if len(sec) != 1 || sec[0].(map[string]any)["bearerAuth"] == nil {
				t.Errorf("%s: security = %v, want bearerAuth", where, op["security"])
			}
			responses := op["responses"].(map[string]any)
			for _, code := range []string{"400", "401"} {
				if _, ok := responses[code]; !ok {
					t.Errorf("%s: error response %s not documented", where, code)
				}
			}
			if _, ok := op["requestBody"]; ok {
				for _, code := range []string{"413", "415"} {
					if _, ok := responses[code]; !ok {
						t.Errorf("%s: error response %s not documented", where, code)
					}
				}
			}
			if _, ok := responses["422"]; ok {
				t.Errorf("%s: documents 422, which the API never answers", where)
			}
			if strings.Contains(path, "{") {
				if _, ok := responses["404"]; !ok {
					t.Errorf("%s: 404 not documented", where)
				}
			}
		}
	}
	problem := doc["components"].(map[string]any)["schemas"].(map[string]any)["Problem"].(map[string]any)
	if !slices.Contains(problem["required"].([]any), any("code")) {
		t.Fatalf("Problem schema does not require code: %v", problem["required"])
	}
	if n < 25 {
		t.Fatalf("only %d operations documented", n)
	}
	yaml := (&client{t: t, e: e}).do(http.MethodGet, "/api/v1/openapi.yaml", nil).want(http.StatusOK)
	if !strings.Contains(string(yaml.body), "openapi: 3.1") {
		t.Fatalf("openapi.yaml does not look like the document: %.200s", yaml.body)
	}
}

// The server mounts the handler on its own mux at /api/v1/ without
// stripping the prefix; the API must answer there exactly as it does alone.
func TestMountedOnServerMux(t *testing.T) {
	t.Parallel()
	e := newEnv(t, testdb.SQLite(t))
	c := e.project("Acme")
	outer := http.NewServeMux()
	outer.Handle("/api/v1/", e.srv.Config.Handler)
	outer.HandleFunc("/", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "outer", http.StatusTeapot) })
	srv := httptest.NewServer(outer)
	t.Cleanup(srv.Close)
	mounted := &env{t: t, st: e.st, svc: e.svc, srv: srv}
	mc := &client{t: t, e: mounted, key: c.key}
	mc.do(http.MethodPost, "/api/v1/organizations", map[string]any{"name": "Via server"}).want(http.StatusCreated)
	mc.do(http.MethodGet, "/api/v1/openapi.json", nil).want(http.StatusOK)
	mc.do(http.MethodGet, "/api/v1/nope", nil).problem(http.StatusNotFound, "not_found")
	mc.do(http.MethodGet, "/elsewhere", nil).want(http.StatusTeapot)
}
