package httpapi_test

import (
	"net/http"
	"sync"
	"testing"
)

// Two PATCHes of different policy fields at the same moment must both stick:
// each update reads the organization under its row lock, so neither writes
// back the other's old value (on Postgres, READ COMMITTED would otherwise
// let the kill switch be undone by an unrelated change).
func TestConcurrentOrganizationPatchesKeepBothChanges(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		for trial := range 12 {
			org := c.newOrg("Race " + itoa(trial))
			var wg sync.WaitGroup
			start := make(chan struct{})
			for _, body := range []map[string]any{{"join_by_domain": true}, {"logins_disabled": true}, {"name": "Renamed " + itoa(trial)}} {
				wg.Go(func() {
					<-start
					c.do(http.MethodPatch, "/api/v1/organizations/"+org, body).want(http.StatusOK)
				})
			}
			close(start)
			wg.Wait()
			got := c.do(http.MethodGet, "/api/v1/organizations/"+org, nil).want(http.StatusOK).obj()
			if got["join_by_domain"] != true || got["logins_disabled"] != true || got["name"] != "Renamed "+itoa(trial) {
				t.Fatalf("trial %d: a concurrent update was lost: %v", trial, got)
			}
		}
	})
}

// Many identical role assignments at once: the user holds the role once and
// the audit log records one role.assigned event, not one per request.
func TestConcurrentIdenticalAssignmentsRecordOneEvent(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		org := c.newOrg("Southwest")
		c.newUser(org, "owner@example.com", nil)
		uid := c.newUser(org, "ada@example.com", nil)["id"].(string)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 32 {
			wg.Go(func() {
				<-start
				c.do(http.MethodPost, "/api/v1/users/"+uid+"/roles", map[string]any{"role_key": "admin"}).want(http.StatusOK)
			})
		}
		close(start)
		wg.Wait()
		events := c.listAll("/api/v1/audit-events?event_type=role.assigned&organization_id="+org, 200)
		admin := 0
		for _, ev := range events {
			if ev["resource_id"] == uid {
				admin++
			}
		}
		// ada got member at creation (one event) and admin once.
		if admin != 2 {
			t.Fatalf("role.assigned events for the user = %d, want 2 (member at creation, admin once)", admin)
		}
	})
}

// The first member of an organization becomes its owner even when the caller
// names other roles; an organization never starts without an owner.
func TestFirstMemberIsOwnerWhateverRolesSay(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		org := c.newOrg("Southwest")
		first := c.newUser(org, "first@example.com", map[string]any{"roles": []string{"member"}})
		if r := rolesOf(first); len(r) != 2 || r[0] != "member" || r[1] != "owner" {
			t.Fatalf("first member's roles = %v, want [member owner]", r)
		}
		second := c.newUser(org, "second@example.com", map[string]any{"roles": []string{"member"}})
		if r := rolesOf(second); len(r) != 1 || r[0] != "member" {
			t.Fatalf("second member's roles = %v, want [member]", r)
		}
	})
}

// A role key names one role in every organization: a project-wide role may
// not reuse an organization's custom key, nor the reverse.
func TestRoleKeysAreUnambiguous(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		c.do(http.MethodPatch, "/api/v1/project", map[string]any{"allow_custom_roles": true}).want(http.StatusOK)
		org := c.newOrg("Southwest")
		c.do(http.MethodPost, "/api/v1/roles", map[string]any{"organization_id": org, "key": "billing", "name": "Billing"}).want(http.StatusCreated)
		c.do(http.MethodPost, "/api/v1/roles", map[string]any{"key": "billing", "name": "Billing"}).problem(http.StatusConflict, "role_key_taken")
		c.do(http.MethodPost, "/api/v1/roles", map[string]any{"key": "support", "name": "Support"}).want(http.StatusCreated)
		c.do(http.MethodPost, "/api/v1/roles", map[string]any{"organization_id": org, "key": "support", "name": "Support"}).problem(http.StatusConflict, "role_key_taken")
		// Another organization may have its own custom role with the same key.
		other := c.newOrg("Best Buy")
		c.do(http.MethodPost, "/api/v1/roles", map[string]any{"organization_id": other, "key": "billing", "name": "Billing"}).want(http.StatusCreated)
	})
}
