package httpapi_test

import (
	"net/http"
	"testing"
)

func TestPermissionsAndRoles(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		read := c.do(http.MethodPost, "/api/v1/permissions", map[string]any{"key": "invoices.read", "description": "Read invoices"}).want(http.StatusCreated).obj()
		c.do(http.MethodPost, "/api/v1/permissions", map[string]any{"key": "invoices.write"}).want(http.StatusCreated)
		c.do(http.MethodPost, "/api/v1/permissions", map[string]any{"key": "invoices.read"}).problem(http.StatusConflict, "permission_key_taken")
		c.do(http.MethodPost, "/api/v1/permissions", map[string]any{"key": "Invoices Read"}).problem(http.StatusBadRequest, "invalid_request")
		pid := read["id"].(string)
		up := c.do(http.MethodPatch, "/api/v1/permissions/"+pid, map[string]any{"description": "Read all invoices"}).want(http.StatusOK).obj()
		if up["description"] != "Read all invoices" || up["key"] != "invoices.read" {
			t.Fatalf("patched permission = %v", up)
		}
		if got := c.do(http.MethodGet, "/api/v1/permissions/"+pid, nil).want(http.StatusOK).obj(); got["description"] != "Read all invoices" {
			t.Fatalf("get permission = %v", got)
		}
		if n := len(c.listAll("/api/v1/permissions", 1)); n != 2 {
			t.Fatalf("%d permissions, want 2", n)
		}

		// Built-in roles exist from the start.
		builtin := map[string]bool{}
		for _, r := range c.listAll("/api/v1/roles", 50) {
			if r["builtin"] == true {
				builtin[r["key"].(string)] = true
			}
		}
		if !builtin["owner"] || !builtin["admin"] || !builtin["member"] {
			t.Fatalf("built-in roles = %v", builtin)
		}

		role := c.do(http.MethodPost, "/api/v1/roles", map[string]any{
			"key": "billing", "name": "Billing", "permissions": []string{"invoices.write", "invoices.read", "invoices.read"},
		}).want(http.StatusCreated).obj()
		if ps := role["permissions"].([]any); len(ps) != 2 || ps[0] != "invoices.read" || role["organization_id"] != nil || role["builtin"] != false {
			t.Fatalf("created role = %v", role)
		}
		rid := role["id"].(string)
		c.do(http.MethodPost, "/api/v1/roles", map[string]any{"key": "billing", "name": "Again"}).problem(http.StatusConflict, "role_key_taken")
		c.do(http.MethodPost, "/api/v1/roles", map[string]any{"key": "owner", "name": "Shadow"}).problem(http.StatusConflict, "role_key_taken")
		p := c.do(http.MethodPost, "/api/v1/roles", map[string]any{"key": "x", "name": "X", "permissions": []string{"nope"}}).problem(http.StatusBadRequest, "invalid_request")
		if fe := p["errors"].([]any)[0].(map[string]any); fe["location"] != "body.permissions" {
			t.Fatalf("unknown permission error = %v", p)
		}

		up = c.do(http.MethodPatch, "/api/v1/roles/"+rid, map[string]any{"name": "Billing team", "permissions": []string{"invoices.read"}}).want(http.StatusOK).obj()
		if up["name"] != "Billing team" || len(up["permissions"].([]any)) != 1 || up["key"] != "billing" {
			t.Fatalf("patched role = %v", up)
		}
		c.do(http.MethodPatch, "/api/v1/roles/"+rid, map[string]any{"key": "billing2"}).problem(http.StatusBadRequest, "invalid_request")

		// Built-in roles: permissions editable, key and existence fixed.
		owner := c.roleID("owner")
		up = c.do(http.MethodPatch, "/api/v1/roles/"+owner, map[string]any{"permissions": []string{"invoices.read", "invoices.write"}}).want(http.StatusOK).obj()
		if len(up["permissions"].([]any)) != 2 {
			t.Fatalf("built-in role permissions not edited: %v", up)
		}
		c.do(http.MethodPatch, "/api/v1/roles/"+owner, map[string]any{"key": "boss"}).problem(http.StatusConflict, "builtin_role")
		c.do(http.MethodDelete, "/api/v1/roles/"+owner, nil).problem(http.StatusConflict, "builtin_role")
		if got := c.do(http.MethodGet, "/api/v1/roles/"+owner, nil).want(http.StatusOK).obj(); got["key"] != "owner" {
			t.Fatalf("built-in role changed: %v", got)
		}

		// Deleting a permission removes it from roles.
		c.do(http.MethodDelete, "/api/v1/permissions/"+pid, nil).want(http.StatusNoContent)
		if got := c.do(http.MethodGet, "/api/v1/roles/"+rid, nil).want(http.StatusOK).obj(); len(got["permissions"].([]any)) != 0 {
			t.Fatalf("deleted permission still in role: %v", got)
		}
		c.do(http.MethodDelete, "/api/v1/roles/"+rid, nil).want(http.StatusNoContent)
		c.do(http.MethodGet, "/api/v1/roles/"+rid, nil).problem(http.StatusNotFound, "not_found")

		types := auditTypes(c, "")
		for typ, n := range map[string]int{"permission.created": 2, "permission.updated": 1, "permission.deleted": 1, "role.created": 4, "role.updated": 2, "role.deleted": 1} {
			if types[typ] != n {
				t.Errorf("%s events = %d, want %d (all: %v)", typ, types[typ], n, types)
			}
		}
	})
}

