package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

// Every kind of mutation records an event whose details fit its verb:
// creations carry "after", deletions "before", changes both.
func TestEveryMutationIsAudited(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		c.do(http.MethodPatch, "/api/v1/project", map[string]any{"allow_custom_roles": true}).want(http.StatusOK)
		org := c.newOrg("Southwest")
		c.do(http.MethodPatch, "/api/v1/organizations/"+org, map[string]any{"join_by_domain": true}).want(http.StatusOK)
		c.newUser(org, "owner@example.com", nil) // the first member, so ada is not the last owner
		u := c.newUser(org, "ada@example.com", nil)["id"].(string)
		c.do(http.MethodPatch, "/api/v1/users/"+u, map[string]any{"display_name": "Ada"}).want(http.StatusOK)
		perm := c.do(http.MethodPost, "/api/v1/permissions", map[string]any{"key": "invoices.read"}).want(http.StatusCreated).str("id")
		c.do(http.MethodPatch, "/api/v1/permissions/"+perm, map[string]any{"description": "Read"}).want(http.StatusOK)
		role := c.do(http.MethodPost, "/api/v1/roles", map[string]any{"organization_id": org, "key": "pilot", "name": "Pilot"}).want(http.StatusCreated).str("id")
		c.do(http.MethodPatch, "/api/v1/roles/"+role, map[string]any{"permissions": []string{"invoices.read"}}).want(http.StatusOK)
		c.do(http.MethodPost, "/api/v1/users/"+u+"/roles", map[string]any{"role_id": role}).want(http.StatusOK)
		c.do(http.MethodDelete, "/api/v1/users/"+u+"/roles/"+role, nil).want(http.StatusNoContent)
		c.do(http.MethodDelete, "/api/v1/roles/"+role, nil).want(http.StatusNoContent)
		c.do(http.MethodDelete, "/api/v1/permissions/"+perm, nil).want(http.StatusNoContent)
		key := c.do(http.MethodPost, "/api/v1/secret-keys", map[string]any{"name": "k"}).want(http.StatusCreated).str("id")
		c.do(http.MethodDelete, "/api/v1/secret-keys/"+key, nil).want(http.StatusNoContent)
		c.do(http.MethodDelete, "/api/v1/users/"+u, nil).want(http.StatusNoContent)
		c.do(http.MethodDelete, "/api/v1/organizations/"+org, nil).want(http.StatusNoContent)

		seen := map[string]bool{}
		for _, ev := range c.listAll("/api/v1/audit-events", 200) {
			typ := ev["event_type"].(string)
			seen[typ] = true
			d := ev["details"].(map[string]any)
			_, hasBefore := d["before"]
			_, hasAfter := d["after"]
			verb := typ[strings.LastIndexByte(typ, '.')+1:]
			switch verb {
			case "created", "assigned":
				if hasBefore || !hasAfter {
					t.Errorf("%s: details %v, want only after", typ, d)
				}
			case "deleted", "unassigned":
				if !hasBefore || hasAfter {
					t.Errorf("%s: details %v, want only before", typ, d)
				}
			case "updated", "revoked":
				if !hasBefore || !hasAfter {
					t.Errorf("%s: details %v, want before and after", typ, d)
				}
			default:
				t.Errorf("unexpected event type %s", typ)
			}
			// Events made through the API name the key; the project's own
			// creation names the system component that made it.
			actor := ev["actor"].(map[string]any)
			fromAPI := actor["type"] == "secret_key" && actor["id"] == c.keyID
			fromSetup := actor["type"] == "system"
			if !fromAPI && !fromSetup {
				t.Errorf("%s: actor %v", typ, actor)
			}
			if ev["resource_id"] == "" || ev["resource_type"] == "" {
				t.Errorf("%s: no resource: %v", typ, ev)
			}
			// Organization-scoped events carry the organization.
			if strings.HasPrefix(typ, "organization.") || strings.HasPrefix(typ, "user.") || verb == "assigned" || verb == "unassigned" {
				if ev["organization_id"] != org {
					t.Errorf("%s: organization_id %v, want %s", typ, ev["organization_id"], org)
				}
			}
		}
		for _, typ := range []string{
			"project.created", "project.updated", "organization.created", "organization.updated", "organization.deleted",
			"user.created", "user.updated", "user.deleted", "permission.created", "permission.updated", "permission.deleted",
			"role.created", "role.updated", "role.deleted", "role.assigned", "role.unassigned",
			"secret_key.created", "secret_key.revoked",
		} {
			if !seen[typ] {
				t.Errorf("no %s event", typ)
			}
		}
	})
}
