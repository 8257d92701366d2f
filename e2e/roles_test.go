package e2e

import (
	"context"
	"net/http"
	"slices"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// TestRolesAndPermissionsReachTokens: roles given to a user, project-wide
// and the organization's own custom roles, appear in the access token as
// roles and the union of their permissions; a change reaches the token at
// the next refresh, without a new login.
func TestRolesAndPermissionsReachTokens(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, d deployment) {
		s := newLoginStack(t, d)
		api := s.api(t)
		a := newApp(t, s.project)
		p := newPerson(t, s.public)
		ctx := context.Background()

		p.open(a.authURL())
		s.proveEmail(t, p, "ada@engines.example")
		finishNewOrganization(t, p, "Analytical Engines")
		tok := a.finish(t, p.landed)
		c := s.accessClaims(t, tok.oauth)
		if len(c.Permissions) != 0 {
			t.Fatalf("a new owner has no vendor permissions yet; got %v", c.Permissions)
		}

		for _, key := range []string{"invoices.read", "invoices.write", "reports.export"} {
			api.must(http.StatusCreated, "POST", "/permissions", map[string]any{"key": key})
		}
		api.must(http.StatusCreated, "POST", "/roles", map[string]any{
			"key": "billing", "name": "Billing", "permissions": []string{"invoices.read", "invoices.write"},
		})

		// Custom roles need the project's consent.
		refused := api.must(http.StatusConflict, "POST", "/roles", map[string]any{
			"organization_id": c.OrgID, "key": "auditor", "name": "Auditor", "permissions": []string{"reports.export"},
		})
		if code := refused.str(t, "code"); code != "custom_roles_disabled" {
			t.Fatalf("custom role without the project's consent: code %q: %s", code, refused.body)
		}
		api.must(http.StatusOK, "PATCH", "/project", map[string]any{"allow_custom_roles": true})
		api.must(http.StatusCreated, "POST", "/roles", map[string]any{
			"organization_id": c.OrgID, "key": "auditor", "name": "Auditor", "permissions": []string{"reports.export", "invoices.read"},
		})

		// Another organization's custom role is invisible to this user.
		other := api.must(http.StatusCreated, "POST", "/organizations", map[string]any{"name": "Difference Engines"}).str(t, "id")
		foreign := api.must(http.StatusCreated, "POST", "/roles", map[string]any{
			"organization_id": other, "key": "foreign", "name": "Foreign", "permissions": []string{"invoices.write"},
		}).str(t, "id")
		if r, _ := api.do("POST", "/users/"+c.Subject+"/roles", map[string]any{"role_id": foreign}); r.status == http.StatusOK {
			t.Fatal("a role of another organization was assigned")
		}

		api.must(http.StatusOK, "POST", "/users/"+c.Subject+"/roles", map[string]any{"role_key": "billing"})
		api.must(http.StatusOK, "POST", "/users/"+c.Subject+"/roles", map[string]any{"role_key": "auditor"})

		refresh := func(tk *oauth2.Token) *oauth2.Token {
			t.Helper()
			stale := *tk
			stale.Expiry = time.Now().Add(-time.Minute)
			next, err := a.config.TokenSource(ctx, &stale).Token()
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			return next
		}
		next := refresh(tok.oauth)
		c2 := s.accessClaims(t, next)
		for _, want := range []string{"owner", "billing", "auditor"} {
			if !slices.Contains(c2.Roles, want) {
				t.Fatalf("roles %v lack %s after the next refresh", c2.Roles, want)
			}
		}
		if slices.Contains(c2.Roles, "foreign") {
			t.Fatalf("another organization's role reached the token: %v", c2.Roles)
		}
		want := []string{"invoices.read", "invoices.write", "reports.export"}
		got := slices.Clone(c2.Permissions)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Fatalf("permissions %v, want the union %v", c2.Permissions, want)
		}

		// Taking billing away takes invoices.write away at the next refresh;
		// invoices.read stays because auditor grants it too.
		roles := api.must(http.StatusOK, "GET", "/users/"+c.Subject+"/roles", nil).list(t)
		for _, r := range roles {
			if r["key"] == "billing" {
				api.must(http.StatusNoContent, "DELETE", "/users/"+c.Subject+"/roles/"+r["id"].(string), nil)
			}
		}
		c3 := s.accessClaims(t, refresh(next))
		if slices.Contains(c3.Roles, "billing") || slices.Contains(c3.Permissions, "invoices.write") {
			t.Fatalf("after unassigning billing: roles %v permissions %v", c3.Roles, c3.Permissions)
		}
		if !slices.Contains(c3.Permissions, "invoices.read") || !slices.Contains(c3.Permissions, "reports.export") {
			t.Fatalf("auditor's permissions are gone too: %v", c3.Permissions)
		}
	})
}