func TestCustomRolesAndAssignments(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		org := c.newOrg("Southwest")
		other := c.newOrg("Best Buy")
		custom := map[string]any{"organization_id": org, "key": "pilot", "name": "Pilot"}
		c.do(http.MethodPost, "/api/v1/roles", custom).problem(http.StatusConflict, "custom_roles_disabled")
		c.do(http.MethodPatch, "/api/v1/project", map[string]any{"allow_custom_roles": true}).want(http.StatusOK)
		role := c.do(http.MethodPost, "/api/v1/roles", custom).want(http.StatusCreated).obj()
		if role["organization_id"] != org {
			t.Fatalf("custom role = %v", role)
		}
		rid := role["id"].(string)
		// The same key may be a custom role of another organization.
		c.do(http.MethodPost, "/api/v1/roles", map[string]any{"organization_id": other, "key": "pilot", "name": "Pilot"}).want(http.StatusCreated)

		// Custom roles are listed only for their organization.
		keys := func(q string) map[string]int {
			out := map[string]int{}
			for _, r := range c.listAll("/api/v1/roles"+q, 50) {
				out[r["key"].(string)]++
			}
			return out
		}
		if k := keys(""); k["pilot"] != 0 || k["owner"] != 1 {
			t.Fatalf("project roles = %v", k)
		}
		if k := keys("?organization_id=" + org); k["pilot"] != 1 || k["owner"] != 1 {
			t.Fatalf("organization roles = %v", k)
		}

		u := c.newUser(org, "ada@example.com", nil)["id"].(string)
		stranger := c.newUser(other, "bob@example.com", nil)["id"].(string)
		got := c.do(http.MethodPost, "/api/v1/users/"+u+"/roles", map[string]any{"role_key": "pilot"}).want(http.StatusOK).obj()
		if got["id"] != rid {
			t.Fatalf("role_key resolved to %v, want the organization's own pilot", got["id"])
		}
		// Idempotent: assigning again records nothing new.
		before := auditTypes(c, "")["role.assigned"]
		c.do(http.MethodPost, "/api/v1/users/"+u+"/roles", map[string]any{"role_id": rid}).want(http.StatusOK)
		if after := auditTypes(c, "")["role.assigned"]; after != before {
			t.Fatalf("repeated assignment wrote %d events", after-before)
		}
		// Another organization's custom role is not found from this user.
		c.do(http.MethodPost, "/api/v1/users/"+stranger+"/roles", map[string]any{"role_id": rid}).problem(http.StatusNotFound, "not_found")
		c.do(http.MethodPost, "/api/v1/users/"+u+"/roles", map[string]any{}).problem(http.StatusBadRequest, "invalid_request")
		c.do(http.MethodPost, "/api/v1/users/"+u+"/roles", map[string]any{"role_key": "ghost"}).problem(http.StatusNotFound, "not_found")

		var list struct {
			Data []map[string]any `json:"data"`
		}
		c.do(http.MethodGet, "/api/v1/users/"+u+"/roles", nil).want(http.StatusOK).into(&list)
		if len(list.Data) != 2 || list.Data[0]["key"] != "owner" || list.Data[1]["key"] != "pilot" {
			t.Fatalf("user roles = %v", list.Data)
		}
		c.do(http.MethodDelete, "/api/v1/users/"+u+"/roles/"+rid, nil).want(http.StatusNoContent)
		c.do(http.MethodDelete, "/api/v1/users/"+u+"/roles/"+rid, nil).problem(http.StatusNotFound, "not_found")
		if r := rolesOf(c.do(http.MethodGet, "/api/v1/users/"+u, nil).want(http.StatusOK).obj()); len(r) != 1 || r[0] != "owner" {
			t.Fatalf("roles after unassign = %v", r)
		}
		if n := auditTypes(c, "organization_id="+org)["role.unassigned"]; n != 1 {
			t.Fatalf("role.unassigned events for the organization = %d, want 1", n)
		}
	})
}
