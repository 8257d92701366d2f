package httpapi_test

import (
	"net/http"
	"strings"
	"testing"
)

func TestOrganizationLifecycle(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		r := c.do(http.MethodPost, "/api/v1/organizations", map[string]any{"name": "  Southwest Airlines "}).want(http.StatusCreated)
		o := r.obj()
		oid := o["id"].(string)
		if o["name"] != "Southwest Airlines" || o["member_count"] != 0.0 || o["require_mfa"] != false || o["logins_disabled"] != false ||
			o["join_by_domain"] != false || o["join_role"] != "member" {
			t.Fatalf("created organization: %s", r.body)
		}
		if o["session_max_lifetime_seconds"] != nil || o["session_idle_timeout_seconds"] != nil {
			t.Fatalf("session overrides must default to null: %s", r.body)
		}
		if ms := o["allowed_login_methods"].([]any); len(ms) != 8 {
			t.Fatalf("allowed_login_methods = %v, want all eight", ms)
		}
		got := c.do(http.MethodGet, "/api/v1/organizations/"+oid, nil).want(http.StatusOK).obj()
		if got["name"] != "Southwest Airlines" || got["created_at"] != o["created_at"] {
			t.Fatalf("get = %v", got)
		}

		// Partial update: only the fields sent change.
		up := c.do(http.MethodPatch, "/api/v1/organizations/"+oid, map[string]any{
			"join_by_domain": true, "join_role": "admin", "session_max_lifetime_seconds": 3600, "allowed_login_methods": []string{"saml", "email"},
		}).want(http.StatusOK).obj()
		if up["name"] != "Southwest Airlines" || up["join_by_domain"] != true || up["join_role"] != "admin" || up["session_max_lifetime_seconds"] != 3600.0 {
			t.Fatalf("patched = %v", up)
		}
		if ms := up["allowed_login_methods"].([]any); len(ms) != 2 || ms[0] != "email" || ms[1] != "saml" {
			t.Fatalf("allowed_login_methods = %v, want [email saml]", ms)
		}
		// Absent leaves the override; explicit null resets it.
		up = c.do(http.MethodPatch, "/api/v1/organizations/"+oid, map[string]any{"name": "SWA"}).want(http.StatusOK).obj()
		if up["session_max_lifetime_seconds"] != 3600.0 || up["name"] != "SWA" {
			t.Fatalf("absent field changed: %v", up)
		}
		up = c.do(http.MethodPatch, "/api/v1/organizations/"+oid, `{"session_max_lifetime_seconds": null}`).want(http.StatusOK).obj()
		if up["session_max_lifetime_seconds"] != nil || up["join_by_domain"] != true || up["join_role"] != "admin" {
			t.Fatalf("null did not reset: %v", up)
		}

		rows := c.listAll("/api/v1/organizations", 50)
		if len(rows) != 1 || rows[0]["id"] != oid {
			t.Fatalf("list = %v", rows)
		}

		c.do(http.MethodDelete, "/api/v1/organizations/"+oid, nil).want(http.StatusNoContent)
		c.do(http.MethodGet, "/api/v1/organizations/"+oid, nil).problem(http.StatusNotFound, "not_found")
		c.do(http.MethodDelete, "/api/v1/organizations/"+oid, nil).problem(http.StatusNotFound, "not_found")
		c.do(http.MethodGet, "/api/v1/organizations/org_garbage", nil).problem(http.StatusNotFound, "not_found")

		types := auditTypes(c, "")
		for _, want := range []string{"organization.created", "organization.updated", "organization.deleted"} {
			if types[want] == 0 {
				t.Errorf("no %s audit event (have %v)", want, types)
			}
		}
		if types["organization.updated"] != 3 {
			t.Errorf("organization.updated events = %d, want 3", types["organization.updated"])
		}
	})
}

func TestOrganizationBadInput(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		oid := c.do(http.MethodPost, "/api/v1/organizations", map[string]any{"name": "Ok"}).want(http.StatusCreated).str("id")
		cases := []struct {
			name, method, path string
			body               any
			location           string
		}{
			{"missing name", http.MethodPost, "/api/v1/organizations", map[string]any{}, "body"},
			{"empty name", http.MethodPost, "/api/v1/organizations", map[string]any{"name": ""}, "body.name"},
			{"blank name", http.MethodPost, "/api/v1/organizations", map[string]any{"name": "   "}, "body.name"},
			{"control character", http.MethodPost, "/api/v1/organizations", map[string]any{"name": "a\u0007b"}, "body.name"},
			{"unknown method", http.MethodPost, "/api/v1/organizations", map[string]any{"name": "x", "allowed_login_methods": []string{"fax"}}, "body.allowed_login_methods[0]"},
			{"no methods", http.MethodPatch, "/api/v1/organizations/" + oid, map[string]any{"allowed_login_methods": []string{}}, "body.allowed_login_methods"},
			{"short session", http.MethodPatch, "/api/v1/organizations/" + oid, map[string]any{"session_max_lifetime_seconds": 5}, "body.session_max_lifetime_seconds"},
			{"wrong type", http.MethodPatch, "/api/v1/organizations/" + oid, map[string]any{"require_mfa": "yes"}, "body.require_mfa"},
			{"join as owner", http.MethodPatch, "/api/v1/organizations/" + oid, map[string]any{"join_by_domain": true, "join_role": "owner"}, "body.join_role"},
			{"join as unknown role", http.MethodPatch, "/api/v1/organizations/" + oid, map[string]any{"join_role": "pilot"}, "body.join_role"},
			{"create joining as owner", http.MethodPost, "/api/v1/organizations", map[string]any{"name": "x", "join_role": "owner"}, "body.join_role"},
			{"unknown field", http.MethodPatch, "/api/v1/organizations/" + oid, map[string]any{"colour": "red"}, "body.colour"},
			{"limit too big", http.MethodGet, "/api/v1/organizations?limit=500", nil, "query.limit"},
			{"limit zero", http.MethodGet, "/api/v1/organizations?limit=0", nil, "query.limit"},
		}
		for _, tc := range cases {
			t.Logf("case %s", tc.name)
			p := c.do(tc.method, tc.path, tc.body).problem(http.StatusBadRequest, "invalid_request")
			errs, _ := p["errors"].([]any)
			found := false
			for _, fe := range errs {
				if fe.(map[string]any)["location"] == tc.location {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: no error at %s: %v", tc.name, tc.location, p)
			}
		}
		got := c.do(http.MethodGet, "/api/v1/organizations/"+oid, nil).want(http.StatusOK).obj()
		if got["name"] != "Ok" || got["require_mfa"] != false || got["session_max_lifetime_seconds"] != nil || got["join_role"] != "member" || got["join_by_domain"] != false {
			t.Fatalf("a refused update changed the organization: %v", got)
		}
		if n := len(c.listAll("/api/v1/organizations", 200)); n != 1 {
			t.Fatalf("refused creates left %d organizations", n)
		}
	})
}

