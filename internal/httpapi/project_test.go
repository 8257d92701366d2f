package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestProjectBranding(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		p := c.do(http.MethodGet, "/api/v1/project", nil).want(http.StatusOK).obj()
		if p["brand_color"] != "" || p["logo_url"] != "" || p["app_url"] != "" {
			t.Fatalf("new project branding = %v", p)
		}
		p = c.do(http.MethodPatch, "/api/v1/project", map[string]any{
			"brand_color": "#1A73E8", "logo_url": "https://cdn.acme.example/logo.svg", "app_url": "https://app.acme.example/",
		}).want(http.StatusOK).obj()
		if p["brand_color"] != "#1a73e8" || p["logo_url"] != "https://cdn.acme.example/logo.svg" || p["app_url"] != "https://app.acme.example/" {
			t.Fatalf("patched branding = %v", p)
		}
		before := mustJSON(t, c.do(http.MethodGet, "/api/v1/project", nil).want(http.StatusOK).obj())

		for _, tc := range []struct {
			body     map[string]any
			location string
		}{
			{map[string]any{"brand_color": "blue"}, "body.brand_color"},
			{map[string]any{"brand_color": "#00ff0g"}, "body.brand_color"},
			{map[string]any{"brand_color": "#000;}*{"}, "body.brand_color"},
			{map[string]any{"logo_url": "http://cdn.acme.example/logo.svg"}, "body.logo_url"},
			{map[string]any{"logo_url": "javascript:alert(1)"}, "body.logo_url"},
			{map[string]any{"logo_url": "https://cdn.acme.example/" + strings.Repeat("x", 2048)}, "body.logo_url"},
			{map[string]any{"app_url": "https://app.acme.example/#/inbox"}, "body.app_url"},
			{map[string]any{"app_url": "https://me:secret@app.acme.example/"}, "body.app_url"},
			{map[string]any{"app_url": "/dashboard"}, "body.app_url"},
		} {
			prob := c.do(http.MethodPatch, "/api/v1/project", tc.body).problem(http.StatusBadRequest, "invalid_request")
			errs, _ := prob["errors"].([]any)
			found := false
			for _, fe := range errs {
				if fe.(map[string]any)["location"] == tc.location {
					found = true
				}
			}
			if !found {
				t.Errorf("%v: no error at %s: %v", tc.body, tc.location, prob)
			}
		}
		if after := mustJSON(t, c.do(http.MethodGet, "/api/v1/project", nil).want(http.StatusOK).obj()); after != before {
			t.Fatalf("a refused update changed the project:\n%s\n%s", before, after)
		}

		// The change is audited with the new values; empty strings clear.
		ev := c.listAll("/api/v1/audit-events?event_type=project.updated", 50)
		if len(ev) != 1 || !strings.Contains(mustJSON(t, ev[0]["details"]), `"brand_color":"#1a73e8"`) {
			t.Fatalf("project.updated events = %v", ev)
		}
		p = c.do(http.MethodPatch, "/api/v1/project", map[string]any{"brand_color": "", "logo_url": "", "app_url": ""}).want(http.StatusOK).obj()
		if p["brand_color"] != "" || p["logo_url"] != "" || p["app_url"] != "" {
			t.Fatalf("cleared branding = %v", p)
		}
	})
}
