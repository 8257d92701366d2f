package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// TestWalkthrough follows the README's five-minute tour with plain HTTP:
// create a project with the CLI, then an organization, a user, a listing, a
// role, the audit log, and the errors a newcomer is likely to meet.
func TestWalkthrough(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, d deployment) {
		srv := start(t, d)
		p := createProject(t, d, srv.main.PublicURL(), "My app")
		if p.APIBaseURL != srv.main.PublicURL()+"/api/v1" || p.Issuer != srv.main.PublicURL()+"/p/"+p.ProjectID {
			t.Fatalf("project URLs do not follow the server: %+v (public URL %s)", p, srv.main.PublicURL())
		}
		c := newClient(t, srv.url, p.SecretKey)

		// The project the key belongs to, with the issuer the CLI printed.
		proj := c.must(http.StatusOK, "GET", "/project", nil)
		if proj.str(t, "id") != p.ProjectID || proj.str(t, "issuer") != p.Issuer {
			t.Fatalf("GET /project = %s; the CLI printed %+v", proj.body, p)
		}

		org := c.must(http.StatusCreated, "POST", "/organizations", map[string]any{"name": "Southwest Airlines"})
		orgID := org.str(t, "id")
		if !strings.HasPrefix(orgID, "org_") || org.str(t, "name") != "Southwest Airlines" {
			t.Fatalf("created organization: %s", org.body)
		}

		user := c.must(http.StatusCreated, "POST", "/users", map[string]any{
			"organization_id": orgID, "email": "Ada@Southwest.example", "display_name": "Ada Lovelace",
		})
		userID := user.str(t, "id")
		if !strings.HasPrefix(userID, "user_") || user.str(t, "email") != "ada@southwest.example" {
			t.Fatalf("created user: %s", user.body)
		}

		users := c.must(http.StatusOK, "GET", "/users?organization_id="+orgID, nil).list(t)
		if len(users) != 1 || users[0]["id"] != userID {
			t.Fatalf("listed users: %v", users)
		}
		if n := c.must(http.StatusOK, "GET", "/organizations/"+orgID, nil).json(t)["member_count"]; n != float64(1) {
			t.Fatalf("member_count = %v, want 1", n)
		}

		role := c.must(http.StatusOK, "POST", "/users/"+userID+"/roles", map[string]any{"role_key": "admin"})
		if role.str(t, "key") != "admin" {
			t.Fatalf("assigned role: %s", role.body)
		}
		var keys []string
		for _, r := range c.must(http.StatusOK, "GET", "/users/"+userID+"/roles", nil).list(t) {
			keys = append(keys, r["key"].(string))
		}
		if !strings.Contains(strings.Join(keys, ","), "admin") {
			t.Fatalf("user roles = %v, want admin among them", keys)
		}

		events := c.must(http.StatusOK, "GET", "/audit-events?organization_id="+orgID, nil).list(t)
		seen := map[string]bool{}
		for _, e := range events {
			seen[e["event_type"].(string)] = true
		}
		for _, want := range []string{"organization.created", "user.created", "role.assigned"} {
			if !seen[want] {
				t.Errorf("audit log lacks %s: %v", want, seen)
			}
		}

		// Errors: a duplicate email (case-insensitive), a missing key, an
		// unknown ID, bad input.
		dup := c.must(http.StatusConflict, "POST", "/users", map[string]any{
			"organization_id": orgID, "email": "ADA@southwest.example", "display_name": "Ada again",
		})
		if dup.str(t, "code") != "email_taken" || !strings.HasPrefix(dup.header.Get("Content-Type"), "application/problem+json") {
			t.Fatalf("duplicate email: %s %s", dup.header.Get("Content-Type"), dup.body)
		}
		anon := newClient(t, srv.url, "")
		if r := anon.must(http.StatusUnauthorized, "GET", "/organizations", nil); r.str(t, "code") != "unauthenticated" {
			t.Fatalf("no key: %s", r.body)
		}
		if r := c.must(http.StatusNotFound, "GET", "/users/user_01aaaaaaaaaaaaaaaaaaaaaaaa", nil); r.str(t, "code") != "not_found" {
			t.Fatalf("unknown user: %s", r.body)
		}
		bad := c.must(http.StatusBadRequest, "POST", "/users", map[string]any{"organization_id": orgID, "email": "not-an-email"})
		if !strings.Contains(string(bad.body), "email") {
			t.Fatalf("bad email: %s", bad.body)
		}

		// A second project's key sees none of the first project's rows.
		other := createProject(t, d, srv.main.PublicURL(), "Other app")
		oc := newClient(t, srv.url, other.SecretKey)
		oc.must(http.StatusNotFound, "GET", "/organizations/"+orgID, nil)
		oc.must(http.StatusNotFound, "GET", "/users/"+userID, nil)
		oc.must(http.StatusNotFound, "POST", "/users", map[string]any{"organization_id": orgID, "email": "mallory@example.com"})
		if l := oc.must(http.StatusOK, "GET", "/users", nil).list(t); len(l) != 0 {
			t.Fatalf("another project lists the first project's users: %v", l)
		}

		// The OpenAPI document is served where the banner says.
		spec := anon.must(http.StatusOK, "GET", "/openapi.json", nil).json(t)
		if v, _ := spec["openapi"].(string); !strings.HasPrefix(v, "3.1") {
			t.Fatalf("openapi version = %v", spec["openapi"])
		}
		servers, _ := spec["servers"].([]any)
		if len(servers) != 1 || servers[0].(map[string]any)["url"] != p.APIBaseURL {
			t.Fatalf("OpenAPI servers = %v, want the API base URL %s", spec["servers"], p.APIBaseURL)
		}
	})
}