// A policy that would leave no admin able to sign in is refused with
// admin_lockout (409) and a message that names the problem; nothing changes
// and nothing is recorded. The same request shapes without the lockout pass.
func TestOrganizationAdminLockout(t *testing.T) {
	t.Parallel()
	engines(t, func(t *testing.T, e *env) {
		c := e.project("Acme")
		oid := c.newOrg("Southwest")
		before := c.do(http.MethodGet, "/api/v1/organizations/"+oid, nil).want(http.StatusOK).obj()
		for _, tc := range []struct {
			body     map[string]any
			says     string
			location string
		}{
			{map[string]any{"allowed_login_methods": []string{"saml"}}, "include neither email nor password", "body.allowed_login_methods"},
			{map[string]any{"require_sso": true}, "SSO connection", "body.require_sso"},
			{map[string]any{"require_mfa": true, "name": "Renamed"}, "second factor", "body.require_mfa"},
		} {
			p := c.do(http.MethodPatch, "/api/v1/organizations/"+oid, tc.body).problem(http.StatusConflict, "admin_lockout")
			detail, _ := p["detail"].(string)
			errs, _ := p["errors"].([]any)
			if !strings.Contains(detail, tc.says) || len(errs) != 1 || errs[0].(map[string]any)["location"] != tc.location {
				t.Fatalf("%v: problem = %v", tc.body, p)
			}
		}
		c.do(http.MethodPost, "/api/v1/organizations", map[string]any{"name": "Strict", "require_sso": true}).problem(http.StatusConflict, "admin_lockout")
		after := c.do(http.MethodGet, "/api/v1/organizations/"+oid, nil).want(http.StatusOK).obj()
		if mustJSON(t, before) != mustJSON(t, after) {
			t.Fatalf("a refused policy changed the organization:\n%v\n%v", before, after)
		}
		if types := auditTypes(c, ""); types["organization.updated"] != 0 || types["organization.created"] != 1 {
			t.Fatalf("refused changes were recorded: %v", types)
		}

		// Baselines: password only, and the kill switch (which stops every
		// login on purpose) are accepted.
		up := c.do(http.MethodPatch, "/api/v1/organizations/"+oid, map[string]any{"allowed_login_methods": []string{"password", "saml"}}).want(http.StatusOK).obj()
		if ms := up["allowed_login_methods"].([]any); len(ms) != 2 {
			t.Fatalf("allowed_login_methods = %v", ms)
		}
		up = c.do(http.MethodPatch, "/api/v1/organizations/"+oid, map[string]any{"logins_disabled": true}).want(http.StatusOK).obj()
		if up["logins_disabled"] != true {
			t.Fatalf("kill switch = %v", up)
		}
	})
}

// Turning the kill switch on through the API ends every session of the
// organization at once, and no other.
func TestOrganizationKillSwitchRevokesSessions(t *testing.T) {
	t.Parallel()
	sessionEngines(t, func(t *testing.T, e *sessionEnv) {
		a := e.project("Acme")
		orgID, other := a.newOrg("Southwest"), a.newOrg("Best Buy")
		s1 := e.login(a, a.newUser(orgID, "ann@southwest.example", nil)["id"].(string))
		s2 := e.login(a, a.newUser(other, "bob@bestbuy.example", nil)["id"].(string))

		a.do(http.MethodPatch, "/api/v1/organizations/"+orgID, map[string]any{"logins_disabled": true}).want(http.StatusOK)
		got := a.do(http.MethodGet, "/api/v1/sessions/"+s1, nil).want(http.StatusOK).obj()
		if got["revoked_at"] == nil || got["revoke_reason"] != "logins_disabled" {
			t.Fatalf("session after the kill switch: %v", got)
		}
		if got := a.do(http.MethodGet, "/api/v1/sessions/"+s2, nil).want(http.StatusOK).obj(); got["revoked_at"] != nil {
			t.Fatalf("another organization's session was revoked: %v", got)
		}
		if types := auditTypes(a, "event_type=session.revoked"); types["session.revoked"] != 1 {
			t.Fatalf("session.revoked events: %v", types)
		}
	})
}

// auditTypes counts the project's audit events by type, optionally filtered.
func auditTypes(c *client, query string) map[string]int {
	c.t.Helper()
	out := map[string]int{}
	path := "/api/v1/audit-events"
	if query != "" {
		path += "?" + query
	}
	for _, ev := range c.listAll(path, 200) {
		out[ev["event_type"].(string)]++
	}
	return out
}
