package httpapi_test

import (
	"net/http"
	"sync"
	"testing"
)

// roleID finds a role's ID by key.
func (c *client) roleID(key string) string {
	c.t.Helper()
	for _, r := range c.listAll("/api/v1/roles", 200) {
		if r["key"] == key {
			return r["id"].(string)
		}
	}
	c.t.Fatalf("no role %q", key)
	return ""
}

func TestLastOwnerCannotBeRemoved(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		org := c.newOrg("Southwest")
		owner := c.newUser(org, "owner@example.com", nil)["id"].(string)
		member := c.newUser(org, "member@example.com", nil)["id"].(string)
		ownerRole := c.roleID("owner")
		events := len(c.listAll("/api/v1/audit-events", 200))

		c.do(http.MethodDelete, "/api/v1/users/"+owner, nil).problem(http.StatusConflict, "last_owner")
		c.do(http.MethodPatch, "/api/v1/users/"+owner, map[string]any{"status": "deactivated"}).problem(http.StatusConflict, "last_owner")
		c.do(http.MethodDelete, "/api/v1/users/"+owner+"/roles/"+ownerRole, nil).problem(http.StatusConflict, "last_owner")

		got := c.do(http.MethodGet, "/api/v1/users/"+owner, nil).want(http.StatusOK).obj()
		if got["status"] != "active" || rolesOf(got)[0] != "owner" {
			t.Fatalf("refused changes applied: %v", got)
		}
		if n := len(c.listAll("/api/v1/audit-events", 200)); n != events {
			t.Fatalf("refused changes wrote %d audit events", n-events)
		}

		// With a second owner, the first can step down, be deactivated and be deleted.
		c.do(http.MethodPost, "/api/v1/users/"+member+"/roles", map[string]any{"role_key": "owner"}).want(http.StatusOK)
		c.do(http.MethodDelete, "/api/v1/users/"+owner+"/roles/"+ownerRole, nil).want(http.StatusNoContent)
		c.do(http.MethodPost, "/api/v1/users/"+owner+"/roles", map[string]any{"role_id": ownerRole}).want(http.StatusOK)
		c.do(http.MethodPatch, "/api/v1/users/"+owner, map[string]any{"status": "deactivated"}).want(http.StatusOK)
		// A deactivated owner does not count: the member is now the last active owner.
		c.do(http.MethodDelete, "/api/v1/users/"+member, nil).problem(http.StatusConflict, "last_owner")
		c.do(http.MethodDelete, "/api/v1/users/"+owner, nil).want(http.StatusNoContent)
		c.do(http.MethodGet, "/api/v1/users/"+member, nil).want(http.StatusOK)
	})
}

// Two owners demoting each other at once: exactly one may succeed.
func TestLastOwnerConcurrentDemotion(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		org := c.newOrg("Southwest")
		a := c.newUser(org, "a@example.com", nil)["id"].(string)
		b := c.newUser(org, "b@example.com", map[string]any{"roles": []string{"owner"}})["id"].(string)
		ownerRole := c.roleID("owner")
		for round := 0; round < 5; round++ {
			var wg sync.WaitGroup
			statuses := make([]int, 2)
			for i, uid := range []string{a, b} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					statuses[i] = c.do(http.MethodDelete, "/api/v1/users/"+uid+"/roles/"+ownerRole, nil).status
				}()
			}
			wg.Wait()
			ok, refused := 0, 0
			for _, s := range statuses {
				switch s {
				case http.StatusNoContent:
					ok++
				case http.StatusConflict:
					refused++
				}
			}
			if ok != 1 || refused != 1 {
				t.Fatalf("round %d: statuses %v, want one 204 and one 409", round, statuses)
			}
			owners := 0
			for _, u := range c.listAll("/api/v1/users?organization_id="+org, 50) {
				for _, r := range rolesOf(u) {
					if r == "owner" {
						owners++
					}
				}
			}
			if owners != 1 {
				t.Fatalf("round %d: %d owners left, want 1", round, owners)
			}
			// Restore both owners for the next round.
			for _, uid := range []string{a, b} {
				c.do(http.MethodPost, "/api/v1/users/"+uid+"/roles", map[string]any{"role_key": "owner"}).want(http.StatusOK)
			}
		}
	})
}

// Members created at the same time in a new organization: exactly one
// becomes its owner.
func TestFirstMemberBecomesOwnerUnderConcurrency(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		org := c.newOrg("Southwest")
		var wg sync.WaitGroup
		statuses := make([]int, 6)
		for i := range statuses {
			wg.Add(1)
			go func() {
				defer wg.Done()
				statuses[i] = c.do(http.MethodPost, "/api/v1/users", map[string]any{
					"organization_id": org, "email": "u" + itoa(i) + "@example.com",
				}).status
			}()
		}
		wg.Wait()
		for i, s := range statuses {
			if s != http.StatusCreated {
				t.Fatalf("create %d: status %d", i, s)
			}
		}
		owners := 0
		for _, u := range c.listAll("/api/v1/users?organization_id="+org, 50) {
			if r := rolesOf(u); len(r) == 1 && r[0] == "owner" {
				owners++
			}
		}
		if owners != 1 {
			t.Fatalf("%d owners, want exactly 1", owners)
		}
	})
}
